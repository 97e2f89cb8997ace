"""The DuckDB engine: runs a compiled plan in-process, streaming, with bounded memory.

Inputs are registered as views over the workspace's Parquet files (DuckDB reads only the
columns and row groups a query touches). The decision query is written straight to Parquet with
``COPY … TO``; the package's records are then read back from that file, filtered to
``disclose``, projected to the permitted columns and sorted by state and Medicaid ID, as an
Arrow record-batch stream. Every statement is built as a sqlglot tree; paths and values are
literals the generator escapes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from minshare.compile.dialects import generate
from minshare.compile.plan import Plan
from minshare.compile.sql import (
    DETERMINATIONS,
    ENROLLMENT,
    GUARD_FACTS,
    REVIEW_DECISIONS,
    UNREADABLE,
    build_guard_input,
    build_query,
    col,
    guard_column,
    lit,
)
from minshare.data.model import KEY
from minshare.engines.errors import EngineError

NAME = "duckdb"
VERSION: str = duckdb.__version__
# Rows per Arrow batch handed to the package writer.
BATCH_ROWS = 64 * 1024

UNREADABLE_SCHEMA = pa.schema([(KEY[0], pa.string()), (KEY[1], pa.string())])
REVIEW_DECISIONS_SCHEMA = pa.schema(
    [(KEY[0], pa.string()), (KEY[1], pa.string()), ("decision", pa.string())]
)


def guard_facts_schema(names: Sequence[str]) -> pa.Schema:
    """The ``guard_facts`` input: keys, row number, one boolean per guard fact."""
    return pa.schema(
        [
            (KEY[0], pa.string()),
            (KEY[1], pa.string()),
            ("_MS_ROW", pa.int64()),
            *[(guard_column(n), pa.bool_()) for n in names],
        ]
    )


@dataclass(frozen=True)
class Settings:
    """``memory_limit`` bounds DuckDB's buffer pool (it spills beyond it); ``threads`` defaults
    to the machine's cores. Environment: MINSHARE_DUCKDB_MEMORY, MINSHARE_DUCKDB_THREADS."""

    memory_limit: str = "2GB"
    threads: int | None = None

    @classmethod
    def from_env(cls) -> Settings:
        threads = os.environ.get("MINSHARE_DUCKDB_THREADS")
        return cls(
            memory_limit=os.environ.get("MINSHARE_DUCKDB_MEMORY", cls.memory_limit),
            threads=int(threads) if threads else None,
        )


def _sql(tree: exp.Expr) -> str:
    return tree.sql(dialect="duckdb")


def _set(name: str, value: str | int | bool) -> str:
    return _sql(exp.Set(expressions=[exp.EQ(this=exp.var(name), expression=lit(value))]))


@contextmanager
def connect(settings: Settings, spill: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with minshare's settings; spill files (if any) are removed after."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(_set("memory_limit", settings.memory_limit))
        con.execute(_set("threads", settings.threads or os.cpu_count() or 1))
        # Output order is set explicitly where it matters (the package is sorted).
        con.execute(_set("preserve_insertion_order", False))
        con.execute(_set("enable_progress_bar", False))
        if spill is not None:
            spill.mkdir(parents=True, exist_ok=True)
            con.execute(_set("temp_directory", str(spill)))
        yield con
    finally:
        con.close()
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)


def _parquet(path: Path) -> exp.Expr:
    return exp.func("read_parquet", lit(str(path)))


def _view(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    select = exp.select("*").from_(_parquet(path))
    create = exp.Create(kind="VIEW", this=exp.to_table(name), expression=select, replace=True)
    con.execute(_sql(create))


def _copy(select: exp.Select, path: Path) -> exp.Copy:
    return exp.Copy(
        this=exp.Subquery(this=select),
        kind=False,
        files=[lit(str(path))],
        params=[
            exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("PARQUET")),
            exp.CopyParameter(this=exp.var("COMPRESSION"), expression=exp.var("ZSTD")),
        ],
    )


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
    try:
        return con.execute(sql)
    except duckdb.Error as exc:
        raise EngineError(f"DuckDB failed: {exc}") from exc


_COMPILED: dict[str, tuple[exp.Select, str]] = {}


def compiled(plan: Plan) -> tuple[exp.Select, str]:
    """The plan's query tree and DuckDB SQL (kept for the last few plans: compiling takes a
    tenth of a second, and a service runs the same plan many times)."""
    key = plan.fingerprint()
    if key not in _COMPILED:
        tree = build_query(plan)
        if len(_COMPILED) >= 8:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = (tree, generate(tree, NAME, pretty=False))
    return _COMPILED[key]


class Run:
    """One plan on one connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
        self.con = con
        self.plan = plan
        self.tree, self.sql = compiled(plan)

    @staticmethod
    def check(plan: Plan) -> str:
        """Compile ``plan`` for this engine (before any data is read); the SQL text."""
        return compiled(plan)[1]

    def register(
        self,
        enrollment: Path | pa.Table,
        determinations: Path | pa.Table,
        *,
        unreadable: pa.Table | None = None,
        review_decisions: pa.Table | None = None,
        guard_facts: pa.Table | None = None,
    ) -> None:
        for name, source in ((ENROLLMENT, enrollment), (DETERMINATIONS, determinations)):
            if isinstance(source, Path):
                _view(self.con, name, source)
            else:
                self.con.register(name, source)
        schema = guard_facts_schema(self.plan.guard_facts)
        for name, table, empty in (
            (UNREADABLE, unreadable, UNREADABLE_SCHEMA),
            (REVIEW_DECISIONS, review_decisions, REVIEW_DECISIONS_SCHEMA),
            (GUARD_FACTS, guard_facts, schema),
        ):
            self.con.register(name, empty.empty_table() if table is None else table)

    def guard_input(self, fields: Sequence[str]) -> pa.RecordBatchReader:
        """The rows whose decision the guard's findings can change, with ``fields`` (the
        enrollment view must be registered)."""
        sql = generate(build_guard_input(self.plan, fields), NAME, pretty=False)
        try:
            return self.con.sql(sql).to_arrow_reader(BATCH_ROWS * 2)
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB failed: {exc}") from exc

    def decide(self) -> pa.Table:
        """The decision query's result in memory (small inputs: tests, explain)."""
        try:
            return self.con.sql(self.sql).to_arrow_table()
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB failed: {exc}") from exc

    def decide_to(self, path: Path) -> None:
        """Write every row's decision to ``path`` (Parquet), streaming (``COPY … TO``)."""
        try:
            self.con.sql(self.sql).write_parquet(str(path), compression="zstd")
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB failed: {exc}") from exc

    # -- over a decisions file -------------------------------------------------------------
    def counts(self, decisions: Path) -> dict[str, int]:
        q = (
            exp.select(col("decision"), exp.Count(this=exp.Star()).as_("n"))
            .from_(_parquet(decisions))
            .group_by(col("decision"))
        )
        return {str(d): int(n) for d, n in _run(self.con, _sql(q)).fetchall()}

    def by_reason(self, decisions: Path) -> list[tuple[str, str, str, int]]:
        """(state, decision, first deciding id, rows), largest first."""
        first = exp.Bracket(this=col("reason_ids"), expressions=[lit(0)])  # neutral: 0-based
        n = exp.Count(this=exp.Star())
        q = (
            exp.select(col(KEY[0]), col("decision"), first.as_("reason"), n.as_("n"))
            .from_(_parquet(decisions))
            .group_by(col(KEY[0]), col("decision"), exp.column("reason"))
            .order_by(
                exp.Ordered(this=exp.column("n"), desc=True),
                col(KEY[0]),
                col("decision"),
                exp.column("reason"),
            )
        )
        rows = _run(self.con, _sql(q)).fetchall()
        return [(str(s), str(d), str(r), int(c)) for s, d, r, c in rows]

    def write_review(self, decisions: Path, path: Path) -> int:
        where = exp.EQ(this=col("decision"), expression=lit("review"))
        q = exp.select("*").from_(_parquet(decisions)).where(where)
        _run(self.con, _sql(_copy(q, path)))
        count = _run(self.con, _sql(exp.select(exp.Count(this=exp.Star())).from_(_parquet(path))))
        row = count.fetchone()
        return int(row[0]) if row else 0

    def people_twice(self, decisions: Path) -> list[tuple[str, str]]:
        """Keys with more than one disclosed row (must be none: one row per person)."""
        q = (
            exp.select(col(KEY[0]), col(KEY[1]))
            .from_(_parquet(decisions))
            .where(exp.EQ(this=col("decision"), expression=lit("disclose")))
            .group_by(col(KEY[0]), col(KEY[1]))
            .having(exp.GT(this=exp.Count(this=exp.Star()), expression=lit(1)))
            .limit(5)
        )
        return [(str(s), str(m)) for s, m in _run(self.con, _sql(q)).fetchall()]

    def records(self, decisions: Path, columns: Sequence[str]) -> pa.RecordBatchReader:
        """The disclosed rows, ``columns`` only, sorted by state and Medicaid ID."""
        q = (
            exp.select(*[col(c) for c in columns])
            .from_(_parquet(decisions))
            .where(exp.EQ(this=col("decision"), expression=lit("disclose")))
            .order_by(col(KEY[0]), col(KEY[1]))
        )
        try:
            return self.con.sql(_sql(q)).to_arrow_reader(BATCH_ROWS)
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB failed: {exc}") from exc


__all__ = [
    "BATCH_ROWS",
    "NAME",
    "REVIEW_DECISIONS_SCHEMA",
    "UNREADABLE_SCHEMA",
    "VERSION",
    "Run",
    "Settings",
    "connect",
    "guard_facts_schema",
]
