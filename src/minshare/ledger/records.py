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
import hmac
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from minshare.errors import DataError, UsageError
from minshare.ledger.errors import LedgerError, ProofError
from minshare.ledger.hashing import Backend, backend
from minshare.ledger.merkle import EMPTY_ROOT, HASH_SIZE, TreeHasher
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
    if (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_string_view(t)
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


_EMPTY = np.frombuffer(b"", dtype=np.uint8)  # read-only, like every Arrow buffer


def _buffers(array: pa.Array) -> tuple[NDArray[np.int64], NDArray[np.uint8], NDArray[np.uint8]]:
    """(offsets[n+1] from 0, validity as 0/1 or empty when nothing is null, read-only data) of
    a large_string array."""
    n = len(array)
    bufs = array.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[array.offset : array.offset + n + 1]
    start = int(offsets[0]) if n else 0
    end = int(offsets[-1]) if n else 0
    data = np.frombuffer(bufs[2], dtype=np.uint8)[start:end] if bufs[2] is not None else _EMPTY
    if array.null_count:
        valid = array.is_valid().to_numpy(zero_copy_only=False).astype(np.uint8)
    else:
        valid = np.zeros(0, dtype=np.uint8)
    return offsets - start, valid, data


def _sort_order(keys: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Indices that sort the 32-byte keys; :class:`DataError` on a repeated key."""
    n = keys.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    words = keys.view(">u8").astype(np.uint64)  # (n, 4) big-endian words, native order
    order = np.argsort(words[:, 0])
    first = words[order, 0]
    if np.any(first[1:] == first[:-1]):  # a 64-bit tie: sort on every word
        order = np.lexsort((words[:, 3], words[:, 2], words[:, 1], words[:, 0]))
        ordered = words[order]
        same = np.all(ordered[1:] == ordered[:-1], axis=1)
        if np.any(same):
            row = int(order[int(np.argmax(same)) + 1])
            raise DataError(
                "two disclosed records have the same person (state and Medicaid ID); "
                "a person is disclosed at most once per package",
                row=row,
            )
    return order.astype(np.int64)


def _gather(batches: Iterable[pa.RecordBatch], names: Sequence[str]) -> dict[str, pa.Array]:
    parts: dict[str, list[pa.Array]] = {n: [] for n in names}
    for batch in batches:
        missing = [n for n in names if n not in batch.schema.names]
        if missing:
            raise DataError(f"the records have no column {', '.join(missing)}")
        for n in names:
            parts[n].append(batch.column(batch.schema.get_field_index(n)))
    out: dict[str, pa.Array] = {}
    for n, arrays in parts.items():
        if not arrays:
            out[n] = pa.array([], pa.large_string())
            continue
        types = {a.type for a in arrays}
        joined = (
            pa.concat_arrays(arrays)
            if len(types) == 1
            else pa.concat_arrays([_as_text(a, n) for a in arrays])
        )
        out[n] = _as_text(joined, n)
    return out


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
    arrays = _gather(_batches(records), names)
    n = len(arrays[names[0]])
    hasher = backend(n)
    for name in key_columns:
        nulls = arrays[name].null_count
        if nulls:
            first = int(np.argmin(arrays[name].is_valid().to_numpy(zero_copy_only=False)))
            raise DataError(f"a disclosed record has no {name}", row=first, field=name)

    a_off, _, a_data = _buffers(arrays[key_columns[0]])
    b_off, _, b_data = _buffers(arrays[key_columns[1]])
    keys = np.empty((n, KEY_BYTES), dtype=np.uint8)
    if n:
        hasher.person_keys(secret, a_data, a_off, b_data, b_off, keys)
    order = _sort_order(keys)
    salt_bytes = salts(SALT_BYTES * n)
    if len(salt_bytes) != SALT_BYTES * n:
        raise UsageError(f"the salt source gave {len(salt_bytes)} bytes for {n} records")
    salt = np.frombuffer(salt_bytes, dtype=np.uint8).reshape(n, SALT_BYTES)

    buffers = [_buffers(arrays[name]) for name in columns]
    lengths = np.full(n, len(HEAD) + KEY_BYTES + SALT_BYTES + 4 * len(columns), dtype=np.int64)
    for off, valid, _ in buffers:
        lengths += np.diff(off) * valid if valid.shape[0] else np.diff(off)
    leaf_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=leaf_off[1:])
    leaf_data = np.empty(int(leaf_off[-1]), dtype=np.uint8)
    head = np.frombuffer(HEAD, dtype=np.uint8)
    hashes = np.empty((n, HASH_SIZE), dtype=np.uint8)
    if n:
        # Leaves are built and hashed in input order (sequential memory access); only the
        # 32-byte hashes are put in key order, and the files keep that order as a permutation.
        hasher.fill_and_hash(head, keys, salt, buffers, leaf_off, leaf_data, hashes)
    levels = build_levels(hashes[order], hasher)
    root = TreeHasher(ArrayLevels(levels, n)).root() if n else EMPTY_ROOT
    path = _write(workspace, root, n, columns, key_columns, leaf_data, leaf_off, order, levels)
    return RecordTree(root, n, columns, key_columns, path, hasher.name)


LEAVES_FILE = "leaves.arrow"
TREE_FILE = "tree.bin"
META_FILE = "meta.json"


def _write(
    workspace: Path,
    root: bytes,
    n: int,
    columns: tuple[str, ...],
    key_columns: tuple[str, str],
    leaf_data: NDArray[np.uint8],
    leaf_off: NDArray[np.int64],
    order: NDArray[np.int64],
    levels: list[NDArray[np.uint8]],
) -> Path:
    parent = records_dir(workspace)
    parent.mkdir(parents=True, exist_ok=True)
    final = parent / root.hex()
    if final.exists():  # the same root: the same leaves, salts included
        return final
    tmp = parent / f".tmp-{root.hex()[:16]}-{secrets.token_hex(4)}"
    tmp.mkdir(mode=0o700)
    try:
        leaves = pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), n, [None, pa.py_buffer(leaf_off), pa.py_buffer(leaf_data)]
        )
        # ``position[i]`` is the row of ``leaf`` that is the i-th leaf of the tree.
        table = pa.table({"leaf": leaves, "position": pa.array(order, pa.int64())})
        with (
            pa.OSFile(str(tmp / LEAVES_FILE), "wb") as sink,
            pa.ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table)
        with open(tmp / TREE_FILE, "wb") as f:
            for level in levels:
                f.write(level.tobytes())
        meta = {
            "format": FORMAT,
            "root": root.hex(),
            "size": n,
            "columns": list(columns),
            "key_columns": list(key_columns),
            "files": {name: _sha256_file(tmp / name) for name in (LEAVES_FILE, TREE_FILE)},
        }
        (tmp / META_FILE).write_text(_meta_text(meta))
        for name in (LEAVES_FILE, TREE_FILE, META_FILE):
            fd = os.open(tmp / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _sha256_file(path: Path) -> str:
    import hashlib

    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


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
            self._position = table.column("position").combine_chunks().to_numpy()
            raw = (
                np.memmap(directory / TREE_FILE, dtype=np.uint8, mode="r")
                if self.size
                else (np.zeros(0, dtype=np.uint8))
            )
        except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
            raise LedgerError(f"cannot read the record tree: {exc}", file=str(directory)) from exc
        self.levels: list[NDArray[np.uint8]] = []
        at = 0
        for size in level_sizes(self.size):
            chunk = raw[at : at + size * HASH_SIZE]
            if chunk.shape[0] != size * HASH_SIZE:
                raise LedgerError("tree.bin is shorter than its levels", file=str(directory))
            self.levels.append(chunk.reshape(size, HASH_SIZE))
            at += size * HASH_SIZE
        self.hasher = TreeHasher(ArrayLevels(self.levels, self.size))

    @classmethod
    def open(cls, workspace: Path, root: bytes) -> StoredRecordTree | None:
        directory = records_dir(workspace) / root.hex()
        return cls(directory) if directory.is_dir() else None

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
        for name in (LEAVES_FILE, TREE_FILE):
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
        ordered = hashes[self._position]
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
