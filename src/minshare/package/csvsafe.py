"""CSV injection ("formula injection") neutralization, the OWASP way.

A spreadsheet that opens ``records.csv`` runs a cell starting with ``=``, ``+``, ``-``, ``@``,
TAB (0x09) or CR (0x0D) as a formula (``=HYPERLINK(...)`` can exfiltrate the sheet). Such a cell
gets a leading single quote ``'``, which spreadsheets show as text. Quoting ``"``, the delimiter
and line breaks is the CSV writer's job and is done for every string cell.

The trade-off: a leading ``-`` or ``+`` is also legitimate data (a negative number, a phone number
written ``+1 ...``), which then reads ``'-2`` in the CSV. OWASP recommends the prefix anyway, and
minshare follows it: the CSV is for people with spreadsheets; ``records.parquet`` carries every
value untouched for programs. Only string columns are rewritten: dates are written ISO
(``2026-02-01``) and numbers as numbers, which a spreadsheet cannot run.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
# A character class of FORMULA_STARTS (RE2 syntax, used by pyarrow).
FORMULA_PATTERN = r"^[=+\-@\t\r]"


def is_text(type_: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(type_)
        or pa.types.is_large_string(type_)
        or pa.types.is_string_view(type_)
    )


def formula_mask(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """True where a cell would start a formula; null cells are False."""
    mask = pc.match_substring_regex(values, FORMULA_PATTERN)
    return pc.fill_null(mask, False)


def neutralize(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix ``'`` to every cell that starts like a formula; other cells and nulls unchanged."""
    mask = formula_mask(values)
    if not pc.any(mask).as_py():  # the usual case: no copy
        return values
    escaped = pc.utf8_replace_slice(values, start=0, stop=0, replacement=ESCAPE)
    return pc.if_else(mask, escaped, values)


def neutralize_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with every string column neutralized (other columns as they are)."""
    columns = [neutralize(col) if is_text(col.type) else col for col in batch.columns]
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)
