"""The term automaton: facility, clinical-unit and condition words in free-text address fields.

Terms are whole words over :func:`minshare.guard.normalize.words` text (upper case ASCII, one
space between words, padded), so "Dialysis Ctr." and "DIALYSIS CENTER" read the same and "ER"
never matches inside "RIVER". Each term has a stable id, a category and an HL7 label, and is
*strong* (a finding on its own) or *weak* (room, bed, floor, wing, unit, ward, ...: a finding only
in a row that already has another one, health-categories.md §3). Spellings are generated from a
small abbreviation table (CTR, HOSP, MED, REHAB, PSYCH, BEH, HLTH, ...).

Seeds: NUCC classification names and POS category names (facility-registries.md §2-§3), the
facility suffixes of Philter's address filter (health-categories.md §5), unit and ward words and
sensitive condition and drug words [inference]. The synthetic planted phrases were not the
source: the lexicon is written from those references and the synth test measures it.

Matching runs one Aho-Corasick pass (pyahocorasick) over the concatenated text of a whole batch:
the Arrow values buffer *is* the batch's text, so there is no Python loop per row; only the
matches (a few per hundred rows) come back to Python.
"""

from __future__ import annotations

import importlib
import itertools
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from minshare.guard.categories import SENSITIVITY, Category
from minshare.guard.normalize import SUFFIXES

C = Category
I64 = npt.NDArray[np.int64]

VERSION = "guard-terms/1"

# Spellings of a word (the first is canonical). Applied to every word of every term.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "CENTER": ("CTR", "CNTR", "CENTRE"),
    "HOSPITAL": ("HOSP",),
    "MEDICAL": ("MED",),
    "REHABILITATION": ("REHAB",),
    "PSYCHIATRIC": ("PSYCH", "PSYCHIATRY"),
    "BEHAVIORAL": ("BEHAVIOURAL", "BEH", "BHVRL"),
    "HEALTH": ("HLTH",),
    "FACILITY": ("FAC", "FACIL"),
    "SERVICES": ("SVCS", "SVC", "SERVICE"),
    "TREATMENT": ("TRTMT", "TRMT"),
    "NURSING": ("NRSG",),
    "MENTAL": ("MNTL",),
    "COMMUNITY": ("CMNTY", "COMM"),
    "PROGRAM": ("PROG", "PGM"),
    "SUBSTANCE": ("SUBST",),
    "DETOXIFICATION": ("DETOX",),
    "WOMENS": ("WOMEN S", "WOMEN"),
    "CHILDRENS": ("CHILDREN S",),
    "ALZHEIMERS": ("ALZHEIMER S", "ALZHEIMER"),
    "INTENSIVE": ("INT",),
    "ROOM": ("RM",),
    "FLOOR": ("FL", "FLR"),
    "BUILDING": ("BLDG",),
    "DEPARTMENT": ("DEPT",),
}

# (phrase, category, label or None for the category's default). Strong terms.
_STRONG: tuple[tuple[str, Category, str | None], ...] = (
    # F1 hospitals (NUCC 28x, POS 01)
    ("HOSPITAL", C.HOSPITAL, None),
    ("MEDICAL CENTER", C.HOSPITAL, None),
    ("INFIRMARY", C.HOSPITAL, None),
    ("EMERGENCY ROOM", C.HOSPITAL, None),
    ("EMERGENCY DEPARTMENT", C.HOSPITAL, None),
    ("INPATIENT", C.HOSPITAL, None),
    ("TRAUMA CENTER", C.HOSPITAL, None),
    ("SURGICAL CENTER", C.HOSPITAL, None),
    ("SURGERY CENTER", C.HOSPITAL, None),
    ("REHABILITATION", C.HOSPITAL, None),
    ("LONG TERM ACUTE CARE", C.HOSPITAL, None),
    ("LTACH", C.HOSPITAL, None),
    ("SANATORIUM", C.HOSPITAL, None),
    ("SANITARIUM", C.HOSPITAL, None),
    # F2 dialysis / ESRD
    ("DIALYSIS", C.DIALYSIS, None),
    ("HEMODIALYSIS", C.DIALYSIS, None),
    ("RENAL", C.DIALYSIS, None),
    ("KIDNEY CENTER", C.DIALYSIS, None),
    ("KIDNEY CARE", C.DIALYSIS, None),
    ("NEPHROLOGY", C.DIALYSIS, None),
    ("ESRD", C.DIALYSIS, None),
    # F3 nursing and residential care
    ("NURSING", C.NURSING, None),
    ("SKILLED NURSING", C.NURSING, None),
    ("SNF", C.NURSING, None),
    ("ASSISTED LIVING", C.NURSING, None),
    ("MEMORY CARE", C.NURSING, None),
    ("CONVALESCENT", C.NURSING, None),
    ("LONG TERM CARE", C.NURSING, None),
    ("CARE HOME", C.NURSING, None),
    ("REST HOME", C.NURSING, None),
    ("GROUP HOME", C.NURSING, None),
    ("ADULT FAMILY HOME", C.NURSING, None),
    ("INTERMEDIATE CARE FACILITY", C.NURSING, None),
    ("ICF IID", C.NURSING, None),
    ("ICF MR", C.NURSING, None),
    ("ALZHEIMERS", C.NURSING, None),
    ("DEMENTIA", C.NURSING, None),
    # F4 hospice, home health
    ("HOSPICE", C.HOSPICE_HOME_HEALTH, None),
    ("HOME HEALTH", C.HOSPICE_HOME_HEALTH, None),
    ("PALLIATIVE", C.HOSPICE_HOME_HEALTH, None),
    # F5 substance use (42 CFR Part 2)
    ("METHADONE", C.SUBSTANCE_USE, None),
    ("DETOXIFICATION", C.SUBSTANCE_USE, None),
    ("SUBSTANCE ABUSE", C.SUBSTANCE_USE, None),
    ("SUBSTANCE USE", C.SUBSTANCE_USE, None),
    ("CHEMICAL DEPENDENCY", C.SUBSTANCE_USE, None),
    ("ADDICTION", C.SUBSTANCE_USE, None),
    ("OPIOID", C.SUBSTANCE_USE, None),
    ("SOBER LIVING", C.SUBSTANCE_USE, None),
    ("SOBER HOUSE", C.SUBSTANCE_USE, None),
    ("HALFWAY HOUSE", C.SUBSTANCE_USE, None),
    ("RECOVERY CENTER", C.SUBSTANCE_USE, None),
    ("RECOVERY HOUSE", C.SUBSTANCE_USE, None),
    ("RECOVERY RESIDENCE", C.SUBSTANCE_USE, None),
    ("ALCOHOL TREATMENT", C.SUBSTANCE_USE, None),
    ("ALCOHOLISM", C.SUBSTANCE_USE, None),
    ("SUBOXONE", C.SUBSTANCE_USE, None),
    ("BUPRENORPHINE", C.SUBSTANCE_USE, None),
    ("TREATMENT CENTER", C.SUBSTANCE_USE, None),
    ("TREATMENT PROGRAM", C.SUBSTANCE_USE, None),
    ("TREATMENT SERVICES", C.SUBSTANCE_USE, None),
    # F6 mental health
    ("PSYCHIATRIC", C.MENTAL_HEALTH, None),
    ("PSYCHOLOGICAL", C.MENTAL_HEALTH, None),
    ("BEHAVIORAL HEALTH", C.MENTAL_HEALTH, None),
    ("BEHAVIORAL HOSPITAL", C.MENTAL_HEALTH, None),
    ("MENTAL HEALTH", C.MENTAL_HEALTH, None),
    ("MENTAL ILLNESS", C.MENTAL_HEALTH, None),
    ("CRISIS CENTER", C.MENTAL_HEALTH, None),
    ("CRISIS STABILIZATION", C.MENTAL_HEALTH, None),
    ("CRISIS UNIT", C.MENTAL_HEALTH, None),
    ("RESIDENTIAL TREATMENT", C.MENTAL_HEALTH, None),
    ("EATING DISORDER", C.MENTAL_HEALTH, None),
    ("COUNSELING CENTER", C.MENTAL_HEALTH, None),
    # F7 sexual and reproductive health, HIV, STD
    ("FAMILY PLANNING", C.SEXUAL_REPRODUCTIVE_HIV, None),
    ("PLANNED PARENTHOOD", C.SEXUAL_REPRODUCTIVE_HIV, None),
    ("ABORTION", C.SEXUAL_REPRODUCTIVE_HIV, None),
    ("FERTILITY", C.SEXUAL_REPRODUCTIVE_HIV, None),
    ("REPRODUCTIVE HEALTH", C.SEXUAL_REPRODUCTIVE_HIV, None),
    ("WOMENS HEALTH", C.SEXUAL_REPRODUCTIVE_HIV, None),
    ("BIRTHING CENTER", C.SEXUAL_REPRODUCTIVE_HIV, "PREGNANT"),
    ("PRENATAL", C.SEXUAL_REPRODUCTIVE_HIV, "PREGNANT"),
    ("MATERNITY", C.SEXUAL_REPRODUCTIVE_HIV, "PREGNANT"),
    ("LABOR AND DELIVERY", C.SEXUAL_REPRODUCTIVE_HIV, "PREGNANT"),
    ("L AND D", C.SEXUAL_REPRODUCTIVE_HIV, "PREGNANT"),
    ("OBSTETRICS", C.SEXUAL_REPRODUCTIVE_HIV, "PREGNANT"),
    ("OBGYN", C.SEXUAL_REPRODUCTIVE_HIV, None),
    ("OB GYN", C.SEXUAL_REPRODUCTIVE_HIV, None),
    ("HIV", C.SEXUAL_REPRODUCTIVE_HIV, "HIV"),
    ("AIDS", C.SEXUAL_REPRODUCTIVE_HIV, "HIV"),
    ("RYAN WHITE", C.SEXUAL_REPRODUCTIVE_HIV, "HIV"),
    ("STD CLINIC", C.SEXUAL_REPRODUCTIVE_HIV, "STD"),
    ("SEXUAL HEALTH", C.SEXUAL_REPRODUCTIVE_HIV, "STD"),
    # F8 oncology, infusion, radiation, transplant
    ("ONCOLOGY", C.ONCOLOGY_INFUSION, None),
    ("CANCER", C.ONCOLOGY_INFUSION, None),
    ("CHEMOTHERAPY", C.ONCOLOGY_INFUSION, None),
    ("CHEMO", C.ONCOLOGY_INFUSION, None),
    ("INFUSION", C.ONCOLOGY_INFUSION, None),
    ("RADIATION THERAPY", C.ONCOLOGY_INFUSION, None),
    ("TRANSPLANT", C.ONCOLOGY_INFUSION, None),
    # F9 other clinics
    ("CLINIC", C.OTHER_CLINIC, None),
    ("FQHC", C.OTHER_CLINIC, None),
    ("HEALTH CENTER", C.OTHER_CLINIC, None),
    ("RURAL HEALTH", C.OTHER_CLINIC, None),
    ("MIGRANT HEALTH", C.OTHER_CLINIC, None),
    ("URGENT CARE", C.OTHER_CLINIC, None),
    # A1 shelters and domestic-violence services
    ("SHELTER", C.SHELTER, None),
    ("DOMESTIC VIOLENCE", C.SHELTER, None),
    ("SAFE HOUSE", C.SHELTER, None),
    ("RAPE CRISIS", C.SHELTER, None),
    ("SEXUAL ASSAULT", C.SHELTER, None),
    ("BATTERED WOMENS", C.SHELTER, None),
    # U1 clinical units
    ("ICU", C.CLINICAL_UNIT, None),
    ("NICU", C.CLINICAL_UNIT, None),
    ("PICU", C.CLINICAL_UNIT, None),
    ("MICU", C.CLINICAL_UNIT, None),
    ("SICU", C.CLINICAL_UNIT, None),
    ("CCU", C.CLINICAL_UNIT, None),
    ("INTENSIVE CARE", C.CLINICAL_UNIT, None),
    ("CRITICAL CARE", C.CLINICAL_UNIT, None),
    ("TELEMETRY", C.CLINICAL_UNIT, None),
    ("STEP DOWN UNIT", C.CLINICAL_UNIT, None),
    ("MED SURG", C.CLINICAL_UNIT, None),
    # T1 condition and drug words
    ("DIAGNOSIS", C.CONDITION_WORD, None),
    ("DIABETES", C.CONDITION_WORD, None),
    ("SCHIZOPHRENIA", C.CONDITION_WORD, "PSY"),
    ("BIPOLAR", C.CONDITION_WORD, "PSY"),
    ("AUTISM", C.CONDITION_WORD, None),
    ("EPILEPSY", C.CONDITION_WORD, None),
    ("TUBERCULOSIS", C.CONDITION_WORD, None),
    ("HEPATITIS", C.CONDITION_WORD, None),
    ("PREGNANT", C.CONDITION_WORD, "PREGNANT"),
    ("PREGNANCY", C.CONDITION_WORD, "PREGNANT"),
    ("NALTREXONE", C.CONDITION_WORD, "ETH"),
    ("NARCAN", C.CONDITION_WORD, "ETH"),
)

# Weak words: common in ordinary addresses; they count only beside another finding.
_WEAK: tuple[str, ...] = (
    "ROOM",
    "BED",
    "FLOOR",
    "WING",
    "UNIT",
    "WARD",
    "CARE",
    "CARE CENTER",
    "TREATMENT",
    "RECOVERY",
    "RESIDENTIAL",
    "RESIDENCE",
    "COTTAGE",
    "PATIENT",
    "MEDICAL",
    "HEALTH",
    "C O",
    "CARE OF",
)

# A strong term directly followed by one of these in an address line is part of a street name
# ("100 Hospital Dr", "Medical Center Pkwy") and is not a finding. CTR stays out: "Dialysis Ctr".
STREET_SUFFIXES: frozenset[str] = frozenset(k for k, v in SUFFIXES.items() if v != "CTR")


@dataclass(frozen=True)
class Term:
    id: str
    phrase: str
    category: Category
    strong: bool
    sensitivity: str | None
    spellings: tuple[str, ...]


def spellings(phrase: str) -> tuple[str, ...]:
    options = [(w, *ABBREVIATIONS.get(w, ())) for w in phrase.split()]
    return tuple(dict.fromkeys(" ".join(combo) for combo in itertools.product(*options)))


def _lexicon() -> tuple[Term, ...]:
    terms: list[Term] = []
    for i, (phrase, cat, label) in enumerate(_STRONG, start=1):
        terms.append(
            Term(f"T{i:03d}", phrase, cat, True, label or SENSITIVITY[cat], spellings(phrase))
        )
    for j, phrase in enumerate(_WEAK, start=1):
        c = C.CLINICAL_UNIT
        terms.append(Term(f"W{j:03d}", phrase, c, False, SENSITIVITY[c], spellings(phrase)))
    return tuple(terms)


TERMS: tuple[Term, ...] = _lexicon()
BY_ID: dict[str, Term] = {t.id: t for t in TERMS}


@dataclass(frozen=True)
class Matches:
    """Term matches in a concatenated text: per match its row, term index and character span
    (within the row's padded text)."""

    row: I64
    term: I64
    start: I64
    end: I64

    def __len__(self) -> int:
        return len(self.row)


def _empty() -> Matches:
    z = np.zeros(0, np.int64)
    return Matches(z, z, z, z)


class Automaton:
    """One pyahocorasick automaton over the padded spellings of some terms."""

    def __init__(self, terms: tuple[Term, ...]) -> None:
        # Imported here so the orders stage (which imports the guard's fact declarations) never
        # needs the C extension; importlib keeps mypy from wanting stubs it does not ship.
        ahocorasick = importlib.import_module("ahocorasick")

        self.terms = terms
        self._a: Any = ahocorasick.Automaton()
        for idx, term in enumerate(terms):
            for spelling in term.spellings:
                key = f" {spelling} "
                # Two terms may share a spelling; the first (listed earlier) keeps it.
                if key not in self._a:
                    self._a.add_word(key, (idx, len(key)))
        self._a.make_automaton()

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(term index, start, end) of every match in one padded text."""
        return [(idx, end + 1 - n, end + 1) for end, (idx, n) in self._a.iter(text)]

    def scan(self, padded: pa.Array) -> Matches:
        """Every match in a string array of padded ASCII texts (nulls hold no text)."""
        if len(padded) == 0:
            return _empty()
        bufs = padded.buffers()
        data = bufs[2]
        if data is None:
            return _empty()
        raw = np.frombuffer(bufs[1], dtype=np.int32)
        offsets = raw[padded.offset : padded.offset + len(padded) + 1].astype(np.int64)
        lo, hi = int(offsets[0]), int(offsets[-1])
        text = data.to_pybytes()[lo:hi].decode("ascii")
        found = [(end, idx, n) for end, (idx, n) in self._a.iter(text)]
        if not found:
            return _empty()
        arr = np.array(found, dtype=np.int64)
        end = arr[:, 0] + 1 + lo
        start = end - arr[:, 2]
        row = np.searchsorted(offsets, start, side="right") - 1
        base = offsets[row]
        return Matches(row, arr[:, 1], start - base, end - base)


class Lexicon:
    """The terms and their two automata (strong, weak), built once and reused."""

    def __init__(self, terms: tuple[Term, ...] = TERMS, version: str = VERSION) -> None:
        self.version = version
        self.strong_terms = tuple(t for t in terms if t.strong)
        self.weak_terms = tuple(t for t in terms if not t.strong)

    @cached_property
    def strong(self) -> Automaton:
        return Automaton(self.strong_terms)

    @cached_property
    def weak(self) -> Automaton:
        return Automaton(self.weak_terms)

    def anchor(self, term: Term) -> str:
        return f"terms:{self.version}#{term.id}"


def followed_by_street_suffix(text: str, end: int) -> bool:
    """Whether the word after ``end`` in a padded text is a street suffix."""
    nxt = text[end:].split(" ", 1)[0] if end < len(text) else ""
    return nxt in STREET_SUFFIXES


__all__ = [
    "ABBREVIATIONS",
    "BY_ID",
    "STREET_SUFFIXES",
    "TERMS",
    "VERSION",
    "Automaton",
    "Lexicon",
    "Matches",
    "Term",
    "followed_by_street_suffix",
    "spellings",
]
