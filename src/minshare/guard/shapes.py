"""Field shape checks, fail closed (health-categories.md §2; issue 5 item 1).

Each permitted field is checked against its own shape before anything else reads it; a value
that fails is a finding (category V1, the record goes to review) and is not analysed further.
Every check is vectorized over a whole column (pyarrow.compute, numpy). Nulls are not failures:
a null is simply not disclosed.

- address line, city: at most ``MAX_TEXT`` characters; letters (any script), digits, space
  and ``. , ' # & / ( ) - : ; "``; no leading ``= + - @`` and no tab or line break
  (spreadsheet formula); no look-alike letters, fullwidth forms or invisible characters;
- ZIP: 5 or 9 ASCII digits, or ``12345-6789``;
- state: a USPS abbreviation or 2-digit FIPS code of ``minshare.data.states``;
- county: 3 ASCII digits;
- phone: 10 digits once ``( ) . - +`` and spaces go (11 with a leading 1), a valid NANP
  number (area code and exchange 2-9, not N11);
- Medicaid ID: 1-20 letters, digits and hyphens;
- date of birth: on or after 1900-01-01 and not after the as-of date;
- citizenship, immigration status, submitting state: in their closed code lists.

The Medicaid-ID-is-an-SSN test (category I1) lives here too: it is a shape of the ID field, and
it reproduces :func:`minshare.orders.facts.msis_id_is_ssn` exactly (a property test holds them
together).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from minshare.data import codes
from minshare.data.states import BY_ABBR, STATES
from minshare.guard.normalize import nanp_valid_array, phone10_array

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

MAX_TEXT = 100
MIN_BIRTH = dt.date(1900, 1, 1)
_TEXT_OK = r"^[\p{L}\p{M}\p{N} .,'#&/()\-:;\"]*$"
_FORMULA = r"^\s*[=+\-@]|[\t\r\n]"


@dataclass(frozen=True)
class Failure:
    """Rows of one field that fail one check."""

    rows: I64
    check: str


def _np(mask: pa.Array | pa.ChunkedArray) -> Bool:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _rows(mask: Bool) -> I64:
    return np.flatnonzero(mask).astype(np.int64)


def text(arr: pa.Array, suspicious_rows: dict[str, I64] | None = None) -> list[Failure]:
    out = []
    formula = _np(pc.match_substring_regex(arr, _FORMULA))
    if formula.any():
        out.append(Failure(_rows(formula), "formula"))
    long = _np(pc.greater(pc.utf8_length(arr), MAX_TEXT))
    if long.any():
        out.append(Failure(_rows(long), "too_long"))
    bad = _np(pc.invert(pc.match_substring_regex(arr, _TEXT_OK))) & ~formula
    if bad.any():
        out.append(Failure(_rows(bad), "charset"))
    for check, rows in (suspicious_rows or {}).items():
        if len(rows):
            out.append(Failure(rows, check))
    return out


def zip_code(arr: pa.Array) -> list[Failure]:
    bad = _np(pc.invert(pc.match_substring_regex(arr, r"^[0-9]{5}(-?[0-9]{4})?$")))
    return [Failure(_rows(bad), "zip")] if bad.any() else []


_STATE_VALUES = pa.array(sorted(set(BY_ABBR) | set(STATES)), pa.string())


def state(arr: pa.Array) -> list[Failure]:
    bad = _np(pc.invert(pc.is_in(pc.utf8_upper(arr), value_set=_STATE_VALUES))) & _np(
        pc.is_valid(arr)
    )
    return [Failure(_rows(bad), "state")] if bad.any() else []


def county(arr: pa.Array) -> list[Failure]:
    bad = _np(pc.invert(pc.match_substring_regex(arr, r"^[0-9]{3}$")))
    return [Failure(_rows(bad), "county")] if bad.any() else []


def phone(arr: pa.Array) -> tuple[list[Failure], I64]:
    """Failures, and the 10-digit numbers (-1 where none) for the registry match."""
    numbers, bad = phone10_array(arr)
    out = []
    if bad.any():
        out.append(Failure(_rows(bad), "phone"))
    present = numbers >= 0
    not_nanp = present & ~nanp_valid_array(numbers)
    if not_nanp.any():
        out.append(Failure(_rows(not_nanp), "phone_not_nanp"))
    return out, numbers


def medicaid_id(arr: pa.Array) -> list[Failure]:
    bad = _np(pc.invert(pc.match_substring_regex(arr, r"^[A-Za-z0-9][A-Za-z0-9\-]{0,19}$")))
    return [Failure(_rows(bad), "medicaid_id")] if bad.any() else []


def birth_date(arr: pa.Array, as_of: dt.date) -> list[Failure]:
    if not pa.types.is_date32(arr.type):
        return []
    early = pc.less(arr, pa.scalar(MIN_BIRTH, pa.date32()))
    late = pc.greater(arr, pa.scalar(as_of, pa.date32()))
    bad = _np(pc.or_(early, late))
    return [Failure(_rows(bad), "birth_date")] if bad.any() else []


def code(arr: pa.Array, code_list: codes.CodeList) -> list[Failure]:
    values = pa.array(sorted(code_list.codes), pa.string())
    bad = _np(pc.invert(pc.is_in(arr, value_set=values))) & _np(pc.is_valid(arr))
    return [Failure(_rows(bad), f"code:{code_list.name}")] if bad.any() else []


def submitting_state(arr: pa.Array) -> list[Failure]:
    values = pa.array(sorted(STATES), pa.string())
    bad = _np(pc.invert(pc.is_in(arr, value_set=values))) & _np(pc.is_valid(arr))
    return [Failure(_rows(bad), "state_code")] if bad.any() else []


def _bare(arr: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(arr, r"[\- ]", "")


def msis_id_is_ssn(msis: pa.Array, ssn: pa.Array | None) -> tuple[I64, I64]:
    """Rows whose Medicaid ID equals SSN_NUM (hyphens and spaces ignored), and rows whose ID has
    the shape of a valid SSN (area not 000, 666 or 9xx, group not 00, serial not 0000)."""
    present = _np(pc.not_equal(pc.utf8_trim_whitespace(msis), ""))
    equal = np.zeros(len(msis), np.bool_)
    if ssn is not None:
        s = _bare(ssn)
        equal = present & _np(pc.and_(pc.not_equal(s, ""), pc.equal(s, _bare(msis))))
    parts = pc.extract_regex(
        pc.utf8_trim_whitespace(msis), r"^(?P<a>\d{3})-?(?P<g>\d{2})-?(?P<s>\d{4})$"
    )
    shaped = _np(pc.is_valid(parts))
    if shaped.any():
        area = pc.struct_field(parts, [0])
        group = pc.struct_field(parts, [1])
        serial = pc.struct_field(parts, [2])
        invalid = pc.or_(
            pc.or_(pc.is_in(area, value_set=pa.array(["000", "666"])), pc.starts_with(area, "9")),
            pc.or_(pc.equal(group, "00"), pc.equal(serial, "0000")),
        )
        shaped &= ~_np(invalid)
    return _rows(equal), _rows(shaped & ~equal)


__all__ = [
    "MAX_TEXT",
    "Failure",
    "birth_date",
    "code",
    "county",
    "medicaid_id",
    "msis_id_is_ssn",
    "phone",
    "state",
    "submitting_state",
    "text",
    "zip_code",
]
