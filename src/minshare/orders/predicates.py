"""The predicate language: what a rule's ``when`` may say.

A predicate is a YAML mapping of one of five shapes::

    all: [P, ...]            # every P holds
    any: [P, ...]            # at least one P holds
    not: P                   # P does not hold
    always: true             # holds for every record (``false``: for none)
    {column: NAME | fact: NAME, OP: VALUE}   # a comparison

``OP`` is one of ``eq``, ``ne``, ``in``, ``not_in``, ``lt``, ``le``, ``gt``, ``ge``, ``is_null``
and ``unknown_code``. A ``VALUE`` is a literal (quoted string, integer, true/false, a date), a
reference to one of the order's params (``{param: NAME}``), or a date relative to the as-of date
(``{as_of_minus_days: N}``).

Semantics are two-valued and fixed (docs/orders.md): a comparison whose subject is null is
false, whatever the operator (``ne`` and ``not_in`` too); ``is_null`` is the only way to ask for
null; ``unknown_code`` holds when the value is present but outside the column's code list. The
connectives are then ordinary boolean logic. A SQL compiler reproduces this by wrapping every
comparison in ``COALESCE(..., FALSE)``.

This module defines the syntax (pydantic models, hence the JSON Schema), a renderer and a
canonical form for comparing predicates by meaning. Types are checked in ``typecheck.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
    Tag,
    WithJsonSchema,
    model_validator,
)

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ParamRef(_Frozen):
    """A reference to one of the order's params, e.g. ``{param: freshness_days}``."""

    param: str


class AsOfMinusDays(_Frozen):
    """The as-of date minus N days (N an integer or an integer param)."""

    as_of_minus_days: int | ParamRef


Scalar = str | int | bool | date
ValueT = Scalar | ParamRef | AsOfMinusDays


def _param(value: Any) -> ParamRef:
    if not isinstance(value, str) or not NAME.match(value):
        raise ValueError("a param name is lower_snake_case text, e.g. {param: freshness_days}")
    return ParamRef(param=value)


def parse_value(value: Any) -> ValueT:
    """Accept exactly the value forms of the language; anything else is an error."""
    if isinstance(value, (ParamRef, AsOfMinusDays, bool, int, str)):
        return value
    if isinstance(value, datetime):
        raise ValueError("expected a date (YYYY-MM-DD), got a timestamp")
    if isinstance(value, date):
        return value
    if value is None:
        raise ValueError("null is not a value; test for it with is_null: true")
    if isinstance(value, dict):
        keys = set(value)
        if keys == {"param"}:
            return _param(value["param"])
        if keys == {"as_of_minus_days"}:
            days = value["as_of_minus_days"]
            if isinstance(days, int) and not isinstance(days, bool):
                return AsOfMinusDays(as_of_minus_days=days)
            if isinstance(days, dict) and set(days) == {"param"}:
                return AsOfMinusDays(as_of_minus_days=_param(days["param"]))
            raise ValueError("as_of_minus_days takes an integer or {param: NAME}")
    raise ValueError(
        "a value is a quoted string, an integer, true/false, a date (YYYY-MM-DD), "
        "{param: NAME} or {as_of_minus_days: N}"
    )


_PARAM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"param": {"type": "string", "pattern": NAME.pattern}},
    "required": ["param"],
    "additionalProperties": False,
}
_VALUE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {"type": "integer"},
        {"type": "boolean"},
        {"type": "string", "format": "date"},
        _PARAM_SCHEMA,
        {
            "type": "object",
            "properties": {"as_of_minus_days": {"anyOf": [{"type": "integer"}, _PARAM_SCHEMA]}},
            "required": ["as_of_minus_days"],
            "additionalProperties": False,
        },
    ]
}


def dump_value(value: ValueT, info: SerializationInfo) -> Any:
    """The YAML form of a value (what ``parse_value`` reads back)."""
    if isinstance(value, ParamRef):
        return {"param": value.param}
    if isinstance(value, AsOfMinusDays):
        days = value.as_of_minus_days
        return {"as_of_minus_days": {"param": days.param} if isinstance(days, ParamRef) else days}
    if isinstance(value, date) and info.mode == "json":
        return value.isoformat()
    return value


Value = Annotated[
    ValueT,
    PlainValidator(parse_value),
    PlainSerializer(dump_value),
    WithJsonSchema(_VALUE_SCHEMA),
]

OPERATORS: tuple[str, ...] = (
    "eq",
    "ne",
    "in",
    "not_in",
    "lt",
    "le",
    "gt",
    "ge",
    "is_null",
    "unknown_code",
)
ORDERING_OPS = frozenset({"lt", "le", "gt", "ge"})
_SYMBOL = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class Compare(_Frozen):
    """``{column: NAME, OP: VALUE}`` or ``{fact: NAME, OP: VALUE}``: exactly one of each."""

    TAG: ClassVar[str] = "pred:compare"
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [{"required": ["column"]}, {"required": ["fact"]}],
            "minProperties": 2,
            "maxProperties": 2,
        }
    )

    column: str | None = Field(None, description="An enrollment column of the data model")
    fact: str | None = Field(None, description="A per-person fact (docs/orders.md)")
    eq: Value | None = None
    ne: Value | None = None
    in_: tuple[Value, ...] | None = Field(None, alias="in", min_length=1)
    not_in: tuple[Value, ...] | None = Field(None, min_length=1)
    lt: Value | None = None
    le: Value | None = None
    gt: Value | None = None
    ge: Value | None = None
    is_null: bool | None = None
    unknown_code: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_subject_one_operator(self) -> Compare:
        subjects = [k for k in ("column", "fact") if k in self.model_fields_set]
        if len(subjects) != 1:
            raise ValueError("a comparison names exactly one subject: column or fact")
        ops = [op for op in OPERATORS if _field(op) in self.model_fields_set]
        if len(ops) != 1:
            raise ValueError(
                f"a comparison has exactly one operator ({', '.join(OPERATORS)}); found {len(ops)}"
            )
        if getattr(self, _field(ops[0])) is None:
            raise ValueError(f"{ops[0]}: null is not a value; test for it with is_null: true")
        return self

    @property
    def subject_kind(self) -> Literal["column", "fact"]:
        return "column" if self.column is not None else "fact"

    @property
    def subject(self) -> str:
        return self.column if self.column is not None else str(self.fact)

    @property
    def op(self) -> str:
        return next(op for op in OPERATORS if _field(op) in self.model_fields_set)

    @property
    def operand(self) -> Any:
        return getattr(self, _field(self.op))


def _field(op: str) -> str:
    return "in_" if op == "in" else op


class All(_Frozen):
    TAG: ClassVar[str] = "pred:all"
    all: tuple[Predicate, ...] = Field(min_length=1)


class AnyOf(_Frozen):
    TAG: ClassVar[str] = "pred:any"
    any: tuple[Predicate, ...] = Field(min_length=1)


class Not(_Frozen):
    TAG: ClassVar[str] = "pred:not"
    not_: Predicate = Field(alias="not")


class Always(_Frozen):
    TAG: ClassVar[str] = "pred:always"
    always: bool


def _tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "always"):
            if key in value:
                return f"pred:{key}"
        return Compare.TAG
    tag = getattr(type(value), "TAG", None)
    return tag if isinstance(tag, str) else None


Predicate = Annotated[
    Annotated[All, Tag(All.TAG)]
    | Annotated[AnyOf, Tag(AnyOf.TAG)]
    | Annotated[Not, Tag(Not.TAG)]
    | Annotated[Always, Tag(Always.TAG)]
    | Annotated[Compare, Tag(Compare.TAG)],
    Discriminator(
        _tag,
        custom_error_type="predicate",
        custom_error_message=(
            "a predicate is a mapping: all, any, not, always, "
            "or a comparison {column|fact: NAME, OPERATOR: VALUE}"
        ),
    ),
]

for _model in (All, AnyOf, Not):
    _model.model_rebuild()

Node = All | AnyOf | Not | Always | Compare


def walk(
    pred: Node, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Node]]:
    """Every node with its path (as YAML keys: ``all``, index, ``not``)."""
    yield path, pred
    if isinstance(pred, All):
        for i, child in enumerate(pred.all):
            yield from walk(child, (*path, "all", i))
    elif isinstance(pred, AnyOf):
        for i, child in enumerate(pred.any):
            yield from walk(child, (*path, "any", i))
    elif isinstance(pred, Not):
        yield from walk(pred.not_, (*path, "not"))


def references(pred: Node) -> set[tuple[str, str]]:
    """The (kind, name) pairs a predicate reads: what a compiler must project or compute."""
    return {(n.subject_kind, n.subject) for _, n in walk(pred) if isinstance(n, Compare)}


def params_used(pred: Node) -> set[str]:
    out: set[str] = set()
    for _, node in walk(pred):
        if isinstance(node, Compare):
            operands = node.operand if isinstance(node.operand, tuple) else (node.operand,)
            for v in operands:
                if isinstance(v, ParamRef):
                    out.add(v.param)
                elif isinstance(v, AsOfMinusDays) and isinstance(v.as_of_minus_days, ParamRef):
                    out.add(v.as_of_minus_days.param)
    return out


def render_value(value: Any) -> str:
    if isinstance(value, ParamRef):
        return f"params.{value.param}"
    if isinstance(value, AsOfMinusDays):
        days = value.as_of_minus_days
        n = render_value(days)
        return f"as_of - {n} days"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _group(word: str, children: tuple[Node, ...]) -> str:
    if len(children) == 1:
        return render(children[0])
    return "(" + f" {word} ".join(render(c) for c in children) + ")"


def render(pred: Node) -> str:
    """A one-line, human form: ``(determination.category = "LPR" and CTZNSHP_IND = "0")``."""
    if isinstance(pred, All):
        return _group("and", pred.all)
    if isinstance(pred, AnyOf):
        return _group("or", pred.any)
    if isinstance(pred, Not):
        return f"not {render(pred.not_)}"
    if isinstance(pred, Always):
        return "always" if pred.always else "never"
    op, subject = pred.op, pred.subject
    if op == "is_null":
        return f"{subject} is {'' if pred.is_null else 'not '}null"
    if op == "unknown_code":
        return f"{subject} is an unknown code"
    if op in ("in", "not_in"):
        values = ", ".join(render_value(v) for v in pred.operand)
        return f"{subject} {'in' if op == 'in' else 'not in'} {{{values}}}"
    return f"{subject} {_SYMBOL[op]} {render_value(pred.operand)}"


Canon = tuple[Any, ...]


def _canon_value(value: Any) -> Any:
    if isinstance(value, ParamRef):
        return ("param", value.param)
    if isinstance(value, AsOfMinusDays):
        return ("as_of_minus_days", _canon_value(value.as_of_minus_days))
    return (type(value).__name__, value)


def canonical(pred: Node) -> Canon:
    """A normal form: equal for predicates that differ only in order, nesting or repetition.

    ``all``/``any`` are flattened, de-duplicated and sorted; one-child groups collapse; double
    negation cancels; ``in``/``not_in`` lists are sets. Used to diff orders by meaning.
    """
    if isinstance(pred, (All, AnyOf)):
        kind = "all" if isinstance(pred, All) else "any"
        children = pred.all if isinstance(pred, All) else pred.any
        flat: set[Canon] = set()
        for child in children:
            c = canonical(child)
            if c[0] == kind:
                flat.update(c[1])
            else:
                flat.add(c)
        if len(flat) == 1:
            return next(iter(flat))
        return (kind, tuple(sorted(flat, key=repr)))
    if isinstance(pred, Not):
        inner = canonical(pred.not_)
        return inner[1] if inner[0] == "not" else ("not", inner)
    if isinstance(pred, Always):
        return ("always", pred.always)
    operand = pred.operand
    if pred.op in ("in", "not_in"):
        values: Any = tuple(sorted({_canon_value(v) for v in operand}, key=repr))
    else:
        values = _canon_value(operand)
    return ("cmp", pred.subject_kind, pred.subject, pred.op, values)


__all__ = [
    "OPERATORS",
    "ORDERING_OPS",
    "All",
    "Always",
    "AnyOf",
    "AsOfMinusDays",
    "Compare",
    "Node",
    "Not",
    "ParamRef",
    "Predicate",
    "Value",
    "canonical",
    "params_used",
    "parse_value",
    "references",
    "render",
    "render_value",
    "walk",
]
