"""The reference evaluator: an order, one person's record and determinations → a decision.

This is the meaning of the order language in executable form. The SQL compiler of the engine
must agree with it row for row (a differential test holds them together), so it stays simple:
predicates compile once per order to Python closures, facts come from ``facts.compute``, and
the combination rule is fixed:

- every rule is evaluated; every rule that holds is a *hit*, kept with its reason and cite;
- any ``withhold`` hit wins over any ``review`` hit, which wins over any ``disclose`` hit;
- no hit at all means ``withhold`` (default deny), with that as the reason.

The decision's reasons and cites are those of the hits that carry the winning effect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from minshare.data import model
from minshare.data.states import normalize_state_code
from minshare.errors import DataError
from minshare.orders import facts
from minshare.orders.model import PRECEDENCE, Effect, Order
from minshare.orders.predicates import (
    All,
    Always,
    AnyOf,
    AsOfMinusDays,
    Compare,
    Node,
    Not,
    ParamRef,
)

Row = Mapping[str, Any]
Test = Callable[[Row], bool]

# Ids of the decisions minshare makes itself, outside any order's rules.
DEFAULT_DENY = "minshare:default-deny"
NO_ORDER = "minshare:no-order-in-force"
RECIPIENT_NOT_NAMED = "minshare:recipient-not-named"
PURPOSE_NOT_ALLOWED = "minshare:purpose-not-allowed"


@dataclass(frozen=True)
class RuleHit:
    """A rule that held for a record (or a decision minshare made itself)."""

    order_id: str | None
    rule_id: str
    effect: Effect
    reason: str
    cite: str


@dataclass(frozen=True)
class Decision:
    effect: Effect
    matched_rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    cites: tuple[str, ...]
    orders: tuple[str, ...] = ()
    hits: tuple[RuleHit, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def deciding(self) -> tuple[RuleHit, ...]:
        return tuple(h for h in self.hits if h.effect is self.effect)


_NO_FACTS: Mapping[str, Any] = MappingProxyType({})


def combine(
    hits: Sequence[RuleHit], *, orders: Sequence[str] = (), facts: Row | None = None
) -> Decision:
    """The fixed combination rule. ``hits`` must not be empty (callers add default deny)."""
    effect = max((h.effect for h in hits), key=PRECEDENCE.__getitem__)
    deciding = [h for h in hits if h.effect is effect]
    return Decision(
        effect=effect,
        matched_rule_ids=tuple(h.rule_id for h in hits),
        reasons=tuple(dict.fromkeys(h.reason for h in deciding)),
        cites=tuple(dict.fromkeys(h.cite for h in deciding)),
        orders=tuple(orders),
        hits=tuple(hits),
        facts=facts if facts is not None else _NO_FACTS,
    )


# --- predicates → closures ------------------------------------------------------------------


def _operand(value: Any, params: Mapping[str, Any]) -> Callable[[Row], Any] | Any:
    """A constant, or a function of the row for values relative to the as-of date."""
    if isinstance(value, ParamRef):
        return params[value.param]
    if isinstance(value, AsOfMinusDays):
        days = value.as_of_minus_days
        n = params[days.param] if isinstance(days, ParamRef) else days
        delta = timedelta(days=int(n))
        return lambda row: row["as_of"] - delta
    return value


def _as_date(value: Any) -> Any:
    # A type-checked date operand may be written as "YYYY-MM-DD" text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _subject_type(node: Compare) -> facts.VType | None:
    if node.column is not None:
        return facts.column_type(node.subject.upper())
    fact = facts.lookup(node.subject)
    return fact.type if fact else None


def _compare(node: Compare, params: Mapping[str, Any]) -> Test:
    key = node.subject.upper() if node.column is not None else node.subject
    op = node.op
    t = _subject_type(node)
    is_date = t is not None and t.kind is facts.Kind.DATE
    if op == "is_null":
        want = bool(node.is_null)
        return lambda row: (row.get(key) is None) is want
    if op == "unknown_code":
        known = frozenset(t.codes.codes) if t and t.codes else frozenset()
        return lambda row: (x := row.get(key)) is not None and x not in known
    if op in ("in", "not_in"):
        members = [_operand(v, params) for v in node.operand]
        if any(callable(m) for m in members):
            raise ValueError("in/not_in take constants")  # the type checker forbids the rest
        values = frozenset(_as_date(m) if is_date else m for m in members)
        if op == "in":
            return lambda row: (x := row.get(key)) is not None and x in values
        return lambda row: (x := row.get(key)) is not None and x not in values
    operand = _operand(node.operand, params)
    return _binary(key, op, _as_date(operand) if is_date and not callable(operand) else operand)


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: bool(a == b),
    "ne": lambda a, b: bool(a != b),
    "lt": lambda a, b: bool(a < b),
    "le": lambda a, b: bool(a <= b),
    "gt": lambda a, b: bool(a > b),
    "ge": lambda a, b: bool(a >= b),
}


def _binary(key: str, op: str, operand: Any) -> Test:
    fn = _OPS[op]
    if callable(operand):
        dyn = operand
        return lambda row: (x := row.get(key)) is not None and fn(x, dyn(row))
    const = operand
    if op == "eq":
        return lambda row: (x := row.get(key)) is not None and x == const
    return lambda row: (x := row.get(key)) is not None and fn(x, const)


def compile_predicate(pred: Node, params: Mapping[str, Any]) -> Test:
    if isinstance(pred, All):
        parts = [compile_predicate(p, params) for p in pred.all]
        return lambda row: all(t(row) for t in parts)
    if isinstance(pred, AnyOf):
        parts = [compile_predicate(p, params) for p in pred.any]
        return lambda row: any(t(row) for t in parts)
    if isinstance(pred, Not):
        inner = compile_predicate(pred.not_, params)
        return lambda row: not inner(row)
    if isinstance(pred, Always):
        result = pred.always
        return lambda row: result
    return _compare(pred, params)


class CompiledOrder:
    """An order's rules as closures, ready for many records."""

    def __init__(self, order: Order) -> None:
        self.order = order
        params = order.param_values()
        self.rules = [(rule, compile_predicate(rule.when, params)) for rule in order.rules]
        self.fields = order.field_names

    def hits(self, row: Row) -> list[RuleHit]:
        oid = self.order.id
        return [
            RuleHit(oid, rule.id, rule.effect, rule.reason, rule.cite)
            for rule, test in self.rules
            if test(row)
        ]

    def trace(self, row: Row) -> list[tuple[str, bool]]:
        """Every rule with whether it held (for ``explain``)."""
        return [(rule.id, test(row)) for rule, test in self.rules]

    def default_deny(self) -> RuleHit:
        return RuleHit(
            self.order.id,
            DEFAULT_DENY,
            Effect.WITHHOLD,
            f"no rule of {self.order.id} matched: withheld by default (default deny)",
            f"{self.order.id}: no clause authorizes this record; minshare default deny",
        )


# --- records ---------------------------------------------------------------------------------

_DATE_COLUMNS = frozenset(
    c.name for t in model.Table for c in model.columns(t) if c.dtype is model.DType.DATE
)


def normalize_record(record: Row) -> dict[str, Any]:
    """Column names upper-cased, dates as ``date``, the state code normalized (as readers do)."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        key = name.strip().upper()
        if key in _DATE_COLUMNS and value is not None:
            try:
                value = facts.as_date(value)
            except ValueError as exc:
                raise DataError(f"{value!r} is not a date", field=key) from exc
        elif key == "SUBMTG_STATE_CD" and isinstance(value, str):
            value = normalize_state_code(value)
        out[key] = value
    return out


def person_row(
    record: Row,
    determinations: Iterable[Row],
    as_of: date,
    *,
    duplicates: Sequence[Row] = (),
    compare_fields: Sequence[str] = (),
    supplied: Row | None = None,
) -> dict[str, Any]:
    """What predicates see: the record's columns plus every fact."""
    rec = normalize_record(record)
    dets = [normalize_record(d) for d in determinations]
    dups = [normalize_record(d) for d in duplicates]
    computed = facts.compute(
        rec, dets, as_of, duplicates=dups, compare_fields=compare_fields, supplied=supplied
    )
    return {**rec, **computed}


def evaluate(
    order: Order,
    record: Row,
    determinations: Iterable[Row],
    as_of: date,
    *,
    duplicates: Sequence[Row] = (),
    supplied: Row | None = None,
) -> Decision:
    """Decide one record under one order, as if it governed (no window or jurisdiction test:
    ``decide.Decider`` adds those)."""
    compiled = CompiledOrder(order)
    row = person_row(
        record,
        determinations,
        as_of,
        duplicates=duplicates,
        compare_fields=compiled.fields,
        supplied=supplied,
    )
    hits = compiled.hits(row) or [compiled.default_deny()]
    return combine(hits, orders=[order.id], facts=row)


__all__ = [
    "DEFAULT_DENY",
    "NO_ORDER",
    "PURPOSE_NOT_ALLOWED",
    "RECIPIENT_NOT_NAMED",
    "CompiledOrder",
    "Decision",
    "RuleHit",
    "combine",
    "compile_predicate",
    "evaluate",
    "normalize_record",
    "person_row",
]
