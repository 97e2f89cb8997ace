"""One normalization for registries and enrollment: USPS forms, look-alikes, ZIP5, phones."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minshare.guard.normalize import (
    address_key,
    fold,
    fold_array,
    nanp_valid,
    phone10,
    phone10_array,
    suspicious,
    words,
    zip5,
)


@pytest.mark.parametrize(
    "line",
    [
        "1200 North Main Street Suite 300",
        "1200 N MAIN ST STE 300",
        "1200 n. main st., #300",
        "1200 N Main St Unit 300",
    ],
)
def test_usps_spellings_of_one_address_give_one_key(line: str) -> None:
    key = address_key(line, None, "12345-6789")
    assert key is not None
    assert (key.house, key.street, key.zip5, key.unit) == (1200, "N MAIN ST", 12345, "300")


def test_ordinals_and_directionals_are_spelled_one_way() -> None:
    a = address_key("12 West Third Street", None, "02134")
    b = address_key("12 W 3rd St", None, "02134")
    assert a == b
    assert a is not None
    assert a.zip5 == 2134


def test_a_unit_on_line_two_joins_the_key() -> None:
    key = address_key("77 Oak Ave", "Rm 214", "94110")
    assert key is not None
    assert key.unit == "214"


def test_lines_without_a_house_number_have_no_key() -> None:
    assert address_key("PO BOX 123", None, "12345") is None
    assert address_key("123 Main St", None, "1234") is None


def test_cyrillic_lookalikes_fold_to_latin_and_are_reported() -> None:
    assert fold("Mаin Strееt") == "MAIN STREET"
    assert suspicious("Mаin St") == {"lookalike"}


def test_accented_names_are_not_lookalikes() -> None:
    assert suspicious("Calle José Peña") == set()
    assert fold("Peña") == "PENA"


def test_fullwidth_digits_fold_and_are_reported() -> None:
    assert zip5("１２３４５") == 12345
    assert suspicious("１２３４５") == {"fullwidth"}


def test_invisible_characters_are_reported_and_dropped() -> None:
    assert "invisible" in suspicious("Main\u200b St")
    assert fold("Main\u200b St") == "MAIN ST"


def test_fold_array_touches_only_non_ascii_values() -> None:
    arr = pa.array(["12 Main St", "12 Mаin St", None])
    folded, non_ascii = fold_array(arr)
    assert folded.to_pylist() == ["12 Main St", "12 MAIN ST", None]
    assert non_ascii.tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("raw", "number"),
    [("(518) 555-0142", 5185550142), ("+1 518.555.0142", 5185550142), ("518555014", None)],
)
def test_phones_are_ten_nanp_digits(raw: str, number: int | None) -> None:
    assert phone10(raw) == number


def test_vectorized_phones_agree_with_the_scalar_form() -> None:
    raw = ["(518) 555-0142", "15185550142", "1-800-QUIT-NOW", "12345", None]
    numbers, bad = phone10_array(pa.array(raw))
    assert numbers.tolist() == [5185550142, 5185550142, -1, -1, -1]
    assert bad.tolist() == [False, False, True, True, False]


def test_nanp_area_and_exchange_start_2_to_9_and_are_not_n11() -> None:
    assert nanp_valid(5185550142)
    assert not nanp_valid(1185550142)
    assert not nanp_valid(5189110142)


def test_words_are_upper_case_single_spaced_and_padded() -> None:
    assert words("c/o Renal-Unit,  L&D") == " C O RENAL UNIT L AND D "


_street = st.sampled_from(["Main", "Oak", "Lake View", "Martin Luther King Jr"])
_suffix = st.sampled_from(
    [("St", "Street"), ("Ave", "Avenue"), ("Blvd", "Boulevard"), ("Dr", "Drive")]
)
_direction = st.sampled_from([("", ""), ("N ", "North "), ("SW ", "Southwest ")])


@given(st.integers(1, 99_999), _direction, _street, _suffix, st.integers(0, 99_999), st.booleans())
def test_case_abbreviation_and_punctuation_never_change_the_key(
    house: int,
    direction: tuple[str, str],
    street: str,
    suffix: tuple[str, str],
    zip_code: int,
    upper: bool,
) -> None:
    short = f"{house} {direction[0]}{street} {suffix[0]}"
    long = f"{house} {direction[1]}{street} {suffix[1]}."
    if upper:
        long = long.upper()
    z = f"{zip_code:05d}"
    assert address_key(short, None, z) == address_key(long, None, f"{z}-0001")


@given(st.text(max_size=40))
def test_fold_always_gives_ascii(text: str) -> None:
    assert fold(text).isascii()
