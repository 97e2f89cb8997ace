"""Assumed shares behind the synthetic population. None of these is a CMS figure unless noted.

Sources for the few that are anchored: ../shared/domain/medicaid-data.md §7.1 [press]:
NY ≈ 7% of enrollment is emergency Medicaid; WA ≈ 49,000 of 1.9 M (2.6%) undocumented
enrollees; CA ≈ 1.7 M of 12.7 M (13%). Everywhere else the share of emergency-only records is
an assumption in the 1–3% range the reference suggests.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from minshare.data.synth import geo

# Share of enrollment rows that are emergency-only (IMGRTN_STUS_CD 3, RSTRCTD_BNFTS_CD 2).
EMERGENCY_ONLY_SHARE: dict[str, float] = {"CA": 0.13, "NY": 0.07, "WA": 0.026}
# Assumption: larger immigrant populations get the top of the 1-3% range, smaller the bottom.
_HIGHER = ("AZ", "CO", "CT", "FL", "IL", "MA", "MD", "NJ", "NV", "OR", "TX")
_LOWER = ("AL", "AR", "KY", "ME", "MS", "MT", "ND", "SD", "VT", "WV", "WY")
DEFAULT_EMERGENCY_ONLY_SHARE = 0.02
for _abbr in _HIGHER:
    EMERGENCY_ONLY_SHARE.setdefault(_abbr, 0.03)
for _abbr in _LOWER:
    EMERGENCY_ONLY_SHARE.setdefault(_abbr, 0.01)

# Assumption: share of rows that are qualified non-citizens or CHIPRA 214 (codes 1 and 2).
QUALIFIED_SHARE = 0.03

# Medicaid households as enrolled (members on the case, not everyone under the roof).
HOUSEHOLD_SIZE_WEIGHTS = {1: 0.45, 2: 0.20, 3: 0.15, 4: 0.11, 5: 0.06, 6: 0.03}
SINGLE_IS_CHILD = 0.35  # a child enrolled without a parent on the case
SECOND_IS_ADULT = 0.45  # member 2 of a larger household is a spouse or partner
ELDERLY_ADULT = 0.18
CHILD_IS_CITIZEN_EMERGENCY = 0.65  # US-born children of emergency-only parents
CHILD_IS_CITIZEN_QUALIFIED = 0.50

# Some state systems send every text field upper case.
UPPER_CASE_STATE = {"NY": 0.8, "TX": 0.8, "PA": 0.7, "OH": 0.7, "FL": 0.6, "IL": 0.5}
DEFAULT_UPPER_CASE = 0.15

# Race/ethnicity mix of emergency-only households (Hispanic, Black, Asian, AIAN, NHPI).
EMERGENCY_RACE_MIX = (0.62, 0.08, 0.18, 0.005, 0.01)


def _expected_noncitizens(child_citizen: float) -> tuple[float, float]:
    """Expected household size, and expected non-citizens in a non-citizen household."""
    size = 0.0
    noncitizens = 0.0
    for s, w in HOUSEHOLD_SIZE_WEIGHTS.items():
        adults = 1 - SINGLE_IS_CHILD if s == 1 else 1 + SECOND_IS_ADULT
        size += w * s
        noncitizens += w * (adults + (1 - child_citizen) * (s - adults))
    total = sum(HOUSEHOLD_SIZE_WEIGHTS.values())
    return size / total, noncitizens / total


def household_kind_weights() -> npt.NDArray[np.float64]:
    """Per state: P(citizen household), P(emergency-only household), P(qualified household).

    Household shares are scaled so the expected share of *rows* matches the targets above.
    """
    size, emergency_members = _expected_noncitizens(CHILD_IS_CITIZEN_EMERGENCY)
    _, qualified_members = _expected_noncitizens(CHILD_IS_CITIZEN_QUALIFIED)
    out = np.zeros((geo.N_STATES, 3), np.float64)
    for i, g in enumerate(geo.GEO):
        share = EMERGENCY_ONLY_SHARE.get(g.abbr, DEFAULT_EMERGENCY_ONLY_SHARE)
        out[i, 1] = share * size / emergency_members
        out[i, 2] = QUALIFIED_SHARE * size / qualified_members
        out[i, 0] = 1.0 - out[i, 1] - out[i, 2]
    return out


def upper_case_share() -> npt.NDArray[np.float64]:
    return np.array([UPPER_CASE_STATE.get(g.abbr, DEFAULT_UPPER_CASE) for g in geo.GEO])
