"""Medicaid IDs, SSNs and case numbers, unique across the whole run.

Every identifier is a bijective scramble of a global number (the person's or the household's
position in the run), so IDs are unique without any cross-chunk state and chunks stay
independent. Formats are fictional but differ by state the way real ones do (CA 8 digits + a
letter, NY 2 letters + 5 digits + a letter, WA 9 digits + "WA", others numeric or prefixed).

SSN spaces are split so labels stay exact: real SSNs use areas 001-665, the fake SSN-shaped
Medicaid IDs planted as ``msis_id_ssn_shaped`` use areas 667-899 (never 000, 666 or 9xx), and
no normal Medicaid ID is nine bare digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow.compute as pc

from minshare.data.synth import geo
from minshare.data.synth.arrow import padded, patch
from minshare.data.synth.rand import I64, STREAM_SALTS, Arr, rng_for, scramble
from minshare.data.synth.vocab import Vocab

Frame = dict[str, Arr]

ID_NORMAL, ID_IS_SSN, ID_SSN_SHAPED, ID_MISSING = 0, 1, 2, 3

_LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]


@dataclass(frozen=True)
class IdFormat:
    prefix: str
    letters_before: int
    n_digits: int
    letters_after: int
    suffix: str = ""

    @property
    def capacity(self) -> int:
        return int(10**self.n_digits * 26 ** (self.letters_before + self.letters_after))


_SPECIAL = {
    "CA": IdFormat("", 0, 8, 1),
    "NY": IdFormat("", 2, 5, 1),
    "WA": IdFormat("", 0, 9, 0, "WA"),
}
_CYCLE = [
    IdFormat("", 0, 10, 0),
    IdFormat("", 0, 11, 0),
    IdFormat("", 1, 9, 0),
    IdFormat("", 0, 12, 0),
    IdFormat("M", 0, 10, 0),
]
FORMATS: tuple[IdFormat, ...] = tuple(
    _SPECIAL.get(g.abbr, _CYCLE[i % len(_CYCLE)]) for i, g in enumerate(geo.GEO)
)
# Global person numbers stay below this; every format must hold that many distinct IDs.
MAX_PEOPLE = 200_000_000
if min(f.capacity for f in FORMATS) < MAX_PEOPLE:  # pragma: no cover - guards edits
    raise AssertionError("an ID format is too small for MAX_PEOPLE")


def _affix_vocab() -> tuple[Vocab, I64, Vocab, I64]:
    prefix, suffix = Vocab(), Vocab()
    p_start, s_start = [], []
    for i, fmt in enumerate(FORMATS):
        p_start.append(len(prefix))
        combos = [""]
        for _ in range(fmt.letters_before):
            combos = [c + letter for c in combos for letter in _LETTERS]
        prefix.add(f"p{i}", (fmt.prefix + c for c in combos))
        s_start.append(len(suffix))
        tails = _LETTERS if fmt.letters_after else [""]
        suffix.add(f"s{i}", (t + fmt.suffix for t in tails))
    return prefix, np.array(p_start, np.int64), suffix, np.array(s_start, np.int64)


_PREFIX, _PREFIX_START, _SUFFIX, _SUFFIX_START = _affix_vocab()
_DIGITS = np.array([f.n_digits for f in FORMATS], np.int64)
_BEFORE = np.array([26**f.letters_before for f in FORMATS], np.int64)
_AFTER = np.array([26**f.letters_after for f in FORMATS], np.int64)
_CAPACITY = np.array([f.capacity for f in FORMATS], np.int64)

# SSN spaces: area x group (01-99) x serial (0001-9999).
_GROUPS, _SERIALS = 99, 9999
_REAL_AREAS = (1, 665)
_FAKE_AREAS = (667, 899)


@dataclass(frozen=True)
class Salts:
    """Per-run offsets for the ID scrambles, so different seeds give different IDs."""

    msis: int
    ssn: int
    fake_ssn: int
    case: int


def salts(seed: int) -> Salts:
    values = rng_for(seed, 0, STREAM_SALTS).integers(0, 2**40, size=4)
    return Salts(*(int(v) for v in values))


def _ssn(values: I64, areas: tuple[int, int], offset: int) -> I64:
    n_areas = areas[1] - areas[0] + 1
    v = scramble(values, n_areas * _GROUPS * _SERIALS, offset=offset)
    area = v // (_GROUPS * _SERIALS) + areas[0]
    group = (v // _SERIALS) % _GROUPS + 1
    serial = v % _SERIALS + 1
    return (area * 1_000_000 + group * 10_000 + serial).astype(np.int64)


def ssn_values(person: I64, salt: Salts) -> I64:
    return _ssn(person, _REAL_AREAS, salt.ssn)


def fake_ssn_values(person: I64, salt: Salts) -> I64:
    return _ssn(person, _FAKE_AREAS, salt.fake_ssn)


def ssn(f: Frame, salt: Salts) -> Any:
    return padded(ssn_values(f["person"], salt), 9, ~f["ssn_present"])


def msis_ids(f: Frame, salt: Salts) -> Any:
    """Each person's Medicaid ID in the state's format, with the planted ID cases applied."""
    state = f["state"]
    v = scramble(f["person"], _CAPACITY[state], offset=salt.msis)
    scale = 10 ** _DIGITS[state]
    rest = v // scale
    before = rest % _BEFORE[state]
    after = (rest // _BEFORE[state]) % _AFTER[state]
    out = pc.binary_join_element_wise(
        _PREFIX.take(_PREFIX_START[state] + before),
        padded(v % scale, _DIGITS[state]),
        _SUFFIX.take(_SUFFIX_START[state] + after),
        "",
    )
    kind = f["id_kind"]
    rows = np.flatnonzero(kind != ID_NORMAL)
    if not len(rows):
        return out
    k = kind[rows]
    person = f["person"][rows]
    value = np.where(k == ID_IS_SSN, ssn_values(person, salt), fake_ssn_values(person, salt))
    replacement = padded(value, 9, k == ID_MISSING)
    return patch(out, rows, replacement)


def case_numbers(household: I64, salt: Salts) -> Any:
    """MSIS_CASE_NUM: one per household, 11 digits."""
    return padded(scramble(household, 10**11, offset=salt.case), 11)
