"""Dictionaries for the coded columns, in the raw form a state extract carries them.

Every code list comes from ``minshare.data.codes`` so the generator cannot drift from the model;
the unknown codes planted on purpose ("4", "9", "77") are appended as separate sections.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from minshare.data import codes, states
from minshare.data.codes import DeterminationSource, StatusCategory
from minshare.data.synth import geo
from minshare.data.synth.vocab import Vocab

I64 = npt.NDArray[np.int64]

# Raw T-MSIS immigration status: 8 for citizens (the TAF reader recodes 8 -> 0).
IMGRTN = Vocab().add("valid", ["8", "1", "2", "3"]).add("unknown", ["4", "9"])
IMM_CITIZEN, IMM_QUALIFIED, IMM_CHIPRA, IMM_EMERGENCY = 0, 1, 2, 3
IMM_UNKNOWN_4, IMM_UNKNOWN_9 = IMGRTN.index("unknown", "4"), IMGRTN.index("unknown", "9")

CTZ = Vocab().add("all", ["1", "2", "0"])
CTZ_YES, CTZ_YES_2, CTZ_NO = 0, 1, 2
VERIFIED = Vocab().add("all", ["0", "1"])
YES_NO = Vocab().add("all", list(codes.YES_NO.codes))
SEX = Vocab().add("all", ["F", "M", "U"])
# Index r of a household's race group: Hispanic, Black, Asian, AIAN, NHPI, white, multiracial.
RACE = Vocab().add("all", ["7", "2", "3", "4", "5", "1", "6"])
R_HISPANIC, R_BLACK, R_ASIAN, R_AIAN, R_NHPI, R_WHITE, R_MULTI = range(7)
ETHNICITY = Vocab().add("all", list(codes.ETHNCTY_CD.codes))

ELIG = Vocab().add("valid", list(codes.ELGBLTY_GRP_CD.codes)).add("unknown", ["77"])
ELIG_CODES: list[str] = list(codes.ELGBLTY_GRP_CD.codes)
ELIG_UNKNOWN = ELIG.index("unknown", "77")
RBC = Vocab().add("all", list(codes.RSTRCTD_BNFTS_CD.codes))
RBC_CODES: list[str] = list(codes.RSTRCTD_BNFTS_CD.codes)
DUAL = Vocab().add("all", list(codes.DUAL_ELGBL_CD.codes))
DUAL_CODES: list[str] = list(codes.DUAL_ELGBL_CD.codes)

PREGNANCY_GROUPS = ("05", "53", "67", "68", "64")
FAMILY_PLANNING_GROUPS = ("35", "70")

STATUS = Vocab().add("all", [c.value for c in StatusCategory])
CATEGORIES: list[StatusCategory] = list(StatusCategory)
SOURCE = Vocab().add("all", [s.value for s in DeterminationSource])
SOURCES: list[DeterminationSource] = list(DeterminationSource)


def cat(c: StatusCategory) -> int:
    return CATEGORIES.index(c)


def src(s: DeterminationSource) -> int:
    return SOURCES.index(s)


def elig(code: str) -> int:
    return ELIG_CODES.index(code)


# SUBMTG_STATE_CD as submitted: 2-digit FIPS; the same code unpadded ("6"), as some systems
# drop the leading zero; or a T-MSIS alternate submitter code (93 WY, 94 MT, 96 IA, 97 PA).
_ALT_BY_FIPS = {fips: alt for alt, fips in states.ALTERNATE_SUBMITTER.items()}
_UNPADDED = [g for g in geo.GEO if g.fips.startswith("0")]
_ALTERNATE = [g for g in geo.GEO if g.fips in _ALT_BY_FIPS]
SUBMITTER = (
    Vocab()
    .add("fips", (g.fips for g in geo.GEO))
    .add("unpadded", (g.fips.lstrip("0") for g in _UNPADDED))
    .add("alternate", (_ALT_BY_FIPS[g.fips] for g in _ALTERNATE))
)


def _lookup(section: str, members: list[geo.StateGeo]) -> I64:
    # State index -> submitter dictionary index for that variant, or -1 where none exists.
    out = np.full(geo.N_STATES, -1, np.int64)
    for i, g in enumerate(members):
        out[geo.STATE_INDEX[g.abbr]] = SUBMITTER.start(section) + i
    return out


SUBMITTER_UNPADDED: I64 = _lookup("unpadded", _UNPADDED)
SUBMITTER_ALTERNATE: I64 = _lookup("alternate", _ALTERNATE)
