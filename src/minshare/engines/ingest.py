"""Reading the inputs of a run: only the columns the plan needs, through minshare's readers.

``data.load.load_table`` reads every column of the model; a disclosure must not read a column no
rule and no permitted field uses (an SSN, a diagnosis flag), so this loads through
``data.reader.TableReader(columns=...)`` instead, into the same two files per table (accepted rows
and quarantine). A column the plan needs that an input file lacks stops the run: the readers
would fill it with nulls, and a decision on invented nulls is not one minshare makes.

Quarantined rows keep their raw text; when their key can still be read from it, the key is
recorded, so the engine can hold back the other rows of that person
(``minshare:row-unreadable``).
"""

from __future__ import annotations

import csv
import json
import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from minshare.data.files import fsync_file as _fsync
from minshare.data.files import sha256_file
from minshare.data.model import KEY, Table
from minshare.data.outputs import ParquetOutputs
from minshare.data.quarantine import QUARANTINE_SCHEMA
from minshare.data.reader import ReadCounts, TableReader
from minshare.data.sources import normalize_name
from minshare.data.states import normalize_state_code
from minshare.engines import duckdb as duck
from minshare.engines import fastread
from minshare.errors import DataError, MissingColumnError, UsageError

Progress = Callable[[int], None]

QUARANTINE_COLUMNS = pa.schema(
    [
        pa.field("table", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("line", pa.int64()),
        pa.field("row", pa.int64(), nullable=False),
        pa.field("field", pa.string()),
        pa.field("reason_code", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        # Read back from the raw text where possible; null when the key itself is unreadable.
        pa.field("SUBMTG_STATE_CD", pa.string()),
        pa.field("MSIS_IDENT_NUM", pa.string()),
        pa.field("raw", pa.string(), nullable=False),
    ]
)


@dataclass(frozen=True)
class InputFile:
    path: Path
    sha256: str
    format: str
    counts: ReadCounts


@dataclass(frozen=True)
class Ingested:
    table: Table
    accepted: Path
    quarantine: Path
    files: tuple[InputFile, ...]
    counts: ReadCounts
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    reader: str = "python"  # "duckdb" (engines.fastread) or "python" (minshare's readers)
    note: str | None = None  # why the Python readers read it, when they did


def _present(reader: TableReader) -> list[str]:
    # The reader knows the file's header; it exposes only the projection, hence the peek.
    source = reader._source
    return list(source.names)


def _check_needed(reader: TableReader, needed: Sequence[str]) -> None:
    present = set(_present(reader))
    missing = [c for c in needed if c not in present]
    if missing:
        raise MissingColumnError(
            f"{reader.path.name} has no column(s) {', '.join(missing)}, which the plan reads "
            "(a rule, a fact or a permitted field uses them); nothing was run",
            file=str(reader.path),
        )


def _key_of_raw(raw: str, reader: TableReader) -> tuple[str | None, str | None]:
    """The (state, Medicaid ID) of a quarantined row, read back from its raw text."""
    try:
        if reader.format.parquet:
            record = json.loads(raw)
            values = {normalize_name(str(k)): v for k, v in record.items()}
        else:
            cells = next(csv.reader([raw], delimiter=reader.format.delimiter or ","))
            values = dict(zip(_present(reader), cells, strict=False))
    except (ValueError, csv.Error, StopIteration):
        return None, None
    state, msis = values.get(KEY[0]), values.get(KEY[1])
    state = state.strip() if isinstance(state, str) else None
    msis = msis.strip() if isinstance(msis, str) else None
    return (normalize_state_code(state) if state else None), (msis or None)


def _check_inputs(files: Sequence[Path], table: Table) -> None:
    if not files:
        raise UsageError(f"no {table.value} input given")
    for p in files:
        if not p.is_file():
            raise UsageError(f"no such {table.value} file", file=str(p))
    seen = [p.resolve() for p in files]
    if len(set(seen)) != len(seen):
        raise UsageError(f"a {table.value} input is given more than once")


READER_ENV = "MINSHARE_READER"
READERS = ("auto", "duckdb", "python")
# The DuckDB reading takes about 1.4 times the CPU of minshare's readers but spreads over every
# core, where the readers use under two: measured on 2 cores the readers are faster, and the
# DuckDB reading is expected to win from 4 (docs/engine.md, "Speed").
SQL_READER_MIN_THREADS = 4


def _choose(sql: bool | None) -> tuple[bool | None, str]:
    """Whether to read in SQL (True: required, None: preferred, False: not), and why not."""
    if sql is not None:
        return sql, "the Python readers were asked for"
    choice = os.environ.get(READER_ENV, "auto").strip().lower() or "auto"
    if choice not in READERS:
        raise UsageError(f"{READER_ENV}={choice!r}: expected one of {', '.join(READERS)}")
    if choice == "python":
        return False, f"{READER_ENV}=python"
    if choice == "duckdb":
        return None, ""
    threads = duck.Settings.from_env().threads or os.cpu_count() or 1
    if threads < SQL_READER_MIN_THREADS:
        return False, (
            f"{threads} DuckDB thread(s): minshare's readers are faster below "
            f"{SQL_READER_MIN_THREADS} ({READER_ENV}=duckdb to read in SQL anyway)"
        )
    return None, ""


def ingest(
    paths: Sequence[Path],
    table: Table,
    columns: Sequence[str],
    accepted: Path,
    quarantine: Path,
    *,
    delimiter: str | None = None,
    progress: Progress | None = None,
    sql: bool | None = None,
) -> tuple[Ingested, pa.Table]:
    """Read ``paths`` (one table), projecting ``columns``; returns what was read and the
    quarantined rows in the shape of ``QUARANTINE_COLUMNS``.

    Two readings give the same rows and the same quarantine (a differential test holds them
    together): DuckDB's (:mod:`minshare.engines.fastread`, Parquet inputs only) and minshare's
    Python readers, the reference, which read whatever the SQL reading cannot reproduce (text,
    unusual column types, a file DuckDB refuses). ``sql``: True requires the SQL reading (a
    :class:`UsageError` says why it cannot), False the Python readers; None lets
    ``MINSHARE_READER`` (``auto``, ``duckdb``, ``python``) choose, ``auto`` by the number of
    DuckDB threads (:data:`SQL_READER_MIN_THREADS`)."""
    files = [Path(p) for p in paths]
    _check_inputs(files, table)
    want, why = _choose(sql)
    if want is not False:
        done, why = _ingest_sql(files, table, columns, accepted, quarantine, delimiter, progress)
        if done is not None:
            return done
        if want:
            raise UsageError(f"cannot read the {table.value} input in SQL: {why}")
    result, q_table = _ingest_python(
        files, table, columns, accepted, quarantine, delimiter=delimiter, progress=progress
    )
    return replace(result, reader="python", note=why), q_table


def _ingest_sql(
    files: list[Path],
    table: Table,
    columns: Sequence[str],
    accepted: Path,
    quarantine: Path,
    delimiter: str | None,
    progress: Progress | None,
) -> tuple[tuple[Ingested, pa.Table] | None, str]:
    """The SQL reading, or None and why not (the Python readers then read the files)."""
    readers: list[TableReader] = []
    try:
        for p in files:
            readers.append(TableReader(p, table, delimiter=delimiter, columns=list(columns)))
            _check_needed(readers[-1], columns)
        why = fastread.unsupported(readers)
        if why is not None:
            return None, why
        tag = f"{os.getpid()}.{uuid.uuid4().hex}.tmp"
        tmp_accepted = accepted.with_name(f".{accepted.name}.{tag}")
        tmp_quarantine = quarantine.with_name(f".{quarantine.name}.{tag}")
        try:
            try:
                results = fastread.read_parquet(readers, tmp_accepted)
            except duckdb.Error as exc:
                return None, f"DuckDB could not read it ({str(exc).splitlines()[0]})"
            per_file = [res.quarantine for res in results]
            pq.write_table(
                pa.concat_tables(per_file) if per_file else QUARANTINE_SCHEMA.empty_table(),
                tmp_quarantine,
                compression="zstd",
            )
            for tmp, final in ((tmp_accepted, accepted), (tmp_quarantine, quarantine)):
                _fsync(tmp)
                os.replace(tmp, final)
        finally:
            tmp_accepted.unlink(missing_ok=True)
            tmp_quarantine.unlink(missing_ok=True)
    finally:
        for r in readers:
            r.close()
    by_reason: dict[str, int] = {}
    for res in results:
        for code, n in res.by_reason.items():
            by_reason[code] = by_reason.get(code, 0) + n
    if progress is not None:
        progress(sum(p.stat().st_size for p in files))
    quarantined = [
        _with_keys(res.quarantine, table, res.reader) for res in results if res.quarantine.num_rows
    ]
    inputs = tuple(
        InputFile(res.reader.path, res.sha256, res.reader.format.describe(), res.counts)
        for res in results
    )
    total = sum((res.counts for res in results), ReadCounts())
    q_table = pa.concat_tables(quarantined) if quarantined else QUARANTINE_COLUMNS.empty_table()
    ingested = Ingested(
        table, accepted, quarantine, inputs, total, by_reason, reader="duckdb", note=None
    )
    return (ingested, q_table), ""


def _ingest_python(
    files: list[Path],
    table: Table,
    columns: Sequence[str],
    accepted: Path,
    quarantine: Path,
    *,
    delimiter: str | None = None,
    progress: Progress | None = None,
) -> tuple[Ingested, pa.Table]:
    readers: list[TableReader] = []
    kept: list[list[pa.RecordBatch]] = []
    result: list[InputFile] = []
    by_reason: dict[str, int] = {}
    with ParquetOutputs(accepted, quarantine) as outputs, ThreadPoolExecutor(1) as pool:
        try:
            for p in files:
                mine: list[pa.RecordBatch] = []
                kept.append(mine)

                def sink(batch: pa.RecordBatch, mine: list[pa.RecordBatch] = mine) -> None:
                    outputs.write_quarantine(batch)
                    mine.append(batch)

                reader = TableReader(
                    p, table, delimiter=delimiter, columns=list(columns), quarantine_sink=sink
                )
                readers.append(reader)
                _check_needed(reader, columns)
            schema = readers[0].schema
            if any(not r.schema.equals(schema) for r in readers[1:]):  # pragma: no cover
                raise DataError(f"the {table.value} files read into different schemas")
            outputs.open(schema)
            for reader in readers:
                before = _stamp(reader.path)
                # Hashing runs beside the reading (hashlib releases the GIL).
                digest = pool.submit(sha256_file, reader.path)
                reported = 0
                for batch in reader:
                    outputs.write_accepted(batch)
                    if progress is not None and reader.bytes_read > reported:
                        progress(reader.bytes_read - reported)
                        reported = reader.bytes_read
                sha = digest.result()
                if _stamp(reader.path) != before:
                    raise DataError(
                        "the file changed while it was being read", file=str(reader.path)
                    )
                for code, n in reader.quarantine_by_reason.items():
                    by_reason[code] = by_reason.get(code, 0) + n
                result.append(InputFile(reader.path, sha, reader.format.describe(), reader.counts))
            outputs.commit()
        finally:
            for r in readers:
                r.close()
    quarantined = [
        _with_keys(pa.Table.from_batches(batches, schema=QUARANTINE_SCHEMA), table, reader)
        for batches, reader in zip(kept, readers, strict=True)
        if batches
    ]
    total = sum((f.counts for f in result), ReadCounts())
    q_table = pa.concat_tables(quarantined) if quarantined else QUARANTINE_COLUMNS.empty_table()
    return Ingested(table, accepted, quarantine, tuple(result), total, by_reason), q_table


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _with_keys(q: pa.Table, table: Table, reader: TableReader) -> pa.Table:
    keys = [_key_of_raw(raw, reader) for raw in q.column("raw").to_pylist()]
    n = q.num_rows
    return pa.table(
        {
            "table": pa.array([table.value] * n, pa.string()),
            "source_file": q.column("source_file"),
            "line": q.column("line"),
            "row": q.column("row"),
            "field": q.column("field"),
            "reason_code": q.column("reason_code"),
            "reason": q.column("reason"),
            "SUBMTG_STATE_CD": pa.array([k[0] for k in keys], pa.string()),
            "MSIS_IDENT_NUM": pa.array([k[1] for k in keys], pa.string()),
            "raw": q.column("raw"),
        },
        schema=QUARANTINE_COLUMNS,
    )


def write_quarantine(tables: Sequence[pa.Table], path: Path, tmp: Path) -> int:
    """Both tables' quarantined rows in one file; returns the row count."""
    combined = (
        pa.concat_tables([t.cast(QUARANTINE_COLUMNS) for t in tables])
        if tables
        else (QUARANTINE_COLUMNS.empty_table())
    )
    pq.write_table(combined, tmp, compression="zstd")
    return int(combined.num_rows)


__all__ = [
    "QUARANTINE_COLUMNS",
    "READERS",
    "READER_ENV",
    "SQL_READER_MIN_THREADS",
    "Ingested",
    "InputFile",
    "ingest",
    "write_quarantine",
]
