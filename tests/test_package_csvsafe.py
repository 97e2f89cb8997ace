"""CSV formula neutralization: leading = + - @ TAB CR get a quote; nothing else changes."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from minshare.package.csvsafe import FORMULA_STARTS, neutralize, neutralize_batch

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def test_each_formula_start_gets_a_leading_quote() -> None:
    out = neutralize(pa.array(FORMULAS)).to_pylist()
    assert out == ["'" + v for v in FORMULAS]


def test_ordinary_empty_and_null_cells_are_unchanged() -> None:
    values = ["1 Main St", "", None, "a=b", " =x", "'quoted", "x-1"]
    assert neutralize(pa.array(values)).to_pylist() == values


def test_only_string_columns_are_rewritten() -> None:
    batch = pa.record_batch(
        {
            "S": pa.array(["-5", "ok"]),
            "N": pa.array([-5, 3]),
            "D": pa.array([dt.date(1990, 1, 2), None]),
            "L": pa.array(["=1", "x"], type=pa.large_string()),
        }
    )
    out = neutralize_batch(batch)
    assert out.column("S").to_pylist() == ["'-5", "ok"]
    assert out.column("N").to_pylist() == [-5, 3]
    assert out.column("D").to_pylist() == [dt.date(1990, 1, 2), None]
    assert out.column("L").to_pylist() == ["'=1", "x"]
    assert out.schema == batch.schema


@given(st.lists(st.one_of(st.none(), st.text(max_size=8))))
def test_neutralized_cells_never_start_a_formula_and_lose_nothing(
    values: list[str | None],
) -> None:
    out = neutralize(pa.array(values, type=pa.string())).to_pylist()
    for before, after in zip(values, out, strict=True):
        if before is None:
            assert after is None
            continue
        assert after is not None
        assert not after.startswith(FORMULA_STARTS)
        assert after in (before, "'" + before)
        assert (after != before) == before.startswith(FORMULA_STARTS)
