"""The record tree: a Merkle root over exactly who was disclosed, and what.

Each disclosed record is one leaf (format ``minshare-record/1``)::

    leaf = 0x01                                   version
        || person_key        32 bytes             HMAC-SHA256(ledger secret, state || 0x00 || id)
        || salt              16 bytes             random, per record
        || for each disclosed column, in the manifest's order:
               0xFFFFFFFF                          a missing value (null)
               u32 big-endian length || UTF-8      otherwise

Leaves are sorted by person key (strictly: a person appears at most once), and the tree is the
RFC 9162 tree over them, so the root commits to the set of people disclosed and lets the
discloser prove, for any person, either the one leaf that holds them or the two adjacent leaves
whose keys bracket theirs (a non-inclusion proof). The salt keeps a guessable value (a date of
birth) from being confirmed by hashing guesses against a published leaf hash.

The root, the size and the key columns go into the package manifest (its ``record_tree`` field,
:class:`~minshare.package.manifest.RecordTreeRef`), which the ledger entry commits to.
The leaves (with their keys and salts) and the tree's hashes stay in the discloser's workspace,
``WS/ledger/records/<root hex>/``, never in the package.

Values are written as text: strings as they are, dates ``YYYY-MM-DD``, integers in decimal,
booleans ``true``/``false``; other Arrow types are refused.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from minshare.data.files import fsync_file as _fsync
from minshare.data.files import sha256_file as _sha256_file
from minshare.errors import DataError, UsageError
from minshare.ledger.errors import LedgerError, ProofError
from minshare.ledger.hashing import NATIVE_MIN_RECORDS, Backend, Packed, backend
from minshare.ledger.merkle import EMPTY_ROOT, HASH_SIZE, TreeHasher, leaf_hash, node_hash
from minshare.package.manifest import (
    RECORD_TREE_FORMAT,
    RECORD_TREE_KEY_COLUMNS,
    Manifest,
    RecordTreeRef,
)

LEAF_VERSION = 1
KEY_BYTES = 32
SALT_BYTES = 16
NULL_LENGTH = 0xFFFFFFFF
HEAD = bytes([LEAF_VERSION])
FORMAT = RECORD_TREE_FORMAT
#: Where an earlier draft put the reference; a manifest that still does is refused.
EXTRA_KEY = "record_tree"
KEY_COLUMNS = RECORD_TREE_KEY_COLUMNS
SECRET_FILE = "ledger.secret"


def record_tree_ref(manifest: Manifest, *, file: str | None = None) -> RecordTreeRef:
    """The record tree reference of a manifest (its ``record_tree`` field), or
    :class:`DataError`."""
    if EXTRA_KEY in manifest.extra:
        raise DataError(
            "the manifest carries extra.record_tree; the record tree goes in the manifest's "
            "record_tree field (one place, so no verifier reads a stale copy)",
            file=file,
            field=f"extra.{EXTRA_KEY}",
        )
    if manifest.record_tree is None:
        raise DataError(
            "the manifest has no record tree (record_tree); build it with "
            "minshare.ledger.build_record_tree before publishing",
            file=file,
            field="record_tree",
        )
    return manifest.record_tree


# --- the person key and the secret --------------------------------------------------------------


def ledger_secret(workspace: Path) -> bytes:
    """The workspace's HMAC secret for person keys, ``WS/keys/ledger.secret`` (32 random bytes,
    mode 0600), created on first use. Losing it makes accounting lookups impossible."""
    keys = Path(workspace) / "keys"
    path = keys / SECRET_FILE
    if not path.exists():
        keys.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            try:
                os.write(fd, secrets.token_bytes(32))
                os.fsync(fd)
            finally:
                os.close(fd)
    data = path.read_bytes()
    if len(data) != 32:
        raise LedgerError("the ledger secret must be 32 bytes", file=str(path))
    return data


def person_key(secret: bytes, state: str, msis_id: str) -> bytes:
    """``HMAC-SHA256(secret, state || 0x00 || msis_id)`` (UTF-8)."""
    msg = state.encode("utf-8") + b"\0" + msis_id.encode("utf-8")
    return hmac.digest(secret, msg, "sha256")


# --- leaves -------------------------------------------------------------------------------------


def encode_leaf(key: bytes, salt: bytes, values: Sequence[str | None]) -> bytes:
    if len(key) != KEY_BYTES or len(salt) != SALT_BYTES:
        raise ValueError("a person key is 32 bytes and a salt 16")
    parts = [HEAD, key, salt]
    for v in values:
        if v is None:
            parts.append(NULL_LENGTH.to_bytes(4, "big"))
        else:
            raw = v.encode("utf-8")
            parts.append(len(raw).to_bytes(4, "big") + raw)
    return b"".join(parts)


@dataclass(frozen=True)
class Leaf:
    key: bytes
    salt: bytes
    values: tuple[str | None, ...]


def decode_leaf(leaf: bytes, columns: int) -> Leaf:
    """Parse a leaf with exactly ``columns`` values, or :class:`ProofError`."""
    if len(leaf) < 1 + KEY_BYTES + SALT_BYTES or leaf[0] != LEAF_VERSION:
        raise ProofError("not a minshare-record/1 leaf")
    p = 1 + KEY_BYTES + SALT_BYTES
    values: list[str | None] = []
    for i in range(columns):
        if p + 4 > len(leaf):
            raise ProofError(f"the leaf ends before value {i + 1} of {columns}")
        n = int.from_bytes(leaf[p : p + 4], "big")
        p += 4
        if n == NULL_LENGTH:
            values.append(None)
            continue
        if p + n > len(leaf):
            raise ProofError(f"value {i + 1} runs past the end of the leaf")
        try:
            values.append(leaf[p : p + n].decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ProofError(f"value {i + 1} is not UTF-8") from exc
        p += n
    if p != len(leaf):
        raise ProofError(f"the leaf has {len(leaf) - p} bytes after its {columns} values")
    return Leaf(
        leaf[1 : 1 + KEY_BYTES], leaf[1 + KEY_BYTES : 1 + KEY_BYTES + SALT_BYTES], tuple(values)
    )


def _as_text(array: pa.Array, name: str) -> pa.Array:
    t = array.type
    if pa.types.is_dictionary(t):
        return _as_text(array.dictionary_decode(), name)
    if pa.types.is_date32(t) and len(array) >= NATIVE_MIN_RECORDS:
        return _dates_as_text(array)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return array  # read in place by _pack
    if (
        pa.types.is_string_view(t)
        or pa.types.is_integer(t)
        or pa.types.is_date(t)
        or pa.types.is_boolean(t)
        or pa.types.is_null(t)
    ):
        return pc.cast(array, pa.large_string())
    raise DataError(
        f"column {name} has type {t}; the record tree encodes text, dates, integers and booleans",
        field=name,
    )


def _dates_as_text(array: pa.Array) -> pa.Array:
    """What ``pc.cast(array, pa.large_string())`` gives, in a compiled loop (Arrow's cast is
    single-threaded and about a tenth of a record tree's time)."""
    n = len(array)
    days = array.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    text = backend(n).date_text(days)
    if text is None:
        return pc.cast(array, pa.large_string())
    offsets = np.arange(0, 10 * n + 1, 10, dtype=np.int64)
    bitmap = None
    if array.null_count:
        valid = array.is_valid()
        bitmap = valid.buffers()[1] if valid.offset == 0 else pa.concat_arrays([valid]).buffers()[1]
        keep = valid.to_numpy(zero_copy_only=False)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.where(keep, 10, 0), out=offsets[1:])
        text = np.ascontiguousarray(text.reshape(n, 10)[keep]).reshape(-1)
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(text), bitmap, array.null_count
    )


# --- hashes in numpy ----------------------------------------------------------------------------


class ArrayLevels:
    """Complete-subtree hashes held as numpy arrays, ``levels[k]`` of shape (n >> k, 32)."""

    def __init__(self, levels: list[NDArray[np.uint8]], size: int) -> None:
        self.levels = levels
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    def complete(self, level: int, index: int) -> bytes:
        return bytes(self.levels[level][index].tobytes())


def level_sizes(n: int) -> list[int]:
    sizes = []
    while n > 0:
        sizes.append(n)
        n //= 2
    return sizes


def build_levels(leaf_hashes: NDArray[np.uint8], hasher: Backend) -> list[NDArray[np.uint8]]:
    levels = [leaf_hashes]
    for size in level_sizes(leaf_hashes.shape[0])[1:]:
        out = np.empty((size, HASH_SIZE), dtype=np.uint8)
        hasher.node_level(levels[-1][: 2 * size], out)
        levels.append(out)
    return levels


# --- building -----------------------------------------------------------------------------------


def records_dir(workspace: Path) -> Path:
    return Path(workspace) / "ledger" / "records"


@dataclass(frozen=True)
class RecordTree:
    """A built record tree: its root and where its workspace files are."""

    root: bytes
    size: int
    columns: tuple[str, ...]
    key_columns: tuple[str, str]
    path: Path
    backend: str

    def ref(self) -> RecordTreeRef:
        import base64

        return RecordTreeRef(
            root=base64.b64encode(self.root).decode("ascii"),
            size=self.size,
            key_columns=self.key_columns,
        )


def _pack(columns: Sequence[Sequence[pa.Array]], n: int) -> Packed:
    """The columns (each a list of string or large_string chunks, ``n`` values in all) copied
    once into one :class:`Packed` buffer, the form the compiled pass reads."""
    parts = []
    total = 0
    for chunks in columns:
        for c in chunks:
            if len(c) == 0:
                continue
            bufs = c.buffers()
            wide = pa.types.is_large_string(c.type)
            off = np.frombuffer(bufs[1], dtype=np.int64 if wide else np.int32)
            off = off[c.offset : c.offset + len(c) + 1]
            parts.append((c, off, int(off[0]), int(off[-1]), bufs[2]))
            total += int(off[-1]) - int(off[0])
    any_nulls = any(c.null_count for chunks in columns for c in chunks)
    offsets = np.empty((len(columns), n + 1), dtype=np.int64)
    valid = np.ones((len(columns), n if any_nulls else 0), dtype=np.uint8)
    nulls = np.zeros(len(columns), dtype=np.uint8)
    data = np.empty(total, dtype=np.uint8)
    it = iter(parts)
    pos = 0
    for k, chunks in enumerate(columns):
        offsets[k, 0] = pos
        row = 0
        for c in chunks:
            m = len(c)
            if m == 0:
                continue
            _, off, start, end, raw = next(it)
            if end > start:
                data[pos : pos + end - start] = np.frombuffer(raw, dtype=np.uint8)[start:end]
            # An int64 scalar, so that int32 offsets widen instead of overflowing past 2 GiB.
            np.add(off[1:], np.int64(pos - start), out=offsets[k, row + 1 : row + m + 1])
            if c.null_count:
                valid[k, row : row + m] = c.is_valid().to_numpy(zero_copy_only=False)
                nulls[k] = 1
            pos += end - start
            row += m
        if row != n:
            raise DataError(f"column {k} has {row} values, not {n}")
    return Packed(offsets, valid, nulls, data)


def _sort_order(keys: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Indices that sort the 32-byte keys; :class:`DataError` on a repeated key."""
    n = keys.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    # The first 8 bytes as a native uint64 decide the order of HMAC outputs but for a chance
    # in 2**64 (numpy's vectorized argsort); a tie there sorts on every word.
    first = keys[:, :8].copy().view(">u8").ravel().astype(np.uint64)
    order = np.argsort(first)
    ordered = first[order]
    if np.any(ordered[1:] == ordered[:-1]):
        words = keys.view(">u8").astype(np.uint64)  # (n, 4) big-endian words, native order
        order = np.lexsort((words[:, 3], words[:, 2], words[:, 1], words[:, 0]))
        same = np.all(words[order][1:] == words[order][:-1], axis=1)
        if np.any(same):
            row = int(order[int(np.argmax(same)) + 1])
            raise DataError(
                "two disclosed records have the same person (state and Medicaid ID); "
                "a person is disclosed at most once per package",
                row=row,
            )
    return order.astype(np.int64, copy=False)


def _take_rows(rows: NDArray[np.uint8], order: NDArray[np.int64]) -> NDArray[np.uint8]:
    """``rows[order]`` for rows of 32 bytes, as 64-bit words (numpy's row gather on bytes is
    several times slower)."""
    words = np.take(rows.view(np.uint64), order, axis=0)
    taken: NDArray[np.uint8] = words.view(np.uint8)
    return taken


def _gather(batches: Iterable[pa.RecordBatch], names: Sequence[str]) -> dict[str, list[pa.Array]]:
    """Each column's chunks as text (:func:`_as_text`), not yet copied together."""
    parts: dict[str, list[pa.Array]] = {n: [] for n in names}
    for batch in batches:
        missing = [n for n in names if n not in batch.schema.names]
        if missing:
            raise DataError(f"the records have no column {', '.join(missing)}")
        for n in names:
            parts[n].append(batch.column(batch.schema.get_field_index(n)))
    return {n: [_as_text(a, n) for a in arrays] for n, arrays in parts.items()}


def random_salts(count: int) -> bytes:
    """``count`` unpredictable bytes: AES-256-CTR keystream under a fresh random key (a CSPRNG,
    an order of magnitude faster than ``os.urandom`` for millions of salts)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    cipher = Cipher(algorithms.AES(os.urandom(32)), modes.CTR(os.urandom(16)))
    return cipher.encryptor().update(bytes(count))


def _batches(
    records: pa.RecordBatchReader | pa.Table | Iterable[pa.RecordBatch],
) -> Iterable[pa.RecordBatch]:
    if isinstance(records, pa.Table):
        batches: list[pa.RecordBatch] = records.to_batches()
        return batches
    return records


def build_record_tree(
    records: pa.RecordBatchReader | pa.Table | Iterable[pa.RecordBatch],
    *,
    columns: Sequence[str],
    workspace: Path,
    secret: bytes | None = None,
    key_columns: tuple[str, str] = KEY_COLUMNS,
    salts: Callable[[int], bytes] = random_salts,
) -> RecordTree:
    """Build the record tree of a package's records and keep its leaves in the workspace.

    ``records`` holds the disclosed columns (``columns``, the manifest's, in its order) and the
    two ``key_columns`` (state code and Medicaid ID), which need not be disclosed. Raises
    :class:`DataError` for a missing column, a missing key value or a person twice.
    """
    columns = tuple(columns)
    if len(set(columns)) != len(columns):
        raise UsageError("a column is listed twice")
    secret = ledger_secret(workspace) if secret is None else secret
    names = list(dict.fromkeys([*key_columns, *columns]))
    chunks = _gather(_batches(records), names)
    n = sum(len(c) for c in chunks[names[0]])
    hasher = backend(n)
    key_text = _pack([chunks[name] for name in key_columns], n)
    for i, name in enumerate(key_columns):
        if key_text.nulls[i]:
            first = int(np.argmin(key_text.valid[i]))
            raise DataError(f"a disclosed record has no {name}", row=first, field=name)
    salt_bytes = salts(SALT_BYTES * n)
    if len(salt_bytes) != SALT_BYTES * n:
        raise UsageError(f"the salt source gave {len(salt_bytes)} bytes for {n} records")
    salt = np.frombuffer(salt_bytes, dtype=np.uint8).reshape(n, SALT_BYTES)

    text = _pack([chunks[name] for name in columns], n)
    lengths = np.full(n, len(HEAD) + KEY_BYTES + SALT_BYTES + 4 * len(columns), dtype=np.int64)
    for k in range(len(columns)):
        size = np.diff(text.offsets[k])
        lengths += size * text.valid[k] if text.nulls[k] else size
    leaf_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=leaf_off[1:])
    leaf_data = np.empty(int(leaf_off[-1]), dtype=np.uint8)
    head = np.frombuffer(HEAD, dtype=np.uint8)
    keys = np.empty((n, KEY_BYTES), dtype=np.uint8)
    hashes = np.empty((n, HASH_SIZE), dtype=np.uint8)
    if n:
        # Keys, leaves and leaf hashes in one pass in input order (sequential memory access);
        # only the 32-byte hashes are put in key order, and the files keep that order as a
        # permutation.
        hasher.build_leaves(
            secret,
            key_text,
            head,
            salt,
            text,
            leaf_off,
            leaf_data,
            keys,
            hashes,
        )
    with _Writer(workspace) as writer:
        # The leaves file is written, hashed and synced in a thread while the leaves are sorted
        # and the tree is hashed here (numba, OpenSSL, Arrow and hashlib all release the GIL).
        writer.start_leaves(n, leaf_data, leaf_off)
        order = _sort_order(keys)
        levels = build_levels(_take_rows(hashes, order), hasher)
        root = TreeHasher(ArrayLevels(levels, n)).root() if n else EMPTY_ROOT
        path = writer.finish(root, n, columns, key_columns, order, levels)
    return RecordTree(root, n, columns, key_columns, path, hasher.name)


LEAVES_FILE = "leaves.arrow"
#: ``tree.bin`` holds the levels from this one up (1/256 of the hashes); a proof recomputes the
#: lower ones from at most 256 leaves. (Trees written before kept every level: their meta.json
#: has no ``stored_levels_from``.)
STORED_FROM = 8
TREE_FILE = "tree.bin"
#: ``position[i]`` (int64, little-endian) is the row of ``leaves.arrow`` that is the i-th leaf of
#: the tree. (Trees written before kept it as a ``position`` column of ``leaves.arrow``.)
ORDER_FILE = "order.bin"
META_FILE = "meta.json"


class _Writer:
    """The workspace files of one record tree, made in a temporary directory and renamed into
    place (``WS/ledger/records/<root hex>``) once all are durable; removed on any failure."""

    def __init__(self, workspace: Path) -> None:
        self.parent = records_dir(workspace)
        self.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.parent / f".tmp-{secrets.token_hex(8)}"
        self.tmp.mkdir(mode=0o700)
        self._leaves: Future[str] | None = None
        self._pool = ThreadPoolExecutor(max_workers=2)

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if self._leaves is not None:
            self._leaves.cancel()
        self._pool.shutdown(wait=True)
        if self.tmp.exists():
            shutil.rmtree(self.tmp, ignore_errors=True)

    def start_leaves(
        self, n: int, leaf_data: NDArray[np.uint8], leaf_off: NDArray[np.int64]
    ) -> None:
        self._leaves = self._pool.submit(self._write_leaves, n, leaf_data, leaf_off)

    def _write_leaves(
        self,
        n: int,
        leaf_data: NDArray[np.uint8],
        leaf_off: NDArray[np.int64],
    ) -> str:
        leaves = pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), n, [None, pa.py_buffer(leaf_off), pa.py_buffer(leaf_data)]
        )
        table = pa.table({"leaf": leaves})  # in input order; order.bin gives the tree's
        path = self.tmp / LEAVES_FILE
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        # The fsync waits on the disk and the hash on a core: do both at once.
        synced = self._pool.submit(_fsync, path)
        digest = _sha256_file(path)
        synced.result()
        return digest

    def finish(
        self,
        root: bytes,
        n: int,
        columns: tuple[str, ...],
        key_columns: tuple[str, str],
        order: NDArray[np.int64],
        levels: list[NDArray[np.uint8]],
    ) -> Path:
        final = self.parent / root.hex()
        positions = order.astype("<i8", copy=False).reshape(-1).data
        with open(self.tmp / ORDER_FILE, "wb") as f:
            f.write(positions)
        _fsync(self.tmp / ORDER_FILE)
        tree = hashlib.sha256()
        with open(self.tmp / TREE_FILE, "wb") as f:
            for level in levels[STORED_FROM:]:
                view = np.ascontiguousarray(level).reshape(-1).data
                f.write(view)
                tree.update(view)
        _fsync(self.tmp / TREE_FILE)
        assert self._leaves is not None
        leaves = self._leaves.result()
        if final.exists():  # the same root: the same leaves, salts included
            return final
        meta = {
            "format": FORMAT,
            "root": root.hex(),
            "size": n,
            "columns": list(columns),
            "key_columns": list(key_columns),
            "files": {
                LEAVES_FILE: leaves,
                ORDER_FILE: hashlib.sha256(positions).hexdigest(),
                TREE_FILE: tree.hexdigest(),
            },
            "stored_levels_from": STORED_FROM,
        }
        (self.tmp / META_FILE).write_text(_meta_text(meta))
        _fsync(self.tmp / META_FILE)
        os.rename(self.tmp, final)
        return final


def _meta_text(meta: dict[str, Any]) -> str:
    return json.dumps(meta, indent=2, sort_keys=True) + "\n"


# --- reading back -------------------------------------------------------------------------------


class _Keys:
    def __init__(self, tree: StoredRecordTree) -> None:
        self.tree = tree

    def __len__(self) -> int:
        return self.tree.size

    def __getitem__(self, i: int) -> bytes:
        return self.tree.key(i)


@dataclass(frozen=True)
class Lookup:
    """Where a person key is, or would be: ``index`` when present, else the neighbours."""

    index: int | None
    left: int | None
    right: int | None


class StoredRecordTree:
    """A record tree kept in the workspace, memory-mapped; O(log n) lookups and proofs."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            self._meta_raw = (directory / META_FILE).read_text()
            meta = json.loads(self._meta_raw)
            self.meta: dict[str, Any] = meta
            self.size: int = int(meta["size"])
            self.root = bytes.fromhex(meta["root"])
            self.columns: tuple[str, ...] = tuple(meta["columns"])
            self.key_columns: tuple[str, ...] = tuple(meta["key_columns"])
            source = pa.memory_map(str(directory / LEAVES_FILE))
            table = pa.ipc.open_file(source).read_all()
            self._leaves = table.column("leaf").combine_chunks()
            if (directory / ORDER_FILE).exists():
                self._position = np.fromfile(directory / ORDER_FILE, dtype="<i8").astype(np.int64)
            else:
                self._position = table.column("position").combine_chunks().to_numpy()
            if self._position.shape[0] != self.size or (
                self.size and not 0 <= self._position.min() <= self._position.max() < self.size
            ):
                raise LedgerError(
                    "the tree order is not a permutation of the leaves' rows",
                    file=str(directory / ORDER_FILE),
                )
            raw = (
                np.memmap(directory / TREE_FILE, dtype=np.uint8, mode="r")
                if (directory / TREE_FILE).stat().st_size
                else (np.zeros(0, dtype=np.uint8))
            )
        except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
            raise LedgerError(f"cannot read the record tree: {exc}", file=str(directory)) from exc
        self.stored_from = int(meta.get("stored_levels_from", 0))
        #: ``levels[k]`` holds level ``stored_from + k``.
        self.levels: list[NDArray[np.uint8]] = []
        at = 0
        for size in level_sizes(self.size)[self.stored_from :]:
            chunk = raw[at : at + size * HASH_SIZE]
            if chunk.shape[0] != size * HASH_SIZE:
                raise LedgerError("tree.bin is shorter than its levels", file=str(directory))
            self.levels.append(chunk.reshape(size, HASH_SIZE))
            at += size * HASH_SIZE
        if at != raw.shape[0]:
            raise LedgerError("tree.bin is longer than its levels", file=str(directory))
        self.hasher = TreeHasher(self)

    @classmethod
    def open(cls, workspace: Path, root: bytes) -> StoredRecordTree | None:
        directory = records_dir(workspace) / root.hex()
        return cls(directory) if directory.is_dir() else None

    def complete(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree ``[index * 2**level, (index + 1) * 2**level)``:
        stored, or (below ``stored_from``) recomputed from its leaves."""
        if level >= self.stored_from:
            return bytes(self.levels[level - self.stored_from][index].tobytes())
        width = 1 << level
        hashes = [leaf_hash(self.leaf(i)) for i in range(index * width, (index + 1) * width)]
        while len(hashes) > 1:
            hashes = [node_hash(hashes[j], hashes[j + 1]) for j in range(0, len(hashes), 2)]
        return hashes[0]

    def leaf(self, i: int) -> bytes:
        """The ``i``-th leaf of the tree (in key order)."""
        value = self._leaves[int(self._position[i])].as_py()
        assert isinstance(value, bytes)
        return value

    def key(self, i: int) -> bytes:
        return self.leaf(i)[1 : 1 + KEY_BYTES]

    def find(self, key: bytes) -> Lookup:
        i = bisect.bisect_left(_Keys(self), key)
        if i < self.size and self.key(i) == key:
            return Lookup(i, None, None)
        return Lookup(None, i - 1 if i > 0 else None, i if i < self.size else None)

    def inclusion_proof(self, i: int) -> list[bytes]:
        return self.hasher.inclusion_proof(i, self.size)

    def check_files(self) -> list[tuple[str, str]]:
        """(file, problem) for every workspace file whose bytes are not the recorded ones."""
        problems: list[tuple[str, str]] = []
        if _meta_text(self.meta) != self._meta_raw:
            problems.append((META_FILE, "not in its canonical form: a byte was changed"))
        recorded = self.meta.get("files", {})
        for name in (LEAVES_FILE, ORDER_FILE, TREE_FILE):
            if name not in recorded and name == ORDER_FILE:
                continue  # a tree written before order.bin existed
            if recorded.get(name) != _sha256_file(self.directory / name):
                problems.append((name, "its SHA-256 is not the one recorded in meta.json"))
        return problems

    def recompute_root(self, hasher: Backend | None = None) -> bytes:
        """The root from the stored leaves alone (not the stored hashes)."""
        hasher = hasher or backend(self.size)
        if self.size == 0:
            return EMPTY_ROOT
        offsets = np.frombuffer(self._leaves.buffers()[1], dtype=np.int64)[: self.size + 1]
        data = np.frombuffer(self._leaves.buffers()[2], dtype=np.uint8)
        hashes = np.empty((self.size, HASH_SIZE), dtype=np.uint8)
        hasher.leaf_hashes(data, offsets, hashes)
        ordered = _take_rows(hashes, self._position)
        keys = [self.key(i) for i in range(min(self.size, 2))]
        if len(keys) == 2 and keys[0] >= keys[1]:
            raise ProofError("the stored leaves are not in key order", file=str(self.directory))
        return TreeHasher(ArrayLevels(build_levels(ordered, hasher), self.size)).root()


__all__ = [
    "EXTRA_KEY",
    "FORMAT",
    "KEY_COLUMNS",
    "Leaf",
    "Lookup",
    "RecordTree",
    "RecordTreeRef",
    "StoredRecordTree",
    "build_record_tree",
    "decode_leaf",
    "encode_leaf",
    "ledger_secret",
    "person_key",
    "record_tree_ref",
    "records_dir",
]
