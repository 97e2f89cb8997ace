"""The predicate language: two-valued null semantics, operators, values, rendering, meaning."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from minshare.orders.evaluate import compile_predicate
from minshare.orders.predicates import Predicate, canonical, render

PRED: TypeAdapter[Any] = TypeAdapter(Predicate)
AS_OF = date(2026, 2, 1)


def holds(pred: dict[str, Any], row: dict[str, Any], params: dict[str, Any] | None = None) -> bool:
    return compile_predicate(PRED.validate_python(pred), params or {})({"as_of": AS_OF, **row})


@pytest.mark.parametrize(
    "pred",
    [
        {"column": "IMGRTN_STUS_CD", "eq": "3"},
        {"column": "IMGRTN_STUS_CD", "ne": "3"},
        {"column": "IMGRTN_STUS_CD", "in": ["3"]},
        {"column": "IMGRTN_STUS_CD", "not_in": ["3"]},
        {"column": "IMGRTN_STUS_CD", "unknown_code": True},
        {"fact": "determination.age_days", "le": 365},
        {"fact": "determination.age_days", "gt": 365},
    ],
)
def test_every_comparison_with_null_is_false(pred: dict[str, Any]) -> None:
    assert holds(pred, {"IMGRTN_STUS_CD": None, "determination.age_days": None}) is False


def test_not_of_a_null_comparison_is_true_two_valued_logic() -> None:
    assert holds({"not": {"column": "IMGRTN_STUS_CD", "eq": "3"}}, {"IMGRTN_STUS_CD": None})


def test_is_null_is_the_only_way_to_ask_for_null() -> None:
    assert holds({"column": "IMGRTN_STUS_CD", "is_null": True}, {})
    assert not holds({"column": "IMGRTN_STUS_CD", "is_null": False}, {})
    assert holds({"column": "IMGRTN_STUS_CD", "is_null": False}, {"IMGRTN_STUS_CD": "3"})


@pytest.mark.parametrize(("value", "unknown"), [("4", True), ("3", False), ("08", True)])
def test_unknown_code_means_present_and_outside_the_code_list(value: str, unknown: bool) -> None:
    assert (
        holds({"column": "IMGRTN_STUS_CD", "unknown_code": True}, {"IMGRTN_STUS_CD": value})
        is unknown
    )


def test_dates_relative_to_the_as_of_date_and_params() -> None:
    pred = {"column": "BIRTH_DT", "le": {"as_of_minus_days": {"param": "days"}}}
    assert holds(pred, {"BIRTH_DT": date(2026, 1, 22)}, {"days": 10})
    assert not holds(pred, {"BIRTH_DT": date(2026, 1, 23)}, {"days": 10})


def test_date_literals_may_be_written_as_text() -> None:
    pred = {"fact": "determination.determined_on", "ge": "2026-01-06"}
    assert holds(pred, {"determination.determined_on": date(2026, 1, 6)})
    assert not holds(pred, {"determination.determined_on": date(2026, 1, 5)})


def test_text_that_looks_like_a_date_stays_text_for_string_columns() -> None:
    assert holds(
        {"column": "ELGBL_LINE_1_ADR_HOME", "eq": "2026-01-06"},
        {"ELGBL_LINE_1_ADR_HOME": "2026-01-06"},
    )


def test_all_any_always() -> None:
    row = {"CTZNSHP_IND": "0", "IMGRTN_STUS_CD": "3"}
    a = {"column": "CTZNSHP_IND", "eq": "0"}
    b = {"column": "IMGRTN_STUS_CD", "eq": "1"}
    assert not holds({"all": [a, b]}, row)
    assert holds({"any": [a, b]}, row)
    assert holds({"always": True}, row)
    assert not holds({"always": False}, row)


@pytest.mark.parametrize(
    "bad",
    [5, "x", {"column": "A", "fact": "b", "eq": "1"}, {"all": []}, {"column": "A", "eq": [1, 2]}],
)
def test_malformed_predicates_are_rejected(bad: Any) -> None:
    with pytest.raises(ValidationError):
        PRED.validate_python(bad)


def test_render_is_one_readable_line() -> None:
    pred = PRED.validate_python(
        {
            "all": [
                {"fact": "determination.category", "eq": "UNLAWFULLY_PRESENT"},
                {"fact": "determination.age_days", "le": {"param": "freshness_days"}},
                {"not": {"column": "CTZNSHP_IND", "in": ["1", "2"]}},
            ]
        }
    )
    assert render(pred) == (
        '(determination.category = "UNLAWFULLY_PRESENT" and determination.age_days <= '
        'params.freshness_days and not CTZNSHP_IND in {"1", "2"})'
    )


leaf = st.sampled_from(
    [
        {"column": "CTZNSHP_IND", "eq": "0"},
        {"column": "IMGRTN_STUS_CD", "in": ["1", "2"]},
        {"fact": "msis_id_is_ssn", "eq": True},
        {"fact": "determination.age_days", "gt": 365},
    ]
)


@given(st.lists(leaf, min_size=1, max_size=4), st.integers(0, 10_000))
def test_canonical_form_ignores_order_nesting_and_repetition(leaves: list[Any], seed: int) -> None:
    shuffled = list(leaves)
    random.Random(seed).shuffle(shuffled)
    a = PRED.validate_python({"all": leaves})
    b = PRED.validate_python({"all": [{"all": shuffled}, *shuffled[:1]]})
    assert canonical(a) == canonical(b)
    assert canonical(PRED.validate_python({"not": {"not": {"all": leaves}}})) == canonical(a)
