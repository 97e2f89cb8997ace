"""The determinations table: each person's status determinations over time (0..n rows).

Dates are built so the two determination labels are exact: a person's rows fall on strictly
different days, and the latest is on or after ``STALE_CUTOFF`` (at most 365 days before
``STALE_REFERENCE``) unless the person was planted ``determination_stale``; only people planted
``determination_conflict`` have two different categories on one day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minshare.data import model
from minshare.data.codes import DeterminationSource as D
from minshare.data.codes import StatusCategory as S
from minshare.data.synth import coded, dates, ids
from minshare.data.synth.arrow import dictionary, nulls, padded
from minshare.data.synth.rand import (
    I64,
    Arr,
    bern,
    choice,
    choice_by_class,
    uniform_int,
    weight_table,
)

Frame = dict[str, Arr]

_CUTOFF = dates.day(dates.STALE_CUTOFF)
_AS_OF = dates.day(dates.AS_OF)
_STALE_FROM = dates.day(dt.date(2024, 2, 1))

# Earlier determinations of non-citizens: what a case file shows before the current status.
_EARLIER = [
    (S.UNKNOWN, 35),
    (S.ASYLUM_PENDING, 20),
    (S.PAROLE_LT_1Y, 15),
    (S.NONIMMIGRANT, 15),
    (S.UNLAWFULLY_PRESENT, 15),
]
_EARLIER_IDS = np.array([coded.cat(c) for c, _ in _EARLIER], np.int64)
_EARLIER_W = [w for _, w in _EARLIER]
_CONFLICT_WITH_UNLAWFUL = np.array(
    [coded.cat(c) for c in (S.DACA, S.ASYLUM_PENDING, S.TPS, S.PAROLE_LT_1Y)], np.int64
)

# Evidence source weights by category class: citizen, unlawfully present, unknown, other.
_SOURCE_TABLE = weight_table(
    [
        {D.STATE_RECORD: 70, D.SELF_ATTESTATION: 30},
        {D.SAVE: 35, D.STATE_RECORD: 25, D.SELF_ATTESTATION: 40},
        {D.STATE_RECORD: 30, D.SELF_ATTESTATION: 70},
        {D.SAVE: 50, D.USCIS_DOCUMENT: 40, D.STATE_RECORD: 10},
    ],
    [s.value for s in coded.SOURCES],
)


def plan(rng: np.random.Generator, f: Frame) -> None:
    """How many determinations each person has (needed before cases are planted)."""
    n = len(f["state"])
    citizen_rows = bern(rng, 0.25, n).astype(np.int64)
    noncitizen_rows = np.where(bern(rng, 0.85, n), 1 + choice(rng, n, [0.55, 0.30, 0.15]), 0)
    f["n_det"] = np.where(f["citizen"], citizen_rows, noncitizen_rows)


def _source_class(category: I64) -> I64:
    return np.select(
        [
            category == coded.cat(S.CITIZEN),
            category == coded.cat(S.UNLAWFULLY_PRESENT),
            category == coded.cat(S.UNKNOWN),
        ],
        [0, 1, 2],
        default=3,
    ).astype(np.int64)


def build(rng: np.random.Generator, f: Frame, msis_ids: Any, salt: ids.Salts) -> Any:
    """The chunk's determination rows, ordered by person then date."""
    n = len(f["state"])
    n_det = np.where(f["id_kind"] == ids.ID_MISSING, 0, f["n_det"])
    stale = f["det_stale"]
    latest = np.where(
        stale,
        uniform_int(rng, _STALE_FROM, _CUTOFF, n),
        uniform_int(rng, _CUTOFF, _AS_OF + 1, n),
    )
    gap = uniform_int(rng, 30, 201, n)

    person = np.repeat(np.arange(n, dtype=np.int64), n_det)
    first = np.cumsum(n_det) - n_det
    steps = n_det[person] - 1 - (np.arange(len(person)) - first[person])
    m = len(person)
    # The jitter stays below the gap, so a person's days are strictly decreasing.
    day = latest[person] - steps * gap[person] - np.where(steps > 0, uniform_int(rng, 0, 10, m), 0)
    category = np.where(steps == 0, f["category"][person], _EARLIER_IDS[choice(rng, m, _EARLIER_W)])

    conflict = np.flatnonzero(f["det_conflict"] & (n_det > 0))
    true_cat = f["category"][conflict]
    other = np.where(
        true_cat == coded.cat(S.UNLAWFULLY_PRESENT),
        _CONFLICT_WITH_UNLAWFUL[uniform_int(rng, 0, len(_CONFLICT_WITH_UNLAWFUL), len(conflict))],
        coded.cat(S.UNLAWFULLY_PRESENT),
    )
    person = np.concatenate([person, conflict])
    day = np.concatenate([day, latest[conflict]])
    category = np.concatenate([category, other])
    order = np.lexsort((rng.random(len(person)), day, person))
    person, day, category = person[order], day[order], category[order]

    m = len(person)
    source = choice_by_class(rng, _source_class(category), _SOURCE_TABLE)
    seq = np.arange(m) - np.searchsorted(person, person)
    case = ids.case_numbers(f["household"][person], salt)
    evidence = pc.binary_join_element_wise("CASE-", case, "/DOC-", padded(seq + 1, 3), "")
    vocab = dates.determined()
    columns = {
        "SUBMTG_STATE_CD": dictionary(f["state"][person], coded.SUBMITTER),
        "MSIS_IDENT_NUM": msis_ids.take(pa.array(person)),
        "STATUS_CATEGORY": dictionary(category, coded.STATUS),
        "DETERMINATION_SOURCE": dictionary(source, coded.SOURCE),
        "DETERMINED_ON": dictionary(vocab.index(day, bern(rng, 0.04, m)), vocab.vocab),
        "EVIDENCE_REF": nulls(evidence, bern(rng, 0.08, m)),
    }
    names = [c.name for c in model.DETERMINATIONS]
    return pa.table([columns[name] for name in names], names=names)
