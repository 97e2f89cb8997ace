"""What every input source hands the cleaner: raw columns with lineage, plus its own rejects."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from minshare.data.quarantine import QuarantinedRow
from minshare.errors import DataError

Int64s = npt.NDArray[np.int64]


def normalize_name(name: str) -> str:
    """Column names are case-insensitive; spreadsheets leave BOMs and padding on them."""
    return name.replace("\ufeff", "").strip().upper()


def check_header(names: Sequence[str], source: str) -> None:
    """A header must name every column once, so a column can never be read twice."""
    empty = [i + 1 for i, n in enumerate(names) if not n]
    if empty:
        raise DataError(
            f"header column(s) {', '.join(map(str, empty))} have no name", file=source, line=1
        )
    dupes = sorted(n for n, k in Counter(names).items() if k > 1)
    if dupes:
        raise DataError(
            f"header names column(s) more than once (names are case-insensitive): "
            f"{', '.join(dupes)}",
            file=source,
            line=1,
        )


@dataclass
class SourceBatch:
    """One batch of records as read, before typing."""

    columns: dict[str, pa.Array]  # normalized name -> raw values, in file order
    rows: Int64s  # 1-based record number within the file (blank lines not counted)
    lines: Int64s | None  # physical line where each record starts; None for Parquet
    raw: Callable[[Sequence[int]], list[str]]  # records as text, for quarantine
    rejected: list[QuarantinedRow] = field(default_factory=list)  # rejected by the parser
    blank_lines: int = 0
    marks_possible: bool = False  # cells may hold marked invalid UTF-8 (textstream)

    @property
    def num_rows(self) -> int:
        return len(self.rows)


class Source(Protocol):
    names: list[str]  # normalized column names in file order

    def batches(self, wanted: Sequence[str]) -> Iterator[SourceBatch]: ...

    @property
    def bytes_read(self) -> int: ...

    @property
    def expected_rows(self) -> int:
        """Rows in the file, counted independently of the batches (once they are all read)."""
        ...

    def close(self) -> None: ...


__all__ = ["Source", "SourceBatch", "check_header", "normalize_name"]
