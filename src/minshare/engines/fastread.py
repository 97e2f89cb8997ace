"""Reading Parquet inputs inside DuckDB: the readers' typing, TAF cleaning and quarantine as SQL.

The Python readers (:mod:`minshare.data.reader`) are the reference; this is the same reading
for the scale format, expressed as one query per file built as a sqlglot tree, so DuckDB reads
only the projected columns, cleans them on every core and streams the accepted rows into the
workspace's Parquet file with ``COPY … TO``. What it reproduces, value for value:

* text is trimmed of exactly the characters Arrow's ``utf8_trim_whitespace`` trims
  (:data:`WHITESPACE`) and an empty cell is null;
* dates come from a Parquet DATE, ``YYYY-MM-DD`` or ``YYYYMMDD``; an impossible date (or any
  other text) quarantines the row (``bad_date``); dates before 1600 become 1599-12-31;
* state codes are zero-padded and 93/94/96/97 become 56/30/19/42; one-digit values of
  two-digit code lists are zero-padded; ``IMGRTN_STUS_CD`` 8 becomes 0; a value outside its
  code list is kept and flagged in ``_MS_FLAGS`` (file column order);
* an empty key quarantines the row (``missing_key``);
* lineage: ``_MS_FILE`` (the path as given), ``_MS_ROW`` (``file_row_number`` + 1),
  ``_MS_LINE`` null.

Quarantined rows are few: SQL finds them and their problems (field and reason code, file column
order), and the reference reader's own cleaner renders them (messages, raw JSON) from their raw
cells; the two must agree on every row and every problem, or the run stops. A differential test
(``tests/test_engine_fastread.py``) holds the accepted rows and the quarantine to the Python
readers on synthetic data and on hand-made edge cases.

What this does not reproduce, and so leaves to the Python readers (:func:`unsupported` says
why): delimited text (line numbers, quoting, invalid UTF-8 are the text reader's), column types
other than text, integers, nulls and DATE-in-a-date-column (floats are read batch by batch,
binary may hold invalid UTF-8, timestamps print differently), and paths DuckDB would read as a
glob. A Parquet file with invalid UTF-8 in a text column is refused by DuckDB; the table is
then read by the Python readers, which quarantine the cell.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from minshare.compile.sql import all_of, any_of, case, col, compact, in_list, is_null, lit
from minshare.data import model, states
from minshare.data.clean import FILE, FLAGS, LINE, RECODES, ROW, STATE, Cleaner
from minshare.data.load import sha256_file
from minshare.data.model import Column, DType
from minshare.data.parquetsource import _RawJson  # the reference's own raw rendering
from minshare.data.quarantine import QUARANTINE_SCHEMA, QuarantineLog, Reason
from minshare.data.reader import ReadCounts, TableReader
from minshare.data.sources import SourceBatch
from minshare.engines import duckdb as duck
from minshare.errors import DataError

# Arrow's utf8_trim_whitespace trims exactly these (ASCII whitespace, the information
# separators 0x1C-0x1F, and Unicode Zs/Zl/Zp); a test checks them against Arrow over every
# code point.
WHITESPACE = "".join(
    chr(c)
    for c in (
        *range(0x09, 0x0E),
        *range(0x1C, 0x21),
        0x85,
        0xA0,
        0x1680,
        *range(0x2000, 0x200B),
        0x2028,
        0x2029,
        0x202F,
        0x205F,
        0x3000,
    )
)
FLOOR_DATE = date(1599, 12, 31)  # TAF: dates before 1600-01-01 become 1599-12-31
_VALUE_IN_FLAG = 32
_GLOB = set("*?[]{}")
_DATE_SHAPE = "[0-9]{8}|[0-9]{4}-[0-9]{2}-[0-9]{2}"
# A workspace file is read back once or twice in the same run: fast compression beats small.
COPY_OPTIONS = (("FORMAT", "PARQUET"), ("COMPRESSION", "ZSTD"), ("COMPRESSION_LEVEL", 1))


def _fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _text_ok(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return _text_ok(t.value_type)
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _type_ok(c: Column, t: pa.DataType) -> bool:
    if pa.types.is_date32(t):
        return c.dtype is DType.DATE
    return _text_ok(t) or pa.types.is_integer(t) or pa.types.is_null(t)


def unsupported(readers: Sequence[TableReader]) -> str | None:
    """Why these files must be read by the Python readers; None when SQL reproduces them."""
    for r in readers:
        if not r.format.parquet:
            return f"{r.path.name} is {r.format.describe()}: text is read by minshare's readers"
        if _GLOB & set(str(r.path.resolve())):
            return f"{r.path.name}: DuckDB would read the path as a glob pattern"
        arrow = pq.read_schema(r.path)
        names = {n: arrow.field(i).type for i, n in enumerate(r._source.names)}
        for c in r.columns:
            t = names.get(c.name)
            if t is not None and not _type_ok(c, t):
                return f"{r.path.name}: column {c.name} has type {t}"
    return None


# --- cleaning, one column at a time ----------------------------------------------------------


def trimmed(x: exp.Expr) -> exp.Expr:
    """Trimmed text, empty → null. Trimming is costly in SQL, so only a cell whose first or
    last character is not printable ASCII (or that holds any non-ASCII character: ``substr`` on
    the byte length then comes back empty) takes the exact path."""
    last = _fn("SUBSTR", x.copy(), _fn("STRLEN", x.copy()))
    plain = all_of(
        [
            exp.GTE(this=x.copy(), expression=lit("!")),
            exp.LT(this=x.copy(), expression=lit("\x7f")),
            exp.Between(this=last, low=lit("!"), high=lit("~")),
        ]
    )
    exact = exp.Nullif(this=exp.Trim(this=x.copy(), expression=lit(WHITESPACE)), expression=lit(""))
    return case([(plain, x.copy())], exact)


def _as_text(x: exp.Expr, t: pa.DataType) -> exp.Expr:
    if pa.types.is_integer(t) or pa.types.is_null(t):
        return exp.cast(x, exp.DataType.build("VARCHAR"))  # digits: nothing to trim
    return trimmed(x)


def _pad_state(t: exp.Expr) -> exp.Expr:
    # utf8_lpad(text, 2, "0"): pads one code point, never truncates (DuckDB's LPAD would).
    one = exp.EQ(this=exp.Length(this=t.copy()), expression=lit(1))
    padded = case([(one, exp.DPipe(this=lit("0"), expression=t.copy()))], t.copy())
    alt = [
        (exp.EQ(this=padded.copy(), expression=lit(k)), lit(v))
        for k, v in states.ALTERNATE_SUBMITTER.items()
    ]
    return case(alt, padded)


def _pad_digit(t: exp.Expr) -> exp.Expr:
    # ``^\d$`` in RE2 is one ASCII digit: one byte between '0' and '9'.
    one = exp.and_(
        exp.EQ(this=_fn("STRLEN", t.copy()), expression=lit(1)),
        exp.Between(this=t.copy(), low=lit("0"), high=lit("9")),
    )
    return case([(one, exp.DPipe(this=lit("0"), expression=t.copy()))], t.copy())


def _flag(name: str, v: exp.Expr, allowed: Sequence[str], why: str) -> exp.Expr:
    outside = exp.and_(
        exp.Not(this=is_null(v.copy())), exp.Not(this=exp.Paren(this=in_list(v.copy(), allowed)))
    )
    shown = _fn("SUBSTR", v.copy(), lit(1), lit(_VALUE_IN_FLAG))
    text = exp.DPipe(
        this=exp.DPipe(this=lit(f"{name}="), expression=shown), expression=lit(f": {why}")
    )
    return case([(outside, text)])


def _code(c: Column, t: exp.Expr) -> tuple[exp.Expr, exp.Expr | None]:
    """A code column's value and its flag (null where nothing is flagged)."""
    if c.name == STATE:
        v = _pad_state(t)
        return v, _flag(c.name, v, sorted(states.STATES), "unknown state")
    if c.codes is None:
        return t, None
    codes = list(c.codes.codes)
    v = _pad_digit(t) if all(len(k) == 2 and k.isdigit() for k in codes) else t
    for old, new in RECODES.get(c.name, {}).items():
        v = case([(exp.EQ(this=v.copy(), expression=lit(old)), lit(new))], v)
    return v, _flag(c.name, v, codes, "outside code list")


def _date_number(t: exp.Expr) -> exp.Expr:
    """YYYYMMDD as an integer, for text of either shape; null otherwise."""
    shaped = _fn("REGEXP_FULL_MATCH", t.copy(), lit(_DATE_SHAPE))
    digits = exp.func("REPLACE", t.copy(), lit("-"), lit(""))
    return case([(shaped, exp.cast(digits, exp.DataType.build("INTEGER")))])


def _date_parts(n: exp.Expr) -> tuple[exp.Expr, exp.Expr, exp.Expr]:
    def mod(e: exp.Expr, k: int) -> exp.Expr:
        return exp.Paren(this=exp.Mod(this=e, expression=lit(k)))

    y = exp.IntDiv(this=n.copy(), expression=lit(10000))
    m = mod(exp.IntDiv(this=n.copy(), expression=lit(100)), 100)
    return y, m, mod(n.copy(), 100)


def _date_valid(n: exp.Expr) -> exp.Expr:
    y, m, d = _date_parts(n)
    leap = exp.and_(
        exp.EQ(this=exp.Mod(this=y.copy(), expression=lit(4)), expression=lit(0)),
        exp.Paren(
            this=exp.or_(
                exp.NEQ(this=exp.Mod(this=y.copy(), expression=lit(100)), expression=lit(0)),
                exp.EQ(this=exp.Mod(this=y.copy(), expression=lit(400)), expression=lit(0)),
            )
        ),
    )
    days = case(
        [
            (exp.EQ(this=m.copy(), expression=lit(2)), case([(leap, lit(29))], lit(28))),
            (in_list(m.copy(), [4, 6, 9, 11]), lit(30)),
        ],
        lit(31),
    )
    return all_of(
        [
            exp.Not(this=is_null(n.copy())),
            exp.GTE(this=y.copy(), expression=lit(1)),
            exp.Between(this=m.copy(), low=lit(1), high=lit(12)),
            exp.Between(this=d.copy(), low=lit(1), high=days),
        ]
    )


def _floor(d: exp.Expr) -> exp.Expr:
    floor = lit(FLOOR_DATE)
    return case([(exp.LT(this=d.copy(), expression=floor), floor.copy())], d.copy())


def _date_value(n: exp.Expr) -> exp.Expr:
    y, m, d = _date_parts(n)
    # Clamped so that MAKE_DATE cannot fail whatever order DuckDB evaluates the CASE in.
    month = exp.Least(this=exp.Greatest(this=m, expressions=[lit(1)]), expressions=[lit(12)])
    first = _fn("MAKE_DATE", exp.Greatest(this=y, expressions=[lit(1)]), month, lit(1))
    day = exp.Add(this=first, expression=exp.Paren(this=exp.Sub(this=d, expression=lit(1))))
    return case([(_date_valid(n), _floor(day))])


@dataclass(frozen=True)
class _Col:
    """One projected column of one file: how it is read and cleaned."""

    column: Column
    physical: str
    type: pa.DataType
    index: int  # position among the projected columns, in file order

    @property
    def raw(self) -> str:
        return f"r{self.index}"

    @property
    def text(self) -> str:
        return f"t{self.index}"

    @property
    def number(self) -> str:
        return f"n{self.index}"

    @property
    def problem(self) -> str:
        return f"p{self.index}"

    @property
    def flag(self) -> str:
        return f"f{self.index}"

    @property
    def value(self) -> str:
        return f"v{self.index}"

    @property
    def is_key(self) -> bool:
        return self.column.name in model.KEY

    @property
    def flagged(self) -> bool:
        """Whether a value can be flagged (a code column with a list, or the state)."""
        c = self.column
        return c.dtype is DType.CODE and (c.codes is not None or c.name == STATE)

    @property
    def typed_date(self) -> bool:
        return self.column.dtype is DType.DATE and pa.types.is_date32(self.type)

    @property
    def text_date(self) -> bool:
        return self.column.dtype is DType.DATE and not pa.types.is_date32(self.type)


@dataclass(frozen=True)
class _File:
    reader: TableReader
    cols: tuple[_Col, ...]  # file order

    @property
    def label(self) -> str:
        return str(self.reader.path)  # _MS_FILE, as the Python readers write it

    def scan(self) -> exp.Expr:
        where = str(self.reader.path.resolve())
        flag = exp.EQ(this=exp.var("file_row_number"), expression=exp.true())
        return exp.func("read_parquet", lit(where), flag)


def _file(reader: TableReader) -> _File:
    arrow = pq.read_schema(reader.path)
    wanted = {c.name: c for c in reader.columns}
    cols: list[_Col] = []
    for i, (physical, name) in enumerate(zip(arrow.names, reader._source.names, strict=True)):
        if name in wanted:
            cols.append(_Col(wanted[name], physical, arrow.field(i).type, len(cols)))
    return _File(reader, tuple(cols))


def cleaned(f: _File) -> exp.Select:
    """Every row of one file: per column its raw cell, typed value, problem (a reason code or
    null) and flag; and ``_MS_ROW``. Stages are nested selects so no expression is computed
    twice."""
    raw = exp.select(
        *[col(c.physical).as_(c.raw) for c in f.cols],
        exp.Add(this=col("file_row_number"), expression=lit(1)).as_(ROW),
    ).from_(f.scan())
    keep = [col(c.raw) for c in f.cols] + [col(ROW)]
    text = exp.select(*keep).from_(raw.subquery("raw"))
    for c in f.cols:
        text = text.select(
            (col(c.raw) if c.typed_date else _as_text(col(c.raw), c.type)).as_(c.text), copy=False
        )
    stage = exp.select(*keep, *[col(c.text) for c in f.cols]).from_(text.subquery("txt"))
    for c in f.cols:
        if c.text_date:
            stage = stage.select(_date_number(col(c.text)).as_(c.number), copy=False)
    out = exp.select(*keep).from_(stage.subquery("num"))
    for c in f.cols:
        t = col(c.text)
        problem: exp.Expr | None = None
        flag: exp.Expr | None = None
        if c.typed_date:
            value = _floor(t)
        elif c.text_date:
            n = col(c.number)
            value = _date_value(n)
            bad = exp.and_(exp.Not(this=is_null(t.copy())), exp.Not(this=_date_valid(n)))
            problem = case([(bad, lit(Reason.BAD_DATE.value))])
        elif c.column.dtype is DType.CODE:
            value, flag = _code(c.column, t)
        else:
            value = t
        if c.is_key:
            problem = case([(is_null(value.copy()), lit(Reason.MISSING_KEY.value))])
        out = out.select(
            value.as_(c.value),
            (problem or exp.cast(exp.Null(), exp.DataType.build("VARCHAR"))).as_(c.problem),
            (flag or exp.cast(exp.Null(), exp.DataType.build("VARCHAR"))).as_(c.flag),
            copy=False,
        )
    return out


def _problems(f: _File) -> list[exp.Expr]:
    return [
        col(c.problem) for c in f.cols if c.is_key or c.text_date
    ]  # the only columns that can condemn a row


def _no_flags() -> exp.Expr:
    return exp.cast(exp.Array(expressions=[]), exp.DataType.build("VARCHAR[]"))


def accepted(f: _File, schema: pa.Schema) -> exp.Select:
    """The accepted rows of one file in the readers' schema."""
    by_name = {c.column.name: c for c in f.cols}
    flags = [
        col(c.flag)
        for c in f.cols
        if c.column.dtype is DType.CODE and (c.column.codes or c.column.name == STATE)
    ]
    out: list[exp.Expr] = []
    for field in schema:
        if field.name in by_name:
            out.append(col(by_name[field.name].value).as_(field.name))
        elif field.name == FLAGS:
            out.append(
                compact(flags).as_(FLAGS)
                if flags
                else exp.cast(exp.Array(expressions=[]), exp.DataType.build("VARCHAR[]")).as_(FLAGS)
            )
        elif field.name == FILE:
            out.append(lit(f.label).as_(FILE))
        elif field.name == ROW:
            out.append(col(ROW))
        elif field.name == LINE:
            out.append(exp.cast(exp.Null(), exp.DataType.build("BIGINT")).as_(LINE))
        else:  # pragma: no cover - the schema is the projection's
            raise DataError(f"no SQL for column {field.name}")
    problems = _problems(f)
    q = exp.select(*out).from_(cleaned(f).subquery("c"))
    return q.where(all_of([is_null(p) for p in problems])) if problems else q


def condemned(f: _File) -> exp.Select:
    """The rows of one file that go to quarantine: their raw cells, row and problems."""
    problems = _problems(f)
    return (
        exp.select(
            *[col(c.raw).as_(c.physical) for c in f.cols],
            col(ROW),
            *[col(c.problem) for c in f.cols],
        )
        .from_(cleaned(f).subquery("c"))
        .where(any_of([exp.Not(this=is_null(p)) for p in problems]) if problems else exp.false())
    )


# --- running it ------------------------------------------------------------------------------


def _option(value: str | int) -> exp.Expr:
    return lit(value) if isinstance(value, int) else exp.var(value)


def _copy(select: exp.Expr, path: Path) -> str:
    copy = exp.Copy(
        this=exp.Subquery(this=select),
        kind=False,
        files=[lit(str(path))],
        params=[
            exp.CopyParameter(
                this=exp.var(k), expression=lit(v) if isinstance(v, int) else exp.var(v)
            )
            for k, v in COPY_OPTIONS
        ],
    )
    return copy.sql(dialect="duckdb")


@dataclass
class FileResult:
    """What one file gave: its counts, its quarantine (QUARANTINE_SCHEMA) and by reason."""

    reader: TableReader
    sha256: str
    counts: ReadCounts
    quarantine: pa.Table
    by_reason: dict[str, int]


def _render(f: _File, bad: pa.Table) -> tuple[pa.Table, dict[str, int]]:
    """The quarantine entries of ``bad`` (raw cells of condemned rows), rendered by the
    reference reader's cleaner, which must condemn each for the same problems."""
    log = QuarantineLog(f.label)
    if not bad.num_rows:
        return QUARANTINE_SCHEMA.empty_table(), {}
    bad = bad.sort_by(ROW)
    raw = pa.RecordBatch.from_arrays(
        [bad.column(c.physical).combine_chunks() for c in f.cols],
        names=[c.physical for c in f.cols],
    )
    rows = np.asarray(bad.column(ROW).to_numpy(), np.int64)
    sb = SourceBatch(
        columns={c.column.name: raw.column(c.index) for c in f.cols},
        rows=rows,
        lines=None,
        raw=_RawJson(raw),
    )
    result = Cleaner(f.reader.table, f.reader.columns, f.label).clean(sb)
    sql_problems = {
        int(r): [
            (c.column.name, code)
            for c in f.cols
            if (code := bad.column(c.problem)[i].as_py()) is not None
        ]
        for i, r in enumerate(rows)
    }
    py_problems = {
        e.row: [(p.field, p.reason.value) for p in e.problems] for e in result.quarantined
    }
    if result.batch.num_rows or py_problems != sql_problems:
        differ = sorted(
            r
            for r in set(sql_problems) | set(py_problems)
            if sql_problems.get(r) != py_problems.get(r)
        )
        raise DataError(
            f"the SQL reader and minshare's reader disagree on row(s) {differ[:5]}: "
            "this is a minshare bug, please report it; nothing was run",
            file=f.label,
        )
    for entry in sorted(result.quarantined, key=lambda e: e.row):
        log.add(entry)
    return pa.Table.from_batches([log.drain()], schema=QUARANTINE_SCHEMA), dict(log.by_reason)


def read_parquet(
    readers: Sequence[TableReader],
    accepted_path: Path,
    settings: duck.Settings | None = None,
) -> list[FileResult]:
    """Read ``readers``' files (one table, all Parquet, :func:`unsupported` None) into
    ``accepted_path`` (written, not renamed: the caller commits it); the quarantine of each."""
    files = [_file(r) for r in readers]
    schema = readers[0].schema
    union: exp.Expr = accepted(files[0], schema)
    for f in files[1:]:
        union = exp.union(union, accepted(f, schema), distinct=False)
    spill = accepted_path.with_name(f".spill.{os.getpid()}.{uuid.uuid4().hex}")
    stamps = [_stamp(r.path) for r in readers]
    with (
        ThreadPoolExecutor(1) as pool,
        duck.connect(settings or duck.Settings.from_env(), spill) as con,
    ):
        # Hashing runs beside DuckDB (both release the GIL).
        digests = [pool.submit(sha256_file, r.path) for r in readers]
        written = con.execute(_copy(union, accepted_path)).fetchone()
        bad = [con.sql(condemned(f).sql(dialect="duckdb")).to_arrow_table() for f in files]
        shas = [d.result() for d in digests]
    out: list[FileResult] = []
    total_accepted = 0
    for f, b, sha, before in zip(files, bad, shas, stamps, strict=True):
        if _stamp(f.reader.path) != before:
            raise DataError("the file changed while it was being read", file=f.label)
        quarantine, by_reason = _render(f, b)
        rows = int(f.reader._source.expected_rows)
        counts = ReadCounts(rows, rows - quarantine.num_rows, quarantine.num_rows, 0)
        total_accepted += counts.rows_accepted
        out.append(FileResult(f.reader, sha, counts, quarantine, by_reason))
    if written is None or int(written[0]) != total_accepted:
        raise DataError(
            f"row accounting failed: {written[0] if written else None} rows written, "
            f"{total_accepted} expected; this is a minshare bug, please report it",
            file=str(accepted_path),
        )
    return out


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


__all__ = [
    "WHITESPACE",
    "FileResult",
    "accepted",
    "cleaned",
    "condemned",
    "read_parquet",
    "trimmed",
    "unsupported",
]
