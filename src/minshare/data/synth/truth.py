"""The truth table: one row per enrollment row, with the person's true status and case labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from minshare.data.codes import STATUS_CLASS, StatusCategory
from minshare.data.synth import coded
from minshare.data.synth.adversarial import LABELS
from minshare.data.synth.arrow import dictionary
from minshare.data.synth.rand import I64, Arr, Bool

Frame = dict[str, Arr]

_LABEL_ARRAY = pa.array(list(LABELS), pa.string())
# Categories a citizen co-resident must be protected from: anything not clearly lawful.
_UNCLEAR = np.array([STATUS_CLASS[c] != "clearly lawful" for c in coded.CATEGORIES], np.bool_)

SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("SUBMTG_STATE_CD", pa.string()),
        ("MSIS_IDENT_NUM", pa.string()),
        ("status_category", pa.string()),
        ("cases", pa.list_(pa.string())),
    ]
)


def mixed_status(g: Frame) -> Bool:
    """Rows in a household with a citizen and a member whose status is not clearly lawful."""
    hh = g["hh"]
    n_hh = int(hh.max()) + 1 if len(hh) else 0
    citizen = g["category"] == coded.cat(StatusCategory.CITIZEN)
    unclear = _UNCLEAR[g["category"]]
    has_citizen = np.bincount(hh, weights=citizen, minlength=n_hh) > 0
    has_unclear = np.bincount(hh, weights=unclear, minlength=n_hh) > 0
    out: Bool = (has_citizen & has_unclear)[hh]
    return out


def build(g: Frame, labels: dict[str, Bool], first_row: int, state: Any, msis_ids: Any) -> Any:
    labels["mixed_status_household"] = mixed_status(g)
    matrix = np.column_stack([labels[label] for label in LABELS])
    _, cols = np.nonzero(matrix)
    offsets = np.zeros(len(matrix) + 1, np.int32)
    np.cumsum(matrix.sum(axis=1), out=offsets[1:])
    cases = pa.ListArray.from_arrays(pa.array(offsets), _LABEL_ARRAY.take(pa.array(cols)))
    n = len(matrix)
    return pa.table(
        [
            pa.array(np.arange(first_row, first_row + n, dtype=np.int64)),
            state,
            msis_ids,
            dictionary(g["category"], coded.STATUS),
            cases,
        ],
        names=SCHEMA.names,
    )


def counts(labels: dict[str, Bool]) -> I64:
    return np.array([int(labels[label].sum()) for label in LABELS], np.int64)
