"""A synthetic health-facility registry in the NPPES main-file layout (``npidata_pfile``).

The header is the full 330-column layout of the NPPES Data Dissemination file (Readme of
February 2025, Exhibit 2-1), which contains every header facility-registries.md §1 lists; the
file quotes every value and writes dates as MM/DD/YYYY, like the real one. Rows are:
- organization NPIs (Entity Type Code 2) with facility taxonomies from facility-registries.md
  §2, at least three per state; the enrollment generator plants residents at these;
- a few individual NPIs (Entity Type Code 1) in sensitive specialties (the weak signal of §6);
- some deactivated organization NPIs, a few of them reactivated.

Facility house numbers and phone line numbers are multiples of 50, which residential ones never
are (see ``addresses``), so only planted rows ever match the registry.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from minshare.data.synth import addresses, geo, lexicon, names
from minshare.data.synth.names import words as _words
from minshare.data.synth.rand import I64, choice, uniform_int


def _header() -> tuple[str, ...]:
    h = [
        "NPI",
        "Entity Type Code",
        "Replacement NPI",
        "Employer Identification Number (EIN)",
        "Provider Organization Name (Legal Business Name)",
        "Provider Last Name (Legal Name)",
        "Provider First Name",
        "Provider Middle Name",
        "Provider Name Prefix Text",
        "Provider Name Suffix Text",
        "Provider Credential Text",
        "Provider Other Organization Name",
        "Provider Other Organization Name Type Code",
        "Provider Other Last Name",
        "Provider Other First Name",
        "Provider Other Middle Name",
        "Provider Other Name Prefix Text",
        "Provider Other Name Suffix Text",
        "Provider Other Credential Text",
        "Provider Other Last Name Type Code",
    ]
    for kind in ("Mailing", "Practice Location"):
        place = f"Business {kind} Address"
        h += [
            f"Provider First Line {place}",
            f"Provider Second Line {place}",
            f"Provider {place} City Name",
            f"Provider {place} State Name",
            f"Provider {place} Postal Code",
            f"Provider {place} Country Code (If outside U.S.)",
            f"Provider {place} Telephone Number",
            f"Provider {place} Fax Number",
        ]
    h += [
        "Provider Enumeration Date",
        "Last Update Date",
        "NPI Deactivation Reason Code",
        "NPI Deactivation Date",
        "NPI Reactivation Date",
        "Provider Sex Code",
        "Authorized Official Last Name",
        "Authorized Official First Name",
        "Authorized Official Middle Name",
        "Authorized Official Title or Position",
        "Authorized Official Telephone Number",
    ]
    for i in range(1, 16):
        h += [
            f"Healthcare Provider Taxonomy Code_{i}",
            f"Provider License Number_{i}",
            f"Provider License Number State Code_{i}",
            f"Healthcare Provider Primary Taxonomy Switch_{i}",
        ]
    for i in range(1, 51):
        h += [
            f"Other Provider Identifier_{i}",
            f"Other Provider Identifier Type Code_{i}",
            f"Other Provider Identifier State_{i}",
            f"Other Provider Identifier Issuer_{i}",
        ]
    h += [
        "Is Sole Proprietor",
        "Is Organization Subpart",
        "Parent Organization LBN",
        "Parent Organization TIN",
        "Authorized Official Name Prefix Text",
        "Authorized Official Name Suffix Text",
        "Authorized Official Credential Text",
    ]
    h += [f"Healthcare Provider Taxonomy Group_{i}" for i in range(1, 16)]
    h.append("Certification Date")
    return tuple(h)


NPPES_HEADER: tuple[str, ...] = _header()
PRACTICE_LINE_1 = "Provider First Line Business Practice Location Address"
PRACTICE_POSTAL = "Provider Business Practice Location Address Postal Code"
PRACTICE_PHONE = "Provider Business Practice Location Address Telephone Number"


@dataclass(frozen=True)
class FacilityType:
    taxonomy: str
    names: tuple[str, ...]
    weight: float
    extra: str = ""


# Taxonomies from facility-registries.md §2 (NUCC); weights are assumptions.
FACILITY_TYPES: tuple[FacilityType, ...] = (
    FacilityType("261QE0700X", ("{b} DIALYSIS CENTER", "{c} KIDNEY CENTER", "{b} RENAL CARE"), 20),
    FacilityType("314000000X", ("{b} NURSING AND REHABILITATION CENTER", "{b} CARE CENTER"), 14,
                 "313M00000X"),
    FacilityType("313M00000X", ("{b} NURSING HOME",), 6),
    FacilityType("310400000X", ("{b} ASSISTED LIVING",), 4),
    FacilityType("311500000X", ("{b} MEMORY CARE",), 2),
    FacilityType("315P00000X", ("{b} RESIDENTIAL SERVICES",), 2),
    FacilityType("282N00000X", ("{c} GENERAL HOSPITAL", "{b} MEDICAL CENTER"), 8, "273R00000X"),
    FacilityType("283Q00000X", ("{b} BEHAVIORAL HOSPITAL",), 3),
    FacilityType("261QM0801X", ("{b} COMMUNITY MENTAL HEALTH CENTER",), 5),
    FacilityType("323P00000X", ("{b} YOUTH RESIDENTIAL TREATMENT",), 1),
    FacilityType("261QM2800X", ("{b} TREATMENT SERVICES", "{c} METHADONE PROGRAM"), 4),
    FacilityType("324500000X", ("{b} RECOVERY CENTER",), 4, "261QR0405X"),
    FacilityType("251G00000X", ("{b} HOSPICE",), 4, "315D00000X"),
    FacilityType("251E00000X", ("{b} HOME HEALTH",), 3),
    FacilityType("261QF0400X", ("{c} COMMUNITY HEALTH CENTER",), 6, "261QP2300X"),
    FacilityType("261QF0050X", ("{b} FAMILY PLANNING CLINIC",), 2),
    FacilityType("261QX0200X", ("{b} CANCER CENTER",), 2, "261QX0203X"),
    FacilityType("261QI0500X", ("{b} INFUSION SERVICES",), 1),
)  # fmt: skip

_BRANDS = _words("""SUNRISE EVERGREEN HARBOR RIVERSIDE MAPLE_GROVE ST._JOSEPH MERCY GOOD_SAMARITAN
PINE_RIDGE LAKESIDE VALLEY HOPE BRIGHTON CEDAR_CREST NEW_BEGINNINGS PROVIDENCE HIGHLAND OAKWOOD
SUMMIT GOLDEN_YEARS""")

# Individual specialties that make an office address sensitive (weak signal only).
_INDIVIDUAL = (
    ("2084P0800X", "MD"),
    ("101YA0400X", "LADC"),
    ("207RN0300X", "MD"),
    ("207RH0003X", "DO"),
    ("1041C0700X", "LCSW"),
    ("363L00000X", "NP"),
)

ORGS_PER_STATE_MIN = 3
ORGS_TOTAL = 700
INDIVIDUALS = 120
DEACTIVATED = 40


@dataclass(frozen=True)
class Sites:
    """Active organizations residents can be planted at, grouped by state (small, picklable)."""

    state: I64
    house: I64
    street: I64  # mixed-case street dictionary index
    city: I64  # mixed-case city dictionary index
    zip5: I64
    zip4: I64
    area: I64
    exch: I64
    line: I64
    start: I64  # per state: first active organization
    count: I64  # per state: number of active organizations


@dataclass(frozen=True)
class Registry:
    rows: list[list[str]]
    sites: Sites

    def __len__(self) -> int:
        return len(self.rows)


def npi_check_digit(base9: str) -> str:
    """Luhn check digit over the 80840 prefix (the NPI standard)."""
    digits = [int(c) for c in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def _us_date(day_number: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day_number))).strftime("%m/%d/%Y")


def _phone(area: int, exch: int, line: int) -> str:
    return f"{area}{exch:03d}{line:04d}"


def build(rng: np.random.Generator) -> Registry:
    """The registry: per-row Python is fine here, it has under a thousand rows."""
    share = np.round(geo.STATE_WEIGHTS * ORGS_TOTAL).astype(np.int64)
    per_state = np.maximum(share, ORGS_PER_STATE_MIN)
    org_state = np.repeat(np.arange(geo.N_STATES, dtype=np.int64), per_state)
    deact_state = choice(rng, DEACTIVATED, geo.STATE_WEIGHTS)
    ind_state = choice(rng, INDIVIDUALS, geo.STATE_WEIGHTS)
    states_all = np.concatenate([org_state, deact_state, ind_state])
    n = len(states_all)

    city = addresses.city(rng, states_all)
    house = addresses.facility_number(rng, n)
    street = addresses.street(rng, n)
    zip5 = geo.CITY_ZIP3[city] * 100 + uniform_int(rng, 0, 100, n)
    zip4 = np.where(rng.random(n) < 0.6, uniform_int(rng, 1, 10000, n), -1)
    area = addresses.area_code(rng, states_all)
    exch = addresses.exchange(rng, n)
    line = 50 * uniform_int(rng, 0, 198, n)
    npi_base = rng.choice(np.arange(10_000_000, 100_000_000), size=n, replace=False)
    kind = np.array(["org"] * len(org_state) + ["deact"] * DEACTIVATED + ["ind"] * INDIVIDUALS)
    ftype = choice(rng, n, [t.weight for t in FACILITY_TYPES])
    u = rng.random((n, 8))
    enum_day = uniform_int(rng, 12_784, 18_262, n)  # 2005-2019
    update_day = uniform_int(rng, 17_897, 20_454, n)  # 2019-2025

    rows: list[list[str]] = []
    for i in range(n):
        g = geo.GEO[int(states_all[i])]
        rec = dict.fromkeys(NPPES_HEADER, "")
        base = ("1" if kind[i] != "ind" or u[i, 0] < 0.5 else "2") + f"{int(npi_base[i]):08d}"
        rec["NPI"] = base + npi_check_digit(base)
        street_name = lexicon.STREET.values[int(street[i])].upper()
        city_name = geo.CITY_NAMES[int(city[i])].upper()
        postal = f"{int(zip5[i]):05d}" + (f"{int(zip4[i]):04d}" if zip4[i] >= 0 else "")
        phone = _phone(int(area[i]), int(exch[i]), int(line[i]))
        fax = _phone(int(area[i]), int(exch[i]), int((line[i] + 50) % 10_000))
        practice = {
            "Provider First Line Business Practice Location Address": f"{house[i]} {street_name}",
            "Provider Second Line Business Practice Location Address": (
                f"STE {int(u[i, 1] * 4 + 1)}00" if u[i, 1] < 0.3 else ""
            ),
            "Provider Business Practice Location Address City Name": city_name,
            "Provider Business Practice Location Address State Name": g.abbr,
            "Provider Business Practice Location Address Postal Code": postal,
            "Provider Business Practice Location Address Country Code (If outside U.S.)": "US",
            "Provider Business Practice Location Address Telephone Number": phone,
            "Provider Business Practice Location Address Fax Number": fax if u[i, 2] < 0.7 else "",
        }
        rec.update(practice)
        for key, value in practice.items():
            mail_key = key.replace("Practice Location", "Mailing")
            rec[mail_key] = value
        if u[i, 3] < 0.3:
            rec["Provider First Line Business Mailing Address"] = (
                f"PO BOX {int(u[i, 4] * 9000) + 100}"
            )
            rec["Provider Second Line Business Mailing Address"] = ""
        rec["Provider Enumeration Date"] = _us_date(enum_day[i])
        rec["Last Update Date"] = _us_date(update_day[i])
        brand = _BRANDS[int(u[i, 5] * len(_BRANDS))]
        official_first = names.FIRST_F_GENERAL[int(u[i, 6] * len(names.FIRST_F_GENERAL))]
        official_last = names.LAST_GENERAL[int(u[i, 7] * len(names.LAST_GENERAL))]
        if kind[i] == "ind":
            taxonomy, credential = _INDIVIDUAL[i % len(_INDIVIDUAL)]
            rec["Entity Type Code"] = "1"
            rec["Provider Last Name (Legal Name)"] = official_last.upper()
            rec["Provider First Name"] = official_first.upper()
            rec["Provider Credential Text"] = credential
            rec["Provider Sex Code"] = "F"
            rec["Is Sole Proprietor"] = "Y" if u[i, 1] < 0.4 else "N"
            rec["Healthcare Provider Taxonomy Code_1"] = taxonomy
            rec["Provider License Number_1"] = f"{int(npi_base[i]) % 1_000_000:06d}"
            rec["Provider License Number State Code_1"] = g.abbr
            rec["Healthcare Provider Primary Taxonomy Switch_1"] = "Y"
        else:
            ft = FACILITY_TYPES[int(ftype[i])]
            template = ft.names[int(u[i, 4] * len(ft.names))]
            org_name = template.format(b=brand, c=city_name)
            rec["Entity Type Code"] = "2"
            rec["Provider Organization Name (Legal Business Name)"] = org_name
            if u[i, 2] < 0.3:
                rec["Provider Other Organization Name"] = f"{brand} OF {g.name.upper()}"
                rec["Provider Other Organization Name Type Code"] = "3"
            rec["Authorized Official Last Name"] = official_last.upper()
            rec["Authorized Official First Name"] = official_first.upper()
            rec["Authorized Official Title or Position"] = "ADMINISTRATOR"
            rec["Authorized Official Telephone Number"] = fax
            rec["Healthcare Provider Taxonomy Code_1"] = ft.taxonomy
            rec["Healthcare Provider Primary Taxonomy Switch_1"] = "Y"
            if ft.extra:
                rec["Healthcare Provider Taxonomy Code_2"] = ft.extra
                rec["Healthcare Provider Primary Taxonomy Switch_2"] = "N"
            rec["Other Provider Identifier_1"] = f"{int(npi_base[i]) % 100_000_000:08d}"
            rec["Other Provider Identifier Type Code_1"] = "05"
            rec["Other Provider Identifier State_1"] = g.abbr
            rec["Is Organization Subpart"] = "Y" if u[i, 3] < 0.2 else "N"
            if rec["Is Organization Subpart"] == "Y":
                rec["Parent Organization LBN"] = f"{brand} HEALTH SYSTEM"
        if kind[i] == "deact":
            rec["NPI Deactivation Reason Code"] = "DB"
            rec["NPI Deactivation Date"] = _us_date(update_day[i])
            if u[i, 0] < 0.25:
                rec["NPI Reactivation Date"] = _us_date(update_day[i] + 200)
        rows.append([rec[h] for h in NPPES_HEADER])

    active = kind == "org"
    order = np.argsort(states_all[active], kind="stable")
    pick = np.flatnonzero(active)[order]
    counts = np.bincount(states_all[pick], minlength=geo.N_STATES).astype(np.int64)
    sites = Sites(
        state=states_all[pick],
        house=house[pick],
        street=street[pick],
        city=city[pick],
        zip5=zip5[pick],
        zip4=zip4[pick],
        area=area[pick],
        exch=exch[pick],
        line=line[pick],
        start=(np.cumsum(counts) - counts).astype(np.int64),
        count=counts,
    )
    return Registry(rows=rows, sites=sites)


def write(registry: Registry, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        out.writerow(NPPES_HEADER)
        out.writerows(registry.rows)
