"""Residential addresses and phones, and their assembly into raw strings.

Two invariants keep the truth labels exact: a residential house number is never a multiple of
50 and a residential phone's line number is never a multiple of 50, while every facility in the
registry uses multiples of 50 for both. So a home address or phone matches a registry entry
only where a facility case was planted on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minshare.data.synth import geo, lexicon
from minshare.data.synth.arrow import digits, padded, patch
from minshare.data.synth.rand import I64, Arr, bern, choice, i64, uniform_int, within

Frame = dict[str, Arr]

_SUFFIX_W = [30, 20, 2, 10, 10, 6, 5, 6, 4, 2, 3, 2]
MAIL_NONE, MAIL_SAME, MAIL_PO_BOX = 0, 1, 2
PHONE_DIGITS, PHONE_PARENS, PHONE_DASHES, PHONE_DOTS = 0, 1, 2, 3


def residential_number(rng: np.random.Generator, n: int) -> I64:
    band = choice(rng, n, [0.55, 0.35, 0.10])
    lo = np.array([1, 1000, 10000])[band]
    hi = np.array([1000, 10000, 30000])[band]
    house = uniform_int(rng, lo, hi, n)
    return i64(house + (house % 50 == 0))


def facility_number(rng: np.random.Generator, n: int) -> I64:
    return i64(50 * uniform_int(rng, 1, 200, n))


def exchange(rng: np.random.Generator, n: int) -> I64:
    # NANP central office codes start 2-9 and are never N11 (211, 911, ...).
    ex = uniform_int(rng, 200, 1000, n)
    return i64(ex + (ex % 100 == 11))


def residential_line(rng: np.random.Generator, n: int) -> I64:
    line = uniform_int(rng, 0, 10000, n)
    return i64(line + (line % 50 == 0))


def area_code(rng: np.random.Generator, state: I64) -> I64:
    return geo.AREA_CODES[within(rng, geo.AREA_START[state], geo.AREA_COUNT[state])]


def city(rng: np.random.Generator, state: I64) -> I64:
    # Squaring the uniform favours each state's first (largest) city.
    count = geo.CITY_COUNT[state]
    return geo.CITY_START[state] + (rng.random(len(state)) ** 2 * count).astype(np.int64)


def street(rng: np.random.Generator, n: int) -> I64:
    return lexicon.street_index(
        np.where(bern(rng, 0.7, n), 0, uniform_int(rng, 1, lexicon.N_DIR, n)),
        uniform_int(rng, 0, lexicon.N_STREET, n),
        choice(rng, n, _SUFFIX_W),
        bern(rng, 0.08, n).astype(np.int64),
    )


def households(rng: np.random.Generator, f: Frame, hh: I64, h_state: I64) -> None:
    """Give each household one address and (mostly) one phone; fill the per-row fields."""
    n_hh = len(h_state)
    n = len(hh)
    h_city = city(rng, h_state)
    f["city"] = h_city[hh]
    f["house"] = residential_number(rng, n_hh)[hh]
    f["street"] = street(rng, n_hh)[hh]
    n_units = lexicon.LINE2.size("mixed")
    f["unit"] = np.where(bern(rng, 0.28, n_hh), uniform_int(rng, 0, n_units, n_hh), -1)[hh]
    n_line3 = lexicon.LINE3.size("mixed")
    f["line3"] = np.where(bern(rng, 0.007, n_hh), uniform_int(rng, 0, n_line3, n_hh), -1)[hh]
    f["zip5"] = (geo.CITY_ZIP3[h_city] * 100 + uniform_int(rng, 0, 100, n_hh))[hh]
    f["zip4"] = np.where(bern(rng, 0.12, n_hh), uniform_int(rng, 1, 10000, n_hh), -1)[hh]
    f["home_fips"] = bern(rng, 0.08, n_hh)[hh]
    f["mail_kind"] = choice(rng, n_hh, [0.82, 0.08, 0.10])[hh]
    box = residential_number(rng, n_hh) % 10_000
    f["po_box"] = (box + (box % 50 == 0))[hh]
    f["mail_unit"] = np.full(n, -1, np.int64)

    state = h_state[hh]
    shared = bern(rng, 0.75, n)
    f["area"] = np.where(shared, area_code(rng, h_state)[hh], area_code(rng, state))
    f["exch"] = np.where(shared, exchange(rng, n_hh)[hh], exchange(rng, n))
    f["line"] = np.where(shared, residential_line(rng, n_hh)[hh], residential_line(rng, n))
    f["phone"] = bern(rng, 0.88, n)
    f["phone_style"] = choice(rng, n, [0.85, 0.08, 0.04, 0.03])
    # Planted text, resolved at assembly: -1 means none.
    f["line1_suffix"] = np.full(n, -1, np.int64)
    f["line1_formula"] = np.full(n, -1, np.int64)
    f["zip_fullwidth"] = np.zeros(n, np.bool_)


def apply_case(f: Frame, upper: Arr) -> None:
    """Move name and address indices into the upper-case half of their dictionaries."""
    up = upper.astype(np.int64)
    f["first"] = f["first"] + up * lexicon.FIRST_UPPER
    f["last"] = f["last"] + up * lexicon.LAST_UPPER
    f["city"] = f["city"] + up * lexicon.CITY_UPPER
    f["street"] = f["street"] + up * lexicon.STREET_UPPER
    f["unit"] = np.where(f["unit"] >= 0, f["unit"] + up * lexicon.LINE2_UPPER, -1)
    f["line3"] = np.where(f["line3"] >= 0, f["line3"] + up * lexicon.LINE3_UPPER, -1)


def county(city_index: I64) -> I64:
    return geo.CITY_COUNTY[city_index % lexicon.CITY_UPPER]


# --- strings -------------------------------------------------------------------------------------


def line1(f: Frame) -> Any:
    out = pc.binary_join_element_wise(digits(f["house"]), lexicon.STREET.take(f["street"]), " ")
    rows = np.flatnonzero(f["line1_suffix"] >= 0)
    if len(rows):
        suffix = pa.array([lexicon.ICD_LINE1_SUFFIX[i] for i in f["line1_suffix"][rows]])
        out = patch(out, rows, pc.binary_join_element_wise(out.take(pa.array(rows)), suffix, ""))
    rows = np.flatnonzero(f["line1_formula"] >= 0)
    if len(rows):
        out = patch(out, rows, pa.array([lexicon.FORMULAS[i] for i in f["line1_formula"][rows]]))
    return out


def zip_code(f: Frame) -> Any:
    zip4 = f["zip4"]
    values = np.where(zip4 >= 0, f["zip5"] * 10_000 + zip4, f["zip5"])
    out = padded(values, np.where(zip4 >= 0, 9, 5))
    rows = np.flatnonzero(f["zip_fullwidth"])
    if len(rows):
        wide = [s.translate(lexicon.FULLWIDTH_DIGITS) for s in out.take(pa.array(rows)).to_pylist()]
        out = patch(out, rows, pa.array(wide, pa.string()))
    return out


def phone(f: Frame) -> Any:
    """10-digit phones; some rows formatted the way a data-entry screen would keep them."""
    missing = ~f["phone"]
    area, exch, line = f["area"], f["exch"], f["line"]
    out = digits(area * 10_000_000 + exch * 10_000 + line, missing)
    style = np.where(missing, PHONE_DIGITS, f["phone_style"])
    rows = np.flatnonzero(style != PHONE_DIGITS)
    if not len(rows):
        return out
    a, e = digits(area[rows]), digits(exch[rows])
    ln = padded(line[rows], 4)
    s = style[rows]
    parens = pc.binary_join_element_wise("(", a, ") ", e, "-", ln, "")
    dashes = pc.binary_join_element_wise(a, e, ln, "-")
    dots = pc.binary_join_element_wise(a, e, ln, ".")
    formatted = pc.if_else(
        pa.array(s == PHONE_PARENS), parens, pc.if_else(pa.array(s == PHONE_DASHES), dashes, dots)
    )
    return patch(out, rows, formatted)


def po_box(f: Frame, rows: I64) -> Any:
    upper = f["upper"][rows]
    label = pc.if_else(pa.array(upper), "PO BOX", "PO Box")
    return pc.binary_join_element_wise(label, digits(f["po_box"][rows]), " ")
