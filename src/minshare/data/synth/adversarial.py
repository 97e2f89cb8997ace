"""Planting the adversarial cases, all vectorized: each case is an index change on chosen rows.

Rows are chosen per chunk, at ``RATES`` of the chunk's rows but at least ``MIN_PER_CHUNK`` of
each, so even a tiny run carries every case. The cases that change enrollment columns go to
disjoint rows, so each planted row's label says exactly what was done to it. The meaning of
every label is documented in ``minshare.data.synth``.
"""

from __future__ import annotations

import numpy as np

from minshare.data.synth import addresses, coded, dates, ids, lexicon
from minshare.data.synth.facilities import Sites
from minshare.data.synth.rand import I64, Arr, Bool, pick, uniform_int, within
from minshare.data.synth.vocab import Vocab

Frame = dict[str, Arr]

LABELS: tuple[str, ...] = (
    "facility_address_registry",
    "facility_words",
    "facility_phone",
    "icd_in_address",
    "msis_id_is_ssn",
    "msis_id_ssn_shaped",
    "determination_conflict",
    "determination_stale",
    "inconsistent_codes",
    "unknown_code",
    "duplicate_exact",
    "duplicate_conflicting",
    "bad_date",
    "formula_text",
    "unicode_lookalike",
    "mixed_status_household",
    "missing_id",
    "alternate_state_code",
    "unpadded_state_code",
)

# Share of a chunk's rows planted with each case (together a few percent).
RATES: dict[str, float] = {
    "facility_address_registry": 0.002,
    "facility_words": 0.003,
    "facility_phone": 0.002,
    "icd_in_address": 0.001,
    "msis_id_is_ssn": 0.003,
    "msis_id_ssn_shaped": 0.002,
    "determination_conflict": 0.001,
    "determination_stale": 0.002,
    "inconsistent_codes": 0.001,
    "unknown_code": 0.0015,
    "duplicate_exact": 0.001,
    "duplicate_conflicting": 0.001,
    "bad_date": 0.001,
    "formula_text": 0.0005,
    "unicode_lookalike": 0.001,
    "missing_id": 0.0002,
}
# Share of the eligible rows (states that have such a code) recoded.
ALTERNATE_STATE_RATE = 0.05
UNPADDED_STATE_RATE = 0.005
MIN_PER_CHUNK = 2


def count(label: str, n: int) -> int:
    return max(MIN_PER_CHUNK, round(RATES[label] * n))


def duplicate_counts(n_rows: int) -> tuple[int, int]:
    """Exact and conflicting duplicate copies in a chunk of n_rows (copies are extra rows)."""
    cap = max(0, (n_rows - 1) // 4)
    exact = min(count("duplicate_exact", n_rows), cap // 2)
    return exact, min(count("duplicate_conflicting", n_rows), cap - exact)


class _Planter:
    def __init__(self, rng: np.random.Generator, f: Frame) -> None:
        self.rng = rng
        self.f = f
        self.n = len(f["state"])
        self.used = np.zeros(self.n, np.bool_)
        self.flags = {label: np.zeros(self.n, np.bool_) for label in LABELS}

    def take(self, label: str, candidates: Bool | None = None, k: int | None = None) -> I64:
        free = ~self.used if candidates is None else candidates & ~self.used
        rows = pick(self.rng, free, count(label, self.n) if k is None else k)
        self.used[rows] = True
        self.flags[label][rows] = True
        return rows

    def section(self, vocab: Vocab, name: str, k: int) -> I64:
        return vocab.start(name) + uniform_int(self.rng, 0, vocab.size(name), k)

    def split(self, rows: I64, weights: list[float]) -> list[I64]:
        which = np.searchsorted(np.cumsum(weights), self.rng.random(len(rows)) * sum(weights))
        return [rows[which == i] for i in range(len(weights))]


def plant(
    rng: np.random.Generator, f: Frame, sites: Sites, n_exact: int, n_conflicting: int
) -> tuple[dict[str, Bool], I64, Bool]:
    """Plant every case into the chunk's base rows, in place.

    Returns the per-row labels, the row order with duplicate copies inserted (``src``: output
    row -> base row), and which output rows are conflicting copies (their address must change).
    """
    p = _Planter(rng, f)
    # Duplicate sources first: they must exist for the chunk to reach its row count.
    sources = p.take("duplicate_exact", k=n_exact + n_conflicting)
    conflicting = sources[n_exact:]
    p.flags["duplicate_exact"][conflicting] = False
    p.flags["duplicate_conflicting"][conflicting] = True

    _facilities(p, sites)
    _text(p)
    _identifiers(p)
    _codes(p)
    _dates(p)
    _determinations(p)
    _state_codes(p)

    # Half the copies sit next to their original (a sorted extract), half anywhere.
    adjacent = rng.random(len(sources)) < 0.5
    at = np.where(adjacent, sources + 1, uniform_int(rng, 0, p.n + 1, len(sources)))
    src = np.insert(np.arange(p.n, dtype=np.int64), at, sources)
    marker = np.zeros(len(sources), np.bool_)
    marker[n_exact:] = True
    copy_conflicting = np.insert(np.zeros(p.n, np.bool_), at, marker)
    return p.flags, src.astype(np.int64), copy_conflicting


def _facilities(p: _Planter, sites: Sites) -> None:
    f, rng = p.f, p.rng
    rows = p.take("facility_address_registry")
    state = f["state"][rows]
    j = within(rng, sites.start[state], sites.count[state])
    up = f["upper"][rows].astype(np.int64)
    f["house"][rows] = sites.house[j]
    f["street"][rows] = sites.street[j] + up * lexicon.STREET_UPPER
    f["city"][rows] = sites.city[j] + up * lexicon.CITY_UPPER
    f["zip5"][rows] = sites.zip5[j]
    f["zip4"][rows] = np.where(rng.random(len(rows)) < 0.3, sites.zip4[j], -1)
    room = rng.random(len(rows)) < 0.4
    f["unit"][rows] = np.where(room, p.section(lexicon.LINE2, "resident_room", len(rows)), -1)
    f["line3"][rows] = -1

    rows = p.take("facility_phone")
    state = f["state"][rows]
    j = within(rng, sites.start[state], sites.count[state])
    f["area"][rows] = sites.area[j]
    f["exch"][rows] = sites.exch[j]
    f["line"][rows] = sites.line[j]
    f["phone"][rows] = True

    home, mail = p.split(p.take("facility_words"), [0.7, 0.3])
    f["unit"][home] = p.section(lexicon.LINE2, "facility_words", len(home))
    f["mail_kind"][mail] = addresses.MAIL_SAME
    f["mail_unit"][mail] = p.section(lexicon.LINE2, "care_of", len(mail))


def _text(p: _Planter) -> None:
    f, rng = p.f, p.rng
    line2, line3, line1 = p.split(p.take("icd_in_address"), [0.5, 0.25, 0.25])
    f["unit"][line2] = p.section(lexicon.LINE2, "icd", len(line2))
    f["line3"][line3] = p.section(lexicon.LINE3, "icd", len(line3))
    f["line1_suffix"][line1] = uniform_int(rng, 0, len(lexicon.ICD_LINE1_SUFFIX), len(line1))

    line2, line3, line1 = p.split(p.take("formula_text"), [0.4, 0.3, 0.3])
    f["unit"][line2] = p.section(lexicon.LINE2, "formula", len(line2))
    f["line3"][line3] = p.section(lexicon.LINE3, "formula", len(line3))
    f["line1_formula"][line1] = uniform_int(rng, 0, len(lexicon.FORMULAS), len(line1))

    street, zip_code = p.split(p.take("unicode_lookalike"), [0.6, 0.4])
    f["street"][street] = p.section(lexicon.STREET, "lookalike", len(street))
    f["zip_fullwidth"][zip_code] = True


def _identifiers(p: _Planter) -> None:
    f = p.f
    f["id_kind"][p.take("msis_id_is_ssn", f["ssn_present"])] = ids.ID_IS_SSN
    f["id_kind"][p.take("msis_id_ssn_shaped")] = ids.ID_SSN_SHAPED
    f["id_kind"][p.take("missing_id")] = ids.ID_MISSING


def _codes(p: _Planter) -> None:
    f, rng = p.f, p.rng
    citizen = f["citizen"]
    k = count("inconsistent_codes", p.n)
    # Citizen flag on an emergency-only non-citizen; code 3 on a citizen; code 8 on a
    # non-citizen. Each contradicts the T-MSIS coding rules (medicaid-data.md §3).
    emergency = f["imm"] == coded.IMM_EMERGENCY
    f["ctz"][p.take("inconsistent_codes", emergency, k - 2 * (k // 3))] = coded.CTZ_YES
    f["imm"][p.take("inconsistent_codes", citizen, k // 3)] = coded.IMM_EMERGENCY
    f["imm"][p.take("inconsistent_codes", ~citizen, k // 3)] = coded.IMM_CITIZEN

    k = count("unknown_code", p.n)
    rows = p.take("unknown_code", ~citizen, k - k // 2)
    unknown = np.where(rng.random(len(rows)) < 0.6, coded.IMM_UNKNOWN_4, coded.IMM_UNKNOWN_9)
    f["imm"][rows] = unknown
    f["elig"][p.take("unknown_code", None, k // 2)] = coded.ELIG_UNKNOWN


def _bad(p: _Planter, vocab: dates.DateVocab, iso: Bool) -> I64:
    ymd = np.array([vocab.special(v) for v in dates.BAD_YMD], np.int64)
    iso_values = np.array([vocab.special(v) for v in dates.BAD_ISO], np.int64)
    n = len(iso)
    return np.where(
        iso,
        iso_values[uniform_int(p.rng, 0, len(iso_values), n)],
        ymd[uniform_int(p.rng, 0, len(ymd), n)],
    )


def _dates(p: _Planter) -> None:
    f = p.f
    birth, enrolled = p.split(p.take("bad_date"), [0.7, 0.3])
    f["dob_bad"][birth] = _bad(p, dates.birth(), f["iso"][birth])
    f["eff_bad"][enrolled] = _bad(p, dates.enrollment(), f["iso"][enrolled])


def _determinations(p: _Planter) -> None:
    f = p.f
    eligible = ~f["citizen"] & (f["n_det"] > 0)
    f["det_conflict"][p.take("determination_conflict", eligible)] = True
    f["det_stale"][p.take("determination_stale", eligible)] = True


def _state_codes(p: _Planter) -> None:
    # Not exclusive: recoding the submitting state touches nothing another label describes.
    f, rng = p.f, p.rng
    for label, lookup, rate in (
        ("alternate_state_code", coded.SUBMITTER_ALTERNATE, ALTERNATE_STATE_RATE),
        ("unpadded_state_code", coded.SUBMITTER_UNPADDED, UNPADDED_STATE_RATE),
    ):
        code = lookup[f["state"]]
        eligible = (code >= 0) & (f["submitter"] == f["state"])
        rows = pick(rng, eligible, max(MIN_PER_CHUNK, round(rate * int(eligible.sum()))))
        f["submitter"][rows] = code[rows]
        p.flags[label][rows] = True


def move_conflicting_copies(rng: np.random.Generator, g: Frame, copies: Bool) -> None:
    """Give each conflicting duplicate copy a different residential address (same key)."""
    rows = np.flatnonzero(copies)
    k = len(rows)
    if not k:
        return
    up = g["upper"][rows].astype(np.int64)
    g["house"][rows] = addresses.residential_number(rng, k)
    g["street"][rows] = addresses.street(rng, k) + up * lexicon.STREET_UPPER
    g["unit"][rows] = -1
    g["zip4"][rows] = -1
    g["zip5"][rows] = (g["zip5"][rows] // 100) * 100 + uniform_int(rng, 0, 100, k)
