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
readers on synthetic data, on hand-made edge cases and on random cells. ``engines.ingest``
chooses between the two readings (``MINSHARE_READER``).

What this does not reproduce, and so leaves to the Python readers (:func:`unsupported` says
why): delimited text (line numbers, quoting, invalid UTF-8 are the text reader's), column types
other than text, integers, nulls and DATE-in-a-date-column (floats are read batch by batch,
binary may hold invalid UTF-8, timestamps print differently), and paths DuckDB would read as a
glob, a column named like DuckDB's ``file_row_number``. A Parquet file with invalid UTF-8 in a
text column is refused by DuckDB; the table is then left to the Python readers too.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sqlglot import exp

from minshare.compile.sql import (
    all_of,
    any_of,
    case,
    col,
    compact,
    in_list,
    is_null,
    lit,
    not_,
    not_null,
)
from minshare.data import model, states
from minshare.data.clean import FILE, FLAGS, LINE, RECODES, ROW, STATE, Cleaner
from minshare.data.files import sha256_file
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
Step = Callable[[exp.Expr], exp.Expr]
_DATE_SHAPE = "[0-9]{8}|[0-9]{4}-[0-9]{2}-[0-9]{2}"


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
        if any(n.lower() == "file_row_number" for n in arrow.names):
            return f"{r.path.name} has a column named like DuckDB's row number"
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
    return case([(one, exp.DPipe(this=lit("0"), expression=t.copy()))], t.copy())


def _alternate_state(t: exp.Expr) -> exp.Expr:
    alt = states.ALTERNATE_SUBMITTER.items()
    return case([(exp.EQ(this=t.copy(), expression=lit(k)), lit(v)) for k, v in alt], t.copy())


def _pad_digit(t: exp.Expr) -> exp.Expr:
    # ``^\d$`` in RE2 is one ASCII digit: one byte between '0' and '9'.
    one = exp.and_(
        exp.EQ(this=_fn("STRLEN", t.copy()), expression=lit(1)),
        exp.Between(this=t.copy(), low=lit("0"), high=lit("9")),
    )
    return case([(one, exp.DPipe(this=lit("0"), expression=t.copy()))], t.copy())


def _recode(old: str, new: str) -> Step:
    def step(t: exp.Expr) -> exp.Expr:
        return case([(exp.EQ(this=t.copy(), expression=lit(old)), lit(new))], t.copy())

    return step


def _code_steps(c: Column) -> list[Step]:
    """TAF cleaning of a code column after trimming, in the readers' order."""
    if c.name == STATE:
        return [_pad_state, _alternate_state]
    if c.codes is None:
        return []
    two_digit = all(len(k) == 2 and k.isdigit() for k in c.codes.codes)
    recodes = [_recode(old, new) for old, new in RECODES.get(c.name, {}).items()]
    return [*([_pad_digit] if two_digit else []), *recodes]


def _code_flag(c: Column, v: exp.Expr) -> exp.Expr | None:
    """``NAME=value: why`` for a value outside its list (the state: unknown state)."""
    if c.name == STATE:
        allowed, why = sorted(states.STATES), "unknown state"
    elif c.dtype is DType.CODE and c.codes is not None:
        allowed, why = list(c.codes.codes), "outside code list"
    else:
        return None
    outside = exp.and_(not_null(v.copy()), not_(in_list(v.copy(), allowed)))
    shown = _fn("SUBSTR", v.copy(), lit(1), lit(_VALUE_IN_FLAG))
    text = exp.DPipe(
        this=exp.DPipe(this=lit(f"{c.name}="), expression=shown), expression=lit(f": {why}")
    )
    return case([(outside, text)])


def _date_number(t: exp.Expr) -> exp.Expr:
    """YYYYMMDD as an integer for text of either shape, -1 for other text, null for null."""
    shaped = _fn("REGEXP_FULL_MATCH", t.copy(), lit(_DATE_SHAPE))
    digits = exp.func("REPLACE", t.copy(), lit("-"), lit(""))
    number = exp.cast(digits, exp.DataType.build("INTEGER"))
    return case([(shaped, number), (not_null(t.copy()), lit(-1))])


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
            not_null(n.copy()),
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
    def work(self) -> str:
        return f"w{self.index}"

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


def _physical(c: _Col, table: str | None = None) -> exp.Column:
    """The file's own name for a column, quoted (any characters, any case)."""
    return exp.column(c.physical, table=table, quoted=True)


def _file(reader: TableReader) -> _File:
    arrow = pq.read_schema(reader.path)
    wanted = {c.name: c for c in reader.columns}
    cols: list[_Col] = []
    for i, (physical, name) in enumerate(zip(arrow.names, reader._source.names, strict=True)):
        if name in wanted:
            cols.append(_Col(wanted[name], physical, arrow.field(i).type, len(cols)))
    return _File(reader, tuple(cols))


def _steps(c: _Col) -> list[Step]:
    """How one column's working value is built, one stage each (a stage reads the previous
    stage's value as a column, so no expression is computed twice)."""
    if c.typed_date:
        return []
    steps: list[Step] = [lambda x: _as_text(x, c.type)]
    if c.text_date:
        steps.append(_date_number)
    elif c.column.dtype is DType.CODE:
        steps += _code_steps(c.column)
    return steps


def _final(c: _Col, w: exp.Expr) -> tuple[exp.Expr, exp.Expr | None, exp.Expr | None]:
    """The typed value, the problem (a reason code) and the flag, from the working value."""
    problem: exp.Expr | None = None
    flag: exp.Expr | None = None
    if c.typed_date:
        value = _floor(w)
    elif c.text_date:
        value = _date_value(w)
        bad = exp.and_(not_null(w.copy()), not_(_date_valid(w)))  # w is -1 for other text
        problem = case([(bad, lit(Reason.BAD_DATE.value))])
    else:
        value = w
        flag = _code_flag(c.column, w)
    if c.is_key:
        problem = case([(is_null(value.copy()), lit(Reason.MISSING_KEY.value))])
    return value, problem, flag


def _null_text() -> exp.Expr:
    return exp.cast(exp.Null(), exp.DataType.build("VARCHAR"))


def _as(e: exp.Expr, name: str) -> exp.Expr:
    return exp.alias_(e, name, copy=False)


def _stage(items: Sequence[exp.Expr], source: exp.Select | exp.Expr, name: str) -> exp.Select:
    """``SELECT items FROM (source) AS name``; the trees are new, so nothing is copied (the
    nested stages would otherwise be copied once per level)."""
    inner = source.subquery(name, copy=False) if isinstance(source, exp.Select) else source
    return exp.Select(expressions=list(items)).from_(inner, copy=False)


def cleaned(f: _File, cols: Sequence[_Col] | None = None) -> exp.Select:
    """Every row of one file: every raw cell ``r<i>``, ``_MS_ROW``, and per column (all, or
    ``cols``) its typed value ``v<i>``, problem ``p<i>`` (a reason code or null) and flag
    ``f<i>``. (DuckDB reads only what the query around this uses.)"""
    chosen = list(f.cols if cols is None else cols)

    def keep() -> list[exp.Expr]:
        return [*[col(c.raw) for c in f.cols], col(ROW)]

    row = exp.Add(this=col("file_row_number"), expression=lit(1))
    q = _stage([*[_as(_physical(c), c.raw) for c in f.cols], _as(row, ROW)], f.scan(), "")
    steps = {c.index: _steps(c) for c in chosen}
    depth = max((len(s) for s in steps.values()), default=0)
    for k in range(-1, depth):
        work: list[exp.Expr] = []
        for c in chosen:
            if k < 0:
                w: exp.Expr = col(c.raw)
            elif k < len(steps[c.index]):
                w = steps[c.index][k](col(c.work))
            else:
                w = col(c.work)
            work.append(_as(w, c.work))
        q = _stage([*keep(), *work], q, f"s{k + 1}")
    out = keep()
    for c in chosen:
        value, problem, flag = _final(c, col(c.work))
        out += [
            _as(value, c.value),
            _as(problem or _null_text(), c.problem),
            _as(flag or _null_text(), c.flag),
        ]
    return _stage(out, q, "w")


def _condemning(f: _File) -> list[_Col]:
    """The only columns that can condemn a row: the keys and dates read from text."""
    return [c for c in f.cols if c.is_key or c.text_date]


def _no_flags() -> exp.Expr:
    return exp.cast(exp.Array(expressions=[]), exp.DataType.build("VARCHAR[]"))


def accepted(f: _File, schema: pa.Schema, condemned_rows: str | None = None) -> exp.Select:
    """The accepted rows of one file in the readers' schema: every row but those listed in
    table ``condemned_rows`` (column ``_MS_ROW``; None: none). The rows are left out by their
    number, not by testing them again: a filter on the cleaned values would be pushed below the
    cleaning and computed twice."""
    by_name = {c.column.name: c for c in f.cols}
    flags = [col(c.flag) for c in f.cols if c.flagged]
    out: list[exp.Expr] = []
    for field in schema:
        if field.name in by_name:
            out.append(col(by_name[field.name].value).as_(field.name))
        elif field.name == FLAGS:
            out.append(_flags(flags).as_(FLAGS))
        elif field.name == FILE:
            out.append(lit(f.label).as_(FILE))
        elif field.name == ROW:
            out.append(col(ROW))
        elif field.name == LINE:
            out.append(exp.cast(exp.Null(), exp.DataType.build("BIGINT")).as_(LINE))
        else:  # pragma: no cover - the schema is the projection's
            raise DataError(f"no SQL for column {field.name}")
    q = exp.select(*out).from_(cleaned(f).subquery("c", copy=False), copy=False)
    if condemned_rows is None:
        return q
    listed = exp.select(col(ROW)).from_(condemned_rows)
    return q.where(not_(exp.In(this=col(ROW), query=listed.subquery())))


def _flags(flags: Sequence[exp.Expr]) -> exp.Expr:
    """The row's flags in file column order; flags are rare, so the empty list is the cheap
    common case."""
    if not flags:
        return _no_flags()
    return case([(all_of([is_null(f) for f in flags]), _no_flags())], compact(flags))


def condemned(f: _File) -> exp.Select:
    """The rows of one file that go to quarantine: their raw cells, row number and the problem
    of each column that can condemn one (only those columns are cleaned). One scan; the raw
    cells are kept for the few rows that fail, which the reference cleaner then renders."""
    cols = _condemning(f)
    problems = [col(c.problem) for c in cols]
    return (
        exp.select(*[col(c.raw) for c in f.cols], col(ROW), *problems)
        .from_(cleaned(f, cols).subquery("c", copy=False), copy=False)
        .where(any_of([not_null(p) for p in problems]))
    )


# --- running it ------------------------------------------------------------------------------

CONDEMNED = "_ms_condemned"  # temporary tables of the rows to quarantine, one per file


@dataclass
class FileResult:
    """What one file gave: its counts, its quarantine (QUARANTINE_SCHEMA) and by reason."""

    reader: TableReader
    sha256: str
    counts: ReadCounts
    quarantine: pa.Table
    by_reason: dict[str, int]


def _render(f: _File, bad: pa.Table) -> tuple[pa.Table, dict[str, int]]:
    """The quarantine entries of the condemned rows (``bad``: raw cells, row, problems),
    rendered by the reference reader's cleaner, which must condemn each row for the same
    problems (field and reason code, in file column order)."""
    if not bad.num_rows:
        return QUARANTINE_SCHEMA.empty_table(), {}
    bad = bad.sort_by(ROW)
    raw = pa.RecordBatch.from_arrays(
        [bad.column(c.raw).combine_chunks() for c in f.cols], names=[c.physical for c in f.cols]
    )
    rows = np.asarray(bad.column(ROW).to_numpy(), np.int64)
    sb = SourceBatch(
        columns={c.column.name: raw.column(c.index) for c in f.cols},
        rows=rows,
        lines=None,
        raw=_RawJson(raw),
    )
    result = Cleaner(f.reader.table, f.reader.columns, f.label).clean(sb)
    problems = {c.column.name: bad.column(c.problem).to_pylist() for c in _condemning(f)}
    by_sql = {
        int(r): [
            (c.column.name, p[i]) for c in f.cols if (p := problems.get(c.column.name)) and p[i]
        ]
        for i, r in enumerate(rows)
    }
    by_python = {e.row: [(p.field, p.reason.value) for p in e.problems] for e in result.quarantined}
    if result.batch.num_rows or by_python != by_sql:
        differ = sorted(r for r in {*by_sql, *by_python} if by_sql.get(r) != by_python.get(r))
        raise DataError(
            f"the SQL reader and minshare's reader disagree on row(s) {differ[:5]}: this is a "
            "minshare bug, please report it; nothing was run",
            file=f.label,
        )
    log = QuarantineLog(f.label)
    for entry in sorted(result.quarantined, key=lambda e: e.row):
        log.add(entry)
    return pa.Table.from_batches([log.drain()], schema=QUARANTINE_SCHEMA), dict(log.by_reason)


def _condemn(con: duckdb.DuckDBPyConnection, f: _File, name: str) -> str | None:
    """The rows of one file to quarantine (:func:`condemned`) into temporary table ``name``;
    ``name``, or None when there are none."""
    create = exp.Create(
        kind="TABLE",
        this=exp.to_table(name),
        expression=condemned(f),
        replace=True,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    con.execute(create.sql(dialect="duckdb")).fetchall()
    count = con.execute(exp.select("COUNT(*)").from_(name).sql(dialect="duckdb")).fetchall()
    return name if count[0][0] else None


def read_parquet(
    readers: Sequence[TableReader],
    accepted_path: Path,
    settings: duck.Settings | None = None,
) -> list[FileResult]:
    """Read ``readers``' files (one table, all Parquet, :func:`unsupported` None) into
    ``accepted_path`` (written, not renamed: the caller commits it); the quarantine of each.
    DuckDB errors (a file it refuses) are the caller's to handle."""
    files = [_file(r) for r in readers]
    schema = readers[0].schema
    spill = accepted_path.with_name(f".spill.{os.getpid()}.{uuid.uuid4().hex}")
    stamps = [_stamp(r.path) for r in readers]
    settings = settings or duck.Settings.from_env()
    with ThreadPoolExecutor(1) as pool, duck.connect(settings, spill) as con:
        # Hashing runs beside DuckDB (both release the GIL).
        digests = [pool.submit(sha256_file, r.path) for r in readers]
        lists = [_condemn(con, f, f"{CONDEMNED}_{i}") for i, f in enumerate(files)]
        union: exp.Expr = accepted(files[0], schema, lists[0])
        for f, listed in zip(files[1:], lists[1:], strict=True):
            union = exp.union(union, accepted(f, schema, listed), distinct=False, copy=False)
        written = con.execute(duck.copy_to(union, accepted_path)).fetchall()
        bad = [
            con.sql(exp.select("*").from_(listed).sql(dialect="duckdb")).to_arrow_table()
            if listed
            else pa.table({})
            for listed in lists
        ]
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
    if int(written[0][0]) != total_accepted:
        raise DataError(
            f"row accounting failed: {written[0][0]} rows written, "
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
