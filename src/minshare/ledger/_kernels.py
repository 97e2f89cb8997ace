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
import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

# Sleep, not spin, while waiting at the end of a parallel loop: the machine is usually shared
# (an engine, a service), and spinning threads there take the cores the other threads need.
# Read by libgomp when numba's OpenMP layer first loads; a value the user set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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


@_jit(parallel=True)
def build_leaves(
    inner: U8,
    outer: U8,
    a_data: U8,
    a_off: I64,
    b_data: U8,
    b_off: I64,
    head: U8,
    salts: U8,
    col_off: I64,
    col_valid: U8,
    col_nulls: U8,
    col_data: U8,
    leaf_off: I64,
    out: U8,
    keys: U8,
    hashes: U8,
) -> None:
    """Everything per record in one pass, while the record is in cache: the person key
    ``keys[r] = HMAC(secret, a[r] || 0x00 || b[r])`` (from the secret's midstates), the leaf
    ``head || keys[r] || salts[r] || columns`` at ``leaf_off[r]`` and its leaf hash
    ``hashes[r] = SHA-256(0x00 || leaf)``.

    Column ``k``'s value of record ``r`` is ``col_data[col_off[k, r]:col_off[k, r + 1]]``
    (all columns' bytes in one buffer), null when ``col_nulls[k]`` and ``col_valid[k, r] == 0``.
    """
    n = keys.shape[0]
    ncols = col_off.shape[0]
    hl = head.shape[0]
    chunks = min(n, 256)
    a_base = a_data.ctypes.data
    b_base = b_data.ctypes.data
    out_base = out.ctypes.data
    keys_base = keys.ctypes.data
    hashes_base = hashes.ctypes.data
    for c in numba.prange(chunks):
        lo = n * c // chunks
        hi = n * (c + 1) // chunks
        ctx = np.empty(CTX_BYTES, np.uint8)
        digest = np.empty(32, np.uint8)
        zero = np.zeros(1, np.uint8)
        cp = ctx.ctypes.data
        zp = zero.ctypes.data
        dp = digest.ctypes.data
        for r in range(lo, hi):
            ctx[:] = inner
            _Update(cp, a_base + np.uint64(a_off[r]), np.uint64(a_off[r + 1] - a_off[r]))
            _Update(cp, zp, np.uint64(1))
            _Update(cp, b_base + np.uint64(b_off[r]), np.uint64(b_off[r + 1] - b_off[r]))
            _Final(dp, cp)
            ctx[:] = outer
            _Update(cp, dp, np.uint64(32))
            _Final(keys_base + np.uint64(32 * r), cp)
            start = leaf_off[r]
            p = start
            for t in range(hl):
                out[p + t] = head[t]
            p += hl
            for t in range(32):
                out[p + t] = keys[r, t]
            p += 32
            for t in range(16):
                out[p + t] = salts[r, t]
            p += 16
            for k in range(ncols):
                if col_nulls[k] != 0 and col_valid[k, r] == 0:
                    out[p] = 255
                    out[p + 1] = 255
                    out[p + 2] = 255
                    out[p + 3] = 255
                    p += 4
                    continue
                s = col_off[k, r]
                ln = col_off[k, r + 1] - s
                out[p] = (ln >> 24) & 255
                out[p + 1] = (ln >> 16) & 255
                out[p + 2] = (ln >> 8) & 255
                out[p + 3] = ln & 255
                p += 4
                for t in range(ln):
                    out[p + t] = col_data[s + t]
                p += ln
            _Init(cp)
            _Update(cp, zp, np.uint64(1))
            _Update(cp, out_base + np.uint64(start), np.uint64(p - start))
            _Final(hashes_base + np.uint64(32 * r), cp)


#: Days since 1970-01-01 of 0000-01-01 and 9999-12-31: the range :func:`date_text` writes.
MIN_DAY = -719528
MAX_DAY = 2932896


@_jit(parallel=True)
def date_text(days: NDArray[np.int32], out: U8) -> None:
    """``out[10 i : 10 i + 10] = YYYY-MM-DD`` of ``days[i]`` (days since 1970-01-01, proleptic
    Gregorian, years 0 to 9999: the text Arrow's cast gives). H. Hinnant's civil_from_days."""
    n = days.shape[0]
    for i in numba.prange(n):
        z = np.int64(days[i]) + 719468
        era = z // 146097  # floor division (the C original adjusts for truncation)
        doe = z - era * 146097
        yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
        doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
        mp = (5 * doy + 2) // 153
        d = doy - (153 * mp + 2) // 5 + 1
        m = mp + 3 if mp < 10 else mp - 9
        y = yoe + era * 400 + (1 if m <= 2 else 0)
        p = 10 * i
        out[p] = 48 + (y // 1000) % 10
        out[p + 1] = 48 + (y // 100) % 10
        out[p + 2] = 48 + (y // 10) % 10
        out[p + 3] = 48 + y % 10
        out[p + 4] = 45
        out[p + 5] = 48 + m // 10
        out[p + 6] = 48 + m % 10
        out[p + 7] = 45
        out[p + 8] = 48 + d // 10
        out[p + 9] = 48 + d % 10


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
    keys = [hmac.digest(secret, a[i] + b"\0" + b[i], "sha256") for i in range(3)]
    data, off = _offsets(b)
    hashes = np.empty((3, 32), dtype=np.uint8)
    leaf_hashes(data, off, hashes)
    # The fused pass: keys, leaves (a null in the second column) and leaf hashes.
    col_off = np.stack([bo, ao + bd.shape[0]])
    col_data = np.concatenate([bd, ad])
    col_valid = np.array([[1, 1, 1], [1, 0, 1]], dtype=np.uint8)
    fused_off = np.zeros(4, dtype=np.int64)
    fused_off[1:] = np.cumsum([1 + 32 + 16 + 8 + len(b[i]) + (len(a[i]) if i != 1 else 0)
                               for i in range(3)])  # fmt: skip
    fused = np.empty(int(fused_off[-1]), dtype=np.uint8)
    fused_keys = np.empty((3, 32), dtype=np.uint8)
    fused_hashes = np.empty((3, 32), dtype=np.uint8)
    salts = np.arange(48, dtype=np.uint8).reshape(3, 16)
    build_leaves(
        inner, outer, ad, ao, bd, bo, np.ones(1, np.uint8), salts, col_off, col_valid,
        np.array([0, 1], np.uint8), col_data, fused_off, fused, fused_keys, fused_hashes,
    )  # fmt: skip
    for i in range(3):
        tail = b"\xff\xff\xff\xff" if i == 1 else len(a[i]).to_bytes(4, "big") + a[i]
        leaf = b"\1" + keys[i] + bytes(salts[i]) + len(b[i]).to_bytes(4, "big") + b[i]
        leaf += tail
        if bytes(fused_keys[i]) != keys[i] or bytes(fused[fused_off[i] : fused_off[i + 1]]) != leaf:
            raise ImportError("native fused leaves disagree with the reference encoding")
        if bytes(fused_hashes[i]) != hashlib.sha256(b"\0" + leaf).digest():
            raise ImportError("native fused leaf hashes disagree with hashlib")
    days = np.array([MIN_DAY, -1, 0, 59, 11016, 19782, MAX_DAY], dtype=np.int32)
    text = np.empty(10 * days.shape[0], dtype=np.uint8)
    date_text(days, text)
    dates = "0000-01-01 1969-12-31 1970-01-01 1970-03-01 2000-02-29 2024-02-29 9999-12-31"
    if text.tobytes().decode("ascii") != dates.replace(" ", ""):
        raise ImportError("native date text disagrees with the calendar")
    nodes = np.empty((1, 32), dtype=np.uint8)
    node_level(hashes[:2], nodes)
    if [bytes(h) for h in hashes] != [hashlib.sha256(b"\0" + x).digest() for x in b]:
        raise ImportError("native leaf hashes disagree with hashlib")
    if bytes(nodes[0]) != hashlib.sha256(b"\1" + bytes(hashes[0]) + bytes(hashes[1])).digest():
        raise ImportError("native node hashes disagree with hashlib")


self_test()
