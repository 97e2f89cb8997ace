"""The decision query of a plan, compiled once and kept: building the tree takes about a tenth
of a second, and a service (or a test suite) runs the same plan many times, on either engine."""

from __future__ import annotations

from typing import TypeVar

from sqlglot import exp

from minshare.compile.dialects import generate
from minshare.compile.plan import Plan
from minshare.compile.sql import build_query

_KEEP = 8  # plans
K = TypeVar("K")
V = TypeVar("V")
_TREES: dict[str, exp.Select] = {}
_SQL: dict[tuple[str, str], str] = {}


def _keep(cache: dict[K, V]) -> None:
    while len(cache) >= _KEEP:
        cache.pop(next(iter(cache)))


def compiled_query(plan: Plan, dialect: str) -> tuple[exp.Select, str]:
    """The plan's query tree and its SQL in ``dialect`` (one tree per plan, shared by both)."""
    key = plan.fingerprint()
    tree = _TREES.get(key)
    if tree is None:
        _keep(_TREES)
        tree = _TREES[key] = build_query(plan)
    sql = _SQL.get((key, dialect))
    if sql is None:
        _keep(_SQL)
        sql = _SQL[(key, dialect)] = generate(tree, dialect, pretty=False)
    return tree, sql


__all__ = ["compiled_query"]
