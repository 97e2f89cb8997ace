"""Vectorized string assembly with pyarrow.compute: no per-row Python."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minshare.data.synth.rand import I64, Bool
from minshare.data.synth.vocab import Vocab


def dictionary(indices: I64, vocab: Vocab) -> Any:
    """A dictionary-encoded string column; negative indices are nulls."""
    null = indices < 0
    if not null.any():
        return pa.DictionaryArray.from_arrays(vocab.codes(indices), vocab.array)
    idx = vocab.codes(np.where(null, 0, indices))
    return pa.DictionaryArray.from_arrays(idx, vocab.array, mask=null)


def digits(values: I64, null: Bool | None = None) -> Any:
    """Integers as decimal strings."""
    mask = null if null is not None and null.any() else None
    return pa.array(values, pa.int64(), mask=mask).cast(pa.string())


def padded(values: I64, width: int | I64, null: Bool | None = None) -> Any:
    """Integers zero-padded to ``width`` digits (a per-row width is allowed).

    Adding 10**width and dropping the leading "1" pads in one cast, faster than lpad.
    """
    return pc.utf8_slice_codeunits(digits(values + 10 ** np.asarray(width), null), 1)


def patch(array: Any, rows: I64, values: Any) -> Any:
    """``array`` with ``array[rows[i]] = values[i]``; ``rows`` must be distinct."""
    if len(rows) == 0:
        return array
    order = np.argsort(rows, kind="stable")
    mask = np.zeros(len(array), np.bool_)
    mask[rows] = True
    return pc.replace_with_mask(array, pa.array(mask), values.take(pa.array(order)))


def nulls(array: Any, null: Bool) -> Any:
    if not null.any():
        return array
    return pc.if_else(pa.array(null), pa.scalar(None, array.type), array)
