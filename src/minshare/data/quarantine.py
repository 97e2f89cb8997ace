"""Quarantine: rows that could not be read or typed, kept with where they came from and why.

Nothing is dropped silently. A quarantined row carries its file, physical line (text files; the
header is line 1), record number, the first problem's field and stable ``reason_code``, every
problem in plain words, and the raw text: the line as read when the parser rejected it, the
record re-joined from its cells otherwise (same content; quoting may differ), a JSON object for
Parquet; invalid UTF-8 shown as ``\\xNN``. The raw text holds whatever the row held, so a
quarantine file is as sensitive as the input and is never disclosable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

import pyarrow as pa

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("line", pa.int64()),
        pa.field("row", pa.int64(), nullable=False),
        pa.field("field", pa.string()),
        pa.field("reason_code", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw", pa.string(), nullable=False),
    ]
)

# Long enough to show a whole TAF row of ordinary width, short enough that a file of garbage
# cannot make the quarantine larger than a few times the input.
RAW_LIMIT = 2000
EXAMPLES_PER_REASON = 5


class Reason(StrEnum):
    """Stable reason codes; scripts match on these, so never rename one."""

    BAD_DATE = "bad_date"
    MISSING_KEY = "missing_key"
    WRONG_COLUMN_COUNT = "wrong_column_count"
    INVALID_UTF8 = "invalid_utf8"


@dataclass(frozen=True)
class Problem:
    reason: Reason
    field: str | None
    message: str


@dataclass(frozen=True)
class QuarantinedRow:
    line: int | None
    row: int
    problems: tuple[Problem, ...]
    raw: str


def truncate(text: str, limit: int = RAW_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[{len(text) - limit} more characters]"


class QuarantineLog:
    """Quarantined rows of one file, handed out as Arrow batches as they accumulate."""

    def __init__(self, source_file: str) -> None:
        self.source_file = source_file
        self.count = 0
        self.by_reason: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self._pending: list[QuarantinedRow] = []

    def add(self, entry: QuarantinedRow) -> None:
        if not entry.problems:  # pragma: no cover - callers only quarantine rows with a problem
            raise ValueError("a quarantined row needs at least one problem")
        self._pending.append(entry)
        self.count += 1
        code = entry.problems[0].reason.value
        self.by_reason[code] += 1
        seen = self.examples.setdefault(code, [])
        if len(seen) < EXAMPLES_PER_REASON:
            seen.append(
                f"{self.source_file}:{entry.line}"
                if entry.line is not None
                else f"{self.source_file} row {entry.row}"
            )

    def drain(self) -> pa.RecordBatch:
        """The rows added since the last drain, in file order."""
        rows = sorted(self._pending, key=lambda e: e.row)
        self._pending = []
        first = [e.problems[0] for e in rows]
        return pa.record_batch(
            {
                "source_file": [self.source_file] * len(rows),
                "line": [e.line for e in rows],
                "row": [e.row for e in rows],
                "field": [p.field for p in first],
                "reason_code": [p.reason.value for p in first],
                "reason": ["; ".join(p.message for p in e.problems) for e in rows],
                "raw": [truncate(e.raw) for e in rows],
            },
            schema=QUARANTINE_SCHEMA,
        )


__all__ = [
    "QUARANTINE_SCHEMA",
    "RAW_LIMIT",
    "Problem",
    "QuarantineLog",
    "QuarantinedRow",
    "Reason",
    "truncate",
]
