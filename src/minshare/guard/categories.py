"""What a finding says: its category (health-categories.md §1) and its HL7 sensitivity label.

Categories F1-F9, U1, T1, P1, P2 and C1-C3 are the domain reference's. minshare adds three that
are not medical but must not leave unreviewed either: ``A1`` (shelters and domestic-violence
services, labelled SDV as the reference suggests), ``I1`` (the Medicaid ID is, or looks like, an
SSN) and ``V1`` (a permitted field fails its own shape: fail closed, do not analyse further).

Sensitivity labels are codes of the HL7 v3 ``InformationSensitivityPolicy`` value set
(ActCode). The reference names ETH, PSY, HIV, SEX, STD, SDV; for facilities whose type is
medical but not one of those (a dialysis centre, a hospital) minshare uses PATLOC (patient
location), for residential care LIVARG (living arrangement), for diagnosis codes DIA and for
drug codes DRGIS [inference: codes from the value set; the mapping is minshare's choice].
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    HOSPITAL = "F1"
    DIALYSIS = "F2"
    NURSING = "F3"
    HOSPICE_HOME_HEALTH = "F4"
    SUBSTANCE_USE = "F5"
    MENTAL_HEALTH = "F6"
    SEXUAL_REPRODUCTIVE_HIV = "F7"
    ONCOLOGY_INFUSION = "F8"
    OTHER_CLINIC = "F9"
    CLINICAL_UNIT = "U1"
    CONDITION_WORD = "T1"
    FACILITY_PHONE = "P1"
    HOTLINE = "P2"
    DIAGNOSIS_CODE = "C1"
    PROCEDURE_CODE = "C2"
    PROVIDER_DRUG_ID = "C3"
    SHELTER = "A1"
    SSN_AS_ID = "I1"
    SHAPE = "V1"

    @property
    def what(self) -> str:
        return TITLES[self]

    @property
    def is_health(self) -> bool:
        """Reveals something medical (or, for A1, as dangerous); I1 and V1 do not."""
        return self not in (Category.SSN_AS_ID, Category.SHAPE)


C = Category

TITLES: dict[Category, str] = {
    C.HOSPITAL: "hospital",
    C.DIALYSIS: "dialysis / ESRD",
    C.NURSING: "nursing home, SNF, ICF/IID, assisted living, memory care",
    C.HOSPICE_HOME_HEALTH: "hospice, home health",
    C.SUBSTANCE_USE: "substance use treatment",
    C.MENTAL_HEALTH: "mental health",
    C.SEXUAL_REPRODUCTIVE_HIV: "HIV/STD, sexual and reproductive health",
    C.ONCOLOGY_INFUSION: "oncology, infusion, radiation, transplant",
    C.OTHER_CLINIC: "other clinic (FQHC, RHC, community health)",
    C.CLINICAL_UNIT: "clinical unit, ward, room or bed",
    C.CONDITION_WORD: "condition, procedure or drug word",
    C.FACILITY_PHONE: "facility phone number",
    C.HOTLINE: "named health hotline",
    C.DIAGNOSIS_CODE: "diagnosis code (ICD-10-CM)",
    C.PROCEDURE_CODE: "procedure code (CPT/HCPCS)",
    C.PROVIDER_DRUG_ID: "drug or provider identifier (NDC, NPI, DEA, MBI)",
    C.SHELTER: "shelter or domestic-violence service",
    C.SSN_AS_ID: "Medicaid ID is or looks like an SSN",
    C.SHAPE: "field fails its shape check",
}

# Default HL7 label per category; a term, registry entry or code may carry a more specific one.
SENSITIVITY: dict[Category, str | None] = {
    C.HOSPITAL: "PATLOC",
    C.DIALYSIS: "PATLOC",
    C.NURSING: "LIVARG",
    C.HOSPICE_HOME_HEALTH: "PATLOC",
    C.SUBSTANCE_USE: "ETH",
    C.MENTAL_HEALTH: "PSY",
    C.SEXUAL_REPRODUCTIVE_HIV: "SEX",
    C.ONCOLOGY_INFUSION: "PATLOC",
    C.OTHER_CLINIC: "PATLOC",
    C.CLINICAL_UNIT: "PATLOC",
    C.CONDITION_WORD: "DIA",
    C.FACILITY_PHONE: "PATLOC",
    C.HOTLINE: "PATLOC",
    C.DIAGNOSIS_CODE: "DIA",
    C.PROCEDURE_CODE: "DIA",
    C.PROVIDER_DRUG_ID: "PATLOC",
    C.SHELTER: "SDV",
    C.SSN_AS_ID: None,
    C.SHAPE: None,
}

# When one facility carries several types, the most revealing wins (42 CFR Part 2 first).
PRECEDENCE: tuple[Category, ...] = (
    C.SUBSTANCE_USE,
    C.MENTAL_HEALTH,
    C.SEXUAL_REPRODUCTIVE_HIV,
    C.SHELTER,
    C.DIALYSIS,
    C.HOSPICE_HOME_HEALTH,
    C.ONCOLOGY_INFUSION,
    C.NURSING,
    C.HOSPITAL,
    C.OTHER_CLINIC,
)

FACILITY_CATEGORIES: frozenset[Category] = frozenset(PRECEDENCE)

# Words a user may write for a category in a plain registry CSV.
ALIASES: dict[str, Category] = {
    "hospital": C.HOSPITAL,
    "dialysis": C.DIALYSIS,
    "esrd": C.DIALYSIS,
    "nursing": C.NURSING,
    "nursing_home": C.NURSING,
    "snf": C.NURSING,
    "assisted_living": C.NURSING,
    "hospice": C.HOSPICE_HOME_HEALTH,
    "home_health": C.HOSPICE_HOME_HEALTH,
    "substance_use": C.SUBSTANCE_USE,
    "sud": C.SUBSTANCE_USE,
    "methadone": C.SUBSTANCE_USE,
    "mental_health": C.MENTAL_HEALTH,
    "psychiatric": C.MENTAL_HEALTH,
    "reproductive": C.SEXUAL_REPRODUCTIVE_HIV,
    "hiv": C.SEXUAL_REPRODUCTIVE_HIV,
    "family_planning": C.SEXUAL_REPRODUCTIVE_HIV,
    "oncology": C.ONCOLOGY_INFUSION,
    "infusion": C.ONCOLOGY_INFUSION,
    "clinic": C.OTHER_CLINIC,
    "fqhc": C.OTHER_CLINIC,
    "shelter": C.SHELTER,
    "domestic_violence": C.SHELTER,
}


def parse_category(text: str) -> Category:
    """A category from its code (``F2``) or an alias (``dialysis``); ValueError otherwise."""
    key = text.strip()
    try:
        cat = Category(key.upper())
    except ValueError:
        alias = ALIASES.get(key.lower().replace(" ", "_").replace("-", "_"))
        if alias is None:
            known = ", ".join(sorted({c.value for c in FACILITY_CATEGORIES} | set(ALIASES)))
            raise ValueError(f"unknown facility category {text!r}; use one of {known}") from None
        return alias
    if cat not in FACILITY_CATEGORIES:
        raise ValueError(f"{cat.value} is not a facility category (F1-F9 or A1)")
    return cat


def most_revealing(categories: set[Category]) -> Category:
    for cat in PRECEDENCE:
        if cat in categories:
            return cat
    raise ValueError("no facility category")


SENSITIVITY_LABELS: dict[str, str] = {
    "ETH": "substance abuse information",
    "PSY": "psychiatry information",
    "HIV": "HIV/AIDS information",
    "STD": "sexually transmitted disease information",
    "SEX": "sexuality and reproductive health information",
    "SDV": "sexual assault, abuse or domestic violence information",
    "PATLOC": "patient location",
    "LIVARG": "living arrangement",
    "DIA": "diagnosis information",
    "DRGIS": "drug information",
    "PREGNANT": "pregnancy",
}
