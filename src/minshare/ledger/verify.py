"""``ledger verify``: recompute the whole ledger from its stored entries and check every stored
hash, checkpoint, signature and cosignature, and the record trees kept in the workspace.

Nothing stored is trusted: leaf hashes are recomputed from the entry bytes, every root from those
hashes, every checkpoint's signature is checked with the log's key. A finding names where it is:
the store, the table row (entry index or tree size) and the column, or the workspace file.

When an entry's stored leaf hash and its bytes disagree, the signed checkpoints decide which one
changed: if the roots they sign are the roots of the stored hashes, the entry bytes changed.

The stored subtree hashes (``ledger_hashes``, which every root and proof is read from) are
recomputed from the entries too: every complete subtree must be stored, with the hash of the
entries under it, and nothing else may be. A stored hash that matches neither the entries'
tree nor the tree of the stored leaf hashes is reported at its row (``level``, ``row`` = index,
``field`` ``hash``); one that matches the stored leaf hashes but not the entries is explained
by the entry finding and not reported twice.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from minshare.errors import MinshareError
from minshare.ledger.checkpoint import CosignerKey, open_checkpoint, parse_checkpoint
from minshare.ledger.log import Ledger, check_entry
from minshare.ledger.merkle import MemoryTree, TreeHasher, leaf_hash
from minshare.ledger.note import Ed25519Verifier, parse_vkey, split_note
from minshare.ledger.records import StoredRecordTree, record_tree_ref, records_dir
from minshare.package.manifest import parse_manifest


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    check: str
    message: str
    location: dict[str, Any]

    def __str__(self) -> str:
        where = ", ".join(f"{k} {v}" for k, v in self.location.items())
        return f"{where}: {self.message}" if where else self.message


class LedgerReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    store: str
    origin: str
    vkey: str
    size: int
    checkpoints: int
    cosignatures: int
    record_trees: int
    key_given: bool
    checks: dict[str, int]
    findings: list[Finding]


class _Run:
    def __init__(self, store: str) -> None:
        self.store = store
        self.findings: list[Finding] = []
        self.checks: dict[str, int] = {}

    def ok(self, check: str) -> None:
        self.checks[check] = self.checks.get(check, 0) + 1

    def bad(self, check: str, message: str, **where: Any) -> None:
        self.ok(check)
        loc = {"file": self.store, **{k: v for k, v in where.items() if v is not None}}
        self.findings.append(Finding(check=check, message=message, location=loc))


def verify_ledger(
    ledger: Ledger,
    *,
    public_key: Ed25519Verifier | str | None = None,
    witnesses: tuple[CosignerKey, ...] = (),
    workspace: Path | None = None,
) -> LedgerReport:
    """Check everything; never stops at the first problem. ``public_key`` (a vkey) is the log
    key to check against; without it the key recorded in the store is used, which proves the
    ledger is intact but not whose it is."""
    store = ledger.store
    run = _Run(store.location)
    meta = store.meta()
    stored_vkey = meta.get("vkey", "")
    verifier = ledger.verifier
    if public_key is not None:
        verifier = parse_vkey(public_key) if isinstance(public_key, str) else public_key
        if verifier.vkey != stored_vkey:
            run.bad(
                "log-key",
                f"the ledger's key is {stored_vkey}, not the given key",
                table="ledger_meta",
                field="vkey",
            )
    try:
        recorded = parse_vkey(stored_vkey)
        if recorded.name != meta.get("origin"):
            run.bad(
                "log-key",
                "the recorded key's name is not the origin",
                table="ledger_meta",
                field="origin",
            )
        else:
            run.ok("log-key")
    except MinshareError as exc:
        run.bad("log-key", str(exc.message), table="ledger_meta", field="vkey")

    entries = store.entries()
    computed = MemoryTree()
    stored_hashes = MemoryTree()
    suspect: dict[int, tuple[bytes, bytes]] = {}
    for expected, entry in enumerate(entries):
        if entry.index != expected:
            run.bad(
                "entry-index",
                f"entry {expected} is missing (next is {entry.index})",
                table="ledger_entries",
                row=expected,
            )
            break
        h = leaf_hash(entry.data)
        computed.append(h)
        stored_hashes.append(entry.leaf_hash if len(entry.leaf_hash) == 32 else h)
        if h != entry.leaf_hash:
            suspect[entry.index] = (h, entry.leaf_hash)
        else:
            run.ok("entry-hash")
        try:
            check_entry(entry.data, file=f"entry {entry.index}")
            run.ok("entry-format")
        except MinshareError as exc:
            run.bad(
                "entry-format",
                f"not a recordable manifest: {exc.message}",
                table="ledger_entries",
                row=entry.index,
                field="data",
            )
    size = computed.size
    by_data = TreeHasher(computed)
    by_hash = TreeHasher(stored_hashes)

    _check_stored_hashes(run, store.all_hashes(), computed, stored_hashes)

    checkpoints = store.checkpoints()
    signed_roots: dict[int, bytes] = {}
    seen_sizes = set()
    for cp in checkpoints:
        seen_sizes.add(cp.size)
        where = {"table": "ledger_checkpoints", "row": cp.size, "field": "note"}
        try:
            opened = open_checkpoint(cp.note, verifier)
        except MinshareError as exc:
            run.bad("checkpoint-signature", exc.message, **where)
            with contextlib.suppress(MinshareError):
                signed_roots[cp.size] = parse_checkpoint(split_note(cp.note)[0]).root
            continue
        run.ok("checkpoint-signature")
        c = opened.checkpoint
        signed_roots[c.size] = c.root
        if c.size != cp.size:
            run.bad("checkpoint-size", f"signed size {c.size} stored as size {cp.size}", **where)
        elif c.size > size:
            run.bad("checkpoint-root", f"size {c.size} is beyond the {size} entries", **where)
        elif c.root != by_data.root(c.size):
            run.bad(
                "checkpoint-root",
                f"the signed root of size {c.size} is not the root of the stored entries",
                **where,
            )
        else:
            run.ok("checkpoint-root")
    for missing in sorted(set(range(1, size + 1)) - seen_sizes):
        run.bad(
            "checkpoint-missing",
            f"no checkpoint for size {missing} (one per append)",
            table="ledger_checkpoints",
            row=missing,
        )

    for index, (from_data, stored) in suspect.items():
        agree = [
            s for s, root in signed_roots.items() if index < s <= size and root == by_hash.root(s)
        ]
        which = "data" if agree else "leaf_hash"
        run.bad(
            "entry-hash",
            f"stored leaf hash {stored.hex()} but the data hashes to {from_data.hex()}; "
            + (
                "the signed checkpoints match the stored hash, so the entry data was changed"
                if agree
                else "the entry data matches the signed checkpoints, so the stored "
                "leaf hash was changed"
            ),
            table="ledger_entries",
            row=index,
            field=which,
        )

    cosigs = store.cosignatures()
    known = {(w.name, w.key_id): w for w in witnesses}
    for cs in cosigs:
        where = {"table": "ledger_cosignatures", "row": cs.size, "field": "line"}
        stored_cp = store.checkpoint(cs.size)
        try:
            _, sigs = split_note(b"x\n\n" + cs.line.encode("utf-8"))
            sig = sigs[0]
            if (sig.name, sig.key_id) != (cs.name, cs.key_id):
                raise ValueError("the line's name or key id is not the row's")
            witness = known.get((cs.name, cs.key_id))
            if witness is not None and stored_cp is not None:
                text, _ = split_note(stored_cp.note)
                if not witness.verify(text, sig.signature):
                    raise ValueError(f"the cosignature by {cs.name} does not verify")
            run.ok("cosignature")
        except (MinshareError, ValueError) as exc:
            run.bad("cosignature", str(getattr(exc, "message", exc)), **where)

    trees = 0
    if workspace is not None:
        for entry in entries[:size]:
            try:
                manifest = parse_manifest(entry.data)
                ref = record_tree_ref(manifest)
            except MinshareError:
                continue
            directory = records_dir(workspace) / ref.root_bytes.hex()
            if not directory.is_dir():
                continue
            trees += 1
            try:
                stored_tree = StoredRecordTree(directory)
                problems = stored_tree.check_files()
                if stored_tree.root != ref.root_bytes or stored_tree.size != ref.size:
                    problems.append(("meta.json", "root or size is not the manifest's"))
                if stored_tree.hasher.root() != ref.root_bytes:
                    problems.append(("tree.bin", "the stored hashes do not give the root"))
                if stored_tree.recompute_root() != ref.root_bytes:
                    problems.append(("leaves.arrow", "the stored leaves do not give the root"))
                for file, message in problems:
                    run.findings.append(
                        Finding(
                            check="record-tree",
                            message=f"{message} (entry {entry.index})",
                            location={"file": str(directory / file)},
                        )
                    )
                run.ok("record-tree")
            except MinshareError as exc:
                run.findings.append(
                    Finding(
                        check="record-tree",
                        message=f"{exc.message} (entry {entry.index})",
                        location={"file": str(directory)},
                    )
                )
    return LedgerReport(
        ok=not run.findings,
        store=store.location,
        origin=meta.get("origin", ""),
        vkey=stored_vkey,
        size=size,
        checkpoints=len(checkpoints),
        cosignatures=len(cosigs),
        record_trees=trees,
        key_given=public_key is not None,
        checks=run.checks,
        findings=run.findings,
    )


def _check_stored_hashes(
    run: _Run,
    rows: list[tuple[int, int, bytes]],
    by_data: MemoryTree,
    by_hash: MemoryTree,
) -> None:
    """Every complete subtree of the entries stored once, with the right hash; nothing more."""
    seen: set[tuple[int, int]] = set()
    for level, index, stored in rows:
        seen.add((level, index))
        where = {"table": "ledger_hashes", "level": level, "row": index, "field": "hash"}
        if level >= len(by_data.levels) or index >= len(by_data.levels[level]):
            run.bad(
                "stored-hash",
                f"a stored hash of subtree {index} at level {level}, which the "
                f"{by_data.size} entries do not complete",
                **where,
            )
            continue
        expected = by_data.complete(level, index)
        if stored == expected:
            run.ok("stored-hash")
        elif stored == by_hash.complete(level, index):
            run.ok("stored-hash")  # a changed entry: reported with the entry
        else:
            run.bad(
                "stored-hash",
                f"stored hash {stored.hex()} of leaves [{index << level}, "
                f"{(index + 1) << level}) but the entries hash to {expected.hex()}",
                **where,
            )
    for level, hashes in enumerate(by_data.levels):
        for index in range(len(hashes)):
            if (level, index) not in seen:
                run.bad(
                    "stored-hash",
                    f"no stored hash of leaves [{index << level}, {(index + 1) << level})",
                    table="ledger_hashes",
                    level=level,
                    row=index,
                )


__all__ = ["Finding", "LedgerReport", "verify_ledger"]
