"""Typing and TAF cleaning of one batch, vectorized; problems become quarantine entries.

Cleaning follows what CMS does when it builds TAF (BSF_Metadata cleansers), with one deliberate
difference: a code outside its list is kept and flagged, where TAF masks it to null. Masking
would hide exactly the unknown values (a new immigration status "4") that must be withheld.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from minshare.data import model, states
from minshare.data.cells import as_text, blank_to_null, is_temporal, quoted
from minshare.data.dates import floor_dates, parse_dates
from minshare.data.model import Column, DType
from minshare.data.quarantine import Problem, QuarantinedRow, Reason
from minshare.data.sources import SourceBatch
from minshare.errors import DataError

Bools = npt.NDArray[np.bool_]

# Columns minshare adds. Anything starting with INTERNAL_PREFIX is minshare-internal lineage or
# diagnostics and is never disclosable; no order can name it.
INTERNAL_PREFIX = "_MS_"
FLAGS = "_MS_FLAGS"
FILE = "_MS_FILE"
ROW = "_MS_ROW"
LINE = "_MS_LINE"
INTERNAL_FIELDS = (
    pa.field(FLAGS, pa.list_(pa.string()), nullable=False),
    pa.field(FILE, pa.dictionary(pa.int32(), pa.string()), nullable=False),
    pa.field(ROW, pa.int64(), nullable=False),
    pa.field(LINE, pa.int64()),
)

STATE = "SUBMTG_STATE_CD"
# TAF cleanImmigrationStatusCd: 8 ("not applicable: citizen or national") is stored as 0.
RECODES: dict[str, dict[str, str]] = {"IMGRTN_STUS_CD": {"8": "0"}}
_STATE_CODES = pa.array(sorted(states.STATES))
_ALT_FROM = pa.array(list(states.ALTERNATE_SUBMITTER))
_ALT_TO = pa.array(list(states.ALTERNATE_SUBMITTER.values()))
_VALUE_IN_FLAG = 32  # a flag names the value; cap it so a stray free-text cell stays short


def arrow_type(col: Column) -> pa.DataType:
    return pa.date32() if col.dtype is DType.DATE else pa.string()


def output_schema(cols: list[Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c)) for c in cols] + list(INTERNAL_FIELDS))


@dataclass
class Typed:
    """One column typed and cleaned, with the rows it condemns and the values it flags."""

    values: pa.Array
    bad: Bools | None = None
    problems: list[Problem] = field(default_factory=list)  # one per True in bad, in order
    flags: pa.Array | None = None  # flag text per row, null where nothing to flag


@dataclass
class Cleaned:
    batch: pa.RecordBatch
    quarantined: list[QuarantinedRow]
    flags: Counter[str]


class Cleaner:
    """Turns source batches of one file into accepted batches of a fixed schema."""

    def __init__(self, table: model.Table, cols: list[Column], source_file: str) -> None:
        self.table = table
        self.cols = cols
        self.schema = output_schema(cols)
        self._by_name = {c.name: c for c in cols}
        self._source = source_file
        self._file = pa.array([source_file], pa.string())

    def clean(self, sb: SourceBatch) -> Cleaned:
        n = sb.num_rows
        try:
            typed = {
                name: type_column(self._by_name[name], arr, sb.marks_possible)
                for name, arr in sb.columns.items()
                if name in self._by_name
            }
        except DataError as exc:
            raise DataError(exc.message, file=self._source, field=exc.location.field) from exc
        for key in model.KEY:
            if key in typed:
                typed[key] = _require(typed[key], key)
        bad = np.zeros(n, np.bool_)
        for t in typed.values():
            if t.bad is not None:
                bad |= t.bad
        quarantined = self._quarantine(sb, typed, bad) if bad.any() else []
        keep = ~bad
        flag_cols = [(name, t.flags) for name, t in typed.items() if t.flags is not None]
        counts: Counter[str] = Counter()
        for name, flags in flag_cols:
            hit = int(np.count_nonzero(flags.is_valid().to_numpy(zero_copy_only=False) & keep))
            if hit:
                counts[name] = hit
        arrays: list[pa.Array] = []
        for f in self.schema:
            if f.name in typed:
                arrays.append(typed[f.name].values)
            elif f.name == FLAGS:
                arrays.append(_flag_lists(n, [flags for _, flags in flag_cols]))
            elif f.name == FILE:
                arrays.append(
                    pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), self._file)
                )
            elif f.name == ROW:
                arrays.append(pa.array(sb.rows, pa.int64()))
            elif f.name == LINE:
                arrays.append(
                    pa.nulls(n, pa.int64()) if sb.lines is None else pa.array(sb.lines, pa.int64())
                )
            else:
                arrays.append(pa.nulls(n, f.type))
        batch = pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        if not keep.all():
            batch = batch.filter(pa.array(keep))
        return Cleaned(batch, quarantined, counts)

    def _quarantine(
        self, sb: SourceBatch, typed: dict[str, Typed], bad: Bools
    ) -> list[QuarantinedRow]:
        per_row: dict[int, list[Problem]] = {int(i): [] for i in np.flatnonzero(bad)}
        # File column order, so the first problem listed is the leftmost one on the line.
        for name in sb.columns:
            t = typed.get(name)
            if t is None or t.bad is None:
                continue
            for i, problem in zip(np.flatnonzero(t.bad), t.problems, strict=True):
                per_row[int(i)].append(problem)
        raws = sb.raw(list(per_row))
        return [
            QuarantinedRow(
                None if sb.lines is None else int(sb.lines[i]),
                int(sb.rows[i]),
                tuple(problems),
                raw,
            )
            for (i, problems), raw in zip(per_row.items(), raws, strict=True)
        ]


def type_column(col: Column, arr: pa.Array, marks_possible: bool) -> Typed:
    """One raw column as the model's type: trimmed text (empty is null), a code cleaned and
    checked against its list, or a date."""
    if col.dtype is DType.DATE and is_temporal(arr.type):
        return Typed(floor_dates(pc.cast(arr, pa.date32())))
    text, invalid = as_text(col.name, arr, marks_possible)
    text = blank_to_null(pc.utf8_trim_whitespace(text))
    if col.dtype is DType.DATE:
        typed = Typed(*parse_dates(col.name, text))
    elif col.dtype is DType.CODE:
        typed = _clean_code(col, text)
    else:
        typed = Typed(text)
    if invalid is None:
        return typed
    # Invalid cells were typed as null, so no other check can have condemned them.
    mask, shown = invalid
    problems = [
        Problem(Reason.INVALID_UTF8, col.name, f"{col.name}: {quoted(v)} is not valid UTF-8")
        for v in shown
    ]
    return _add_problems(typed, mask, problems)


def _require(t: Typed, name: str) -> Typed:
    """Key columns must have a value; an empty one quarantines the row."""
    missing = pc.is_null(t.values).to_numpy(zero_copy_only=False)
    if t.bad is not None:
        missing &= ~t.bad  # the cell already has a problem (invalid UTF-8, say)
    if not missing.any():
        return t
    problem = Problem(Reason.MISSING_KEY, name, f"{name} is empty (every row needs it)")
    return _add_problems(t, missing, [problem] * int(missing.sum()))


def _add_problems(t: Typed, mask: Bools, problems: list[Problem]) -> Typed:
    """Add problems for rows not yet condemned by this column, keeping row order."""
    if t.bad is None:
        return Typed(t.values, mask, problems, t.flags)
    new_iter, old_iter = iter(problems), iter(t.problems)
    both = t.bad | mask
    merged = [next(new_iter) if mask[i] else next(old_iter) for i in np.flatnonzero(both)]
    return Typed(t.values, both, merged, t.flags)


def _clean_code(col: Column, text: pa.Array) -> Typed:
    if col.name == STATE:
        # states.normalize_state_code, vectorized: zero-pad, then remap alternate submitters.
        text = pc.utf8_lpad(text, 2, "0")
        alt = pc.index_in(text, value_set=_ALT_FROM)
        text = pc.if_else(pc.is_valid(alt), pc.take(_ALT_TO, alt), text)
        return Typed(text, flags=_flag(col.name, text, _STATE_CODES, "unknown state"))
    if col.codes is None:
        return Typed(text)
    codes = list(col.codes.codes)
    if all(len(c) == 2 and c.isdigit() for c in codes):
        one_digit = pc.match_substring_regex(text, r"^\d$").fill_null(False)
        text = pc.if_else(one_digit, pc.utf8_lpad(text, 2, "0"), text)
    for old, new in RECODES.get(col.name, {}).items():
        text = pc.if_else(pc.equal(text, old).fill_null(False), new, text)
    return Typed(text, flags=_flag(col.name, text, pa.array(codes), "outside code list"))


def _flag(name: str, text: pa.Array, allowed: pa.Array, why: str) -> pa.Array | None:
    outside = pc.and_(pc.is_valid(text), pc.invert(pc.is_in(text, value_set=allowed)))
    if not pc.any(outside).as_py():
        return None
    shown = pc.utf8_slice_codeunits(text, 0, _VALUE_IN_FLAG)
    message = pc.binary_join_element_wise(f"{name}=", shown, f": {why}", "")
    return pc.if_else(outside, message, pa.scalar(None, pa.string()))


def _flag_lists(n: int, flags: list[pa.Array]) -> pa.Array:
    """Per row, the list of its flags (usually empty), built without a Python loop."""
    present = [f for f in flags if f is not None]
    if not present:
        return pa.ListArray.from_arrays(
            pa.array(np.zeros(n + 1, np.int32)), pa.array([], pa.string())
        )
    valid = np.column_stack([f.is_valid().to_numpy(zero_copy_only=False) for f in present])
    offsets = np.concatenate([[0], np.cumsum(valid.sum(axis=1))]).astype(np.int32)
    rows, ks = np.nonzero(valid)  # row-major: a row's flags stay together, in column order
    values = pa.concat_arrays(present).take(pa.array(ks * n + rows))
    return pa.ListArray.from_arrays(pa.array(offsets), values)


__all__ = [
    "FILE",
    "FLAGS",
    "INTERNAL_FIELDS",
    "INTERNAL_PREFIX",
    "LINE",
    "RECODES",
    "ROW",
    "Cleaned",
    "Cleaner",
    "arrow_type",
    "output_schema",
    "type_column",
]
