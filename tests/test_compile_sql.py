"""The compiled SQL: golden files per dialect, parse-back, escaping, and loud refusals.

``UPDATE_GOLDEN=1 pytest tests/test_compile_sql.py`` rewrites the golden files; review the diff.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest
import sqlglot

from enginekit import write_inputs
from minshare.compile import CompileError, compile_plan, plan_for, to_sql
from minshare.compile.sql import build_query
from minshare.data.model import Table
from minshare.engines import duckdb as engine
from minshare.engines.ingest import ingest
from minshare.orders import load_builtin_orders
from minshare.orders.catalog import BUILTIN_DIR, Catalog
from minshare.orders.requests import check_request_file

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CASES = {
    "dec-2025-12-29_ice-2026-02-01": "ice-2026-02-01.yaml",
    "injunction_ice-2025-10-01": "ice-2025-10-01.yaml",
}


def _sql(request: str, dialect: str) -> str:
    plan = compile_plan(check_request_file(EXAMPLES / request, load_builtin_orders()))
    return to_sql(plan, dialect) + "\n"


@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_sql_matches_the_golden_file(name: str, dialect: str) -> None:
    path = GOLDEN / f"{name}.{dialect}.sql"
    got = _sql(CASES[name], dialect)
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(got)
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert got == path.read_text(), f"{path.name} differs; UPDATE_GOLDEN=1 to accept"


def test_both_engines_run_one_tree_per_plan_compiled_once() -> None:
    from minshare.compile.cached import compiled_query

    name = CASES["dec-2025-12-29_ice-2026-02-01"]
    request = check_request_file(EXAMPLES / name, load_builtin_orders())
    plan, again = compile_plan(request), compile_plan(request)
    tree, duck_sql = compiled_query(plan, "duckdb")
    spark_tree, spark_sql = compiled_query(again, "spark")
    assert spark_tree is tree  # the same plan (by fingerprint): built once
    assert duck_sql == to_sql(plan, "duckdb", pretty=False)
    assert spark_sql == to_sql(plan, "spark", pretty=False)
    assert compiled_query(plan, "duckdb")[1] is duck_sql


@pytest.mark.parametrize("name", sorted(CASES))
def test_spark_sql_parses_back_with_the_spark_dialect(name: str) -> None:
    text = (GOLDEN / f"{name}.spark.sql").read_text()
    tree = sqlglot.parse_one(text, read="spark")
    assert tree.find(sqlglot.exp.With) is not None
    # Spark arrays are 0-based with [ ]: the 1-based lookups must be ELEMENT_AT.
    assert "ELEMENT_AT(" in text or "CASE" in text
    assert " LAMBDA " not in text  # DuckDB's lambda syntax must not leak into Spark
    assert "MATERIALIZED" not in text  # a DuckDB hint Spark has no syntax for


def test_duckdb_sql_runs_on_empty_inputs(tmp_path: Path) -> None:
    plan = compile_plan(check_request_file(EXAMPLES / "ice-2026-02-01.yaml", load_builtin_orders()))
    e, d = write_inputs(tmp_path, [], [])
    _ie, _ = ingest([e], Table.ENROLLMENT, plan.enrollment_columns, tmp_path / "e", tmp_path / "eq")
    _idt, _ = ingest(
        [d], Table.DETERMINATIONS, plan.determination_columns, tmp_path / "d", tmp_path / "dq"
    )
    with engine.connect(engine.Settings()) as con:
        run = engine.Run(con, plan)
        run.register(tmp_path / "e", tmp_path / "d")
        out = run.decide()
    assert out.num_rows == 0
    assert out.column_names[:2] == ["SUBMTG_STATE_CD", "MSIS_IDENT_NUM"]
    assert "SSN_NUM" not in out.column_names


def test_every_comparison_is_wrapped_so_null_means_false() -> None:
    plan = plan_for(load_builtin_orders(), dt.date(2026, 2, 1))
    text = to_sql(plan, "duckdb")
    # e.g. COALESCE(f.CTZNSHP_IND IN ('1', '2'), FALSE): a null indicator holds no rule.
    assert "COALESCE(f.CTZNSHP_IND IN ('1', '2'), FALSE)" in text
    assert "COALESCE(f.IMGRTN_STUS_CD = '3', FALSE)" in text


def test_a_value_with_quotes_is_a_literal_never_sql(tmp_path: Path) -> None:
    text = (BUILTIN_DIR / "ca-v-hhs-2025-12-29.yaml").read_text()
    hostile = "x'); DROP TABLE enrollment; --"
    text = text.replace(
        "reason: citizen or national (citizenship indicator 1 or 2); the order bars citizens",
        f'reason: "{hostile}"',
    )
    draft = tmp_path / "ca-v-hhs-2025-12-29.yaml"
    draft.write_text(text)
    plan = plan_for(Catalog.load([draft]).orders, dt.date(2026, 2, 1))
    sql = to_sql(plan, "duckdb")
    assert "'x''); DROP TABLE enrollment; --'" in sql
    with duckdb.connect() as con:
        (reasons,) = con.execute(
            sqlglot.exp.select(build_query(plan).find(sqlglot.exp.CTE).this.selects[3]).sql(
                "duckdb"
            )
        ).fetchone()
    assert hostile in reasons


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_a_dialect_that_cannot_express_the_plan_fails_loudly(dialect: str) -> None:
    plan = plan_for(load_builtin_orders(), dt.date(2026, 2, 1))
    with pytest.raises(CompileError, match="cannot express") as info:
        to_sql(plan, dialect)
    assert any("ArrayFilter" in d.message for d in info.value.details)


def test_an_unknown_dialect_is_refused() -> None:
    plan = plan_for(load_builtin_orders(), dt.date(2026, 2, 1))
    with pytest.raises(CompileError, match="unknown SQL dialect"):
        to_sql(plan, "cobol")
