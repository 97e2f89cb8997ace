"""The disclosure ledger: an append-only RFC 9162 log of package manifests with signed checkpoints.

One entry per published package: the exact bytes of its ``manifest.json``. Every append writes
the entry, the hashes of the complete subtrees it completes, and a new signed checkpoint (C2SP
tlog-checkpoint, Ed25519 signed note) in one transaction. Roots and proofs read those stored
hashes (O(log n) of them, by primary key), so they cost the same in a fresh process as in a
long-lived one. The log's key is ``WS/keys/ledger.key`` (kept apart from the package signing key,
so one key never signs two kinds of message), and its key name is the log's origin.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minshare.errors import DataError, UsageError
from minshare.ledger.checkpoint import (
    Checkpoint,
    Cosigner,
    CosignerKey,
    add_signature,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from minshare.ledger.errors import LedgerError, ProofError
from minshare.ledger.merkle import EMPTY_ROOT, TreeHasher, leaf_hash, subtrees_read
from minshare.ledger.note import Ed25519Signer, Ed25519Verifier, Signature, split_note
from minshare.ledger.records import record_tree_ref
from minshare.ledger.store import (
    HashCache,
    Store,
    StoredTree,
    fault,
    left_siblings,
    new_hashes,
    open_store,
    sync_hashes,
)
from minshare.package import keys as pkg_keys
from minshare.package.manifest import MANIFEST, manifest_bytes, parse_manifest

FORMAT = "minshare-ledger/1"
KEY_NAME = "ledger"
ORIGIN_PREFIX = "minshare.invalid/ledger/"
#: C2SP tlog-tiles entry bundles length-prefix entries with a uint16.
MAX_ENTRY_BYTES = 0xFFFF
#: Stored subtree hashes a ledger keeps in memory (about 150 bytes each): the top of the tree,
#: which every proof reads, stays cached in a long-lived process.
CACHE_HASHES = 4096

_T = TypeVar("_T")


def now_text(now: datetime | None = None) -> str:
    value = (now or datetime.now(UTC)).astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ledger_signing_key(workspace: Path) -> Ed25519PrivateKey:
    """``WS/keys/ledger.key`` (PKCS#8 PEM, 0600) and ``ledger.pub``, created on first use."""
    keys_dir = Path(workspace) / "keys"
    private, _ = pkg_keys.key_paths(keys_dir, KEY_NAME)
    if not private.exists():
        try:
            pkg_keys.generate_keypair(keys_dir, KEY_NAME)
        except UsageError:
            if not private.exists():  # lost a race with another process: theirs is fine
                raise
    return pkg_keys.load_private_key(private)


def default_origin(public_key: bytes) -> str:
    return ORIGIN_PREFIX + hashlib.sha256(public_key).hexdigest()[:16]


@dataclass(frozen=True)
class Appended:
    index: int
    size: int
    leaf_hash: bytes
    checkpoint: bytes


class Ledger:
    """A ledger over a :class:`~minshare.ledger.store.Store`, signing with the workspace's key."""

    def __init__(
        self, store: Store, signer: Ed25519Signer, *, cache_size: int = CACHE_HASHES
    ) -> None:
        self.store = store
        self.signer = signer
        self.verifier: Ed25519Verifier = signer.verifier
        self.cache = HashCache(cache_size)

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the tree -----------------------------------------------------------------------------

    def tree(self) -> StoredTree:
        """The stored tree at the latest size: complete-subtree hashes read from the store."""
        return StoredTree(
            self.store.hashes, self.store.size(), cache=self.cache, location=self.store.location
        )

    def hasher(self) -> TreeHasher:
        """Roots and proofs of any size up to the latest over the stored hashes (one lookup
        per hash; :meth:`root` and the proof methods batch them into one query)."""
        return TreeHasher(self.tree())

    def _run(self, run: Callable[[TreeHasher], _T]) -> _T:
        tree = self.tree()
        tree.prefetch(subtrees_read(tree.size, run))
        return run(TreeHasher(tree))

    def size(self) -> int:
        return self.store.size()

    def root(self, size: int | None = None) -> bytes:
        return self._run(lambda h: h.root(size))

    def entry(self, index: int) -> bytes:
        return self.store.entry(index).data

    def leaf_hash(self, index: int) -> bytes:
        """Entry ``index``'s leaf hash: one stored hash, without reading the entry."""
        return self.tree().complete(0, index)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return self._run(lambda h: h.inclusion_proof(index, size))

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        return self._run(lambda h: h.consistency_proof(first, second))

    # --- appending ----------------------------------------------------------------------------

    def append(self, entry: bytes, *, now: datetime | None = None) -> Appended:
        """Append ``entry`` and sign the checkpoint of the new size, in one transaction.

        Refuses an entry over 65,535 bytes (tile bundles cannot carry it) and an entry already
        in the log (a package is recorded once).
        """
        if not entry:
            raise LedgerError("an empty entry is not recorded")
        if len(entry) > MAX_ENTRY_BYTES:
            raise LedgerError(
                f"the entry is {len(entry)} bytes; entries are at most {MAX_ENTRY_BYTES}"
            )
        h = leaf_hash(entry)
        at = now_text(now)
        fault("append:begin")
        with self.store.transaction() as tx:
            fault("append:locked")
            sync_hashes(tx)  # entries a version without ledger_hashes appended
            index = tx.size()
            existing = tx.find_leaf(h)
            if existing is not None:
                raise LedgerError(
                    f"this entry is already in the ledger at index {existing}",
                    file=self.store.location,
                    row=existing,
                )
            tx.insert_entry(index, entry, h, at)
            fault("append:entry-written")
            before = StoredTree(tx.hashes, index, cache=self.cache, location=self.store.location)
            before.prefetch(left_siblings(index))
            fresh = new_hashes(index, h, before.complete)
            tx.insert_hashes(fresh)
            fault("append:hashes-written")
            size = index + 1
            # What this transaction wrote stays out of the cache until it is committed.
            pending = {(k, j): v for k, j, v in fresh}
            grown = StoredTree(
                tx.hashes, size, cache=self.cache, pending=pending, location=self.store.location
            )
            grown.prefetch(subtrees_read(size, lambda t: t.root(size)))
            checkpoint = Checkpoint(self.origin, size, TreeHasher(grown).root(size))
            note = sign_checkpoint(checkpoint, self.signer)
            tx.insert_checkpoint(size, note, at)
            fault("append:checkpoint-written")
        for key, value in pending.items():
            self.cache.put(key, value)
        fault("append:committed")
        return Appended(index, size, h, note)

    # --- checkpoints --------------------------------------------------------------------------

    def empty_checkpoint(self) -> bytes:
        """The signed checkpoint of the empty log (size 0); not stored."""
        return sign_checkpoint(Checkpoint(self.origin, 0, EMPTY_ROOT), self.signer)

    def checkpoint(self, size: int | None = None) -> bytes:
        """The stored signed checkpoint (latest, or of ``size``) with any cosignatures."""
        stored = self.store.checkpoint(size)
        if stored is None:
            if size in (None, 0) and self.store.size() == 0:
                return self.empty_checkpoint()
            raise LedgerError(f"no checkpoint of size {size}", file=self.store.location)
        note = stored.note
        for cosig in self.store.cosignatures(stored.size):
            note += cosig.line.encode("utf-8")
        return note

    def add_cosignature(
        self, witness: Cosigner, *, size: int | None = None, now: datetime | None = None
    ) -> bytes:
        """Have ``witness`` cosign a stored checkpoint; keep the line; return the note.

        A real witness runs elsewhere and checks consistency with what it saw before signing;
        this is that step for a witness whose key the discloser holds (tests, demos).
        """
        note = self.checkpoint(size)
        opened = open_checkpoint(note, self.verifier)
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        sig = witness.cosign(note, int(moment.timestamp()))
        return self.store_cosignature(opened.checkpoint.size, sig.line(), witness.key, now=now)

    def store_cosignature(
        self, size: int, line: str, key: CosignerKey, *, now: datetime | None = None
    ) -> bytes:
        """Keep a cosignature line (from a witness) after checking it against ``key``."""
        stored = self.store.checkpoint(size)
        if stored is None:
            raise LedgerError(f"no checkpoint of size {size}", file=self.store.location)
        note = add_signature(stored.note, _line_signature(line))
        open_checkpoint(note, self.verifier, (key,))
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO ledger_cosignatures (size, name, key_id, line, added_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (size, key.name, key.key_id, line, now_text(now)),
            )
        return self.checkpoint(size)


def _line_signature(line: str) -> Signature:
    _, sigs = split_note(b"x\n\n" + line.encode("utf-8"))
    if len(sigs) != 1:
        raise ProofError("a cosignature is one signature line")
    return sigs[0]


def open_ledger(
    workspace: Path,
    url: str | None = None,
    *,
    origin: str | None = None,
) -> Ledger:
    """The workspace's ledger (``WS/ledger.sqlite`` or ``url``), created on first use.

    The origin is fixed when the ledger is created (``origin`` or
    ``minshare.invalid/ledger/<16 hex digits of the key>``); opening it later with another
    origin or another key is refused: a log has one identity.
    """
    private = ledger_signing_key(workspace)
    public = pkg_keys.raw_public_key(private.public_key())
    store = open_store(workspace, url)
    try:
        meta = store.meta()
        if not meta:
            chosen = origin or default_origin(public)
            signer = Ed25519Signer(chosen, private)
            with store.transaction() as tx:
                if not tx.query("SELECT key FROM ledger_meta"):
                    for key, value in (
                        ("format", FORMAT),
                        ("origin", chosen),
                        ("vkey", signer.verifier.vkey),
                        ("created_at", now_text()),
                    ):
                        tx.execute(
                            "INSERT INTO ledger_meta (key, value) VALUES (?, ?)", (key, value)
                        )
            meta = store.meta()
        if meta.get("format") != FORMAT:
            raise LedgerError(f"not a {FORMAT} store", file=store.location)
        if origin is not None and origin != meta["origin"]:
            raise LedgerError(
                f"this ledger's origin is {meta['origin']!r}, not {origin!r}", file=store.location
            )
        signer = Ed25519Signer(meta["origin"], private)
        if signer.verifier.vkey != meta["vkey"]:
            raise LedgerError(
                "the workspace's ledger key is not the key this ledger was created with "
                f"({meta['vkey']})",
                file=store.location,
            )
    except BaseException:
        store.close()
        raise
    return Ledger(store, signer)


@contextmanager
def ledger_session(workspace: Path, url: str | None = None) -> Iterator[Ledger]:
    ledger = open_ledger(workspace, url)
    try:
        yield ledger
    finally:
        ledger.close()


# --- packages -----------------------------------------------------------------------------------


def check_entry(entry: bytes, *, file: str = MANIFEST) -> None:
    """An entry must be a canonical package manifest that carries a record tree."""
    manifest = parse_manifest(entry, file=file)
    if manifest_bytes(manifest) != entry:
        raise DataError("not a canonical manifest.json (as publish_package writes it)", file=file)
    if manifest.signing_key is None or not manifest.files:
        raise DataError("not a published manifest (no files or signing key)", file=file)
    ref = record_tree_ref(manifest, file=file)
    if ref.size != manifest.record_count:
        raise DataError(
            f"the record tree has {ref.size} leaves but the package {manifest.record_count} "
            "records",
            file=file,
            field="record_tree.size",
        )


def append_manifest(
    workspace: Path, manifest: bytes, *, url: str | None = None, now: datetime | None = None
) -> Appended:
    """Record a published package: check its ``manifest.json`` bytes, append them, sign.

    This is the engine's last step of a disclosure (``docs/ledger.md``): a package that is not
    in the ledger is not published.
    """
    check_entry(manifest)
    with ledger_session(workspace, url) as ledger:
        return ledger.append(manifest, now=now)


def entry_summary(entry: bytes) -> dict[str, object]:
    """What an entry says, for listings: request, recipient, date, records, record root."""
    data = json.loads(entry)
    request = data.get("request", {})
    tree = data.get("record_tree") or {}
    return {
        "request_id": request.get("request_id"),
        "recipient": request.get("recipient", {}).get("name"),
        "created_at": data.get("created_at"),
        "records": data.get("record_count"),
        "record_root": tree.get("root"),
        "manifest_sha256": hashlib.sha256(entry).hexdigest(),
    }


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


__all__ = [
    "FORMAT",
    "MAX_ENTRY_BYTES",
    "Appended",
    "Ledger",
    "append_manifest",
    "check_entry",
    "default_origin",
    "entry_summary",
    "ledger_session",
    "ledger_signing_key",
    "open_ledger",
    "parse_checkpoint",
]
