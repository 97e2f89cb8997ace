"""The data model: the single source of truth for minshare's input tables.

Inputs use CMS T-MSIS Analytic File (TAF) column names, so a real extract drops in. Every column
is classified exactly once; later stages rely on the classification (an order may never permit a
``health`` column; ``unclassified`` columns are never disclosable). ``docs/data-model.md`` is
generated from this module (``minshare model docs``) and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from minshare.data import codes
from minshare.data.codes import CodeList


class ColumnClass(StrEnum):
    IDENTITY = "identity"
    CONTACT = "contact"
    STATUS = "status"
    DEMOGRAPHIC = "demographic"
    ELIGIBILITY = "eligibility"
    HOUSEHOLD = "household"
    HEALTH = "health"
    UNCLASSIFIED = "unclassified"


class DType(StrEnum):
    STRING = "string"
    DATE = "date"
    CODE = "code"


class OrderCategory(StrEnum):
    """The six categories the Dec 29, 2025 order permits (the-order.md §4.1)."""

    CITIZENSHIP = "citizenship"
    IMMIGRATION_STATUS = "immigration_status"
    ADDRESS = "address"
    PHONE = "phone"
    DATE_OF_BIRTH = "date_of_birth"
    MEDICAID_ID = "medicaid_id"


class Table(StrEnum):
    ENROLLMENT = "enrollment"
    DETERMINATIONS = "determinations"


@dataclass(frozen=True)
class Column:
    name: str
    cls: ColumnClass
    dtype: DType
    description: str
    required: bool = False
    codes: CodeList | None = None
    # The order category this column can fall under, if any. An order tags its permitted fields
    # with a category; the orders loader checks the tag against this.
    category: OrderCategory | None = None
    # Some values of this column reveal health (eligibility group 05 = pregnant women, ...).
    health_revealing: bool = False


C = ColumnClass
D = DType
O = OrderCategory  # noqa: E741


def _address(suffix: str, kind: str) -> list[Column]:
    return [
        Column(
            f"ELGBL_LINE_1_ADR_{suffix}",
            C.CONTACT,
            D.STRING,
            f"{kind} address line 1",
            category=O.ADDRESS,
        ),
        Column(
            f"ELGBL_LINE_2_ADR_{suffix}",
            C.CONTACT,
            D.STRING,
            f"{kind} address line 2 (where facility and unit hints hide)",
            category=O.ADDRESS,
        ),
        Column(
            f"ELGBL_LINE_3_ADR_{suffix}",
            C.CONTACT,
            D.STRING,
            f"{kind} address line 3",
            category=O.ADDRESS,
        ),
        Column(
            f"ELGBL_CITY_NAME_{suffix}", C.CONTACT, D.STRING, f"{kind} city", category=O.ADDRESS
        ),
        Column(
            f"ELGBL_ZIP_CD_{suffix}",
            C.CONTACT,
            D.STRING,
            f"{kind} ZIP code (5 or 9 digits)",
            category=O.ADDRESS,
        ),
        Column(
            f"ELGBL_CNTY_CD_{suffix}",
            C.CONTACT,
            D.STRING,
            f"{kind} county FIPS code (3 digits)",
            category=O.ADDRESS,
        ),
        Column(
            f"ELGBL_STATE_CD_{suffix}",
            C.CONTACT,
            D.STRING,
            f"{kind} state (2-digit FIPS or USPS abbreviation)",
            category=O.ADDRESS,
        ),
        Column(
            f"ELGBL_PHNE_NUM_{suffix}",
            C.CONTACT,
            D.STRING,
            f"{kind} phone number",
            category=O.PHONE,
        ),
    ]


_HEALTH_FLAGS = {
    "MH_HH_CHRNC_COND_FLAG": "Health home chronic condition: mental health",
    "SA_HH_CHRNC_COND_FLAG": "Health home chronic condition: substance use",
    "HIV_AIDS_HH_CHRNC_COND_FLAG": "Health home chronic condition: HIV/AIDS",
    "DBTS_HH_CHRNC_COND_FLAG": "Health home chronic condition: diabetes",
    "HRT_DIS_HH_CHRNC_COND_FLAG": "Health home chronic condition: heart disease",
}

ENROLLMENT: tuple[Column, ...] = (
    Column(
        "SUBMTG_STATE_CD",
        C.IDENTITY,
        D.CODE,
        "Submitting state, 2-digit FIPS (alternate submitter codes remapped)",
        required=True,
    ),
    Column(
        "MSIS_IDENT_NUM",
        C.IDENTITY,
        D.STRING,
        "Medicaid ID; may be an SSN, a temporary SSN or a state-assigned ID",
        required=True,
        category=O.MEDICAID_ID,
    ),
    Column("SSN_NUM", C.IDENTITY, D.STRING, "Social Security number (never permitted)"),
    Column("ELGBL_1ST_NAME", C.IDENTITY, D.STRING, "First name"),
    Column("ELGBL_LAST_NAME", C.IDENTITY, D.STRING, "Last name"),
    Column("ELGBL_MDL_INITL_NAME", C.IDENTITY, D.STRING, "Middle initial"),
    Column("BIRTH_DT", C.DEMOGRAPHIC, D.DATE, "Date of birth", category=O.DATE_OF_BIRTH),
    Column("DEATH_DT", C.DEMOGRAPHIC, D.DATE, "Date of death"),
    Column("SEX_CD", C.DEMOGRAPHIC, D.CODE, "Sex", codes=codes.SEX_CD),
    Column("ETHNCTY_CD", C.DEMOGRAPHIC, D.CODE, "Ethnicity", codes=codes.ETHNCTY_CD),
    Column(
        "RACE_ETHNCTY_CD", C.DEMOGRAPHIC, D.CODE, "Race and ethnicity", codes=codes.RACE_ETHNCTY_CD
    ),
    Column(
        "CTZNSHP_IND",
        C.STATUS,
        D.CODE,
        "Citizenship indicator",
        required=True,
        codes=codes.CTZNSHP_IND,
        category=O.CITIZENSHIP,
    ),
    Column(
        "CTZNSHP_VRFCTN_IND",
        C.STATUS,
        D.CODE,
        "Citizenship verified",
        codes=codes.VERIFICATION_IND,
        category=O.CITIZENSHIP,
    ),
    Column(
        "IMGRTN_STUS_CD",
        C.STATUS,
        D.CODE,
        "Immigration status (T-MSIS 8 recoded to 0)",
        required=True,
        codes=codes.IMGRTN_STUS_CD,
        category=O.IMMIGRATION_STATUS,
    ),
    Column(
        "IMGRTN_VRFCTN_IND",
        C.STATUS,
        D.CODE,
        "Immigration status verified",
        codes=codes.VERIFICATION_IND,
        category=O.IMMIGRATION_STATUS,
    ),
    Column(
        "IMGRTN_STUS_5_YR_BAR_END_DT",
        C.STATUS,
        D.DATE,
        "End of the five-year bar (not among the six categories)",
    ),
    *_address("HOME", "Home"),
    *_address("MAIL", "Mailing"),
    Column(
        "ELGBLTY_GRP_CD",
        C.ELIGIBILITY,
        D.CODE,
        "Eligibility group",
        codes=codes.ELGBLTY_GRP_CD,
        health_revealing=True,
    ),
    Column(
        "RSTRCTD_BNFTS_CD",
        C.ELIGIBILITY,
        D.CODE,
        "Restricted benefits (scope)",
        codes=codes.RSTRCTD_BNFTS_CD,
        health_revealing=True,
    ),
    Column(
        "DUAL_ELGBL_CD",
        C.ELIGIBILITY,
        D.CODE,
        "Medicare dual eligibility",
        codes=codes.DUAL_ELGBL_CD,
        health_revealing=True,
    ),
    Column("PRGNT_IND", C.HEALTH, D.CODE, "Pregnancy indicator", codes=codes.YES_NO),
    Column(
        "MSIS_CASE_NUM",
        C.HOUSEHOLD,
        D.STRING,
        "Case number; links household members (never used to expand a disclosure)",
    ),
    Column("MDCD_ENRLMT_EFF_DT_1", C.ELIGIBILITY, D.DATE, "Medicaid enrollment span 1 start"),
    Column("MDCD_ENRLMT_END_DT_1", C.ELIGIBILITY, D.DATE, "Medicaid enrollment span 1 end"),
    *(Column(n, C.HEALTH, D.CODE, d, codes=codes.YES_NO) for n, d in _HEALTH_FLAGS.items()),
)

DETERMINATIONS: tuple[Column, ...] = (
    Column("SUBMTG_STATE_CD", C.IDENTITY, D.CODE, "Submitting state, 2-digit FIPS", required=True),
    Column("MSIS_IDENT_NUM", C.IDENTITY, D.STRING, "Medicaid ID", required=True),
    Column(
        "STATUS_CATEGORY",
        C.STATUS,
        D.CODE,
        "The state's status determination",
        required=True,
        codes=codes.STATUS_CATEGORY,
    ),
    Column(
        "DETERMINATION_SOURCE",
        C.STATUS,
        D.CODE,
        "Where the determination came from",
        required=True,
        codes=codes.DETERMINATION_SOURCE,
    ),
    Column("DETERMINED_ON", C.STATUS, D.DATE, "Date of the determination", required=True),
    Column(
        "EVIDENCE_REF",
        C.STATUS,
        D.STRING,
        "Reference to the evidence in the state's case file (never disclosed)",
    ),
)

TABLES: dict[Table, tuple[Column, ...]] = {
    Table.ENROLLMENT: ENROLLMENT,
    Table.DETERMINATIONS: DETERMINATIONS,
}

# Keys of both tables: one enrollment row per person per state.
KEY: tuple[str, str] = ("SUBMTG_STATE_CD", "MSIS_IDENT_NUM")


def columns(table: Table | str) -> tuple[Column, ...]:
    return TABLES[Table(table)]


def column(table: Table | str, name: str) -> Column:
    """The column ``name`` (case-insensitive); an unknown name is an unclassified extra."""
    upper = name.strip().upper()
    for col in columns(table):
        if col.name == upper:
            return col
    return Column(upper, C.UNCLASSIFIED, D.STRING, "Unknown extra column: never disclosable")


def column_names(table: Table | str) -> list[str]:
    return [c.name for c in columns(table)]


def required_columns(table: Table | str) -> list[str]:
    return [c.name for c in columns(table) if c.required]


def health_columns(table: Table | str = Table.ENROLLMENT) -> list[str]:
    return [c.name for c in columns(table) if c.cls is ColumnClass.HEALTH]


def _check_unique() -> None:
    for table, cols in TABLES.items():
        names = [c.name for c in cols]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:  # pragma: no cover - guards edits to this module
            raise AssertionError(f"{table}: duplicate columns {sorted(dupes)}")


_check_unique()

__all__ = [
    "DETERMINATIONS",
    "ENROLLMENT",
    "KEY",
    "TABLES",
    "Column",
    "ColumnClass",
    "DType",
    "OrderCategory",
    "Table",
    "column",
    "column_names",
    "columns",
    "health_columns",
    "required_columns",
]
