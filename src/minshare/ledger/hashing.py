"""Batch hashing for the record tree, over Arrow-style buffers (flat bytes + int64 offsets).

Two implementations with one interface: the native one (``_kernels``: numba loops calling
OpenSSL, on every core) and a ``hashlib`` one, used when numba or a suitable libcrypto is missing
and as the reference the native one is tested against. ``MINSHARE_LEDGER_HASHING=python`` forces
the reference (for tests and for measuring the difference).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

U8 = NDArray[np.uint8]
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class Packed:
    """Text columns in one buffer: column ``k``'s value of record ``r`` is
    ``data[offsets[k, r]:offsets[k, r + 1]]``, null when ``nulls[k]`` and ``valid[k, r] == 0``
    (``valid`` has no columns when nothing is null)."""

    offsets: I64
    valid: U8
    nulls: U8
    data: U8

    def column(self, k: int) -> tuple[I64, U8, U8]:
        """(offsets, validity or empty, data) of column ``k``."""
        valid = self.valid[k] if self.nulls[k] else np.zeros(0, dtype=np.uint8)
        return self.offsets[k], valid, self.data


class Backend(Protocol):
    name: str

    def build_leaves(
        self,
        secret: bytes,
        key_columns: Packed,
        head: U8,
        salts: U8,
        columns: Packed,
        leaf_off: I64,
        out: U8,
        keys: U8,
        hashes: U8,
    ) -> None:
        """The person keys (HMAC of the two key columns), then each leaf (see ``records.py``)
        and its leaf hash: the whole per-record part of a record tree. ``columns`` holds the
        disclosed values as a :class:`Packed`."""
        ...

    def leaf_hashes(self, data: U8, offsets: I64, out: U8) -> None: ...

    def node_level(self, below: U8, out: U8) -> None: ...

    def date_text(self, days: NDArray[np.int32]) -> U8 | None:
        """``YYYY-MM-DD`` of each day, 10 bytes each, or None: let Arrow's cast do it."""
        ...


class PythonBackend:
    """``hashlib`` and Python loops: the reference."""

    name = "python"

    def _person_keys(
        self, secret: bytes, a_data: U8, a_off: I64, b_data: U8, b_off: I64, out: U8
    ) -> None:
        a, b = a_data.tobytes(), b_data.tobytes()
        for i in range(out.shape[0]):
            msg = a[a_off[i] : a_off[i + 1]] + b"\0" + b[b_off[i] : b_off[i + 1]]
            out[i] = np.frombuffer(hmac.digest(secret, msg, "sha256"), dtype=np.uint8)

    def _fill_and_hash(
        self,
        head: U8,
        keys: U8,
        salts: U8,
        columns: list[tuple[I64, U8, U8]],
        leaf_off: I64,
        out: U8,
        hashes: U8,
    ) -> None:
        h = head.tobytes()
        cols = [(off, valid, data.tobytes()) for off, valid, data in columns]
        sha = hashlib.sha256
        for r in range(keys.shape[0]):
            parts = [h, keys[r].tobytes(), salts[r].tobytes()]
            for off, valid, data in cols:
                if valid.shape[0] and not valid[r]:
                    parts.append(b"\xff\xff\xff\xff")
                    continue
                s, e = int(off[r]), int(off[r + 1])
                parts.append((e - s).to_bytes(4, "big") + data[s:e])
            leaf = b"".join(parts)
            out[leaf_off[r] : leaf_off[r + 1]] = np.frombuffer(leaf, dtype=np.uint8)
            hashes[r] = np.frombuffer(sha(b"\0" + leaf).digest(), dtype=np.uint8)

    def build_leaves(
        self,
        secret: bytes,
        key_columns: Packed,
        head: U8,
        salts: U8,
        columns: Packed,
        leaf_off: I64,
        out: U8,
        keys: U8,
        hashes: U8,
    ) -> None:
        a_off, _, data = key_columns.column(0)
        b_off, _, _ = key_columns.column(1)
        self._person_keys(secret, data, a_off, data, b_off, keys)
        every = [columns.column(k) for k in range(columns.offsets.shape[0])]
        self._fill_and_hash(head, keys, salts, every, leaf_off, out, hashes)

    def leaf_hashes(self, data: U8, offsets: I64, out: U8) -> None:
        raw = data.tobytes()
        sha = hashlib.sha256
        for i in range(out.shape[0]):
            digest = sha(b"\0" + raw[offsets[i] : offsets[i + 1]]).digest()
            out[i] = np.frombuffer(digest, dtype=np.uint8)

    def date_text(self, days: NDArray[np.int32]) -> U8 | None:
        return None

    def node_level(self, below: U8, out: U8) -> None:
        raw = below.tobytes()
        sha = hashlib.sha256
        for j in range(out.shape[0]):
            digest = sha(b"\1" + raw[64 * j : 64 * j + 64]).digest()
            out[j] = np.frombuffer(digest, dtype=np.uint8)


class NativeBackend:
    """numba + OpenSSL (``_kernels``)."""

    name = "native"

    def __init__(self, kernels: ModuleType) -> None:
        self.k = kernels

    def build_leaves(
        self,
        secret: bytes,
        key_columns: Packed,
        head: U8,
        salts: U8,
        columns: Packed,
        leaf_off: I64,
        out: U8,
        keys: U8,
        hashes: U8,
    ) -> None:
        inner, outer = self.k.hmac_midstates(secret)
        k = key_columns
        self.k.build_leaves(
            inner, outer, k.data, k.offsets[0], k.data, k.offsets[1], head, salts,
            columns.offsets, columns.valid, columns.nulls, columns.data, leaf_off, out, keys,
            hashes,
        )  # fmt: skip

    def leaf_hashes(self, data: U8, offsets: I64, out: U8) -> None:
        self.k.leaf_hashes(data, offsets, out)

    def node_level(self, below: U8, out: U8) -> None:
        self.k.node_level(below, out)

    def date_text(self, days: NDArray[np.int32]) -> U8 | None:
        if days.shape[0] and (days.min() < self.k.MIN_DAY or days.max() > self.k.MAX_DAY):
            return None
        out = np.empty(10 * days.shape[0], dtype=np.uint8)
        self.k.date_text(days, out)
        return out


@cache
def _native() -> Backend | None:
    try:
        from minshare.ledger import _kernels
    except ImportError:
        return None
    return NativeBackend(_kernels)


#: Below this many records the reference is used: loading (or, the first time, compiling) the
#: native kernels costs more than hashing a small package with hashlib.
NATIVE_MIN_RECORDS = 10_000


def backend(records: int | None = None) -> Backend:
    """The native backend when it loads and passes its self-test, else the reference.

    ``MINSHARE_LEDGER_HASHING``: ``python`` forces the reference, ``native`` the native backend
    (when it loads) whatever the size; otherwise small jobs use the reference.
    """
    choice = os.environ.get("MINSHARE_LEDGER_HASHING")
    if choice == "python":
        return PythonBackend()
    if choice != "native" and records is not None and records < NATIVE_MIN_RECORDS:
        return PythonBackend()
    return _native() or PythonBackend()


__all__ = ["Backend", "NativeBackend", "Packed", "PythonBackend", "backend"]
