"""Parquet input, read a record batch at a time and only for the columns asked for."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from minshare.data.sources import SourceBatch, check_header, normalize_name
from minshare.errors import DataError


class ParquetSource:
    def __init__(self, path: Path, batch_rows: int) -> None:
        self._source = str(path)
        self._size = path.stat().st_size
        self._batch_rows = batch_rows
        self._rows_done = 0
        try:
            self._file = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"not a readable Parquet file: {exc}", file=self._source) from exc
        self._physical = list(self._file.schema_arrow.names)
        self.names = [normalize_name(n) for n in self._physical]
        check_header(self.names, self._source)
        self._total_rows = max(int(self._file.metadata.num_rows), 1)

    @property
    def bytes_read(self) -> int:
        # Parquet is read by column chunk, not front to back; the row fraction is near enough.
        return self._size * self._rows_done // self._total_rows

    @property
    def expected_rows(self) -> int:
        return int(self._file.metadata.num_rows)

    def close(self) -> None:
        self._file.close()

    def batches(self, wanted: Sequence[str]) -> Iterator[SourceBatch]:
        picked = [(p, n) for p, n in zip(self._physical, self.names, strict=True) if n in wanted]
        try:
            for batch in self._file.iter_batches(
                batch_size=self._batch_rows, columns=[p for p, _ in picked], use_threads=True
            ):
                n = batch.num_rows
                first = self._rows_done + 1
                self._rows_done += n
                yield SourceBatch(
                    columns={name: batch.column(i) for i, (_, name) in enumerate(picked)},
                    rows=np.arange(first, first + n, dtype=np.int64),
                    lines=None,
                    raw=_RawJson(batch),
                )
        except (pa.ArrowException, OSError) as exc:
            raise DataError(
                f"cannot read the file after row {self._rows_done}: {exc}", file=self._source
            ) from exc


class _RawJson:
    """A Parquet row as JSON, for quarantine; undecodable bytes shown as escapes."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self._batch = batch

    def __call__(self, rows: Sequence[int]) -> list[str]:
        taken = self._batch.take(pa.array(rows, pa.int64()))
        # Text is turned into bytes first: Arrow does not check that Parquet text is UTF-8, and
        # the row being quarantined may be exactly the one whose bytes are not.
        columns = [_as_bytes(c) for c in taken.columns]
        records = pa.RecordBatch.from_arrays(columns, names=taken.schema.names).to_pylist()
        return [json.dumps(r, default=_show, ensure_ascii=False) for r in records]


def _as_bytes(column: pa.Array) -> pa.Array:
    if pa.types.is_string(column.type):
        return column.cast(pa.binary())
    if pa.types.is_large_string(column.type):
        return column.cast(pa.large_binary())
    return column


def _show(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    return str(value)


__all__ = ["ParquetSource"]
