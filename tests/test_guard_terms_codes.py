"""The term automaton and the gated code detectors: what fires, and the traps that must not."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minshare.guard import codes
from minshare.guard.normalize import words, words_array
from minshare.guard.terms import Lexicon, followed_by_street_suffix

LEX = Lexicon()


def strong(text: str) -> list[str]:
    padded = words(text)
    return [
        LEX.strong_terms[i].phrase
        for i, _, e in LEX.strong.find(padded)
        if not followed_by_street_suffix(padded, e)
    ]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("c/o Renal Unit", "RENAL"),
        ("Rm 4B, Dialysis Ctr", "DIALYSIS"),
        ("Evergreen Nursing & Rehab", "NURSING"),
        ("Valley Beh. Hlth", "BEHAVIORAL HEALTH"),
        ("L&D Unit", "L AND D"),
        ("Psych Ward 3", "PSYCHIATRIC"),
    ],
)
def test_facility_and_unit_words_are_found_in_any_spelling(text: str, phrase: str) -> None:
    assert phrase in strong(text)


@pytest.mark.parametrize(
    "text", ["Apt 4", "Unit 12", "Rm 214", "Fl 2", "Bldg C", "Riverside Dr", "Care of Maria"]
)
def test_weak_words_alone_are_not_strong_findings(text: str) -> None:
    assert strong(text) == []


def test_a_term_that_is_part_of_a_street_name_is_not_a_finding() -> None:
    assert strong("100 Hospital Dr") == []
    assert strong("Medical Center Pkwy") == []
    assert strong("c/o Mercy Hospital") == ["HOSPITAL"]


def test_scanning_a_whole_array_reports_rows_and_spans() -> None:
    arr = words_array(pa.array(["12 Main St", "", "c/o Renal Unit", "Dialysis Ctr"]))
    m = LEX.strong.scan(arr)
    assert m.row.tolist() == [2, 3]
    assert arr[2].as_py()[m.start[0] : m.end[0]] == " RENAL "


def systems(text: str, **kw: object) -> list[str]:
    return [h.system for h in codes.find_codes(text, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["N18.6", "Apt 2 F31.9", "Dx B20", "Z21 dx", "ICD-10 F11.20", "12 Main St Dx F11.20", "C50911"],
)
def test_pasted_diagnosis_codes_are_found(text: str) -> None:
    assert systems(text) == ["ICD-10-CM"]


@pytest.mark.parametrize(
    "text", ["Apt B12", "Unit C101", "# A15", "Ste 100", "12345 Main St", "Apt 12A", "B12"]
)
def test_unit_designators_house_numbers_and_bare_categories_do_not_fire(text: str) -> None:
    assert systems(text, first_is_house=True) == []


def test_procedure_codes_need_a_procedure_word() -> None:
    assert systems("CPT 90837") == ["CPT"]
    assert systems("90837 Main St", first_is_house=True) == []


def test_provider_and_drug_identifiers() -> None:
    assert systems("NDC 0002-3227-30") == ["NDC"]
    assert systems("NPI 1234567893") == ["NPI"]
    assert systems("1234567893") == []  # a bare 10-digit number needs the word or a registry NPI
    assert systems("1234567893", npis={"1234567893"}) == ["NPI"]
    assert systems("AB1234563") == ["DEA"]
    assert systems("AB1234564") == []  # wrong DEA check digit
    assert systems("1EG4-TE5-MK73") == ["MBI"]


def test_icd_labels_follow_the_chapter() -> None:
    assert [codes.icd_sensitivity(c) for c in ("F11.20", "F20.9", "B20", "O09.90", "N18.6")] == [
        "ETH",
        "PSY",
        "HIV",
        "PREGNANT",
        "DIA",
    ]


def test_npi_check_digit_is_luhn_over_80840() -> None:
    assert codes.npi_valid("1234567893")
    assert not codes.npi_valid("1234567890")


@given(
    st.sampled_from(["Apt", "APT", "Unit", "Ste", "#", "Rm", "Bldg", "Lot", "Trlr"]),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTVWXYZ"),
    st.integers(0, 99),
)
def test_no_unit_designator_ever_reads_as_a_diagnosis(unit: str, letter: str, number: int) -> None:
    assert systems(f"{unit} {letter}{number:02d}") == []


@given(st.integers(0, 99_999))
def test_no_zip_or_house_number_reads_as_a_procedure(n: int) -> None:
    assert systems(f"{n:05d} Main St", first_is_house=True) == []
