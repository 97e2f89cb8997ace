"""Reading input tables: the public entry points.

Inputs are Parquet, CSV, pipe-delimited (``.psv``), or either text form gzip'd (``.csv.gz``,
``.psv.gz``); the format comes from the extension, and a ``delimiter`` makes any file
delimited text. Files stream as Arrow record batches, so memory stays bounded as inputs grow.

What a reader guarantees:

* Column names are case-insensitive (whitespace and a UTF-8 BOM stripped). Every required
  column of the model must be present (:class:`~minshare.errors.MissingColumnError` names all
  that are not); optional model columns that are absent come out all-null, so every batch has
  the full model schema. Unknown columns are carried as strings and are *unclassified*: never
  disclosable.
* Strings and codes are trimmed, empty means null; dates become ``date32`` from a Parquet
  DATE/TIMESTAMP, ``YYYY-MM-DD`` or ``YYYYMMDD``, with dates before 1600 set to 1599-12-31 as
  TAF does.
* TAF cleaning: ``IMGRTN_STUS_CD`` 8 becomes 0; state codes are zero-padded and the alternate
  submitter codes 93/94/96/97 become 56/30/19/42; one-digit values of two-digit code lists are
  zero-padded. A value outside its code list is kept and flagged in ``_MS_FLAGS``.
* A row that cannot be read or typed (wrong column count, invalid UTF-8, an impossible date, an
  empty key) goes to quarantine with its file, physical line, row number and reasons; see
  :mod:`minshare.data.quarantine`. rows read = rows accepted + rows quarantined, checked by the
  reader. Blank lines (nothing but whitespace and delimiters) are counted, never rows.

Columns whose names start with ``_MS_`` are minshare-internal (lineage and flags):
``_MS_FLAGS`` (list of flag texts such as ``"IMGRTN_STUS_CD=4: outside code list"``),
``_MS_FILE``, ``_MS_ROW`` (1-based record number in the file) and ``_MS_LINE`` (the physical
line the record starts on, header = line 1; null for Parquet). They are never disclosable, and an
input file may not contain such a column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from minshare.data.clean import FILE, FLAGS, INTERNAL_PREFIX, LINE, ROW
from minshare.data.load import LoadResult, Progress, load_table
from minshare.data.model import Table
from minshare.data.quarantine import QUARANTINE_SCHEMA, Reason
from minshare.data.reader import DEFAULT_BATCH_ROWS, ReadCounts, TableReader


def open_table(
    path: Path,
    table: Table | str,
    *,
    delimiter: str | None = None,
    columns: Sequence[str] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> TableReader:
    """Open one input file of ``table`` for streaming.

    ``columns`` projects: only those columns plus the keys are read and returned (a Parquet
    file reads nothing else; a text file must still be split into every column). Problems are
    found only in the columns read. The result is a context manager and a once-only iterable
    of cleaned ``pa.RecordBatch`` of at most ``batch_rows`` rows, all with ``.schema``.
    """
    return TableReader(path, table, delimiter=delimiter, columns=columns, batch_rows=batch_rows)


__all__ = [
    "FILE",
    "FLAGS",
    "INTERNAL_PREFIX",
    "LINE",
    "QUARANTINE_SCHEMA",
    "ROW",
    "LoadResult",
    "Progress",
    "ReadCounts",
    "Reason",
    "TableReader",
    "load_table",
    "open_table",
]
