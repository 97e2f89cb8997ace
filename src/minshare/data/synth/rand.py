"""Vectorized sampling helpers over one chunk's ``numpy.random.Generator``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

# Random streams: default_rng([seed, index, stream]). The stream tag comes last and is never 0
# because numpy's SeedSequence treats trailing zeros as absent ([s, k, 0] equals [s, k]).
STREAM_CHUNK, STREAM_REGISTRY, STREAM_SALTS = 1, 2, 3


def rng_for(seed: int, index: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, index, stream])


I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]
Arr = npt.NDArray[Any]


# Categorical draws go through a 2**16-entry lookup table: one uint16 draw and one gather per
# row, several times faster than a binary search. Weights are resolved to 1/65536.
_LUT_SIZE = 1 << 16
_LUT_POINTS = (np.arange(_LUT_SIZE, dtype=np.float64) + 0.5) / _LUT_SIZE


def _lut(weights: Sequence[float] | F64) -> I64:
    cum = np.cumsum(np.asarray(weights, np.float64))
    lut = np.searchsorted(cum / cum[-1], _LUT_POINTS, side="right")
    return np.minimum(lut, len(cum) - 1).astype(np.int64)


def _draw(rng: np.random.Generator, n: int) -> npt.NDArray[np.uint16]:
    return rng.integers(0, _LUT_SIZE, n, dtype=np.uint16)


def i64(values: Any) -> I64:
    """``values`` as an int64 array (also tells the type checker what numpy returned)."""
    out: I64 = np.asarray(values, dtype=np.int64)
    return out


def choice(rng: np.random.Generator, n: int, weights: Sequence[float] | F64) -> I64:
    """n draws of an index into ``weights`` (any non-negative scale)."""
    return _lut(weights)[_draw(rng, n)]


def choice_by_class(rng: np.random.Generator, cls: I64, table: F64) -> I64:
    """For each row, an index drawn from ``table[cls[row]]`` (rows of ``table`` are weights)."""
    luts = np.stack([_lut(row) for row in table])
    return luts[cls, _draw(rng, len(cls))]


def weight_table(rows: Sequence[Mapping[str, float]], keys: Sequence[str]) -> F64:
    """A (len(rows), len(keys)) weight matrix from per-class {code: weight} mappings."""
    table = np.zeros((len(rows), len(keys)), np.float64)
    pos = {k: i for i, k in enumerate(keys)}
    for r, row in enumerate(rows):
        for key, w in row.items():
            table[r, pos[key]] = w
    return table


def bern(rng: np.random.Generator, p: float | F64, n: int) -> Bool:
    return rng.random(n, dtype=np.float32) < p


def within(rng: np.random.Generator, start: I64, count: I64) -> I64:
    """A uniform index in [start, start + count) per row."""
    return i64(start + (rng.random(len(start)) * count).astype(np.int64))


def uniform_int(rng: np.random.Generator, lo: int | I64, hi: int | I64, n: int) -> I64:
    """Integers in [lo, hi) per row; bounds may be arrays."""
    if isinstance(lo, int) and isinstance(hi, int):
        return rng.integers(lo, hi, n, dtype=np.int64)
    return i64(np.asarray(lo) + rng.random(n) * (np.asarray(hi) - np.asarray(lo)))


def pick(rng: np.random.Generator, candidates: Bool, k: int) -> I64:
    """Up to k distinct row indices among ``candidates``, in random order."""
    idx = np.flatnonzero(candidates)
    if k >= len(idx):
        return rng.permutation(idx).astype(np.int64)
    return rng.choice(idx, size=k, replace=False).astype(np.int64)


def scramble(values: I64, modulus: I64 | int, multiplier: int = 2654435761, offset: int = 0) -> I64:
    """A bijection of [0, modulus) when gcd(multiplier, modulus) = 1: unique IDs from row numbers.

    ``multiplier`` is prime, so it is coprime to every modulus used here (products of 2, 5, 13
    and the SSN-space factors). Inputs stay below 2**31, so the product fits in int64.
    """
    return ((values * multiplier + offset) % modulus).astype(np.int64)
