"""Code lists for the coded columns of the data model (CMS T-MSIS / TAF).

Sources are in ../shared/domain/medicaid-data.md. Each list is closed as far as minshare knows;
a value outside it is *flagged* by the readers (never silently masked), and the orders language
treats it as unknown, so default deny applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class CodeList:
    """A closed list of codes with their meanings."""

    name: str
    codes: dict[str, str]
    source: str
    # Codes whose value alone reveals something about health (pregnancy, a condition, ...).
    sensitive: dict[str, str] = field(default_factory=dict)

    def __contains__(self, value: object) -> bool:
        return value in self.codes

    def describe(self, value: str) -> str:
        return self.codes.get(value, "unknown code")


class Sensitivity(StrEnum):
    """Why an eligibility group reveals health (medicaid-data.md §4.1)."""

    PREGNANCY = "P"
    CONDITION = "C"
    DISABILITY = "D"
    MEDICARE = "M"
    INSTITUTIONAL = "I"
    CHILD_WELFARE = "W"


CTZNSHP_IND = CodeList(
    "CTZNSHP_IND",
    {
        "0": "Not a US citizen or national",
        "1": "US citizen or national",
        "2": "US citizen or national",
    },
    "T-MSIS ELG.003.040; RULE-7528, RULE-2048",
)

VERIFICATION_IND = CodeList(
    "VERIFICATION_IND", {"0": "Not verified", "1": "Verified"}, "T-MSIS ELG.003.041/043"
)

# TAF recodes 8 (not applicable: citizen or national) to 0 (cleanImmigrationStatusCd).
IMGRTN_STUS_CD = CodeList(
    "IMGRTN_STUS_CD",
    {
        "0": "Not applicable (US citizen or national; T-MSIS 8)",
        "1": "Qualified non-citizen",
        "2": "Lawfully present under CHIPRA 214",
        "3": "Eligible only for payment for emergency services",
    },
    "T-MSIS ELG.003.042; TAF BSF validator {1,2,3,8}, 8 -> 0",
)

RSTRCTD_BNFTS_CD = CodeList(
    "RSTRCTD_BNFTS_CD",
    {
        "0": "Not eligible in the month",
        "1": "Full scope",
        "2": "Restricted based on alien status (emergency only)",
        "3": "Restricted: Medicare dual",
        "4": "Restricted to pregnancy-related services",
        "5": "Other restricted",
        "6": "Family planning only",
        "7": "DRA benchmark-equivalent",
        "A": "Psychiatric Residential Treatment Facility demonstration",
        "B": "Meaning not published",
        "C": "Meaning not published",
        "D": "Tied to Money Follows the Person enrollment",
        "E": "Meaning not published",
        "F": "Meaning not published",
        "G": "Dual-related",
    },
    "T-MSIS ELG.005.097; ResDAC scope of Medicaid or CHIP benefits",
    sensitive={
        "3": "Medicare linkage",
        "4": "pregnancy",
        "5": "possibly substance use treatment",
        "6": "reproductive health",
        "A": "psychiatric treatment",
        "B": "meaning not published: treated as sensitive",
        "C": "meaning not published: treated as sensitive",
        "D": "institutional or long-term care",
        "E": "meaning not published: treated as sensitive",
        "F": "meaning not published: treated as sensitive",
        "G": "Medicare linkage",
    },
)

_GROUPS: dict[str, tuple[str, str]] = {
    "01": ("Parents and Other Caretaker Relatives", ""),
    "02": ("Transitional Medical Assistance", ""),
    "03": ("Extended Medicaid due to Earnings", ""),
    "04": ("Extended Medicaid due to Spousal Support", ""),
    "05": ("Pregnant Women", "P"),
    "06": ("Deemed Newborns", "P"),
    "07": ("Infants and Children under 19", ""),
    "08": ("Children with Title IV-E Adoption/Foster/Guardianship", "W"),
    "09": ("Former Foster Care Children", "W"),
    "11": ("Individuals Receiving SSI", "D"),
    "12": ("Aged, Blind and Disabled in 209(b) States", "D"),
    "13": ("Mandatory State Supplements", "D"),
    "14": ("Essential Spouses", "D"),
    "15": ("Institutionalized, Eligible Since 1973", "DI"),
    "16": ("Blind or Disabled Eligible in 1973", "D"),
    "17": ("Lost SSI/SSP due to OASDI increase 1972", "D"),
    "18": ("Would be SSI/SSP but for OASDI COLA", "D"),
    "19": ("Disabled Widows/Widowers (OASDI increase)", "D"),
    "20": ("Disabled Widows/Widowers (early SS)", "D"),
    "21": ("Working Disabled under 1619(b)", "D"),
    "22": ("Disabled Adult Children", "D"),
    "23": ("Qualified Medicare Beneficiaries", "M"),
    "24": ("Qualified Disabled and Working Individuals", "MD"),
    "25": ("Specified Low Income Medicare Beneficiaries", "M"),
    "26": ("Qualifying Individuals", "M"),
    "27": ("Optional Parents and Caretakers", ""),
    "28": ("Reasonable Classifications under 21", ""),
    "29": ("Children with Non-IV-E Adoption Assistance", "W"),
    "30": ("Independent Foster Care Adolescents", "W"),
    "31": ("Optional Targeted Low Income Children", ""),
    "32": ("Electing COBRA Continuation", ""),
    "33": ("Above 133% FPL under 65", ""),
    "34": ("Needing Treatment for Breast or Cervical Cancer", "C"),
    "35": ("Eligible for Family Planning Services", "C"),
    "36": ("Individuals with Tuberculosis", "C"),
    "37": ("ABD Eligible for but Not Receiving Cash", "D"),
    "38": ("Cash except for Institutionalization", "I"),
    "39": ("HCBS under Institutional Rules", "I"),
    "40": ("Optional State Supplement - 1634/1616 states", "D"),
    "41": ("Optional State Supplement - 209(b)/no 1616", "D"),
    "42": ("Institutionalized, Special Income Level", "I"),
    "43": ("PACE under Institutional Rules", "I"),
    "44": ("Individuals Receiving Hospice Care", "C"),
    "45": ("Qualified Disabled Children under 19", "D"),
    "46": ("Poverty Level Aged or Disabled", "D"),
    "47": ("Work Incentives", "D"),
    "48": ("Ticket to Work Basic", "D"),
    "49": ("Ticket to Work Medical Improvements", "D"),
    "50": ("Family Opportunity Act Children with Disabilities", "D"),
    "51": ("Eligible for HCBS", "I"),
    "52": ("HCBS - Special Income Level", "I"),
    "53": ("Medically Needy Pregnant Women", "P"),
    "54": ("Medically Needy Children under 18", ""),
    "55": ("Medically Needy Children 18-20", ""),
    "56": ("Medically Needy Parents and Caretakers", ""),
    "59": ("Medically Needy Aged, Blind or Disabled", "D"),
    "60": ("Medically Needy Blind/Disabled 1973", "D"),
    "61": ("Targeted Low-Income Children", ""),
    "62": ("Deemed Newborn", "P"),
    "63": ("Children Ineligible due to Loss of Income Disregards", ""),
    "64": ("Coverage from Conception to Birth", "P"),
    "65": ("Children with Access to Public Employee Coverage", ""),
    "66": ("Children Eligible for Dental Only", ""),
    "67": ("Targeted Low-Income Pregnant Women", "P"),
    "68": ("Pregnant Women with Public Employee Coverage", "P"),
    "69": ("Individuals with Mental Health Conditions (expansion)", "C"),
    "70": ("Family Planning Participants (expansion)", "C"),
    "71": ("Other expansion group", ""),
    "72": ("Adult Group, newly eligible", ""),
    "73": ("Adult Group, not newly eligible (non-1905z(3))", ""),
    "74": ("Adult Group, not newly eligible parent (1905z(3))", ""),
    "75": ("Adult Group, not newly eligible non-parent (1905z(3))", ""),
    "76": ("Uninsured, eligible for COVID-19 testing", "C"),
}

ELGBLTY_GRP_CD = CodeList(
    "ELGBLTY_GRP_CD",
    {code: label for code, (label, _) in _GROUPS.items()},
    "CMS DQ apdxc.csv; tmsis/palet PaletMetadata.py (76)",
    sensitive={code: cls for code, (_, cls) in _GROUPS.items() if cls},
)

DUAL_ELGBL_CD = CodeList(
    "DUAL_ELGBL_CD",
    {
        "00": "Not dually eligible",
        "01": "Partial dual: QMB only",
        "02": "Full dual: QMB plus",
        "03": "Partial dual: SLMB only",
        "04": "Full dual: SLMB plus",
        "05": "Partial dual: QDWI",
        "06": "Partial dual: QI",
        "08": "Full dual: other",
        "09": "Partial dual: other",
        "10": "Dual: unknown type",
    },
    "TAF BSF validator DUAL_ELGBL_CD",
    sensitive={
        c: "Medicare linkage" for c in ("01", "02", "03", "04", "05", "06", "08", "09", "10")
    },
)

SEX_CD = CodeList("SEX_CD", {"F": "Female", "M": "Male", "U": "Unknown"}, "TAF SEX_CD")

ETHNCTY_CD = CodeList(
    "ETHNCTY_CD",
    {
        "0": "Not of Hispanic, Latino/a, or Spanish origin",
        "1": "Mexican, Mexican American, or Chicano/a",
        "2": "Puerto Rican",
        "3": "Cuban",
        "4": "Another Hispanic, Latino/a or Spanish origin",
        "5": "Hispanic, Latino/a, or Spanish origin, unknown type",
        "6": "Unknown",
    },
    "TAF ETHNCTY_CD",
)

RACE_ETHNCTY_CD = CodeList(
    "RACE_ETHNCTY_CD",
    {
        "1": "White, non-Hispanic",
        "2": "Black, non-Hispanic",
        "3": "Asian, non-Hispanic",
        "4": "American Indian and Alaska Native, non-Hispanic",
        "5": "Hawaiian/Pacific Islander",
        "6": "Multiracial, non-Hispanic",
        "7": "Hispanic, all races",
    },
    "TAF RACE_ETHNCTY_CD",
)

YES_NO = CodeList("YES_NO", {"0": "No", "1": "Yes"}, "TAF indicator flags")


class StatusCategory(StrEnum):
    """A state's per-person immigration status determination (T-MSIS has no such code)."""

    CITIZEN = "CITIZEN"
    LPR = "LPR"
    LPR_5YR_BAR = "LPR_5YR_BAR"
    REFUGEE = "REFUGEE"
    ASYLEE = "ASYLEE"
    QUALIFIED_OTHER = "QUALIFIED_OTHER"
    CHIPRA214 = "CHIPRA214"
    TPS = "TPS"
    NONIMMIGRANT = "NONIMMIGRANT"
    PAROLE_LT_1Y = "PAROLE_LT_1Y"
    PAROLE_GE_1Y = "PAROLE_GE_1Y"
    ASYLUM_PENDING = "ASYLUM_PENDING"
    DACA = "DACA"
    DEFERRED_ACTION_OTHER = "DEFERRED_ACTION_OTHER"
    PRUCOL = "PRUCOL"
    UNLAWFULLY_PRESENT = "UNLAWFULLY_PRESENT"
    UNKNOWN = "UNKNOWN"


class DeterminationSource(StrEnum):
    SAVE = "SAVE"
    USCIS_DOCUMENT = "USCIS_DOCUMENT"
    STATE_RECORD = "STATE_RECORD"
    SELF_ATTESTATION = "SELF_ATTESTATION"


# the-order.md §7.2: how minshare reads each category against the order.
STATUS_CLASS: dict[StatusCategory, str] = {
    StatusCategory.CITIZEN: "clearly lawful",
    StatusCategory.LPR: "clearly lawful",
    StatusCategory.LPR_5YR_BAR: "clearly lawful",
    StatusCategory.REFUGEE: "clearly lawful",
    StatusCategory.ASYLEE: "clearly lawful",
    StatusCategory.QUALIFIED_OTHER: "clearly lawful",
    StatusCategory.CHIPRA214: "clearly lawful",
    StatusCategory.TPS: "clearly lawful",
    StatusCategory.NONIMMIGRANT: "clearly lawful",
    StatusCategory.PAROLE_GE_1Y: "clearly lawful",
    StatusCategory.PAROLE_LT_1Y: "ambiguous",
    StatusCategory.ASYLUM_PENDING: "ambiguous",
    StatusCategory.DACA: "ambiguous",
    StatusCategory.DEFERRED_ACTION_OTHER: "ambiguous",
    StatusCategory.PRUCOL: "ambiguous",
    StatusCategory.UNKNOWN: "ambiguous",
    StatusCategory.UNLAWFULLY_PRESENT: "plausibly unlawfully present",
}

STATUS_CATEGORY = CodeList(
    "STATUS_CATEGORY",
    {c.value: STATUS_CLASS[c] for c in StatusCategory},
    "minshare determination table (the-order.md §7.2)",
)

DETERMINATION_SOURCE = CodeList(
    "DETERMINATION_SOURCE",
    {
        "SAVE": "USCIS SAVE verification",
        "USCIS_DOCUMENT": "USCIS document on file",
        "STATE_RECORD": "State eligibility record",
        "SELF_ATTESTATION": "Self-attestation",
    },
    "minshare determination table",
)

__all__ = [
    "CTZNSHP_IND",
    "DETERMINATION_SOURCE",
    "DUAL_ELGBL_CD",
    "ELGBLTY_GRP_CD",
    "ETHNCTY_CD",
    "IMGRTN_STUS_CD",
    "RACE_ETHNCTY_CD",
    "RSTRCTD_BNFTS_CD",
    "SEX_CD",
    "STATUS_CATEGORY",
    "STATUS_CLASS",
    "VERIFICATION_IND",
    "YES_NO",
    "CodeList",
    "DeterminationSource",
    "Sensitivity",
    "StatusCategory",
]
