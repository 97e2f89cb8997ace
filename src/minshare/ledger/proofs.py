"""Self-contained proof bundles: what was disclosed about one person, provable offline.

A bundle (JSON, format ``minshare-accounting-proof/1``) holds:

- ``checkpoint``: the ledger's latest signed checkpoint (size N, root R);
- ``statement``: a note signed with the same key, binding the person (state, Medicaid ID, person
  key), the size N, the time, and the entries withheld from the individual (a suspension, or a
  5 U.S.C. 552a(b)(7) disclosure: ``accounting.hidden_because``);
- ``packages``: one item per ledger entry 0..N-1, each with the entry's inclusion path to R and
  - ``included``: the manifest bytes, and the person's record leaf with its path to the
    package's record root (the manifest's ``record_tree.root``);
  - ``not_included``: the manifest bytes, and the two adjacent leaves whose person keys bracket
    the person's key, each with its path (one leaf at either end; none for an empty tree);
  - ``withheld``: only the entry's leaf hash (its content stays hidden from the individual).

:func:`verify_bundle` checks all of it with the log's public key alone. Because every entry
0..N-1 is covered, the bundle also proves the accounting is complete for that ledger at size N.
The JSON must be byte-for-byte canonical, so any changed byte is caught, even whitespace.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError, model_validator

from minshare.errors import MinshareError
from minshare.ledger.accounting import (
    View,
    _event,
    hidden_because,
    person,
    suspensions,
)
from minshare.ledger.checkpoint import CosignerKey, open_checkpoint
from minshare.ledger.errors import ProofError
from minshare.ledger.log import Ledger, now_text
from minshare.ledger.merkle import EMPTY_ROOT, leaf_hash, verify_inclusion
from minshare.ledger.note import (
    Ed25519Verifier,
    canonical_b64decode,
    open_note,
    parse_vkey,
    sign_note,
)
from minshare.ledger.records import StoredRecordTree, decode_leaf, record_tree_ref
from minshare.package.manifest import manifest_bytes, parse_manifest

FORMAT: Literal["minshare-accounting-proof/1"] = "minshare-accounting-proof/1"
STATEMENT_HEADER = "minshare/accounting-proof/v1"
B64 = Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]*={0,2}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LeafProof(_Model):
    leaf_index: NonNegativeInt
    leaf: B64
    path: list[B64]


class PackageProof(_Model):
    entry_index: NonNegativeInt
    status: Literal["included", "not_included", "withheld", "unavailable"]
    entry_path: list[B64]
    entry: B64 | None = None
    entry_hash: B64 | None = None
    record: LeafProof | None = None
    left: LeafProof | None = None
    right: LeafProof | None = None

    @model_validator(mode="after")
    def _shape(self) -> PackageProof:
        hidden = self.status == "withheld"
        if hidden != (self.entry is None) or hidden == (self.entry_hash is None):
            raise ValueError("a withheld entry has entry_hash only; others have entry only")
        if (self.status == "included") != (self.record is not None):
            raise ValueError("record is given exactly when the person is included")
        if self.status != "not_included" and (self.left or self.right):
            raise ValueError("left and right belong to not_included")
        return self


class ProofBundle(_Model):
    """JSON Schema: ``minshare.ledger.proofs.ProofBundle.model_json_schema()``."""

    format: Literal["minshare-accounting-proof/1"]
    checkpoint: str
    statement: str
    packages: list[PackageProof]


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def bundle_bytes(bundle: ProofBundle) -> bytes:
    """Canonical: sorted keys, 2-space indent, one trailing newline."""
    text = json.dumps(bundle.model_dump(mode="json"), sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _leaf_proof(tree: StoredRecordTree, index: int) -> LeafProof:
    return LeafProof(
        leaf_index=index,
        leaf=_b64(tree.leaf(index)),
        path=[_b64(h) for h in tree.inclusion_proof(index)],
    )


def statement_text(
    state: str, msis_id: str, key: bytes, size: int, at: int, withheld: list[int]
) -> bytes:
    lines = [
        STATEMENT_HEADER,
        f"state {state}",
        f"id {msis_id}",
        f"key {_b64(key)}",
        f"size {size}",
        f"time {at}",
        "withheld " + (",".join(str(i) for i in withheld) if withheld else "-"),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def prove_person(
    ledger: Ledger,
    workspace: Path,
    state: str,
    msis_id: str,
    *,
    view: View = "individual",
    now: datetime | None = None,
) -> ProofBundle:
    """The proof bundle of one person against the ledger's latest checkpoint."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ref, key = person(workspace, state, msis_id)
    note = ledger.checkpoint()
    size = open_checkpoint(note, ledger.verifier).checkpoint.size
    active = [s for s in suspensions(ledger) if s.active(now)]
    items: list[PackageProof] = []
    withheld: list[int] = []
    for stored in ledger.store.entries(0, size):
        # One batched read of the stored hashes per entry (the top of the tree stays cached).
        path = [_b64(h) for h in ledger.inclusion_proof(stored.index, size)]
        manifest = parse_manifest(stored.data, file=f"entry {stored.index}")
        if view == "individual" and hidden_because(manifest, key, active) is not None:
            withheld.append(stored.index)
            items.append(
                PackageProof(
                    entry_index=stored.index,
                    status="withheld",
                    entry_path=path,
                    entry_hash=_b64(stored.leaf_hash),
                )
            )
            continue
        tree_ref = record_tree_ref(manifest, file=f"entry {stored.index}")
        tree = StoredRecordTree.open(workspace, tree_ref.root_bytes)
        entry = _b64(stored.data)
        if tree is None:
            items.append(
                PackageProof(
                    entry_index=stored.index, status="unavailable", entry_path=path, entry=entry
                )
            )
            continue
        found = tree.find(key)
        if found.index is not None:
            items.append(
                PackageProof(
                    entry_index=stored.index,
                    status="included",
                    entry_path=path,
                    entry=entry,
                    record=_leaf_proof(tree, found.index),
                )
            )
        else:
            items.append(
                PackageProof(
                    entry_index=stored.index,
                    status="not_included",
                    entry_path=path,
                    entry=entry,
                    left=None if found.left is None else _leaf_proof(tree, found.left),
                    right=None if found.right is None else _leaf_proof(tree, found.right),
                )
            )
    text = statement_text(ref.state, ref.msis_id, key, size, int(now.timestamp()), withheld)
    statement = sign_note(text, ledger.signer)
    _event(ledger, "proof.provided", {"person_key": key.hex(), "size": size, "view": view}, now)
    return ProofBundle(
        format=FORMAT,
        checkpoint=note.decode("utf-8"),
        statement=statement.decode("utf-8"),
        packages=items,
    )


def write_bundle(bundle: ProofBundle, path: Path) -> None:
    path.write_bytes(bundle_bytes(bundle))


# --- verification -------------------------------------------------------------------------------


class Disclosure(BaseModel):
    """A verified disclosure of the person, read from the verified manifest."""

    model_config = ConfigDict(frozen=True)

    entry_index: int
    disclosed_at: datetime
    recipient: str
    recipient_address: str
    fields: list[str]
    values: dict[str, str | None]
    purpose: str
    request_id: str
    request_sha256: str
    orders: list[str]


class BundleReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    ok: bool
    origin: str | None = None
    size: int | None = None
    state: str | None = None
    msis_id: str | None = None
    person_key: str | None = None
    statement_time: datetime | None = None
    disclosures: list[Disclosure] = Field(default_factory=list)
    not_included: list[int] = Field(default_factory=list)
    withheld: list[int] = Field(default_factory=list)
    unavailable: list[int] = Field(default_factory=list)
    complete: bool = False
    unverified_signatures: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)


def _hashes(values: list[str], what: str) -> list[bytes]:
    return [canonical_b64decode(v, f"{what}[{i}]") for i, v in enumerate(values)]


def _parse_statement(text: bytes) -> dict[str, str]:
    lines = text.decode("utf-8").split("\n")
    if lines[0] != STATEMENT_HEADER or lines[-1] != "":
        raise ProofError("the statement is not a minshare accounting-proof statement")
    fields: dict[str, str] = {}
    for line in lines[1:-1]:
        name, sep, value = line.partition(" ")
        if not sep or name in fields:
            raise ProofError(f"statement line {line!r} is malformed")
        fields[name] = value
    if set(fields) != {"state", "id", "key", "size", "time", "withheld"}:
        raise ProofError("the statement lacks a line or has an extra one")
    return fields


def _check_leaf(proof: LeafProof, size: int, root: bytes, columns: int, where: str) -> bytes:
    leaf = canonical_b64decode(proof.leaf, f"{where} leaf")
    decode_leaf(leaf, columns)
    verify_inclusion(proof.leaf_index, size, leaf_hash(leaf), _hashes(proof.path, where), root)
    return leaf


def _package(item: PackageProof, key: bytes, report: dict[str, Any]) -> None:
    assert item.entry is not None
    entry = canonical_b64decode(item.entry, "entry")
    manifest = parse_manifest(entry, file=f"entry {item.entry_index}")
    if manifest_bytes(manifest) != entry:
        raise ProofError("the entry is not a canonical manifest")
    ref = record_tree_ref(manifest, file=f"entry {item.entry_index}")
    root, size, ncols = ref.root_bytes, ref.size, len(manifest.columns)
    if item.status == "unavailable":
        report["unavailable"].append(item.entry_index)
        return
    if item.status == "included":
        assert item.record is not None
        leaf = _check_leaf(item.record, size, root, ncols, "record")
        decoded = decode_leaf(leaf, ncols)
        if decoded.key != key:
            raise ProofError("the record's person key is not the person's")
        r = manifest.request
        report["disclosures"].append(
            Disclosure(
                entry_index=item.entry_index,
                disclosed_at=manifest.created_at,
                recipient=r.recipient.name,
                recipient_address=r.recipient.address,
                fields=list(manifest.columns),
                values=dict(zip(manifest.columns, decoded.values, strict=True)),
                purpose=r.purpose,
                request_id=r.request_id,
                request_sha256=r.sha256,
                orders=[f"{o.id} (sha256 {o.sha256})" for o in manifest.orders],
            )
        )
        return
    # not included: the bracketing leaves are adjacent and their keys are either side.
    if size == 0:
        if item.left or item.right or root != EMPTY_ROOT:
            raise ProofError("an empty record tree has no leaves and the empty root")
        report["not_included"].append(item.entry_index)
        return
    if item.left is None and item.right is None:
        raise ProofError("a non-inclusion proof needs at least one neighbouring leaf")
    left_key = right_key = None
    if item.left is not None:
        left_key = decode_leaf(_check_leaf(item.left, size, root, ncols, "left"), ncols).key
        if not left_key < key:
            raise ProofError("the left leaf's key is not below the person's key")
    if item.right is not None:
        right_key = decode_leaf(_check_leaf(item.right, size, root, ncols, "right"), ncols).key
        if not key < right_key:
            raise ProofError("the right leaf's key is not above the person's key")
    if item.left is None and item.right is not None and item.right.leaf_index != 0:
        raise ProofError("with no left leaf, the right leaf must be the first")
    if item.right is None and item.left is not None and item.left.leaf_index != size - 1:
        raise ProofError("with no right leaf, the left leaf must be the last")
    if (
        item.left is not None
        and item.right is not None
        and item.right.leaf_index != item.left.leaf_index + 1
    ):
        raise ProofError("the two leaves are not adjacent")
    report["not_included"].append(item.entry_index)


def verify_bundle(
    data: bytes,
    public_key: Ed25519Verifier | str,
    *,
    witnesses: tuple[CosignerKey, ...] = (),
) -> BundleReport:
    """Verify a proof bundle offline with the ledger's verifier key (``name+keyid+base64``).

    Every check runs on its own package, and the report lists every problem; ``ok`` only when
    there is none. ``witnesses`` (cosigner keys), when given, must each have cosigned the
    checkpoint.
    """
    problems: list[str] = []
    verifier = parse_vkey(public_key) if isinstance(public_key, str) else public_key
    try:
        bundle = ProofBundle.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return BundleReport(ok=False, problems=[f"not a proof bundle: {where}: {first['msg']}"])
    if bundle_bytes(bundle) != data:
        problems.append(
            "the bundle is not in canonical form (sorted keys, 2-space indent, one "
            "newline): a byte was changed"
        )
    try:
        opened = open_checkpoint(bundle.checkpoint.encode("utf-8"), verifier, witnesses)
        statement = open_note(bundle.statement.encode("utf-8"), [verifier])
        fields = _parse_statement(statement.text)
    except MinshareError as exc:
        return BundleReport(ok=False, problems=[*problems, f"signature: {exc.message}"])
    cp = opened.checkpoint
    unverified = [f"{s.name} ({s.key_id:08x})" for s in opened.note.unverified]
    report: dict[str, Any] = {"disclosures": [], "not_included": [], "unavailable": []}
    try:
        key = canonical_b64decode(fields["key"], "the statement's key")
        size = int(fields["size"])
        withheld = (
            [] if fields["withheld"] == "-" else [int(x) for x in fields["withheld"].split(",")]
        )
        at = datetime.fromtimestamp(int(fields["time"]), UTC)
    except (ValueError, MinshareError) as exc:
        return BundleReport(ok=False, problems=[*problems, f"statement: {exc}"])
    if size != cp.size or str(size) != fields["size"]:
        problems.append(f"the statement is for size {fields['size']}, the checkpoint {cp.size}")
    if [p.entry_index for p in bundle.packages] != list(range(cp.size)):
        problems.append(f"the bundle does not cover exactly the entries 0..{cp.size - 1}")
    for item in bundle.packages:
        where = f"package {item.entry_index}"
        try:
            if item.entry_index >= cp.size:
                raise ProofError("beyond the checkpoint")
            if (item.status == "withheld") != (item.entry_index in withheld):
                raise ProofError("withheld here but not in the signed statement, or the reverse")
            if item.status == "withheld":
                assert item.entry_hash is not None
                h = canonical_b64decode(item.entry_hash, "entry_hash")
            else:
                assert item.entry is not None
                h = leaf_hash(canonical_b64decode(item.entry, "entry"))
            verify_inclusion(
                item.entry_index, cp.size, h, _hashes(item.entry_path, "entry_path"), cp.root
            )
            if item.status != "withheld":
                _package(item, key, report)
        except MinshareError as exc:
            problems.append(f"{where}: {exc.message}")
    if report["unavailable"]:
        problems.append(
            "entries "
            + ", ".join(map(str, report["unavailable"]))
            + ": the discloser could not prove whether the person is in them"
        )
    return BundleReport(
        ok=not problems,
        origin=cp.origin,
        size=cp.size,
        state=fields["state"],
        msis_id=fields["id"],
        person_key=key.hex(),
        statement_time=at,
        disclosures=report["disclosures"],
        not_included=report["not_included"],
        withheld=withheld,
        unavailable=report["unavailable"],
        complete=not problems,
        unverified_signatures=unverified,
        problems=problems,
    )


def load_verifier_key(text_or_path: str) -> Ed25519Verifier:
    """A vkey given as text, or a file holding one."""
    candidate = Path(text_or_path)
    if candidate.is_file():
        return parse_vkey(candidate.read_text(encoding="utf-8").strip())
    return parse_vkey(text_or_path)


__all__ = [
    "FORMAT",
    "BundleReport",
    "Disclosure",
    "LeafProof",
    "PackageProof",
    "ProofBundle",
    "bundle_bytes",
    "load_verifier_key",
    "now_text",
    "prove_person",
    "verify_bundle",
    "write_bundle",
]
