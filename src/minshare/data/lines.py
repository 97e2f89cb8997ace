"""Exact line and row numbers for a streamed delimited file.

pyarrow numbers *records* (the header is record 1, a blank line is a record) and reports only
the records it rejects; accepted records arrive as batches without numbers. The ledger fills
the gaps: the k-th accepted record is the k-th record number not taken by a rejected one. A
record's physical line is its record number plus every line break inside quoted values of the
records before it. Its row number counts records that are not blank.

Rejected records may be reported before the batches they sit between, and the reader may parse
ahead, so the ledger settles only what is certain: records up to the last accepted one, plus
rejected records that follow on without a gap. At the end every pending record must follow on,
or the accounting is broken and the read fails.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from minshare.errors import DataError

Int64s = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Rejected:
    """A record the parser could not split into the header's number of columns."""

    record: int
    text: str
    expected: int
    actual: int


@dataclass
class Settled:
    """Numbers for one batch of accepted records and the rejected records settled with it."""

    lines: Int64s  # physical line of each accepted record
    rows: Int64s  # row number of each accepted record (meaningless where blank)
    rejected: list[tuple[Rejected, int, int]] = field(default_factory=list)  # (r, line, row)
    blank_rejected: int = 0


def line_breaks(text: str) -> int:
    """Line breaks as the parser counts them: \\n, \\r\\n and a lone \\r each end a line."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class RecordLedger:
    def __init__(self, source: str, delimiter: str) -> None:
        self._source = source
        self._delimiter = delimiter
        self._lock = threading.Lock()
        self._reported: list[Rejected] = []
        self._pending: list[Rejected] = []
        self.record_done = 1  # the header
        self._extra_lines = 0
        self.blank_lines = 0

    @property
    def line_done(self) -> int:
        """The last physical line settled so far (where its record starts)."""
        return self.record_done + self._extra_lines

    @property
    def backlog(self) -> int:
        """Rejected records reported but not yet settled."""
        with self._lock:
            return len(self._reported) + len(self._pending)

    def report(self, rejected: Rejected) -> None:
        """Called from the parser's invalid-row handler, possibly on another thread."""
        with self._lock:
            self._reported.append(rejected)

    def is_blank(self, text: str) -> bool:
        return not text.replace(self._delimiter, "").strip()

    def settle(self, breaks: Int64s, blank: Bools, *, final: bool = False) -> Settled:
        """Number a batch of accepted records (their line breaks and blankness given)."""
        with self._lock:
            reported, self._reported = self._reported, []
        pending = sorted([*self._pending, *reported], key=lambda r: r.record)
        taken = np.fromiter((r.record for r in pending), np.int64, len(pending))
        start = self.record_done + 1
        if taken.size and taken[0] < start:
            self._broken(f"record {int(taken[0])} was reported after it was settled")
        n = len(breaks)
        order = np.arange(n, dtype=np.int64)
        # Accepted records before each rejected one; non-decreasing, so a binary search finds
        # how many rejected records precede the k-th accepted one.
        before = taken - start - np.arange(taken.size, dtype=np.int64)
        records = start + order + np.searchsorted(before, order, side="right")
        horizon = int(records[-1]) if n else self.record_done
        cut = int(np.searchsorted(taken, horizon))
        nxt = horizon + 1
        while cut < taken.size and taken[cut] == nxt:
            cut += 1
            nxt += 1
        settled, self._pending = pending[:cut], pending[cut:]
        if final and self._pending:
            self._broken(f"records {int(taken[cut])}.. do not follow record {nxt - 1}")
        return self._number(records, breaks, blank, settled)

    def _number(
        self, records: Int64s, breaks: Int64s, blank: Bools, settled: list[Rejected]
    ) -> Settled:
        rej_records = np.fromiter((r.record for r in settled), np.int64, len(settled))
        rej_breaks = np.fromiter((line_breaks(r.text) for r in settled), np.int64, len(settled))
        rej_blank = np.fromiter((self.is_blank(r.text) for r in settled), np.bool_, len(settled))
        all_records = np.concatenate([records, rej_records])
        all_breaks = np.concatenate([breaks.astype(np.int64), rej_breaks])
        all_blank = np.concatenate([blank, rej_blank]).astype(np.int64)
        order = np.argsort(all_records, kind="stable")
        brk = all_breaks[order]
        blk = all_blank[order]
        lines_sorted = all_records[order] + self._extra_lines + np.cumsum(brk) - brk
        rows_sorted = all_records[order] - 1 - (self.blank_lines + np.cumsum(blk) - blk)
        lines = np.empty_like(lines_sorted)
        rows = np.empty_like(rows_sorted)
        lines[order] = lines_sorted
        rows[order] = rows_sorted
        self._extra_lines += int(brk.sum())
        self.blank_lines += int(blk.sum())
        if all_records.size:
            self.record_done = int(all_records.max())
        n = len(records)
        out = Settled(lines=lines[:n], rows=rows[:n], blank_rejected=int(rej_blank.sum()))
        for i, r in enumerate(settled):
            if not rej_blank[i]:
                out.rejected.append((r, int(lines[n + i]), int(rows[n + i])))
        return out

    def _broken(self, what: str) -> None:
        raise DataError(
            f"line accounting failed ({what}); this is a minshare bug, please report it",
            file=self._source,
        )


__all__ = ["RecordLedger", "Rejected", "Settled", "line_breaks"]
