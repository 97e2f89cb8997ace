"""One chunk of the run: people, planted cases, and the three tables built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from minshare.data.synth import adversarial, determinations, enrollment, ids, people, truth
from minshare.data.synth.facilities import Sites
from minshare.data.synth.rand import I64, STREAM_CHUNK, rng_for

# Fields used only before duplicate copies are inserted (planting, determinations).
_BASE_ONLY = frozenset(
    {"adult", "age", "pos", "hh_first", "n_det", "det_conflict", "det_stale", "citizen", "id_kind"}
)


@dataclass(frozen=True)
class Chunk:
    enrollment: Any
    determinations: Any
    truth: Any
    case_counts: I64  # rows carrying each label, in adversarial.LABELS order


def generate(seed: int, index: int, first_row: int, n_rows: int, sites: Sites) -> Chunk:
    """Rows [first_row, first_row + n_rows) of the run; depends on nothing but its arguments."""
    rng = rng_for(seed, index, STREAM_CHUNK)
    n_exact, n_conflicting = adversarial.duplicate_counts(n_rows)
    n_base = n_rows - n_exact - n_conflicting

    f = people.generate(rng, n_base)
    # Global numbers make IDs unique across chunks: base rows never exceed the chunk's rows.
    f["person"] = first_row + np.arange(n_base, dtype=np.int64)
    f["household"] = first_row + f["hh_first"]
    f["submitter"] = f["state"].copy()
    f["id_kind"] = np.zeros(n_base, np.int64)
    for name in ("dob_bad", "eff_bad"):
        f[name] = np.full(n_base, -1, np.int64)
    for name in ("det_conflict", "det_stale"):
        f[name] = np.zeros(n_base, np.bool_)
    determinations.plan(rng, f)

    flags, src, copies = adversarial.plant(rng, f, sites, n_exact, n_conflicting)
    salt = ids.salts(seed)
    base_ids = ids.msis_ids(f, salt)
    det = determinations.build(rng, f, base_ids, salt)

    g = {name: values[src] for name, values in f.items() if name not in _BASE_ONLY}
    adversarial.move_conflicting_copies(rng, g, copies)
    labels = {name: values[src] for name, values in flags.items()}
    row_ids = base_ids.take(pa.array(src))
    enr = enrollment.assemble(g, row_ids, salt)
    tru = truth.build(g, labels, first_row, enr.column("SUBMTG_STATE_CD"), row_ids)
    return Chunk(enr, det, tru, truth.counts(labels))
