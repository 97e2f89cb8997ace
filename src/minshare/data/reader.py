"""TableReader: one input file, streamed as cleaned batches of a fixed schema."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

import pyarrow as pa

from minshare.data import model
from minshare.data.clean import INTERNAL_PREFIX, Cleaner
from minshare.data.csvsource import CsvSource
from minshare.data.formats import InputFormat, detect_format
from minshare.data.model import Column, Table
from minshare.data.parquetsource import ParquetSource
from minshare.data.prefetch import Prefetch
from minshare.data.quarantine import QUARANTINE_SCHEMA, QuarantineLog
from minshare.data.sources import Source, SourceBatch, normalize_name
from minshare.errors import DataError, MissingColumnError, UsageError

DEFAULT_BATCH_ROWS = 131_072
QuarantineSink = Callable[[pa.RecordBatch], None]


@dataclass(frozen=True)
class ReadCounts:
    """Always rows_read == rows_accepted + rows_quarantined; blank lines are not rows."""

    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    blank_lines: int = 0

    def __add__(self, other: ReadCounts) -> ReadCounts:
        return ReadCounts(
            self.rows_read + other.rows_read,
            self.rows_accepted + other.rows_accepted,
            self.rows_quarantined + other.rows_quarantined,
            self.blank_lines + other.blank_lines,
        )

    @property
    def adds_up(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_quarantined

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def as_table(table: Table | str) -> Table:
    try:
        return Table(table)
    except ValueError:
        choices = ", ".join(t.value for t in Table)
        raise UsageError(f"unknown table {table!r} (expected one of: {choices})") from None


class TableReader:
    """Cleaned record batches of one input file.

    Iterate once (directly or inside ``with``). Each batch has :attr:`schema`: the model's
    columns (or the projection), unknown extra columns as strings, then ``_MS_FLAGS``,
    ``_MS_FILE``, ``_MS_ROW`` and ``_MS_LINE``. After iteration :attr:`counts`,
    :attr:`quarantine` and :attr:`flags` are complete, and the counts have been checked to add
    up (a :class:`DataError` if not; that would be a minshare bug).
    """

    def __init__(
        self,
        path: Path,
        table: Table | str,
        *,
        delimiter: str | None = None,
        columns: Sequence[str] | None = None,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        quarantine_sink: QuarantineSink | None = None,
    ) -> None:
        if batch_rows < 1:
            raise UsageError(f"batch_rows must be at least 1, got {batch_rows}")
        self.path = Path(path)
        self.table = as_table(table)
        self.format: InputFormat = detect_format(self.path, delimiter)
        self._source: Source = (
            ParquetSource(self.path, batch_rows)
            if self.format.parquet
            else CsvSource(self.path, self.format, batch_rows)
        )
        try:
            self.columns: list[Column] = self._select(columns)
        except Exception:
            self._source.close()
            raise
        self._cleaner = Cleaner(self.table, self.columns, str(self.path))
        self.schema: pa.Schema = self._cleaner.schema
        self.counts = ReadCounts()
        self.flags: Counter[str] = Counter()
        self.finished = False
        self._log = QuarantineLog(str(self.path))
        self._sink = quarantine_sink
        self._kept: list[pa.RecordBatch] = []
        self._started = False
        self._prefetch: Prefetch[SourceBatch] | None = None

    # -- what was found -------------------------------------------------------------------
    @property
    def quarantine(self) -> pa.Table:
        """Quarantined rows (empty when a quarantine sink took them instead)."""
        return pa.Table.from_batches(self._kept, schema=QUARANTINE_SCHEMA)

    @property
    def quarantine_by_reason(self) -> Counter[str]:
        return self._log.by_reason

    @property
    def quarantine_examples(self) -> dict[str, list[str]]:
        """The first few locations (``file:line``, or ``file row N``) per reason code."""
        return self._log.examples

    @property
    def bytes_read(self) -> int:
        """Input bytes consumed so far (compressed bytes for gzip), for progress display."""
        return self._source.bytes_read

    # -- iteration ------------------------------------------------------------------------
    def __iter__(self) -> Iterator[pa.RecordBatch]:
        if self._started:
            raise UsageError("a TableReader can be iterated only once; open the file again")
        self._started = True
        return self._run()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and release the file (safe to call more than once)."""
        if self._prefetch is not None:
            self._prefetch.close()  # the worker must stop before its stream is closed
        self._source.close()

    def _run(self) -> Iterator[pa.RecordBatch]:
        wanted = {c.name for c in self.columns}
        batches = Prefetch(self._source.batches(sorted(wanted)), f"minshare-read-{self.path.name}")
        self._prefetch = batches
        try:
            for sb in batches:
                cleaned = self._cleaner.clean(sb)
                entries = sorted([*sb.rejected, *cleaned.quarantined], key=lambda e: e.row)
                for entry in entries:
                    self._log.add(entry)
                step = ReadCounts(
                    sb.num_rows + len(sb.rejected),
                    cleaned.batch.num_rows,
                    len(entries),
                    sb.blank_lines,
                )
                self._check(step, "a batch")
                self.counts += step
                self.flags.update(cleaned.flags)
                self._flush_quarantine()
                if cleaned.batch.num_rows:
                    yield cleaned.batch
            self._finish()
        finally:
            self.close()

    def _flush_quarantine(self) -> None:
        batch = self._log.drain()
        if batch.num_rows:
            if self._sink is not None:
                self._sink(batch)
            else:
                self._kept.append(batch)

    def _finish(self) -> None:
        self._check(self.counts, "the file")
        expected = self._source.expected_rows
        if self.counts.rows_read != expected or self._log.count != self.counts.rows_quarantined:
            self._fail(
                f"the file holds {expected} rows but {self.counts.rows_read} were counted "
                f"({self._log.count} quarantined)"
            )
        self.finished = True

    def _check(self, counts: ReadCounts, what: str) -> None:
        if not counts.adds_up:
            self._fail(
                f"in {what}, rows read {counts.rows_read} != accepted {counts.rows_accepted} "
                f"+ quarantined {counts.rows_quarantined}"
            )

    def _fail(self, what: str) -> None:
        raise DataError(
            f"row accounting failed: {what}; this is a minshare bug, please report it",
            file=str(self.path),
        )

    # -- columns --------------------------------------------------------------------------
    def _select(self, columns: Sequence[str] | None) -> list[Column]:
        """The columns to read: the whole model (absent optional ones come out null) and any
        extras, or the projection plus the keys."""
        present = self._source.names
        internal = [n for n in present if n.startswith(INTERNAL_PREFIX)]
        if internal:
            raise DataError(
                f"column(s) {', '.join(internal)} use the prefix {INTERNAL_PREFIX}, which is "
                "reserved for minshare's own lineage columns (is this minshare output?)",
                file=str(self.path),
            )
        known = set(model.column_names(self.table))
        required = [c for c in model.required_columns(self.table) if c not in present]
        asked_absent: list[str] = []
        if columns is None:
            chosen = list(model.columns(self.table))
            extras = [n for n in present if n not in known]
        else:
            asked = list(dict.fromkeys(normalize_name(c) for c in columns))
            keep = set(asked) | set(model.KEY)
            chosen = [c for c in model.columns(self.table) if c.name in keep]
            extras = [n for n in asked if n not in known]
            asked_absent = [n for n in extras if n not in present]
        if required or asked_absent:
            raise MissingColumnError(
                self._missing_message(required, asked_absent), file=str(self.path)
            )
        return chosen + [model.column(self.table, n) for n in extras]

    def _missing_message(self, required: list[str], asked: list[str]) -> str:
        parts = []
        if required:
            parts.append(
                f"is missing column(s) {', '.join(required)}, required for the "
                f"{self.table.value} table"
            )
        if asked:
            parts.append(f"has no column(s) {', '.join(asked)}, which were asked for")
        msg = f"{self.path.name} ({self.format.describe()}) {' and '.join(parts)}"
        header = getattr(self._source, "header_text", "")
        if len(self._source.names) == 1:
            for d in ("|", ",", "\t", ";"):
                if d != self.format.delimiter and d in header:
                    return f"{msg}; the header has one column but contains {d!r}: " + (
                        f"pass --delimiter {d!r}"
                    )
        return msg


__all__ = ["DEFAULT_BATCH_ROWS", "QuarantineSink", "ReadCounts", "TableReader", "as_table"]
