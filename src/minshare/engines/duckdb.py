"""The DuckDB engine: runs a compiled plan in-process, streaming, with bounded memory.

Inputs are registered as views over the workspace's Parquet files (DuckDB reads only the
columns and row groups a query touches). The decision query is written straight to Parquet with
``COPY … TO``; the package's records are then read back from that file, filtered to
``disclose``, projected to the permitted columns and sorted by state and Medicaid ID, as an
Arrow record-batch stream. Every statement is built as a sqlglot tree; paths and values are
literals the generator escapes.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from minshare.compile.cached import compiled_query
from minshare.compile.dialects import generate
from minshare.compile.plan import Plan
from minshare.compile.sql import (
    DETERMINATIONS,
    ENROLLMENT,
    GUARD_FACTS,
    REVIEW_DECISIONS,
    UNREADABLE,
    build_guard_input,
    col,
    guard_column,
    hit_table,
    in_list,
    lit,
)
from minshare.data.model import KEY
from minshare.engines.errors import EngineError

NAME = "duckdb"
VERSION: str = duckdb.__version__
# Rows per Arrow batch handed to the package writer.
BATCH_ROWS = 64 * 1024
# Workspace files are written once and read back a few times in the same run. Measured on the
# 1 M-row synthetic set (benchmarks/, docs/engine.md): fast zstd, a small dictionary limit (kept
# for the near-constant columns, given up at once on IDs, names and addresses) and Parquet 2
# encodings take 15-30 % less CPU than the defaults, and the files are smaller.
COPY_OPTIONS: tuple[tuple[str, str | int], ...] = (
    ("FORMAT", "PARQUET"),
    ("COMPRESSION", "ZSTD"),
    ("COMPRESSION_LEVEL", 1),
    ("DICTIONARY_SIZE_LIMIT", 1000),
    ("PARQUET_VERSION", "V2"),
)
# The key-value metadata of decisions.parquet and review.parquet that holds the hit table
# (compile.sql.hit_table, JSON): what each number in ``reason_hits`` means.
HITS_METADATA = "minshare.hits"

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


_Stamp = tuple[Path, int, int, int]
NOT_WITHHELD = "ms_not_withheld"


def _stamp(path: Path) -> _Stamp:
    """Which file, and which version of it (a file replaced in place is another)."""
    st = path.stat()
    return path, st.st_ino, st.st_size, st.st_mtime_ns


def _parquet(path: Path) -> exp.Expr:
    return exp.func("read_parquet", lit(str(path)))


def _view(con: duckdb.DuckDBPyConnection, name: str, path: Path) -> None:
    select = exp.select("*").from_(_parquet(path))
    create = exp.Create(kind="VIEW", this=exp.to_table(name), expression=select, replace=True)
    con.execute(_sql(create))


def _option(value: str | int | exp.Expr) -> exp.Expr:
    if isinstance(value, exp.Expr):
        return value
    return lit(value) if isinstance(value, int) else exp.var(value)


def copy_to(select: exp.Expr, path: Path, metadata: Mapping[str, str] | None = None) -> str:
    """``COPY (select) TO path`` as Parquet (:data:`COPY_OPTIONS`), streaming; ``metadata``
    goes into the file's key-value metadata."""
    options: list[tuple[str, str | int | exp.Expr]] = list(COPY_OPTIONS)
    if metadata:
        pairs = [exp.PropertyEQ(this=lit(k), expression=lit(v)) for k, v in metadata.items()]
        options.append(("KV_METADATA", exp.Struct(expressions=pairs)))
    copy = exp.Copy(
        this=exp.Subquery(this=select),
        kind=False,
        files=[lit(str(path))],
        params=[exp.CopyParameter(this=exp.var(k), expression=_option(v)) for k, v in options],
    )
    return _sql(copy)


def hits_json(plan: Plan) -> str:
    """The plan's :func:`~minshare.compile.sql.hit_table` as the JSON stored with decisions."""
    return json.dumps(hit_table(plan), ensure_ascii=False, separators=(",", ":"))


def read_hits(path: Path) -> list[dict[str, Any]] | None:
    """The hit table stored in a decisions (or review) file; None if it has none."""
    meta = pq.read_metadata(path).metadata or {}
    raw = meta.get(HITS_METADATA.encode())
    if raw is None:
        return None
    hits: list[dict[str, Any]] = json.loads(raw)
    return hits


def reasons_of(
    hit_numbers: Sequence[int], hits: Sequence[Mapping[str, Any]]
) -> tuple[list[str], list[str]]:
    """The reasons and cites of a row's ``reason_hits``, each text once, in hit order (as the
    reference evaluator lists them)."""
    by_number = {int(h["hit"]): h for h in hits}
    try:
        chosen = [by_number[int(i)] for i in hit_numbers]
    except KeyError as exc:
        raise EngineError(f"a decision names hit {exc.args[0]}, which its hit table lacks") from exc
    reasons = list(dict.fromkeys(str(h["reason"]) for h in chosen))
    cites = list(dict.fromkeys(str(h["cite"]) for h in chosen))
    return reasons, cites


def with_reasons(table: pa.Table, hits: Sequence[Mapping[str, Any]]) -> pa.Table:
    """``table`` (decided rows) with ``reasons`` and ``cites`` read from the hit table: for the
    few rows a person reads (explain, tests); the decisions file stores only the numbers."""
    resolved = [reasons_of(h or [], hits) for h in table.column("reason_hits").to_pylist()]
    texts = pa.list_(pa.string())
    table = table.append_column("reasons", pa.array([r for r, _ in resolved], texts))
    return table.append_column("cites", pa.array([c for _, c in resolved], texts))


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
    try:
        return con.execute(sql)
    except duckdb.Error as exc:
        raise EngineError(f"DuckDB failed: {exc}") from exc


def compiled(plan: Plan) -> tuple[exp.Select, str]:
    """The plan's query tree and DuckDB SQL (compiled once per plan)."""
    return compiled_query(plan, NAME)


class Run:
    """One plan on one connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
        self.con = con
        self.plan = plan
        self.tree, self.sql = compiled(plan)
        self.hits = hit_table(plan)
        self._metadata = {HITS_METADATA: hits_json(plan)}
        self._summary: tuple[_Stamp, list[tuple[str, str, str, int]]] | None = None
        self._leaving: _Stamp | None = None

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
        """The decision query's result in memory, with ``reasons`` and ``cites`` read from the
        hit table (small inputs: tests, explain)."""
        try:
            table = self.con.sql(self.sql).to_arrow_table()
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB failed: {exc}") from exc
        return with_reasons(table, self.hits)

    def decide_to(self, path: Path) -> None:
        """Write every row's decision to ``path`` (Parquet, the hit table in its metadata),
        streaming (``COPY … TO``)."""
        _run(self.con, copy_to(self.tree, path, self._metadata)).fetchall()

    # -- over a decisions file -------------------------------------------------------------
    # A decisions file is written once per run and then read for the counts, the reasons, the
    # review rows, the one-row-per-person check and the package: two scans serve them all (a
    # narrow one for the counts, one for the rows that are not withheld), kept per file.
    def _by_reason(self, decisions: Path) -> list[tuple[str, str, str, int]]:
        """(state, decision, first deciding id, rows), largest first."""
        stamp = _stamp(decisions)
        if self._summary is not None and self._summary[0] == stamp:
            return self._summary[1]
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
        rows = [
            (str(s), str(d), str(r), int(c)) for s, d, r, c in _run(self.con, _sql(q)).fetchall()
        ]
        self._summary = (stamp, rows)
        return rows

    def _not_withheld(self, decisions: Path) -> str:
        """A temporary table of the rows of ``decisions`` that are disclosed or in review (few:
        the rest are withheld), made by one scan."""
        stamp = _stamp(decisions)
        if self._leaving != stamp:
            leaving = in_list(col("decision"), ["disclose", "review"])
            create = exp.Create(
                kind="TABLE",
                this=exp.to_table(NOT_WITHHELD),
                expression=exp.select("*").from_(_parquet(decisions)).where(leaving),
                replace=True,
                properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
            )
            _run(self.con, _sql(create)).fetchall()
            self._leaving = stamp
        return NOT_WITHHELD

    def counts(self, decisions: Path) -> dict[str, int]:
        """Rows by decision."""
        out: dict[str, int] = {}
        for _state, decision, _reason, n in self._by_reason(decisions):
            out[decision] = out.get(decision, 0) + n
        return out

    def by_reason(self, decisions: Path) -> list[tuple[str, str, str, int]]:
        """(state, decision, first deciding id, rows), largest first."""
        return list(self._by_reason(decisions))

    def write_review(self, decisions: Path, path: Path) -> int:
        """The rows in review, as they are in ``decisions`` (with its hit table); their count."""
        where = exp.EQ(this=col("decision"), expression=lit("review"))
        q = exp.select("*").from_(self._not_withheld(decisions)).where(where)
        written = _run(self.con, copy_to(q, path, self._metadata)).fetchall()
        return int(written[0][0])

    def people_twice(self, decisions: Path) -> list[tuple[str, str]]:
        """Keys with more than one disclosed row (must be none: one row per person)."""
        q = (
            exp.select(col(KEY[0]), col(KEY[1]))
            .from_(self._not_withheld(decisions))
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
            .from_(self._not_withheld(decisions))
            .where(exp.EQ(this=col("decision"), expression=lit("disclose")))
            .order_by(col(KEY[0]), col(KEY[1]))
        )
        try:
            return self.con.sql(_sql(q)).to_arrow_reader(BATCH_ROWS)
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB failed: {exc}") from exc


__all__ = [
    "BATCH_ROWS",
    "COPY_OPTIONS",
    "HITS_METADATA",
    "NAME",
    "REVIEW_DECISIONS_SCHEMA",
    "UNREADABLE_SCHEMA",
    "VERSION",
    "Run",
    "Settings",
    "connect",
    "copy_to",
    "guard_facts_schema",
    "hits_json",
    "read_hits",
    "reasons_of",
    "with_reasons",
]
