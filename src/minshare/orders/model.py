"""The order file as a pydantic model (and hence a JSON Schema: ``minshare orders schema``).

An order is the only thing that can authorize a disclosure. The model holds its syntax; what the
syntax cannot say (a column exists and is not health, a code is in its list, a param has the
right type) is checked by ``typecheck.py`` when the file is loaded.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    SerializationInfo,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from minshare.data.model import OrderCategory
from minshare.orders.predicates import Predicate

ID_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
Id = Annotated[StrictStr, Field(pattern=ID_PATTERN)]
Text = Annotated[StrictStr, Field(min_length=1)]
ParamName = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]*$")]


def parse_date(value: Any) -> date:
    """A calendar date: a YAML date or ``YYYY-MM-DD`` text; never a timestamp or a number."""
    if isinstance(value, datetime):
        raise ValueError("expected a date (YYYY-MM-DD), got a timestamp")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}")


def _dump_date(value: date, info: SerializationInfo) -> Any:
    return value.isoformat() if info.mode == "json" else value


IsoDate = Annotated[
    date,
    PlainValidator(parse_date),
    PlainSerializer(_dump_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def parse_state(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"quote state codes: '{value:02d}', not {value} (YAML reads 06 as 6)")
    if isinstance(value, str) and len(value) == 2 and value.isdigit():
        return value
    raise ValueError(f"a state is a quoted 2-digit FIPS code such as '06', got {value!r}")


StateCode = Annotated[
    str,
    PlainValidator(parse_state),
    WithJsonSchema({"type": "string", "pattern": r"^\d{2}$"}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Evidence(StrEnum):
    """How we know (the markers of ../shared/domain/)."""

    PRIMARY = "primary"
    PRESS = "press"
    INFERENCE = "inference"
    OPEN = "open"


class SourceDoc(_Model):
    id: Id
    title: Text
    url: Text | None = None
    evidence: Evidence


class Authority(_Model):
    court: Text
    caption: Text
    docket: Text
    document: Text = Field(description="The document and its ECF number, as far as known")
    issued: IsoDate
    judge: Text | None = None
    evidence: Evidence = Field(description="Whether the order's text itself has been read")
    sources: tuple[SourceDoc, ...] = Field(min_length=1)


class Effective(_Model):
    from_: IsoDate = Field(alias="from", description="First day in force (inclusive)")
    until: IsoDate | None = Field(None, description="Last day in force (inclusive); open if absent")

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.until is not None and self.until < self.from_:
            raise ValueError(f"until ({self.until}) is before from ({self.from_})")
        return self

    def contains(self, day: date) -> bool:
        return self.from_ <= day and (self.until is None or day <= self.until)

    def __str__(self) -> str:
        return f"{self.from_} to {self.until if self.until else 'open'}"


class JurisdictionEntry(_Model):
    state: StateCode
    name: Text | None = Field(None, description="For readers; checked against the FIPS table")
    from_: IsoDate | None = Field(
        None, alias="from", description="Covered from this day (e.g. a state that joined later)"
    )
    source: Id = Field(description="Id of the authority source that puts this state here")


class Recipient(_Model):
    id: Id
    name: Text
    address: Text = Field(description="Postal address (the accounting of disclosures needs it)")


class Purpose(_Model):
    id: Id
    description: Text


class PermittedField(_Model):
    column: Text
    category: OrderCategory


class ParamType(StrEnum):
    INT = "int"
    DATE = "date"
    STRING = "string"
    BOOL = "bool"


def _param_value(value: Any) -> Any:
    if isinstance(value, datetime) or not isinstance(value, (bool, int, date, str)):
        raise ValueError("a param value is an integer, true/false, a date or a string")
    return value


ParamValue = Annotated[
    bool | int | date | str,
    PlainValidator(_param_value),
    PlainSerializer(lambda v, info: _dump_date(v, info) if isinstance(v, date) else v),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer"},
                {"type": "boolean"},
                {"type": "string", "format": "date"},
                {"type": "string"},
            ]
        }
    ),
]


class Param(_Model):
    type: ParamType
    value: ParamValue
    description: Text

    @model_validator(mode="before")
    @classmethod
    def _value_matches_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and "type" in data and "value" in data:
            kind, value = data["type"], data["value"]
            ok = {
                "int": isinstance(value, int) and not isinstance(value, bool),
                "bool": isinstance(value, bool),
                "string": isinstance(value, str),
                "date": isinstance(value, date) and not isinstance(value, datetime),
            }.get(kind, True)
            if kind == "date" and isinstance(value, str):
                data = {**data, "value": parse_date(value)}
                ok = True
            if not ok:
                raise ValueError(f"value {value!r} is not of type {kind}")
        return data


class Effect(StrEnum):
    DISCLOSE = "disclose"
    REVIEW = "review"
    WITHHOLD = "withhold"


# The fixed combination rule: a higher rank wins.
PRECEDENCE: dict[Effect, int] = {Effect.DISCLOSE: 0, Effect.REVIEW: 1, Effect.WITHHOLD: 2}


class Rule(_Model):
    id: Id
    effect: Effect
    when: Predicate
    reason: Text = Field(description="Plain words; shown to reviewers and in reports")
    cite: Text = Field(description="The paragraph or page of the order this rule implements")
    evidence: Evidence | None = Field(None, description="How the cited clause is known")


class Order(_Model):
    """An order, injunction or data-use agreement: the only authority for a disclosure."""

    model_config = ConfigDict(
        title="minshare order",
        json_schema_extra={"$id": "https://minshare.invalid/schema/order.json"},
    )

    schema_version: Literal[1] = 1
    id: Id
    title: Text
    authority: Authority
    effective: Effective
    supersedes: tuple[Id, ...] = ()
    jurisdiction: tuple[JurisdictionEntry, ...] = ()
    recipients: tuple[Recipient, ...] = ()
    purposes: tuple[Purpose, ...] = ()
    fields: tuple[PermittedField, ...] = ()
    params: dict[ParamName, Param] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = Field(min_length=1)

    # Where the order came from (file, SHA-256, node positions): set by the loader.
    _origin: Any = PrivateAttr(default=None)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields)

    def recipient(self, rid: str) -> Recipient | None:
        return next((r for r in self.recipients if r.id == rid), None)

    def purpose(self, pid: str) -> Purpose | None:
        return next((p for p in self.purposes if p.id == pid), None)

    def entry(self, state: str) -> JurisdictionEntry | None:
        return next((j for j in self.jurisdiction if j.state == state), None)

    def param_values(self) -> dict[str, Any]:
        return {name: p.value for name, p in self.params.items()}


__all__ = [
    "ID_PATTERN",
    "PRECEDENCE",
    "Authority",
    "Effect",
    "Effective",
    "Evidence",
    "IsoDate",
    "JurisdictionEntry",
    "Order",
    "Param",
    "ParamType",
    "PermittedField",
    "Purpose",
    "Recipient",
    "Rule",
    "SourceDoc",
    "parse_date",
]
