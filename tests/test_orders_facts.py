"""The facts vocabulary: exact definitions, edge cases included, and its documentation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from minshare.orders import facts
from minshare.orders.facts import Derivation, Fact, Kind, VType, current_determination
from minshare.orders.load import load_order

AS_OF = date(2026, 2, 1)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "orders.md"


def det(cat: str | None, src: str | None, on: str) -> dict[str, object]:
    return {"STATUS_CATEGORY": cat, "DETERMINATION_SOURCE": src, "DETERMINED_ON": on}


def test_the_current_determination_is_the_latest_on_or_before_the_as_of_date() -> None:
    cur = current_determination(
        [
            det("LPR", "SAVE", "2025-01-01"),
            det("DACA", "SAVE", "2026-01-15"),
            det("TPS", "SAVE", "2026-02-02"),
        ],
        AS_OF,
    )
    assert (cur.category, cur.determined_on, cur.conflict) == ("DACA", date(2026, 1, 15), False)


def test_no_determination_before_the_as_of_date_means_none_present() -> None:
    cur = current_determination([det("LPR", "SAVE", "2026-03-01")], AS_OF)
    assert not cur.present
    assert cur.category is None
    assert not cur.conflict


def test_categories_that_disagree_on_the_latest_date_leave_no_current_category() -> None:
    cur = current_determination(
        [det("LPR", "SAVE", "2026-01-01"), det("UNLAWFULLY_PRESENT", "SAVE", "2026-01-01")], AS_OF
    )
    assert cur.present
    assert cur.conflict
    assert cur.category is None
    assert cur.source is None


def test_same_category_different_sources_the_least_trusted_counts() -> None:
    rows = [
        det("UNLAWFULLY_PRESENT", "SAVE", "2026-01-01"),
        det("UNLAWFULLY_PRESENT", "SELF_ATTESTATION", "2026-01-01"),
    ]
    assert current_determination(rows, AS_OF).source == "SELF_ATTESTATION"


@pytest.mark.parametrize("source", [None, "CARRIER_PIGEON"])
def test_a_null_or_unlisted_source_is_least_trusted_and_reads_null(source: str | None) -> None:
    rows = [
        det("UNLAWFULLY_PRESENT", "SAVE", "2026-01-01"),
        det("UNLAWFULLY_PRESENT", source, "2026-01-01"),
    ]
    assert current_determination(rows, AS_OF).source is None


def test_age_in_days_counts_to_the_as_of_date() -> None:
    computed = facts.compute({"SUBMTG_STATE_CD": "97"}, [det("LPR", "SAVE", "2025-02-01")], AS_OF)
    assert computed["determination.age_days"] == 365
    assert computed["state"] == "42"  # alternate submitter code remapped


@pytest.mark.parametrize(
    ("msis_id", "ssn", "expected"),
    [
        ("123456789", None, True),
        ("123-45-6789", None, True),
        ("000123456", None, False),  # area 000 is never issued
        ("666123456", None, False),
        ("912345678", None, False),  # 9xx: ITIN range, not an SSN
        ("123006789", None, False),  # group 00
        ("123450000", None, False),  # serial 0000
        ("NY7A20931", None, False),
        ("912345678", "912-34-5678", True),  # equal to the SSN on file, whatever its shape
        ("A12345678", "12345678", False),
        (None, "123456789", False),
    ],
)
def test_msis_id_is_ssn(msis_id: str | None, ssn: str | None, expected: bool) -> None:
    assert facts.msis_id_is_ssn(msis_id, ssn) is expected


def test_duplicates_conflict_only_on_the_orders_permitted_fields() -> None:
    a = {"MSIS_IDENT_NUM": "X", "ELGBL_PHNE_NUM_HOME": "1", "ELGBL_1ST_NAME": "Ann"}
    assert not facts.duplicate_conflict([a, dict(a)], ["ELGBL_PHNE_NUM_HOME"])
    assert not facts.duplicate_conflict(
        [a, {**a, "ELGBL_1ST_NAME": "Anne"}], ["ELGBL_PHNE_NUM_HOME"]
    )
    assert facts.duplicate_conflict(
        [a, {**a, "ELGBL_PHNE_NUM_HOME": None}], ["ELGBL_PHNE_NUM_HOME"]
    )


@pytest.fixture
def guard_fact() -> Iterator[Fact]:
    fact = Fact("guard.test_finding", VType(Kind.BOOL), "A test finding", Derivation.SUPPLIED)
    facts.register(fact)
    yield fact
    del facts.FACTS[fact.name]


def test_only_supplied_guard_facts_can_be_registered(guard_fact: Fact) -> None:
    with pytest.raises(ValueError, match="guard"):
        facts.register(Fact("sneaky", VType(Kind.BOOL), "x", Derivation.SUPPLIED))
    with pytest.raises(ValueError, match="already"):
        facts.register(guard_fact)


def test_a_registered_guard_fact_can_be_used_and_supplied(guard_fact: Fact) -> None:
    from minshare.orders.evaluate import evaluate

    order = load_order(
        """\
schema_version: 1
id: guarded
title: t
authority: {court: c, caption: c, docket: d, document: d, issued: 2026-01-01, evidence: press,
            sources: [{id: s, title: t, evidence: press}]}
effective: {from: 2026-01-01}
jurisdiction: [{state: "36", source: s}]
rules:
  - {id: r, effect: review, when: {fact: guard.test_finding, eq: true}, reason: r, cite: c}
"""
    )
    decision = evaluate(
        order, {"SUBMTG_STATE_CD": "36"}, [], AS_OF, supplied={guard_fact.name: True}
    )
    assert decision.matched_rule_ids == ("r",)


def test_the_documented_facts_table_is_the_registry() -> None:
    text = DOCS.read_text(encoding="utf-8")
    between = text.split("<!-- facts:begin -->\n", 1)[1].split("<!-- facts:end -->", 1)[0]
    assert between == facts.markdown_table()
