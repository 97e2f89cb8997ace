"""Households and the people in them, as integer columns (no strings yet).

A chunk is a run of whole households. Each household has one state, one address and one case
number; its kind decides the members' statuses:
- citizen households: every member a citizen;
- emergency-only households: adults are emergency-only (code 3), children are US-born citizens
  with probability ``CHILD_IS_CITIZEN_EMERGENCY``: the mixed-status households the order worries
  about;
- qualified households: adults qualified non-citizens (code 1), children citizens or CHIPRA 214.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np

from minshare.data.codes import StatusCategory as S
from minshare.data.synth import addresses, assumptions, coded, dates, geo, lexicon
from minshare.data.synth.rand import (
    F64,
    I64,
    Arr,
    Bool,
    bern,
    choice,
    choice_by_class,
    i64,
    uniform_int,
    weight_table,
    within,
)

Frame = dict[str, Arr]

CITIZEN_HH, EMERGENCY_HH, QUALIFIED_HH = 0, 1, 2

_KIND_WEIGHTS = assumptions.household_kind_weights()
_UPPER_SHARE = assumptions.upper_case_share()
_SIZES = np.array(list(assumptions.HOUSEHOLD_SIZE_WEIGHTS), np.int64)
_SIZE_W = np.array(list(assumptions.HOUSEHOLD_SIZE_WEIGHTS.values()))

# True categories behind code 3 (emergency-only): mostly unlawfully present, but lawfully
# present people barred or not qualified land here too (the-order.md §7.2).
_EMERGENCY_CATEGORIES = {
    S.UNLAWFULLY_PRESENT: 42,
    S.LPR_5YR_BAR: 12,
    S.TPS: 7,
    S.NONIMMIGRANT: 5,
    S.PAROLE_LT_1Y: 8,
    S.ASYLUM_PENDING: 9,
    S.DACA: 5,
    S.DEFERRED_ACTION_OTHER: 3,
    S.PRUCOL: 4,
    S.UNKNOWN: 5,
}
_QUALIFIED_CATEGORIES = {
    S.LPR: 55,
    S.REFUGEE: 12,
    S.ASYLEE: 10,
    S.QUALIFIED_OTHER: 8,
    S.PAROLE_GE_1Y: 15,
}


def _category_table(weights: dict[S, int]) -> tuple[I64, F64]:
    ids = np.array([coded.cat(c) for c in weights], np.int64)
    return ids, np.array(list(weights.values()), np.float64)


_EMERG_IDS, _EMERG_W = _category_table(_EMERGENCY_CATEGORIES)
_QUAL_IDS, _QUAL_W = _category_table(_QUALIFIED_CATEGORIES)

# Eligibility-group weights per person class. Sensitive groups (05 pregnancy, 34 cancer, 69
# mental health, 70 family planning, 36 TB, 44 hospice) are present at small rates on purpose.
CHILD, ADULT_F, ADULT_M, ELDER, EMERG_F, EMERG_M, EMERG_CHILD = range(7)
_ELIG_TABLE = weight_table(
    [
        {"07": 45, "61": 12, "31": 10, "28": 5, "54": 2, "08": 3, "29": 1, "45": 2, "11": 3,
         "50": 1, "66": 1, "63": 1, "30": 0.5},
        {"72": 30, "01": 16, "73": 5, "27": 3, "05": 8, "53": 1, "67": 1, "11": 7, "37": 2,
         "34": 0.6, "35": 1.5, "36": 0.2, "69": 1.2, "70": 1.5, "44": 0.2, "42": 0.8, "51": 0.8,
         "59": 2, "47": 0.4, "71": 2, "74": 2, "75": 2, "09": 0.8, "02": 1, "56": 1, "22": 0.5},
        {"72": 38, "01": 10, "73": 6, "27": 3, "11": 9, "37": 2, "35": 0.3, "36": 0.3, "69": 1.5,
         "70": 0.3, "44": 0.2, "42": 0.8, "51": 0.8, "59": 2, "47": 0.5, "71": 2, "74": 2,
         "75": 3, "09": 0.8, "02": 1, "56": 1, "22": 0.6},
        {"23": 25, "11": 15, "46": 15, "59": 10, "42": 8, "51": 8, "39": 5, "25": 5, "26": 3,
         "43": 2, "15": 1, "44": 2, "38": 1, "12": 2},
        {"72": 40, "01": 15, "05": 25, "73": 5, "27": 3, "56": 2, "53": 2, "67": 3, "33": 2,
         "71": 3},
        {"72": 60, "01": 15, "73": 8, "27": 4, "56": 3, "33": 4, "71": 6},
        {"07": 60, "61": 15, "31": 10, "28": 5, "54": 5, "06": 5},
    ],
    coded.ELIG_CODES,
)  # fmt: skip


def households(rng: np.random.Generator, n_rows: int) -> tuple[I64, I64, I64]:
    """Household of each row, position within it, and each household's first row."""
    est = n_rows // 2 + 8
    sizes = _SIZES[choice(rng, est, _SIZE_W)]
    while sizes.sum() < n_rows:  # pragma: no cover - the estimate is generous
        sizes = np.concatenate([sizes, _SIZES[choice(rng, est, _SIZE_W)]])
    ends = np.cumsum(sizes)
    n_hh = int(np.searchsorted(ends, n_rows) + 1)
    sizes = sizes[:n_hh].copy()
    sizes[-1] -= int(ends[n_hh - 1]) - n_rows
    starts = (np.cumsum(sizes) - sizes).astype(np.int64)
    hh = np.repeat(np.arange(n_hh, dtype=np.int64), sizes)
    pos = np.arange(n_rows, dtype=np.int64) - starts[hh]
    return hh, pos, starts


def generate(rng: np.random.Generator, n_rows: int) -> Frame:
    """The people of one chunk: n_rows persons in whole households (the last may be cut)."""
    hh, pos, starts = households(rng, n_rows)
    n_hh = len(starts)
    sizes = np.diff(np.append(starts, n_rows))

    h_state = choice(rng, n_hh, geo.STATE_WEIGHTS)
    h_kind = choice_by_class(rng, h_state, _KIND_WEIGHTS)
    h_upper = bern(rng, _UPPER_SHARE[h_state], n_hh)
    h_race = _race(rng, h_state, h_kind)

    f: Frame = {"hh": hh, "pos": pos, "hh_first": starts[hh]}
    f["state"] = h_state[hh]
    f["upper"] = h_upper[hh]
    kind = h_kind[hh]

    single = sizes[hh] == 1
    adult = np.where(
        pos == 0,
        ~(single & bern(rng, assumptions.SINGLE_IS_CHILD, n_rows)),
        (pos == 1) & bern(rng, assumptions.SECOND_IS_ADULT, n_rows),
    )
    age = np.where(adult, uniform_int(rng, 19, 65, n_rows), uniform_int(rng, 0, 19, n_rows))
    elderly = adult & bern(rng, assumptions.ELDERLY_ADULT, n_rows)
    age = np.where(elderly, uniform_int(rng, 65, 96, n_rows), age)
    # A parent is at least 17 years older than the household's oldest child.
    oldest_child = np.full(n_hh, -1, np.int64)
    np.maximum.at(oldest_child, hh[~adult], age[~adult])
    parent_floor = oldest_child[hh] + 17
    age = np.where(adult & (parent_floor > age), np.minimum(parent_floor, 95), age)
    as_of = dates.day(dates.AS_OF)
    f["dob"] = as_of - age * 365 - uniform_int(rng, 0, 365, n_rows)
    f["age"] = age
    f["adult"] = adult

    female_p = np.where(adult, 0.58, 0.49)
    f["sex"] = np.where(bern(rng, female_p, n_rows), 0, 1)
    f["sex"] = np.where(bern(rng, 0.002, n_rows), 2, f["sex"])

    _status(rng, f, kind, adult)
    _names(rng, f, h_race, hh, adult)
    _eligibility(rng, f)
    _enrollment_dates(rng, f)
    f["iso"] = bern(rng, 0.04, n_rows)
    addresses.households(rng, f, hh, h_state)
    addresses.apply_case(f, f["upper"])
    return f


def _race(rng: np.random.Generator, state: I64, kind: I64) -> I64:
    mix = np.where(
        (kind == EMERGENCY_HH)[:, None], assumptions.EMERGENCY_RACE_MIX, geo.RACE_MIX[state]
    )
    rest = 1.0 - mix.sum(axis=1, keepdims=True)
    table = np.hstack([mix, rest * 0.93, rest * 0.07])
    u = rng.random(len(state))
    return i64((u[:, None] > np.cumsum(table, axis=1)).sum(axis=1).clip(0, 6))


def _status(rng: np.random.Generator, f: Frame, kind: I64, adult: Bool) -> None:
    n = len(kind)
    child_citizen = np.where(
        kind == EMERGENCY_HH,
        assumptions.CHILD_IS_CITIZEN_EMERGENCY,
        assumptions.CHILD_IS_CITIZEN_QUALIFIED,
    )
    citizen = (kind == CITIZEN_HH) | (~adult & bern(rng, child_citizen, n))
    emergency = ~citizen & (kind == EMERGENCY_HH)
    qualified = ~citizen & (kind == QUALIFIED_HH)
    chipra = qualified & ~adult & bern(rng, 0.5, n)
    qualified &= ~chipra

    imm = np.full(n, coded.IMM_CITIZEN, np.int64)
    imm[qualified] = coded.IMM_QUALIFIED
    imm[chipra] = coded.IMM_CHIPRA
    imm[emergency] = coded.IMM_EMERGENCY

    category = np.full(n, coded.cat(S.CITIZEN), np.int64)
    category[qualified] = _QUAL_IDS[choice(rng, n, _QUAL_W)][qualified]
    category[chipra] = coded.cat(S.CHIPRA214)
    emerg_cat = _EMERG_IDS[choice(rng, n, _EMERG_W)]
    # Non-citizen children of emergency-only parents share the head's category.
    head_cat = emerg_cat[f["hh_first"]]
    category[emergency] = np.where(adult, emerg_cat, head_cat)[emergency]

    f["imm"] = imm
    f["category"] = category
    f["citizen"] = citizen
    f["ctz"] = np.where(
        citizen, np.where(bern(rng, 0.96, n), coded.CTZ_YES, coded.CTZ_YES_2), coded.CTZ_NO
    )
    f["ctz_verified"] = np.where(citizen, bern(rng, 0.92, n).astype(np.int64), -1)
    f["imm_verified"] = np.where(citizen, -1, bern(rng, 0.75, n).astype(np.int64))

    in_bar = category == coded.cat(S.LPR_5YR_BAR)
    past_bar = (category == coded.cat(S.LPR)) & bern(rng, 0.3, n)
    bar = np.where(in_bar, uniform_int(rng, 0, 4 * 365, n) + dates.day(dates.AS_OF), -1)
    f["bar_end"] = np.where(past_bar, dates.day(dates.AS_OF) - uniform_int(rng, 30, 2500, n), bar)

    unlawful = category == coded.cat(S.UNLAWFULLY_PRESENT)
    ssn_p = np.select([citizen, unlawful, emergency, chipra], [0.97, 0.05, 0.45, 0.7], default=0.9)
    f["ssn_present"] = bern(rng, ssn_p, n)


def _names(rng: np.random.Generator, f: Frame, h_race: I64, hh: I64, adult: Bool) -> None:
    n = len(hh)
    race = h_race[hh]
    h_list = _last_list(h_race, rng.random(len(h_race)))
    h_last = within(rng, lexicon.LAST_START[h_list], lexicon.LAST_SIZE[h_list])
    p_list = h_list[hh]
    own_last = within(rng, lexicon.LAST_START[p_list], lexicon.LAST_SIZE[p_list])
    # Last names are the household's; a second adult keeps their own 30% of the time.
    keep_own = (f["pos"] == 1) & adult & bern(rng, 0.3, n)
    f["last"] = np.where(keep_own, own_last, h_last[hh])

    group = np.select(
        [race == coded.R_HISPANIC, (race == coded.R_ASIAN) & bern(rng, 0.7, n)],
        [lexicon.HISPANIC, lexicon.ASIAN],
        default=lexicon.GENERAL,
    )
    # Children in Hispanic families often carry English first names.
    group = np.where((group == lexicon.HISPANIC) & ~adult & bern(rng, 0.3, n), 0, group)
    male = np.where(f["sex"] == 2, bern(rng, 0.5, n), f["sex"] == 1)
    lst = 2 * group + male
    f["first"] = within(rng, lexicon.FIRST_START[lst], lexicon.FIRST_SIZE[lst])
    f["initial"] = np.where(
        bern(rng, 0.65, n), (rng.random(n) * len(lexicon.INITIALS)).astype(np.int64), -1
    )
    f["race"] = np.where(bern(rng, 0.04, n), -1, race)
    eth_hispanic = 1 + choice(rng, n, [0.55, 0.08, 0.04, 0.25, 0.08])
    eth_other = np.where(bern(rng, 0.94, n), 0, 6)
    f["eth"] = np.where(race == coded.R_HISPANIC, eth_hispanic, eth_other)


def _last_list(h_race: I64, h_u: F64) -> I64:
    return np.select(
        [
            h_race == coded.R_HISPANIC,
            (h_race == coded.R_BLACK) & (h_u < 0.25),
            h_race == coded.R_ASIAN,
            (h_race == coded.R_AIAN) & (h_u < 0.4),
            (h_race == coded.R_NHPI) & (h_u < 0.7),
            h_race == coded.R_NHPI,
        ],
        [
            lexicon.LAST_HISPANIC,
            lexicon.LAST_AFRICAN,
            lexicon.LAST_ASIAN,
            lexicon.LAST_NATIVE,
            lexicon.LAST_PACIFIC,
            lexicon.LAST_ASIAN,
        ],
        default=lexicon.LAST_GENERAL,
    ).astype(np.int64)


def _lut(codes: tuple[str, ...]) -> Bool:
    lut = np.zeros(len(coded.ELIG), np.bool_)
    lut[[coded.elig(c) for c in codes]] = True
    return lut


_PREGNANCY = _lut(coded.PREGNANCY_GROUPS)
_FAMILY_PLANNING = _lut(coded.FAMILY_PLANNING_GROUPS)
_DISABLED = _lut(("11", "22", "59"))
_DUAL_ELDER = {"02": 45, "01": 15, "04": 8, "03": 8, "06": 4, "08": 5, "09": 2, "10": 1, "00": 12}
_RBC_OTHER = {"1": 94, "5": 2.5, "7": 2, "0": 1, "D": 0.3, "B": 0.05, "C": 0.05, "E": 0.05,
              "F": 0.05}  # fmt: skip


def _codes(keys: Mapping[str, float], vocab: list[str]) -> tuple[I64, list[float]]:
    return np.array([vocab.index(k) for k in keys], np.int64), list(keys.values())


def _eligibility(rng: np.random.Generator, f: Frame) -> None:
    age = f["age"]
    n = len(age)
    female = f["sex"] == 0
    emergency = f["imm"] == coded.IMM_EMERGENCY
    cls = np.select(
        [
            emergency & (age < 19),
            emergency & (age < 65) & female,
            emergency & (age < 65),
            age < 19,
            age >= 65,
            female,
        ],
        [EMERG_CHILD, EMERG_F, EMERG_M, CHILD, ELDER, ADULT_F],
        default=ADULT_M,
    )
    elig = choice_by_class(rng, cls, _ELIG_TABLE)
    elig = np.where((age == 0) & bern(rng, 0.3, n), coded.elig("06"), elig)
    f["elig"] = elig
    pregnancy = _PREGNANCY[elig]

    dual_ids, dual_w = _codes(_DUAL_ELDER, coded.DUAL_CODES)
    none = coded.DUAL_CODES.index("00")
    dual = np.where(age >= 65, dual_ids[choice(rng, n, dual_w)], none)
    for group, partial in (("23", "01"), ("25", "03"), ("26", "06")):
        dual = np.where(elig == coded.elig(group), coded.DUAL_CODES.index(partial), dual)
    dual = np.where(_DISABLED[elig] & bern(rng, 0.15, n), coded.DUAL_CODES.index("02"), dual)
    dual = np.where(emergency, none, dual)
    f["dual"] = dual

    rbc_ids, rbc_w = _codes(_RBC_OTHER, coded.RBC_CODES)
    rbc = rbc_ids[choice(rng, n, rbc_w)]
    r = coded.RBC_CODES.index
    rbc = np.where(_FAMILY_PLANNING[elig], r("6"), rbc)
    rbc = np.where(pregnancy & bern(rng, 0.3, n), r("4"), rbc)
    is_dual = dual != none
    rbc = np.where(is_dual & bern(rng, 0.5, n), r("3"), rbc)
    rbc = np.where(is_dual & bern(rng, 0.1, n), r("G"), rbc)
    rbc = np.where((age < 21) & bern(rng, 0.002, n), r("A"), rbc)
    # DQ measure EL-6-037-37: emergency-only pairs with RBC 2, or 4 for pregnancy.
    emergency_rbc = np.where(pregnancy & bern(rng, 0.5, n), r("4"), r("2"))
    f["rbc"] = np.where(emergency, emergency_rbc, rbc)

    childbearing = female & (age >= 15) & (age <= 44)
    pregnant = pregnancy | (childbearing & bern(rng, 0.01, n))
    f["pregnant"] = np.where(bern(rng, 0.05, n), -1, pregnant.astype(np.int64))

    adult = age >= 19
    elder = age >= 65
    rates = {
        "MH_HH_CHRNC_COND_FLAG": np.where(adult, 0.05, 0.03),
        "SA_HH_CHRNC_COND_FLAG": np.where(adult, 0.025, 0.002),
        "HIV_AIDS_HH_CHRNC_COND_FLAG": np.where(adult, 0.004, 0.0005),
        "DBTS_HH_CHRNC_COND_FLAG": np.select([elder, adult], [0.15, 0.06], 0.005),
        "HRT_DIS_HH_CHRNC_COND_FLAG": np.select([elder, adult], [0.12, 0.02], 0.002),
    }
    missing = bern(rng, 0.03, n)
    for name, p in rates.items():
        f[name] = np.where(missing, -1, bern(rng, p, n).astype(np.int64))


def _enrollment_dates(rng: np.random.Generator, f: Frame) -> None:
    n = len(f["dob"])
    as_of = dates.day(dates.AS_OF)
    emergency = f["imm"] == coded.IMM_EMERGENCY
    lo = np.maximum(f["dob"], dates.day(dt.date(2014, 1, 1)))
    lo = np.where(emergency, np.maximum(lo, as_of - 3 * 365), lo)
    hi = np.maximum(lo + 1, as_of - 30)
    eff = uniform_int(rng, lo, hi, n)
    # Emergency-only coverage is usually a short span around an emergency.
    short = emergency & bern(rng, 0.6, n)
    span = np.where(short, uniform_int(rng, 30, 121, n), uniform_int(rng, 30, 901, n))
    ongoing = bern(rng, np.where(emergency, 0.35, 0.75), n)
    end = np.where(ongoing, -1, np.minimum(eff + span, dates.day(dt.date(2027, 12, 31))))
    dies = bern(rng, np.where(f["age"] >= 65, 0.004, 0.0005), n)
    death = uniform_int(rng, eff, as_of + 1, n)
    f["enr_eff"] = eff
    f["enr_end"] = np.where(dies, death, end)
    f["death"] = np.where(dies, death, -1)
