"""Field shape checks fail closed, and the SSN test is the order's own definition."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from minshare.data import codes
from minshare.guard import shapes
from minshare.orders import facts


def checks(failures: list[shapes.Failure]) -> dict[str, list[int]]:
    return {f.check: f.rows.tolist() for f in failures}


def test_spreadsheet_formulas_in_an_address_line_fail() -> None:
    arr = pa.array(["12 Main St", '=HYPERLINK("http://x","y")', "+1-555", "@SUM(A1)", None])
    assert checks(shapes.text(arr)) == {"formula": [1, 2, 3]}


def test_over_long_lines_and_control_characters_fail() -> None:
    arr = pa.array(["x" * 101, "12 Main\x07St", "José Peña Apt 4-B #2"])
    assert checks(shapes.text(arr)) == {"too_long": [0], "charset": [1]}


def test_zip_state_county_shapes() -> None:
    assert checks(
        shapes.zip_code(pa.array(["12345", "123456789", "12345-6789", "1234", "１２３４５"]))
    ) == {"zip": [3, 4]}
    assert checks(shapes.state(pa.array(["NY", "36", "ny", "XX", None]))) == {"state": [3]}
    assert checks(shapes.county(pa.array(["001", "1", "ABC"]))) == {"county": [1, 2]}


def test_phones_with_letters_or_outside_nanp_fail() -> None:
    failures, numbers = shapes.phone(pa.array(["518-555-0142", "1-800-QUIT-NOW", "0185550142"]))
    assert checks(failures) == {"phone": [1], "phone_not_nanp": [2]}
    assert numbers.tolist()[0] == 5185550142


def test_birth_dates_before_1900_or_after_the_as_of_date_fail() -> None:
    arr = pa.array([dt.date(1899, 12, 31), dt.date(1990, 1, 1), dt.date(2026, 3, 1)], pa.date32())
    assert checks(shapes.birth_date(arr, dt.date(2026, 2, 1))) == {"birth_date": [0, 2]}


def test_codes_outside_their_closed_list_fail() -> None:
    arr = pa.array(["0", "3", "4", None])
    assert checks(shapes.code(arr, codes.IMGRTN_STUS_CD)) == {"code:IMGRTN_STUS_CD": [2]}


_ids = st.one_of(
    st.from_regex(r"\A[0-9]{3}-?[0-9]{2}-?[0-9]{4}\Z", fullmatch=True),
    st.from_regex(r"\A[A-Z0-9]{1,12}\Z", fullmatch=True),
    st.just(" "),
    st.none(),
)


@given(st.lists(st.tuples(_ids, _ids), min_size=1, max_size=20))
def test_vectorized_ssn_test_is_the_orders_msis_id_is_ssn(
    pairs: list[tuple[str | None, str | None]],
) -> None:
    msis = pa.array([m for m, _ in pairs], pa.string())
    ssn = pa.array([s for _, s in pairs], pa.string())
    equal, shaped = shapes.msis_id_is_ssn(msis, ssn)
    got = set(equal.tolist()) | set(shaped.tolist())
    want = {i for i, (m, s) in enumerate(pairs) if facts.msis_id_is_ssn(m, s)}
    assert got == want
