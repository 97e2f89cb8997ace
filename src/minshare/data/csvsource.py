"""Delimited text (CSV, PSV, gzip'd or not), streamed through pyarrow with exact line numbers.

Every column is read as bytes, so nothing is lost before the cleaner types it, and the parser
rejects only records with the wrong number of columns. Blank lines (nothing but whitespace and
delimiters) are counted, never rows.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from minshare.data.formats import InputFormat
from minshare.data.lines import Int64s, RecordLedger, Rejected, Settled
from minshare.data.quarantine import Problem, QuarantinedRow, Reason
from minshare.data.sources import SourceBatch, check_header, normalize_name
from minshare.data.textstream import GuardedStream, has_marks, read_first_line, unmark
from minshare.errors import DataError

_BOM = b"\xef\xbb\xbf"
_QUOTE = '"'
# pyarrow parses a block at a time and reads up to 32 blocks ahead, so the block size bounds
# memory; a block must also hold the longest record. Blocks are regrouped into batch_rows rows.
BLOCK_SIZE = 1 << 20
_KEY_FOR_BLANKS = "MSIS_IDENT_NUM"


class CsvSource:
    def __init__(self, path: Path, fmt: InputFormat, batch_rows: int) -> None:
        if fmt.delimiter is None:  # pragma: no cover - detect_format never does this
            raise ValueError("CsvSource needs a delimiter")
        self._path = path
        self._source = str(path)
        self._fmt = fmt
        self._delimiter = fmt.delimiter
        self._batch_rows = batch_rows
        self._stream: GuardedStream | None = None
        self._ledger: RecordLedger | None = None
        first, self._has_data = read_first_line(path, gzip_compressed=fmt.gzip)
        self.header_text, self.names = self._parse_header(first)

    @property
    def bytes_read(self) -> int:
        return self._stream.bytes_read if self._stream is not None else 0

    @property
    def expected_rows(self) -> int:
        if self._ledger is None:
            return 0
        return self._ledger.record_done - 1 - self._ledger.blank_lines

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()

    def _parse_header(self, first: bytes) -> tuple[str, list[str]]:
        if first.startswith(_BOM):
            first = first[len(_BOM) :]
        try:
            text = first.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError("the header is not valid UTF-8", file=self._source, line=1) from None
        if not text.strip():
            raise DataError("the first line is empty: expected a header", file=self._source, line=1)
        if text.count(_QUOTE) % 2:
            raise DataError("the header has an unclosed quote", file=self._source, line=1)
        names = [normalize_name(n) for n in next(csv.reader([text], delimiter=self._delimiter))]
        check_header(names, self._source)
        return text, names

    def batches(self, wanted: Sequence[str]) -> Iterator[SourceBatch]:
        if not self._has_data:
            return
        stream = GuardedStream(self._path, gzip_compressed=self._fmt.gzip)
        self._stream = stream
        ledger = RecordLedger(self._source, self._delimiter)
        self._ledger = ledger

        def on_invalid(row: Any) -> str:
            # Never raise here: pyarrow would swallow it and fail the read with a vaguer error.
            number = row.number if row.number is not None else -1
            ledger.report(Rejected(number, row.text, row.expected_columns, row.actual_columns))
            return "skip"

        internal = [f"c{i}" for i in range(len(self.names))]
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(
                    column_names=internal, skip_rows=1, use_threads=False, block_size=BLOCK_SIZE
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=self._delimiter,
                    quote_char=_QUOTE,
                    double_quote=True,
                    escape_char=False,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.binary() for c in internal},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            held = _Held(self._batch_rows)
            for block in reader:
                held.add(block)
                while held.full:
                    yield self._settle(held.take(), ledger, stream, wanted)
                if ledger.backlog >= self._batch_rows:
                    # Rejected records settle only alongside accepted ones; a long run of
                    # them must not pile up in memory.
                    yield self._settle(held.take(), ledger, stream, wanted)
            yield self._settle(held.take(), ledger, stream, wanted, final=True)
        except (pa.ArrowException, OSError, EOFError, zlib.error) as exc:
            why = str(exc)
            if "straddl" in why:
                why = (
                    f"a record is longer than {BLOCK_SIZE} bytes, or a quote is never closed "
                    f"({why})"
                )
            raise DataError(
                f"cannot read the file after line {ledger.line_done}: {why}", file=self._source
            ) from exc

    def _settle(
        self,
        piece: pa.RecordBatch | None,
        ledger: RecordLedger,
        stream: GuardedStream,
        wanted: Sequence[str],
        *,
        final: bool = False,
    ) -> SourceBatch:
        if piece is None:
            piece = pa.RecordBatch.from_arrays(
                [pa.array([], pa.binary())] * len(self.names),
                names=[f"c{i}" for i in range(len(self.names))],
            )
        blank = self._blank_rows(piece)
        settled = ledger.settle(self._line_breaks(piece, stream), blank, final=final)
        keep = ~blank
        if not keep.all():
            piece = piece.filter(pa.array(keep))
        rows, lines = settled.rows[keep], settled.lines[keep]
        return SourceBatch(
            columns={n: piece.column(i) for i, n in enumerate(self.names) if n in wanted},
            rows=rows,
            lines=lines,
            raw=_Raw(piece, self._delimiter),
            rejected=self._rejected(settled),
            blank_lines=int(blank.sum()) + settled.blank_rejected,
            marks_possible=stream.saw_invalid,
        )

    def _blank_rows(self, piece: pa.RecordBatch) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Blank records: every cell empty or whitespace. Only a record with an empty key can
        be blank, so only those few are looked at one by one."""
        n = piece.num_rows
        blank = np.zeros(n, np.bool_)
        key = self.names.index(_KEY_FOR_BLANKS) if _KEY_FOR_BLANKS in self.names else 0
        trimmed = pc.utf8_trim_whitespace(piece.column(key).cast(pa.string()))
        empty = pc.equal(pc.binary_length(trimmed), 0).to_numpy(zero_copy_only=False)
        candidates = np.flatnonzero(empty)
        if candidates.size:
            for i, rec in zip(
                candidates, piece.take(pa.array(candidates)).to_pylist(), strict=True
            ):
                blank[i] = all(not (v or b"").decode("utf-8").strip() for v in rec.values())
        return blank

    @staticmethod
    def _line_breaks(piece: pa.RecordBatch, stream: GuardedStream) -> Int64s:
        """Line breaks inside values, per record. Only a quoted value can hold one, so a file
        without quote characters skips the scan."""
        total = np.zeros(piece.num_rows, np.int64)
        if not stream.saw_quote:
            return total
        for col in piece.columns:
            if not _may_hold_break(col):
                continue
            counts = [pc.count_substring(col, s) for s in ("\n", "\r", "\r\n")]
            n, r, rn = (c.fill_null(0).to_numpy(zero_copy_only=False) for c in counts)
            total += n + r - rn
        return total

    def _rejected(self, settled: Settled) -> list[QuarantinedRow]:
        out = []
        for rej, line, row in settled.rejected:
            problems = [
                Problem(
                    Reason.WRONG_COLUMN_COUNT,
                    None,
                    f"expected {rej.expected} columns, found {rej.actual}",
                )
            ]
            if has_marks(rej.text):
                problems.append(Problem(Reason.INVALID_UTF8, None, "the line is not valid UTF-8"))
            out.append(QuarantinedRow(line, row, tuple(problems), unmark(rej.text)))
        return out


def _may_hold_break(col: pa.Array) -> bool:
    """A byte scan of the column's data buffer; much cheaper than counting per cell. It may
    see bytes outside a sliced array, which only costs the exact count."""
    data = col.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, np.uint8)
    return bool((raw == ord("\n")).any() or (raw == ord("\r")).any())


class _Held:
    """Parsed blocks waiting to be regrouped into batches of a fixed number of rows."""

    def __init__(self, batch_rows: int) -> None:
        self._batch_rows = batch_rows
        self._blocks: list[pa.RecordBatch] = []
        self._rows = 0

    @property
    def full(self) -> bool:
        return self._rows >= self._batch_rows

    def add(self, block: pa.RecordBatch) -> None:
        self._blocks.append(block)
        self._rows += block.num_rows

    def take(self) -> pa.RecordBatch | None:
        """Up to batch_rows rows, oldest first; None when nothing is held."""
        if not self._blocks:
            return None
        merged = self._blocks[0] if len(self._blocks) == 1 else pa.concat_batches(self._blocks)
        out, rest = merged.slice(0, self._batch_rows), merged.slice(self._batch_rows)
        self._blocks = [rest] if rest.num_rows else []
        self._rows = rest.num_rows
        return out


class _Raw:
    """Re-serializes a record from its cells: same content as the line, quoting normalized."""

    def __init__(self, piece: pa.RecordBatch, delimiter: str) -> None:
        self._piece = piece
        self._delimiter = delimiter

    def __call__(self, rows: Sequence[int]) -> list[str]:
        records = self._piece.take(pa.array(rows, pa.int64())).to_pylist()
        return [
            unmark(
                self._delimiter.join(self._quote((c or b"").decode("utf-8")) for c in r.values())
            )
            for r in records
        ]

    def _quote(self, cell: str) -> str:
        d = self._delimiter
        if d in cell or _QUOTE in cell or "\n" in cell or "\r" in cell:
            return _QUOTE + cell.replace(_QUOTE, _QUOTE * 2) + _QUOTE
        return cell


__all__ = ["BLOCK_SIZE", "CsvSource"]
