"""SQL dialects: a compiled query tree → SQL text for one engine, or a loud refusal.

minshare targets two dialects: DuckDB (the embedded engine) and Spark SQL 3.4+ (the engine of a
later issue; its SQL is generated and checked now). Other dialects sqlglot knows are listed with
the constructs of the decision query they cannot express, so asking for them fails with every
reason at once. Generation itself runs with ``unsupported_level=RAISE``: where sqlglot knows a
construct has no equivalent, that is a :class:`CompileError` too. Nothing is ever compiled into
something weaker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlglot import ErrorLevel, exp
from sqlglot.errors import SqlglotError

from minshare.compile.errors import CompileError


def _no_cte_hints(tree: exp.Expr) -> exp.Expr:
    """Spark has no ``[NOT] MATERIALIZED`` on CTEs; it is a performance hint, not meaning."""
    for cte in tree.find_all(exp.CTE):
        cte.set("materialized", None)
    return tree


def _spark(tree: exp.Expr) -> exp.Expr:
    """Spark's rewrites: no CTE hints; ``DATEDIFF`` typed ``BIGINT`` as DuckDB's ``DATE_DIFF``
    is, so both engines write the same column types (Spark's is ``INT``)."""
    tree = _no_cte_hints(tree)
    for node in list(tree.find_all(exp.DateDiff)):
        node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("BIGINT")))
    return tree


@dataclass(frozen=True)
class Dialect:
    name: str
    sqlglot: str
    target: bool  # an engine of minshare runs this dialect
    # Constructs the dialect cannot express, with why.
    refuses: Mapping[type[exp.Expr], str] = field(default_factory=dict)
    # Rewrites that keep the meaning (hints the dialect has no syntax for).
    rewrite: Callable[[exp.Expr], exp.Expr] | None = None


_NO_LAMBDA = "no array filter with a lambda (the rule-id and reason lists need one)"
_NO_REGEX_EXTRACT = "no REGEXP_EXTRACT (the SSN-shape test needs the capture groups)"

DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect("duckdb", "duckdb", target=True),
        Dialect("spark", "spark", target=True, rewrite=_spark),
        Dialect(
            "postgres",
            "postgres",
            target=False,
            refuses={exp.ArrayFilter: _NO_LAMBDA, exp.RegexpExtract: _NO_REGEX_EXTRACT},
        ),
        Dialect(
            "sqlite",
            "sqlite",
            target=False,
            refuses={
                exp.ArrayFilter: _NO_LAMBDA,
                exp.Array: "no array type (rule ids, reasons and cites are lists)",
                exp.RegexpExtract: _NO_REGEX_EXTRACT,
                exp.RegexpLike: "REGEXP is not built in",
            },
        ),
    )
}
TARGETS = tuple(name for name, d in DIALECTS.items() if d.target)


def dialect(name: str) -> Dialect:
    found = DIALECTS.get(name.lower())
    if found is None:
        raise CompileError(
            f"unknown SQL dialect {name!r}; minshare compiles for {', '.join(TARGETS)}"
        )
    return found


def check(tree: exp.Expr, name: str) -> Dialect:
    """Refuse, with every reason, a tree that uses a construct the dialect cannot express."""
    d = dialect(name)
    problems: dict[str, CompileError] = {}
    for node in tree.walk():
        why = d.refuses.get(type(node))
        if why is not None and type(node).__name__ not in problems:
            problems[type(node).__name__] = CompileError(f"{type(node).__name__}: {why}")
    if problems:
        raise CompileError(
            f"the {d.name} dialect cannot express this plan", details=list(problems.values())
        )
    if not d.target:
        raise CompileError(f"no engine runs {d.name}; minshare compiles for {', '.join(TARGETS)}")
    return d


def generate(tree: exp.Expr, name: str, *, pretty: bool = True) -> str:
    """SQL text of ``tree`` in dialect ``name``."""
    d = check(tree, name)
    if d.rewrite is not None:
        tree = d.rewrite(tree.copy())
    try:
        return tree.sql(dialect=d.sqlglot, pretty=pretty, unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as exc:
        raise CompileError(f"the {d.name} dialect cannot express this plan: {exc}") from exc


__all__ = ["DIALECTS", "TARGETS", "Dialect", "check", "dialect", "generate"]
