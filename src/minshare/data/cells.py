"""Cells as text: any Arrow input type to trimmed UTF-8 strings, invalid UTF-8 found per cell."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from minshare.data.quarantine import truncate
from minshare.data.textstream import MARK_LEAD, MARK_PATTERN, unmark
from minshare.errors import DataError

Bools = npt.NDArray[np.bool_]


def is_temporal(t: pa.DataType) -> bool:
    return bool(pa.types.is_date(t) or pa.types.is_timestamp(t))


Invalid = tuple[Bools, list[str]]  # which cells held invalid UTF-8, and how to show each


def as_text(name: str, arr: pa.Array, marks_possible: bool) -> tuple[pa.Array, Invalid | None]:
    """Values as UTF-8 text; cells that were not valid UTF-8 become null and are reported."""
    t = arr.type
    if pa.types.is_dictionary(t):
        return as_text(name, arr.dictionary_decode(), marks_possible)
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string()), None
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        try:
            text = arr.cast(pa.string())
        except pa.ArrowInvalid:
            return _decode_cells(arr)
        return _unmark_cells(text) if marks_possible else (text, None)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        try:
            arr.validate(full=True)
        except pa.ArrowInvalid:
            return _decode_cells(arr.cast(pa.large_binary()))
        return arr.cast(pa.string()), None
    if pa.types.is_floating(t):
        # A code stored as a float (6.0) means the integer; anything fractional stays as is.
        whole = pc.all(pc.equal(pc.floor(arr), arr)).as_py() is not False
        return (arr.cast(pa.int64()) if whole else arr).cast(pa.string()), None
    if pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_boolean(t) or is_temporal(t):
        return arr.cast(pa.string()), None
    raise DataError(f"column {name} has type {t}, which cannot be read as text", field=name)


def _unmark_cells(text: pa.Array) -> tuple[pa.Array, Invalid | None]:
    # Every marker starts with these two bytes; a literal search is a third of the regex's cost,
    # and runs on every text column once a file has shown one invalid byte.
    if not pc.any(pc.match_substring(text.view(pa.binary()), pattern=MARK_LEAD)).as_py():
        return text, None
    marked = pc.match_substring_regex(text, MARK_PATTERN).fill_null(False)
    mask = marked.to_numpy(zero_copy_only=False)
    if not mask.any():
        return text, None
    shown = [unmark(v) for v in text.filter(marked).to_pylist()]
    return pc.if_else(marked, pa.scalar(None, pa.string()), text), (mask, shown)


def _decode_cells(arr: pa.Array) -> tuple[pa.Array, Invalid]:
    values: list[str | None] = []
    shown: list[str] = []
    mask = np.zeros(len(arr), np.bool_)
    for i, v in enumerate(arr.to_pylist()):
        try:
            values.append(None if v is None else v.decode("utf-8"))
        except UnicodeDecodeError:
            values.append(None)
            shown.append(v.decode("utf-8", errors="backslashreplace"))
            mask[i] = True
    return pa.array(values, pa.string()), (mask, shown)


def quoted(value: str) -> str:
    """A cell value as shown in a reason: quoted, short, escapes left as they are."""
    return f"'{truncate(value, 40)}'"


def blank_to_null(text: pa.Array) -> pa.Array:
    """Empty strings become null. Done on the validity bitmap alone: the kernels for this copy
    every string, and this runs on every text column of every batch."""
    if text.offset != 0 or not pa.types.is_string(text.type):
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    n = len(text)
    validity, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(offsets_buf, np.int32, count=n + 1)
    keep = offsets[1:] != offsets[:-1]
    if validity is not None:
        keep &= text.is_valid().to_numpy(zero_copy_only=False)
    nulls = n - int(np.count_nonzero(keep))
    if nulls == text.null_count:
        return text
    bitmap = pa.py_buffer(np.packbits(keep, bitorder="little"))
    return pa.Array.from_buffers(pa.string(), n, [bitmap, offsets_buf, data_buf], nulls)


__all__ = ["Invalid", "as_text", "blank_to_null", "is_temporal", "quoted"]
