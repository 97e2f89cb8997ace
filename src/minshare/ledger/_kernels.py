"""Batch SHA-256 for the record tree: numba loops that call OpenSSL's SHA-256 directly.

Python's ``hashlib`` costs a few hundred nanoseconds of interpreter work per call, which caps a
record tree (an HMAC, a leaf hash and a node hash per record) near 300,000 records/s on one core.
Here the loops are compiled by numba and call ``SHA256_Init/Update/Final`` of the same
``libcrypto`` that ``hashlib`` uses (so SHA-NI where the CPU has it), over Arrow buffers, on every
core. Nothing here decides *what* is hashed: the encodings are defined in ``records.py`` and this
module is checked against ``hashlib`` byte for byte (``tests/test_ledger_records.py``) and again
by :func:`self_test` each time it loads.

Importing this module raises :class:`ImportError` when numba or a libcrypto with the low-level
SHA-256 functions is missing; ``records.py`` then falls back to ``hashlib``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import hmac
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

try:
    import numba
    from llvmlite import binding
except ImportError as exc:  # pragma: no cover - numba is a dependency
    raise ImportError(f"numba is not available: {exc}") from exc

F = TypeVar("F", bound=Callable[..., Any])
U8 = NDArray[np.uint8]
I64 = NDArray[np.int64]
CTX_BYTES = 128  # sizeof(SHA256_CTX) is 112; rounded up


def _libcrypto_path() -> str:
    """The libcrypto this Python's ``hashlib`` is linked against, else the system's."""
    import _hashlib  # noqa: F401  (loads libcrypto into the process)

    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "/libcrypto" in path:
                    return path
    except OSError:
        pass
    found = ctypes.util.find_library("crypto")
    if found is None:
        raise ImportError("no libcrypto found")
    return found


_PATH = _libcrypto_path()
_LIB = ctypes.CDLL(_PATH)
for _symbol in ("SHA256_Init", "SHA256_Update", "SHA256_Final"):
    if not hasattr(_LIB, _symbol):
        raise ImportError(f"{_PATH} has no {_symbol}")
binding.load_library_permanently(_PATH)

_u = numba.types.uintp
_Init: Any = numba.types.ExternalFunction("SHA256_Init", numba.types.intc(_u))
_Update: Any = numba.types.ExternalFunction(
    "SHA256_Update", numba.types.intc(_u, _u, numba.types.size_t)
)
_Final: Any = numba.types.ExternalFunction("SHA256_Final", numba.types.intc(_u, _u))


def _jit(parallel: bool = False) -> Callable[[F], F]:
    # numba's own annotations type the result as a Dispatcher; callers use it as the function.
    jit: Callable[[F], F] = cast(
        Callable[[F], F], numba.njit(cache=True, nogil=True, parallel=parallel)
    )
    return jit


def midstate(prefix: bytes) -> U8:
    """A SHA256_CTX that has absorbed ``prefix`` (a multiple of 64 bytes: HMAC's padded key)."""
    ctx = np.zeros(CTX_BYTES, dtype=np.uint8)
    buf = ctypes.create_string_buffer(prefix, len(prefix))
    ptr = ctx.ctypes.data
    _LIB.SHA256_Init(ctypes.c_void_p(ptr))
    _LIB.SHA256_Update(ctypes.c_void_p(ptr), buf, ctypes.c_size_t(len(prefix)))
    return ctx


def hmac_midstates(secret: bytes) -> tuple[U8, U8]:
    """Inner and outer HMAC-SHA256 midstates for ``secret`` (RFC 2104)."""
    key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
    key = key.ljust(64, b"\0")
    inner = bytes(b ^ 0x36 for b in key)
    outer = bytes(b ^ 0x5C for b in key)
    return midstate(inner), midstate(outer)


@_jit(parallel=True)
def person_keys(
    inner: U8, outer: U8, a_data: U8, a_off: I64, b_data: U8, b_off: I64, out: U8
) -> None:
    """``out[i] = HMAC(secret, a[i] || 0x00 || b[i])`` from the midstates of the secret."""
    n = out.shape[0]
    chunks = min(n, 256)
    for c in numba.prange(chunks):
        lo = n * c // chunks
        hi = n * (c + 1) // chunks
        ctx = np.empty(CTX_BYTES, np.uint8)
        digest = np.empty(32, np.uint8)
        zero = np.zeros(1, np.uint8)
        a_base = a_data.ctypes.data
        b_base = b_data.ctypes.data
        for i in range(lo, hi):
            ctx[:] = inner
            _Update(
                ctx.ctypes.data, a_base + np.uint64(a_off[i]), np.uint64(a_off[i + 1] - a_off[i])
            )
            _Update(ctx.ctypes.data, zero.ctypes.data, np.uint64(1))
            _Update(
                ctx.ctypes.data, b_base + np.uint64(b_off[i]), np.uint64(b_off[i + 1] - b_off[i])
            )
            _Final(digest.ctypes.data, ctx.ctypes.data)
            ctx[:] = outer
            _Update(ctx.ctypes.data, digest.ctypes.data, np.uint64(32))
            _Final(out[i].ctypes.data, ctx.ctypes.data)


@_jit(parallel=True)
def write_heads(head: U8, keys: U8, salts: U8, leaf_off: I64, out: U8, cursor: I64) -> None:
    """Start leaf ``r`` at ``leaf_off[r]`` with head || keys[r] || salts[r]; set ``cursor``."""
    n = keys.shape[0]
    hl = head.shape[0]
    chunks = min(n, 256)
    for c in numba.prange(chunks):
        lo = n * c // chunks
        hi = n * (c + 1) // chunks
        for r in range(lo, hi):
            p = leaf_off[r]
            for t in range(hl):
                out[p + t] = head[t]
            p += hl
            out[p : p + 32] = keys[r]
            p += 32
            out[p : p + 16] = salts[r]
            cursor[r] = p + 16


@_jit(parallel=True)
def write_column(offsets: I64, valid: U8, data: U8, out: U8, cursor: I64) -> None:
    """Append one column's value to every leaf at ``cursor[r]``: u32be length and bytes, or
    0xFFFFFFFF when ``valid`` (empty when nothing is null) says null."""
    n = cursor.shape[0]
    has_valid = valid.shape[0] > 0
    chunks = min(n, 256)
    for c in numba.prange(chunks):
        lo = n * c // chunks
        hi = n * (c + 1) // chunks
        for r in range(lo, hi):
            p = cursor[r]
            if has_valid and valid[r] == 0:
                out[p : p + 4] = 255
                cursor[r] = p + 4
                continue
            s = offsets[r]
            ln = offsets[r + 1] - s
            out[p] = (ln >> 24) & 255
            out[p + 1] = (ln >> 16) & 255
            out[p + 2] = (ln >> 8) & 255
            out[p + 3] = ln & 255
            out[p + 4 : p + 4 + ln] = data[s : s + ln]
            cursor[r] = p + 4 + ln


@_jit(parallel=True)
def leaf_hashes(data: U8, offsets: I64, out: U8) -> None:
    """``out[i] = SHA-256(0x00 || data[offsets[i]:offsets[i+1]])``."""
    n = out.shape[0]
    chunks = min(n, 256)
    for c in numba.prange(chunks):
        lo = n * c // chunks
        hi = n * (c + 1) // chunks
        ctx = np.empty(CTX_BYTES, np.uint8)
        zero = np.zeros(1, np.uint8)
        base = data.ctypes.data
        for i in range(lo, hi):
            _Init(ctx.ctypes.data)
            _Update(ctx.ctypes.data, zero.ctypes.data, np.uint64(1))
            _Update(
                ctx.ctypes.data,
                base + np.uint64(offsets[i]),
                np.uint64(offsets[i + 1] - offsets[i]),
            )
            _Final(out[i].ctypes.data, ctx.ctypes.data)


@_jit(parallel=True)
def node_level(below: U8, out: U8) -> None:
    """``out[j] = SHA-256(0x01 || below[2j] || below[2j+1])``."""
    n = out.shape[0]
    chunks = min(n, 256)
    for c in numba.prange(chunks):
        lo = n * c // chunks
        hi = n * (c + 1) // chunks
        ctx = np.empty(CTX_BYTES, np.uint8)
        buf = np.empty(65, np.uint8)
        buf[0] = 1
        for j in range(lo, hi):
            buf[1:33] = below[2 * j]
            buf[33:65] = below[2 * j + 1]
            _Init(ctx.ctypes.data)
            _Update(ctx.ctypes.data, buf.ctypes.data, np.uint64(65))
            _Final(out[j].ctypes.data, ctx.ctypes.data)


def _offsets(items: list[bytes]) -> tuple[U8, I64]:
    data = np.frombuffer(b"".join(items) or b"\0", dtype=np.uint8)
    off = np.zeros(len(items) + 1, dtype=np.int64)
    off[1:] = np.cumsum([len(x) for x in items])
    return data, off


def self_test() -> None:
    """Compare every kernel with ``hashlib`` on a few inputs; raise ImportError on a mismatch."""
    secret = b"k" * 70
    a = [b"06", b"", b"48"]
    b = [b"M1", b"x" * 100, b""]
    inner, outer = hmac_midstates(secret)
    ad, ao = _offsets(a)
    bd, bo = _offsets(b)
    keys = np.empty((3, 32), dtype=np.uint8)
    person_keys(inner, outer, ad, ao, bd, bo, keys)
    for i in range(3):
        want = hmac.digest(secret, a[i] + b"\0" + b[i], "sha256")
        if bytes(keys[i]) != want:
            raise ImportError("native HMAC-SHA256 disagrees with hashlib")
    data, off = _offsets(b)
    hashes = np.empty((3, 32), dtype=np.uint8)
    leaf_hashes(data, off, hashes)
    leaf_off = np.zeros(4, dtype=np.int64)
    leaf_off[1:] = np.cumsum([1 + 32 + 16 + 4 + len(x) for x in b])
    filled = np.empty(int(leaf_off[-1]), dtype=np.uint8)
    cursor = np.empty(3, dtype=np.int64)
    write_heads(np.ones(1, np.uint8), keys, np.zeros((3, 16), np.uint8), leaf_off, filled, cursor)
    write_column(bo, np.zeros(0, np.uint8), bd, filled, cursor)
    fill_hashes = np.empty((3, 32), dtype=np.uint8)
    leaf_hashes(filled, leaf_off, fill_hashes)
    for i in range(3):
        leaf = b"\1" + bytes(keys[i]) + bytes(16) + len(b[i]).to_bytes(4, "big") + b[i]
        if bytes(fill_hashes[i]) != hashlib.sha256(b"\0" + leaf).digest():
            raise ImportError("native leaves disagree with the reference encoding")
    nodes = np.empty((1, 32), dtype=np.uint8)
    node_level(hashes[:2], nodes)
    if [bytes(h) for h in hashes] != [hashlib.sha256(b"\0" + x).digest() for x in b]:
        raise ImportError("native leaf hashes disagree with hashlib")
    if bytes(nodes[0]) != hashlib.sha256(b"\1" + bytes(hashes[0]) + bytes(hashes[1])).digest():
        raise ImportError("native node hashes disagree with hashlib")


self_test()
