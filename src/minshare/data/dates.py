"""Dates: ``YYYY-MM-DD`` and T-MSIS ``YYYYMMDD`` text, checked for being real calendar dates.

Parsing is done on the Arrow buffers with numpy. Arrow's strptime will not do: it reads
2023-02-30 as March 2 and accepts 2023-1-1, 2023011 and "2023 0101". Regex kernels were correct
but were most of the read time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from minshare.data.cells import quoted
from minshare.data.quarantine import Problem, Reason

Bools = npt.NDArray[np.bool_]
Int64s = npt.NDArray[np.int64]

_DATE_HELP = "is not a date (expected YYYY-MM-DD or YYYYMMDD)"
# TAF sets dates before 1600-01-01 to 1599-12-31.
_EPOCH = np.datetime64("1970-01-01", "D")
_FLOOR_DAYS = int((np.datetime64("1599-12-31", "D") - _EPOCH).astype(np.int64))
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


def parse_dates(name: str, text: pa.Array) -> tuple[pa.Array, Bools | None, list[Problem]]:
    """``date32`` values of trimmed text cells, the cells that are not dates, and why each is
    not. Dates before 1600 become 1599-12-31, as in TAF."""
    y, m, d, shaped = _date_fields(text)
    month_ok = (m >= 1) & (m <= 12)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    dim = _DAYS_IN_MONTH[np.where(month_ok, m, 0)] + ((m == 2) & leap)
    ok = shaped & month_ok & (y >= 1) & (d >= 1) & (d <= dim)
    days = np.maximum(_days_from_civil(y, m, d, leap), _FLOOR_DAYS).astype(np.int32)
    values = pa.array(days, pa.date32(), mask=~ok)
    bad = text.is_valid().to_numpy(zero_copy_only=False) & ~ok
    if not bad.any():
        return values, None, []
    shown = text.filter(pa.array(bad)).to_pylist()
    problems = [
        Problem(Reason.BAD_DATE, name, f"{name}: {quoted(s or '')} {_DATE_HELP}") for s in shown
    ]
    return values, bad, problems


# Byte offset of each of the eight digits: YYYYMMDD, and the extra offset in YYYY-MM-DD.
_DIGIT_AT = (0, 1, 2, 3, 4, 5, 6, 7)
_ISO_SHIFT = (0, 0, 0, 0, 1, 1, 2, 2)
_PLACES = (1000, 100, 10, 1, 10, 1, 10, 1)


def _date_fields(text: pa.Array) -> tuple[Int64s, Int64s, Int64s, Bools]:
    """Year, month, day of ``YYYY-MM-DD`` / ``YYYYMMDD`` cells, read straight from the Arrow
    buffers, and which cells have either shape."""
    n = len(text)
    _, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(offsets_buf, np.int32, count=text.offset + n + 1)[text.offset :]
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    valid = text.is_valid().to_numpy(zero_copy_only=False)
    fields = [np.zeros(n, np.int64) for _ in range(3)]
    if not data.size:
        return fields[0], fields[1], fields[2], np.zeros(n, np.bool_)
    start = offsets[:-1]
    length = offsets[1:] - start
    iso = valid & (length == 10)
    shaped = (valid & (length == 8)) | iso
    shift = iso.astype(np.int32)

    def byte(at: npt.NDArray[np.int32]) -> npt.NDArray[np.uint8]:
        return np.take(data, at, mode="clip")  # a short cell's reads are masked by its length

    shaped &= ~iso | ((byte(start + 4) == ord("-")) & (byte(start + 7) == ord("-")))
    for k, (at, step, place) in enumerate(zip(_DIGIT_AT, _ISO_SHIFT, _PLACES, strict=True)):
        digit = byte(start + (at + shift * step if step else at)) - np.uint8(ord("0"))
        shaped &= digit <= 9  # anything but 0-9 wraps past 9
        fields[0 if k < 4 else 1 if k < 6 else 2] += digit * np.int64(place)
    return fields[0], fields[1], fields[2], shaped


def _days_before_year() -> npt.NDArray[np.int64]:
    years = np.arange(0, 10001, dtype=np.int64)
    prior = years - 1
    days = 365 * prior + prior // 4 - prior // 100 + prior // 400
    return days - (365 * 1969 + 1969 // 4 - 1969 // 100 + 1969 // 400)


_DAYS_BEFORE_YEAR = _days_before_year()  # year -> days from 1970-01-01 to its Jan 1
_DAYS_BEFORE_MONTH = np.array(
    [
        [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334],
        [0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335],
    ],
    np.int64,
)


def _days_from_civil(y: Int64s, m: Int64s, d: Int64s, leap: Bools) -> Int64s:
    """Days since 1970-01-01 by table lookup (integer division over every row was slow).
    Impossible dates give garbage, which the caller masks."""
    month = np.clip(m, 0, 12)
    days: Int64s = (
        _DAYS_BEFORE_YEAR[np.clip(y, 0, 10000)]
        + _DAYS_BEFORE_MONTH[leap.astype(np.intp), month]
        + (d - 1)
    )
    return days


def floor_dates(dates: pa.Array) -> pa.Array:
    """Typed dates before 1600 become 1599-12-31, as in TAF."""
    floor = pa.scalar(_FLOOR_DAYS, pa.int32()).cast(pa.date32())
    return pc.if_else(pc.less(dates, floor), floor, dates)


__all__ = ["floor_dates", "parse_dates"]
