"""Chunked table writers with fixed settings, so the same data gives byte-identical files.

Parquet files are written without the embedded Arrow schema: dictionary-encoded columns then
read back as plain strings, which is what a state's extract holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = ("parquet", "csv", "psv")
DELIMITERS = {"csv": ",", "psv": "|"}
STATISTICS_COLUMNS = ("row", "SUBMTG_STATE_CD", "MSIS_IDENT_NUM")


class TableWriter:
    """Writes a stream of tables with one schema to one file; opened on the first table."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self.rows = 0
        self._writer: Any = None
        self._dictionaries: dict[str, Any] = {}

    def _open(self, schema: Any) -> Any:
        if self.fmt == "parquet":
            dictionary_columns = [f.name for f in schema if pa.types.is_dictionary(f.type)]
            return pq.ParquetWriter(
                self.path,
                schema,
                compression="zstd",
                compression_level=1,
                use_dictionary=dictionary_columns,
                store_schema=False,
                # Statistics on the key columns only: on all 44 they cost a third of the write.
                write_statistics=[n for n in STATISTICS_COLUMNS if n in schema.names],
            )
        options = pacsv.WriteOptions(include_header=True, delimiter=DELIMITERS[self.fmt])
        return pacsv.CSVWriter(self.path, schema, write_options=options)

    def write(self, table: Any) -> None:
        if self._writer is None:
            self._writer = self._open(table.schema)
            self._dictionaries = {
                name: col.chunk(0).dictionary
                for name, col in zip(table.column_names, table.columns, strict=True)
                if pa.types.is_dictionary(col.type) and col.num_chunks
            }
        self._writer.write_table(self._same_dictionaries(table))
        self.rows += table.num_rows

    def _same_dictionaries(self, table: Any) -> Any:
        """Re-point each dictionary column at the first chunk's equal dictionary object.

        A chunk from a worker process arrives with fresh (equal) dictionary objects; the
        Parquet writer only keeps writing indices directly when the dictionary is the same
        object, and otherwise falls back to plain encoding (slower, files twice the size).
        """
        columns = []
        for name, col in zip(table.column_names, table.columns, strict=True):
            known = self._dictionaries.get(name)
            if known is not None and col.num_chunks:
                chunks = [
                    pa.DictionaryArray.from_arrays(c.indices, known)
                    if c.dictionary.equals(known)
                    else c
                    for c in col.chunks
                ]
                col = pa.chunked_array(chunks, col.type)
            columns.append(col)
        return pa.table(columns, names=table.column_names)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
