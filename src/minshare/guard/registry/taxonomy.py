"""Facility types to categories: NUCC taxonomy codes and CMS POS provider categories.

Sources (facility-registries.md §2-§3): the NUCC codes listed per category there, and CMS's own
lists in ``taf/TAF_Grouper.py`` of the T-MSIS Analytic File generator, used verbatim so
minshare's "MH/SUD provider" is CMS's: ``otstax`` (substance use) -> F5, ``otmtax`` (mental
health) -> F6. A code on several lists takes the most revealing category
(:data:`minshare.guard.categories.PRECEDENCE`); a provider with several taxonomies takes its
primary taxonomy's category when that one maps, else the most revealing of the others.

POS categories: 01 hospital F1; 02, 03, 04, 10 SNF/NF and 11 ICF/IID F3; 05 home health and 16
hospice F4; 06 PRTF and 19 CMHC F6; 09 ESRD F2; 12 RHC, 14 CORF and 21 FQHC F9; 15 ASC F1.
Portable X-ray (07), outpatient PT (08), organ procurement (17), mammography (20) and CLIA labs
(22) are left out: no one lives or is treated as a resident there, and a home address matching
one is noise [inference]. The hospital subtypes (``PRVDR_CTGRY_SBTYP_CD``) are [open] in the
domain reference, so a psychiatric hospital in POS is F1 unless its name carries a psychiatric
term (the term automaton reads facility names too).
"""

from __future__ import annotations

from minshare.guard.categories import SENSITIVITY, Category, most_revealing

C = Category

VERSION = "minshare-taxonomy/1"

# facility-registries.md §2.
_LISTED: dict[Category, tuple[str, ...]] = {
    C.DIALYSIS: ("261QE0700X",),
    C.SUBSTANCE_USE: ("261QM2800X", "261QR0405X", "324500000X", "3245S0500X", "276400000X"),
    C.MENTAL_HEALTH: (
        "261QM0801X", "261QM0850X", "261QM0855X", "283Q00000X", "273R00000X", "323P00000X",
        "322D00000X", "320800000X", "310500000X", "3104A0625X",
    ),
    C.HOSPICE_HOME_HEALTH: ("251G00000X", "315D00000X", "251E00000X"),
    C.NURSING: (
        "314000000X", "313M00000X", "315P00000X", "311500000X", "310400000X", "311Z00000X",
    ),
    C.HOSPITAL: (
        "282N00000X", "282NC2000X", "282NC0060X", "282NW0100X", "282E00000X", "283X00000X",
        "273Y00000X", "281P00000X", "273100000X",
    ),
    C.SEXUAL_REPRODUCTIVE_HIV: ("261QF0050X", "261QA0005X", "261QA0006X", "261QB0400X"),
    C.ONCOLOGY_INFUSION: ("261QX0200X", "261QX0203X", "261QI0500X", "251F00000X"),
    C.OTHER_CLINIC: ("261QF0400X", "261QR1300X", "261QC1500X", "261QM1000X", "261QP2300X"),
}  # fmt: skip

# CMS TAF_Grouper.otstax (substance use disorder taxonomies).
OTSTAX: tuple[str, ...] = (
    "101YA0400X", "103TA0400X", "163WA0400X", "207LA0401X", "207QA0401X", "207RA0401X",
    "2084A0401X", "2084P0802X", "261QM2800X", "261QR0405X", "276400000X", "324500000X",
    "3245S0500X", "2083A0300X",
)  # fmt: skip

# CMS TAF_Grouper.otmtax (mental health taxonomies).
OTMTAX: tuple[str, ...] = (
    "101Y00000X", "101YM0800X", "101YP1600X", "101YP2500X", "101YS0200X", "102L00000X",
    "102X00000X", "103G00000X", "103GC0700X", "103K00000X", "103T00000X", "103TA0700X",
    "103TC0700X", "103TC2200X", "103TB0200X", "103TC1900X", "103TE1000X", "103TE1100X",
    "103TF0000X", "103TF0200X", "103TP2701X", "103TH0004X", "103TH0100X", "103TM1700X",
    "103TM1800X", "103TP0016X", "103TP0814X", "103TP2700X", "103TR0400X", "103TS0200X",
    "103TW0100X", "104100000X", "1041C0700X", "1041S0200X", "106E00000X", "106H00000X",
    "106S00000X", "163WP0808X", "163WP0809X", "163WP0807X", "167G00000X", "1835P1300X",
    "2080P0006X", "2080P0008X", "2084B0040X", "2084P0804X", "2084F0202X", "2084P0805X",
    "2084P0005X", "2084P0015X", "2084P0800X", "225XM0800X", "251S00000X", "252Y00000X",
    "261QM0801X", "261QM0850X", "261QM0855X", "273R00000X", "283Q00000X", "320600000X",
    "320900000X", "3104A0630X", "3104A0625X", "310500000X", "311500000X", "315P00000X",
    "320800000X", "322D00000X", "323P00000X", "363LP0808X", "364SP0807X", "364SP0808X",
    "364SP0809X", "364SP0810X", "364SP0811X", "364SP0812X", "364SP0813X", "385HR2055X",
    "385HR2060X",
)  # fmt: skip

# More specific labels than the category default.
_LABELS: dict[str, str] = {
    "261QF0050X": "SEX",
    "261QA0005X": "SEX",
    "261QA0006X": "SEX",
    "261QB0400X": "PREGNANT",
}


def _build() -> dict[str, Category]:
    seen: dict[str, set[Category]] = {}
    for cat, listed in _LISTED.items():
        for code in listed:
            seen.setdefault(code, set()).add(cat)
    for code in OTSTAX:
        seen.setdefault(code, set()).add(C.SUBSTANCE_USE)
    for code in OTMTAX:
        seen.setdefault(code, set()).add(C.MENTAL_HEALTH)
    return {code: most_revealing(cats) for code, cats in seen.items()}


TAXONOMY: dict[str, Category] = _build()

# NUCC "Grouping" values whose unlisted codes are still facilities of a category (used only when
# a NUCC taxonomy CSV is loaded with the registry).
GROUPINGS: dict[str, Category] = {
    "Hospitals": C.HOSPITAL,
    "Hospital Units": C.HOSPITAL,
    "Nursing & Custodial Care Facilities": C.NURSING,
    "Residential Treatment Facilities": C.MENTAL_HEALTH,
}

POS: dict[str, Category] = {
    "01": C.HOSPITAL,
    "02": C.NURSING,
    "03": C.NURSING,
    "04": C.NURSING,
    "05": C.HOSPICE_HOME_HEALTH,
    "06": C.MENTAL_HEALTH,
    "09": C.DIALYSIS,
    "10": C.NURSING,
    "11": C.NURSING,
    "12": C.OTHER_CLINIC,
    "14": C.OTHER_CLINIC,
    "15": C.HOSPITAL,
    "16": C.HOSPICE_HOME_HEALTH,
    "19": C.MENTAL_HEALTH,
    "21": C.OTHER_CLINIC,
}


def label(category: Category, code: str | None = None) -> str:
    return (_LABELS.get(code) if code else None) or SENSITIVITY[category] or "PATLOC"


def classify(
    codes: list[tuple[str, bool]], extra: dict[str, Category] | None = None
) -> tuple[Category, str] | None:
    """The category and deciding code of a provider's (taxonomy, is_primary) list, or None."""
    table = TAXONOMY if not extra else {**extra, **TAXONOMY}
    mapped = [(code, primary, table[code]) for code, primary in codes if code in table]
    if not mapped:
        return None
    for code, primary, cat in mapped:
        if primary:
            return cat, code
    best = most_revealing({cat for _, _, cat in mapped})
    return best, next(code for code, _, cat in mapped if cat is best)


__all__ = ["GROUPINGS", "OTMTAX", "OTSTAX", "POS", "TAXONOMY", "VERSION", "classify", "label"]
