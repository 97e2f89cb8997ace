"""Differential, fact by fact: the SQL of each fact against its reference derivation in
``orders.facts``, on generated values (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from minshare.compile import plan_for
from minshare.compile.sql import _det_asof, _det_current, _msis_id_is_ssn
from minshare.orders import facts, load_builtin_orders

AS_OF = dt.date(2026, 2, 1)
PLAN = plan_for(load_builtin_orders(), AS_OF)

ID_CHARS = st.sampled_from([*"0123456789", "-", " ", "A", "９", "٣", "0", "6", "9"])
ids = st.text(ID_CHARS, min_size=1, max_size=12).map(str.strip).filter(bool)
ssns = st.one_of(st.none(), ids, st.sampled_from(["", " - "]))


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(ids, ssns), min_size=1, max_size=40))
def test_msis_id_is_ssn_in_sql_is_the_reference(rows: list[tuple[str, str | None]]) -> None:
    table = pa.table({"MSIS_IDENT_NUM": [r[0] for r in rows], "SSN_NUM": [r[1] for r in rows]})
    query = exp.select(_msis_id_is_ssn("t").as_("x")).from_(exp.alias_(exp.to_table("t"), "t"))
    with duckdb.connect() as con:
        con.register("t", table)
        got = [r[0] for r in con.execute(query.sql("duckdb")).fetchall()]
    assert got == [facts.msis_id_is_ssn(m, s) for m, s in rows]


def test_msis_id_is_ssn_known_cases() -> None:
    cases = {
        ("123456789", None): True,
        ("123-45-6789", None): True,
        ("000123456", None): False,  # area 000
        ("666123456", None): False,
        ("923456789", None): False,  # area 9xx
        ("123006789", None): False,  # group 00
        ("123450000", None): False,  # serial 0000
        ("１２３４５６７８９", None): True,  # fullwidth digits are digits to Python's \\d
        ("NY7A20931", "NY7A20931"): True,  # equal to the SSN on file
        ("NY7A20931", ""): False,
    }
    rows = list(cases)
    table = pa.table({"MSIS_IDENT_NUM": [r[0] for r in rows], "SSN_NUM": [r[1] for r in rows]})
    query = exp.select(_msis_id_is_ssn("t").as_("x")).from_(exp.alias_(exp.to_table("t"), "t"))
    with duckdb.connect() as con:
        con.register("t", table)
        got = [r[0] for r in con.execute(query.sql("duckdb")).fetchall()]
    assert got == list(cases.values())
    assert [facts.msis_id_is_ssn(m, s) for m, s in rows] == list(cases.values())


CATEGORIES = st.sampled_from(["UNLAWFULLY_PRESENT", "LPR", "CITIZEN", "DACA", None])
SOURCES = st.sampled_from(["SAVE", "USCIS_DOCUMENT", "STATE_RECORD", "SELF_ATTESTATION", "X", None])
DAYS = st.one_of(
    st.none(), st.sampled_from([AS_OF, AS_OF - dt.timedelta(days=1), AS_OF + dt.timedelta(days=1)])
)
determinations = st.lists(
    st.fixed_dictionaries(
        {
            "MSIS_IDENT_NUM": st.sampled_from(["A", "B", "C"]),
            "STATUS_CATEGORY": CATEGORIES,
            "DETERMINATION_SOURCE": SOURCES,
            "DETERMINED_ON": DAYS,
        }
    ),
    max_size=12,
)


@settings(max_examples=50, deadline=None)
@given(rows=determinations)
def test_current_determination_in_sql_is_the_reference(rows: list[dict[str, Any]]) -> None:
    rows = [{**r, "SUBMTG_STATE_CD": "36"} for r in rows]
    schema = pa.schema(
        [
            ("SUBMTG_STATE_CD", pa.string()),
            ("MSIS_IDENT_NUM", pa.string()),
            ("STATUS_CATEGORY", pa.string()),
            ("DETERMINATION_SOURCE", pa.string()),
            ("DETERMINED_ON", pa.date32()),
        ]
    )
    query = exp.select("*").from_("det_current")
    query = query.with_("det_asof", as_=_det_asof(PLAN)).with_("det_current", as_=_det_current())
    with duckdb.connect() as con:
        con.register("determinations", pa.Table.from_pylist(rows, schema=schema))
        got = {
            r["MSIS_IDENT_NUM"]: r
            for r in con.sql(query.sql("duckdb")).to_arrow_table().to_pylist()
        }
    trust = facts.SOURCE_TRUST
    for person in ("A", "B", "C"):
        want = facts.current_determination(
            [r for r in rows if r["MSIS_IDENT_NUM"] == person], AS_OF
        )
        row = got.get(person)
        assert (row is not None) == want.present
        if row is None:
            continue
        assert row["determined_on"] == want.determined_on
        assert bool(row["conflict"]) == want.conflict
        if not want.conflict:
            assert row["category"] == want.category
            source = trust[row["trust"]] if row["trust"] >= 0 else None
            assert source == want.source
