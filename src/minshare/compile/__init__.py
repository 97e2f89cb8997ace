"""Compilation: orders + an accepted request → a typed plan → SQL, in clear stages.

``plan.py`` builds the :class:`Plan` (what governs where, which columns may leave, which columns
and facts the decision reads); ``sql.py`` turns it into one sqlglot expression tree; and
``dialects.py`` writes the tree as DuckDB or Spark SQL, or refuses loudly. See docs/engine.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from minshare.compile.dialects import DIALECTS, TARGETS, generate
from minshare.compile.errors import CompileError
from minshare.compile.plan import Hit, HitKind, OrderPlan, Plan, compile_plan, plan_for
from minshare.compile.sql import OUTPUT_COLUMNS, build_query


def to_sql(plan: Plan, dialect: str = "duckdb", *, pretty: bool = True) -> str:
    """The decision query of ``plan`` as SQL text in ``dialect``."""
    return generate(build_query(plan), dialect, pretty=pretty)


def compile_request(
    request: Path | str, *, dialect: str = "duckdb", orders: Sequence[Path | str] = ()
) -> str:
    """The decision SQL of a written request (checked against the built-in orders plus
    ``orders`` first: a refused request raises ``RequestRefused``)."""
    from minshare.orders.catalog import Catalog
    from minshare.orders.requests import check_request_file

    catalog = Catalog.load([Path(o) for o in orders])
    return to_sql(compile_plan(check_request_file(Path(request), catalog.orders)), dialect)


__all__ = [
    "DIALECTS",
    "OUTPUT_COLUMNS",
    "TARGETS",
    "CompileError",
    "Hit",
    "HitKind",
    "OrderPlan",
    "Plan",
    "build_query",
    "compile_plan",
    "compile_request",
    "plan_for",
    "to_sql",
]
