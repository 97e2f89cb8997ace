"""The facts vocabulary: what the engine knows about a person beyond the raw columns.

T-MSIS has no code for "unlawfully present", so the order's population test rests on facts the
engine derives per person: the current status determination, whether the Medicaid ID is an SSN,
whether duplicate rows disagree. Each fact is declared here once (name, type, description and a
*derivation*: a small, closed set of recipes with their inputs). The reference evaluator
computes them in Python (``compute``); a later SQL compiler switches on ``Derivation`` to build
the same values in SQL, and a differential test holds the two together. Definitions are
therefore exact, including the edge cases (ties, nulls, conflicts), and documented in
docs/orders.md, which is checked against this registry.

The ``guard.*`` namespace is reserved for the health-information guard, which registers its
findings here (``register``) and supplies their values per person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from minshare.data import codes, model
from minshare.data.codes import CodeList
from minshare.data.states import STATES, normalize_state_code


class Kind(StrEnum):
    STRING = "string"
    CODE = "code"
    DATE = "date"
    INT = "int"
    BOOL = "bool"


@dataclass(frozen=True)
class VType:
    """The type of a column, fact or param; codes carry their closed list."""

    kind: Kind
    codes: CodeList | None = None

    def __str__(self) -> str:
        return f"code ({self.codes.name})" if self.codes else str(self.kind)


STATE_CODES = CodeList(
    "STATE_FIPS",
    {fips: s.name for fips, s in STATES.items()},
    "minshare.data.states (FIPS; alternate submitter codes remapped)",
)


class Derivation(StrEnum):
    """How a fact is computed. A compiler implements each of these once."""

    AS_OF = "as_of"
    NORMALIZED_STATE = "normalized_state"
    CURRENT_DETERMINATION_PRESENT = "current_determination_present"
    CURRENT_DETERMINATION_VALUE = "current_determination_value"
    CURRENT_DETERMINATION_SOURCE = "current_determination_source"
    CURRENT_DETERMINATION_AGE_DAYS = "current_determination_age_days"
    CURRENT_DETERMINATION_CONFLICT = "current_determination_conflict"
    MSIS_ID_IS_SSN = "msis_id_is_ssn"
    DUPLICATE_CONFLICT = "duplicate_conflict"
    SUPPLIED = "supplied"


@dataclass(frozen=True)
class Fact:
    name: str
    type: VType
    description: str
    derivation: Derivation
    # The columns read, as ``table.COLUMN``; a compiler projects exactly these.
    inputs: tuple[str, ...] = ()
    # For CURRENT_DETERMINATION_VALUE: which determinations column.
    column: str | None = None
    nullable: bool = True


E, D = "enrollment", "determinations"
_DET_INPUTS = (f"{D}.STATUS_CATEGORY", f"{D}.DETERMINATION_SOURCE", f"{D}.DETERMINED_ON")

# Least to most trusted. A null source, or one outside the list, is below every listed source.
SOURCE_TRUST: tuple[str, ...] = ("SELF_ATTESTATION", "STATE_RECORD", "USCIS_DOCUMENT", "SAVE")

_BUILTIN: tuple[Fact, ...] = (
    Fact(
        "as_of",
        VType(Kind.DATE),
        "The disclosure (as-of) date of the request.",
        Derivation.AS_OF,
        nullable=False,
    ),
    Fact(
        "state",
        VType(Kind.CODE, STATE_CODES),
        "SUBMTG_STATE_CD zero-padded to two digits, alternate submitter codes 93/94/96/97 "
        "remapped to 56/30/19/42.",
        Derivation.NORMALIZED_STATE,
        (f"{E}.SUBMTG_STATE_CD",),
    ),
    Fact(
        "determination.present",
        VType(Kind.BOOL),
        "The person has a determination dated on or before the as-of date.",
        Derivation.CURRENT_DETERMINATION_PRESENT,
        (f"{D}.DETERMINED_ON",),
        nullable=False,
    ),
    Fact(
        "determination.category",
        VType(Kind.CODE, codes.STATUS_CATEGORY),
        "STATUS_CATEGORY of the current determination: the rows with the latest DETERMINED_ON on "
        "or before the as-of date (later rows are ignored). Null when there is none, or when the "
        "rows of that date disagree on the category (see determination.conflict).",
        Derivation.CURRENT_DETERMINATION_VALUE,
        (f"{D}.STATUS_CATEGORY", f"{D}.DETERMINED_ON"),
        column="STATUS_CATEGORY",
    ),
    Fact(
        "determination.source",
        VType(Kind.CODE, codes.DETERMINATION_SOURCE),
        "DETERMINATION_SOURCE of the current determination. When several rows share the latest "
        "date and agree on the category, the least trusted of their sources (SELF_ATTESTATION < "
        "STATE_RECORD < USCIS_DOCUMENT < SAVE; a null or unlisted source is least trusted and "
        "yields null). Null when there is no determination or the categories conflict.",
        Derivation.CURRENT_DETERMINATION_SOURCE,
        _DET_INPUTS,
    ),
    Fact(
        "determination.determined_on",
        VType(Kind.DATE),
        "DETERMINED_ON of the current determination; null when there is none.",
        Derivation.CURRENT_DETERMINATION_VALUE,
        (f"{D}.DETERMINED_ON",),
        column="DETERMINED_ON",
    ),
    Fact(
        "determination.age_days",
        VType(Kind.INT),
        "Days from the current determination to the as-of date (0 on the same day); null when "
        "there is none.",
        Derivation.CURRENT_DETERMINATION_AGE_DAYS,
        (f"{D}.DETERMINED_ON",),
    ),
    Fact(
        "determination.conflict",
        VType(Kind.BOOL),
        "The rows with the latest date disagree on STATUS_CATEGORY (a null category counts as a "
        "value of its own). False when there is no determination.",
        Derivation.CURRENT_DETERMINATION_CONFLICT,
        (f"{D}.STATUS_CATEGORY", f"{D}.DETERMINED_ON"),
        nullable=False,
    ),
    Fact(
        "msis_id_is_ssn",
        VType(Kind.BOOL),
        "MSIS_IDENT_NUM equals SSN_NUM (ignoring hyphens and spaces), or has the shape of a valid "
        "SSN: 9 digits, optionally as ddd-dd-dddd, area not 000, 666 or 9xx, group not 00, "
        "serial not 0000.",
        Derivation.MSIS_ID_IS_SSN,
        (f"{E}.MSIS_IDENT_NUM", f"{E}.SSN_NUM"),
        nullable=False,
    ),
    Fact(
        "duplicate_conflict",
        VType(Kind.BOOL),
        "More than one enrollment row has this person's key (normalized state, MSIS_IDENT_NUM) "
        "and the rows disagree on at least one of the order's permitted fields (null differs "
        "from any value). Exact duplicates do not conflict.",
        Derivation.DUPLICATE_CONFLICT,
        (f"{E}.SUBMTG_STATE_CD", f"{E}.MSIS_IDENT_NUM", f"{E}.<permitted fields>"),
        nullable=False,
    ),
)

GUARD_PREFIX = "guard."
FACTS: dict[str, Fact] = {f.name: f for f in _BUILTIN}


def register(fact: Fact) -> None:
    """Add a fact the guard supplies. Only ``guard.*`` names can be added, once each."""
    if not fact.name.startswith(GUARD_PREFIX) or fact.derivation is not Derivation.SUPPLIED:
        raise ValueError("only supplied guard.* facts can be registered")
    if fact.name in FACTS:
        raise ValueError(f"fact {fact.name} is already registered")
    FACTS[fact.name] = fact


def lookup(name: str) -> Fact | None:
    return FACTS.get(name)


# --- reference computation -------------------------------------------------------------------


def as_date(value: Any) -> date | None:
    """A DATE value, ISO ``YYYY-MM-DD`` or T-MSIS ``YYYYMMDD``; raises ValueError otherwise."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{8}", text):
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        return date.fromisoformat(text)
    raise ValueError(f"not a date: {value!r}")


@dataclass(frozen=True)
class Current:
    """The current determination (see the facts' descriptions for every edge case)."""

    present: bool
    category: str | None = None
    source: str | None = None
    determined_on: date | None = None
    conflict: bool = False


def _trust(source: Any) -> int:
    return SOURCE_TRUST.index(source) if source in SOURCE_TRUST else -1


def current_determination(rows: Iterable[Mapping[str, Any]], as_of: date) -> Current:
    latest: date | None = None
    on_latest: list[Mapping[str, Any]] = []
    for row in rows:
        when = as_date(row.get("DETERMINED_ON"))
        if when is None or when > as_of:
            continue
        if latest is None or when > latest:
            latest, on_latest = when, [row]
        elif when == latest:
            on_latest.append(row)
    if latest is None:
        return Current(present=False)
    categories = {row.get("STATUS_CATEGORY") for row in on_latest}
    if len(categories) > 1:
        return Current(present=True, determined_on=latest, conflict=True)
    least = min(on_latest, key=lambda r: _trust(r.get("DETERMINATION_SOURCE")))
    source = least.get("DETERMINATION_SOURCE")
    return Current(
        present=True,
        category=next(iter(categories)),
        source=source if _trust(source) >= 0 else None,
        determined_on=latest,
    )


_SSN = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})$")


def ssn_shaped(value: str) -> bool:
    m = _SSN.match(value.strip())
    if not m:
        return False
    area, group, serial = m.groups()
    return (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and (serial != "0000")
    )


def _bare(value: str) -> str:
    return value.replace("-", "").replace(" ", "")


def msis_id_is_ssn(msis_id: Any, ssn: Any) -> bool:
    if not isinstance(msis_id, str) or not msis_id.strip():
        return False
    if isinstance(ssn, str) and _bare(ssn) and _bare(ssn) == _bare(msis_id):
        return True
    return ssn_shaped(msis_id)


def duplicate_conflict(rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> bool:
    if len(rows) < 2:
        return False
    return any(len({row.get(f) for row in rows}) > 1 for f in fields)


def compute(
    record: Mapping[str, Any],
    determinations: Iterable[Mapping[str, Any]],
    as_of: date,
    *,
    duplicates: Sequence[Mapping[str, Any]] = (),
    compare_fields: Sequence[str] = (),
    supplied: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every builtin fact for one person; ``supplied`` adds guard.* values.

    ``duplicates`` are the *other* enrollment rows with this person's key.
    """
    cur = current_determination(determinations, as_of)
    raw_state = record.get("SUBMTG_STATE_CD")
    out: dict[str, Any] = {
        "as_of": as_of,
        "state": normalize_state_code(raw_state) if isinstance(raw_state, str) else None,
        "determination.present": cur.present,
        "determination.category": cur.category,
        "determination.source": cur.source,
        "determination.determined_on": cur.determined_on,
        "determination.age_days": (as_of - cur.determined_on).days if cur.determined_on else None,
        "determination.conflict": cur.conflict,
        "msis_id_is_ssn": msis_id_is_ssn(record.get("MSIS_IDENT_NUM"), record.get("SSN_NUM")),
        "duplicate_conflict": duplicate_conflict([record, *duplicates], compare_fields),
    }
    for name, value in (supplied or {}).items():
        if name not in FACTS or FACTS[name].derivation is not Derivation.SUPPLIED:
            raise ValueError(f"{name} is not a supplied (guard.*) fact")
        out[name] = value
    return out


def column_type(name: str) -> VType | None:
    """The type of an enrollment column, or None if the data model has no such column."""
    col = model.column(model.Table.ENROLLMENT, name)
    if col.cls is model.ColumnClass.UNCLASSIFIED:
        return None
    if col.dtype is model.DType.DATE:
        return VType(Kind.DATE)
    if col.dtype is model.DType.CODE:
        # The state key has no code list in the model; the FIPS table is its list.
        return VType(Kind.CODE, col.codes or (STATE_CODES if name == "SUBMTG_STATE_CD" else None))
    return VType(Kind.STRING)


__all__ = [
    "FACTS",
    "GUARD_PREFIX",
    "SOURCE_TRUST",
    "STATE_CODES",
    "Current",
    "Derivation",
    "Fact",
    "Kind",
    "VType",
    "as_date",
    "column_type",
    "compute",
    "current_determination",
    "duplicate_conflict",
    "lookup",
    "markdown_table",
    "msis_id_is_ssn",
    "register",
    "ssn_shaped",
]


def markdown_table() -> str:
    """The facts vocabulary as the Markdown table in docs/orders.md (a test keeps them equal)."""
    lines = ["| Fact | Type | Null? | Meaning |", "|---|---|---|---|"]
    for f in FACTS.values():
        meaning = f.description.replace("|", "\\|")
        lines.append(f"| `{f.name}` | {f.type} | {'yes' if f.nullable else 'never'} | {meaning} |")
    return "\n".join(lines) + "\n"


# The health-information guard declares its facts (minshare.guard.facts, plain data that imports
# nothing from this stage); registering them here, at import, makes them part of the vocabulary
# wherever orders are read, so an order that names one always loads.
def _register_guard_facts() -> None:
    from minshare.guard.facts import GUARD_FACTS

    for spec in GUARD_FACTS:
        if spec.name not in FACTS:
            register(
                Fact(
                    spec.name,
                    VType(Kind.BOOL),
                    spec.description,
                    Derivation.SUPPLIED,
                    nullable=False,
                )
            )


_register_guard_facts()
