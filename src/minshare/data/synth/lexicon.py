"""The dictionaries behind names, addresses and planted text.

Layout conventions (index arithmetic in the generators relies on them):
- name, street, unit and city dictionaries hold every entry in mixed case and then again in upper
  case at a fixed offset (``*_UPPER``), because some state systems send everything upper case;
- planted strings are separate trailing sections, so a normal row can never draw one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from minshare.data.synth import geo, names
from minshare.data.synth.vocab import Vocab

I64 = npt.NDArray[np.int64]

# --- names -------------------------------------------------------------------------------------

# Name groups: the race/ethnicity-driven list a household draws from.
GENERAL, HISPANIC, ASIAN = 0, 1, 2
_FIRST_LISTS = [
    names.FIRST_F_GENERAL,
    names.FIRST_M_GENERAL,
    names.FIRST_F_HISPANIC,
    names.FIRST_M_HISPANIC,
    names.FIRST_F_ASIAN,
    names.FIRST_M_ASIAN,
]
_first = [n for lst in _FIRST_LISTS for n in lst]
FIRST = Vocab().add("mixed", _first).add("upper", (n.upper() for n in _first))
FIRST_UPPER = len(_first)
# Row (2 * group + is_male) of these arrays locates a first-name list.
FIRST_START: I64 = np.cumsum([0] + [len(x) for x in _FIRST_LISTS])[:-1].astype(np.int64)
FIRST_SIZE: I64 = np.array([len(x) for x in _FIRST_LISTS], np.int64)

LAST_GENERAL, LAST_HISPANIC, LAST_ASIAN, LAST_PACIFIC, LAST_NATIVE, LAST_AFRICAN = range(6)
_LAST_LISTS = [
    names.LAST_GENERAL,
    names.LAST_HISPANIC,
    names.LAST_ASIAN,
    names.LAST_PACIFIC,
    names.LAST_NATIVE,
    names.LAST_AFRICAN,
]
_last = [n for lst in _LAST_LISTS for n in lst]
LAST = Vocab().add("mixed", _last).add("upper", (n.upper() for n in _last))
LAST_UPPER = len(_last)
LAST_START: I64 = np.cumsum([0] + [len(x) for x in _LAST_LISTS])[:-1].astype(np.int64)
LAST_SIZE: I64 = np.array([len(x) for x in _LAST_LISTS], np.int64)

INITIALS = Vocab().add("all", names.MIDDLE_INITIALS)

# --- streets -----------------------------------------------------------------------------------

N_DIR = len(names.DIRECTIONS)
N_STREET = len(names.STREETS)
N_SUFFIX = len(names.SUFFIXES)

# Cyrillic and Greek letters that render like Latin ones.
LOOKALIKE = {
    "a": "\u0430",
    "e": "\u0435",
    "o": "\u043e",
    "c": "\u0441",
    "p": "\u0440",
    "A": "\u0410",
    "E": "\u0415",
    "O": "\u039f",
    "C": "\u0421",
    "P": "\u0420",
    "M": "\u041c",
    "T": "\u0422",
    "H": "\u041d",
}


def _street_entries() -> list[str]:
    # Entry ((dir * N_STREET + name) * N_SUFFIX + suffix) * 2 + spelled_out.
    out: list[str] = []
    for d in names.DIRECTIONS:
        for s in names.STREETS:
            for short, long in names.SUFFIXES:
                out.append(f"{d}{s} {short}")
                out.append(f"{d}{s} {long}")
    return out


def _lookalike_streets() -> list[str]:
    out: list[str] = []
    for s in names.STREETS:
        pos = next((i for i, ch in enumerate(s) if ch in LOOKALIKE), None)
        if pos is None:
            continue
        fake = s[:pos] + LOOKALIKE[s[pos]] + s[pos + 1 :]
        out.extend(f"{fake} {short}" for short, _ in names.SUFFIXES)
    return out


_streets = _street_entries()
STREET = (
    Vocab()
    .add("mixed", _streets)
    .add("upper", (s.upper() for s in _streets))
    .add("lookalike", _lookalike_streets())
)
STREET_UPPER = len(_streets)


def street_index(direction: I64, name: I64, suffix: I64, spelled_out: I64) -> I64:
    return (((direction * N_STREET + name) * N_SUFFIX + suffix) * 2 + spelled_out).astype(np.int64)


# --- address line 2 / line 3 -------------------------------------------------------------------


def _units() -> list[str]:
    out = [f"Apt {n}" for n in range(1, 41)]
    out += [f"Apt {n}{c}" for n in range(1, 13) for c in "ABCD"]
    # "Apt B12"-style designators look like ICD-10 categories: realistic precision traps.
    out += [f"Apt {c}{n}" for c in "ABCDEF" for n in range(1, 31)]
    out += [f"Unit {n}" for n in range(1, 31)]
    out += [f"# {n}" for n in range(1, 21)]
    out += [f"Ste {n}00" for n in range(1, 6)]
    out += [f"Fl {n}" for n in range(1, 5)]
    out += [f"Bldg {c}" for c in "ABCDE"]
    out += [f"Trlr {n}" for n in range(1, 40)]
    out += [f"Lot {n}" for n in range(1, 30)]
    return out


FACILITY_WORDS = [
    "c/o Renal Unit",
    "Rm 4B, Dialysis Ctr",
    "Methadone Clinic",
    "Behavioral Health Unit",
    "Dialysis Unit 2nd Fl",
    "Hospice House Rm 12",
    "Skilled Nursing Facility Bed B",
    "Psych Ward 3",
    "Oncology Wing Rm 210",
    "Detox Unit",
    "Memory Care Unit 2",
    "Nursing Home Rm 118",
    "ICU Bed 7",
    "L&D Unit",
    "Substance Abuse Treatment Ctr",
    "Infusion Center Ste 300",
    "Mental Health Residential",
    "Psychiatric Unit B",
    "Opioid Treatment Program",
    "C/O RENAL CARE UNIT",
]
FACILITY_CARE_OF = [
    "c/o Sunrise Dialysis Center",
    "c/o St. Jude Hospice",
    "c/o Harbor Methadone Program",
    "c/o Evergreen Nursing & Rehab",
    "c/o Valley Behavioral Health",
    "c/o County Psychiatric Hospital",
    "C/O DETOX CENTER",
]
# Weak unit words only: a resident at a registry address, not a facility word.
RESIDENT_ROOMS = ["Rm 101", "Rm 214", "Rm 12 Bed B", "Room 305", "Bed 2", "Rm 118A"]
ICD_LINE2 = [
    "N18.6",
    "F20.9",
    "C50.911",
    "O09.90",
    "F11.20",
    "Dx B20",
    "Z21 dx",
    "ICD F32.9",
    "E11.9",
    "Apt 2 F31.9",
]
ICD_LINE3 = ["Dx F20.9", "diag N18.6", "ICD-10 F11.20", "Dx: C34.90"]
ICD_LINE1_SUFFIX = [" N18.6", " F20.9", " Dx F11.20", " C50.911"]
FORMULAS = [
    '=HYPERLINK("http://x","y")',
    "+1-555",
    "@SUM(A1)",
    "=1+1",
    "-2+3+cmd|' /C calc'!A0",
    '=IMPORTXML("http://x","//a")',
]

_units_mixed = _units()
LINE2 = (
    Vocab()
    .add("mixed", _units_mixed)
    .add("upper", (u.upper() for u in _units_mixed))
    .add("facility_words", FACILITY_WORDS)
    .add("care_of", FACILITY_CARE_OF)
    .add("resident_room", RESIDENT_ROOMS)
    .add("icd", ICD_LINE2)
    .add("formula", FORMULAS)
)
LINE2_UPPER = len(_units_mixed)

_line3 = ["Rear", "Basement", "Upstairs", "Back House", "Side Entrance", "Garage Apt"]
LINE3 = (
    Vocab()
    .add("mixed", _line3)
    .add("upper", (x.upper() for x in _line3))
    .add("icd", ICD_LINE3)
    .add("formula", FORMULAS)
)
LINE3_UPPER = len(_line3)

# --- places ------------------------------------------------------------------------------------

CITY = Vocab().add("mixed", geo.CITY_NAMES).add("upper", (c.upper() for c in geo.CITY_NAMES))
CITY_UPPER = len(geo.CITY_NAMES)
COUNTY = Vocab().add("all", geo.COUNTY_CODES)
# ELGBL_STATE_CD_*: USPS abbreviation, or the 2-digit FIPS code some systems send instead.
HOME_STATE = Vocab().add("abbr", (g.abbr for g in geo.GEO)).add("fips", (g.fips for g in geo.GEO))


FULLWIDTH_DIGITS = str.maketrans("0123456789", "".join(chr(0xFF10 + i) for i in range(10)))
