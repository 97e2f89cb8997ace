"""Decide records the way a disclosure does: resolve the governing orders per state, then
evaluate each and combine.

- No order governs the record's state on the as-of date → withhold, "no order in force
  authorizes this disclosure".
- A governing order that does not name the recipient, or does not allow the purpose → withhold
  (requests are refused up front for this; the check here keeps decisions safe on their own).
- Otherwise every governing order's rules are evaluated (default deny per order) and all hits
  combine with the fixed rule.

``what_if=True`` applies the given orders as if each were in force on the as-of date
(windows and supersession ignored, jurisdiction kept): the data diff compares two orders that
way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from minshare.orders import facts
from minshare.orders.evaluate import (
    NO_ORDER,
    PURPOSE_NOT_ALLOWED,
    RECIPIENT_NOT_NAMED,
    CompiledOrder,
    Decision,
    Row,
    RuleHit,
    combine,
    normalize_record,
)
from minshare.orders.load import clause
from minshare.orders.model import Effect, Order
from minshare.orders.resolve import NO_ORDER_REASON, label, resolve


@dataclass
class Person:
    """What predicates see (columns and facts), and every enrollment row with the person's key."""

    row: dict[str, Any]
    rows: list[Row]


class Decider:
    def __init__(
        self,
        orders: Iterable[Order],
        as_of: date,
        *,
        recipient: str | None = None,
        purpose: str | None = None,
        what_if: bool = False,
        keep_facts: bool = False,
    ) -> None:
        self.orders = list(orders)
        self.as_of = as_of
        self.recipient = recipient
        self.purpose = purpose
        self.what_if = what_if
        self.keep_facts = keep_facts
        self._compiled = {o.id: CompiledOrder(o) for o in self.orders}
        self._by_state: dict[str | None, tuple[CompiledOrder, ...]] = {}
        self._no_order_decisions: dict[str | None, Decision] = {}
        self._gates: dict[str, list[RuleHit]] = {}

    def governing(self, state: str | None) -> tuple[CompiledOrder, ...]:
        if state not in self._by_state:
            if state is None:
                found: tuple[Order, ...] = ()
            elif self.what_if:
                found = tuple(
                    o
                    for o in self.orders
                    if (e := o.entry(state)) is not None
                    and (e.from_ is None or e.from_ <= self.as_of)
                )
            else:
                found = resolve(self.orders, state, self.as_of).governing
            self._by_state[state] = tuple(self._compiled[o.id] for o in found)
        return self._by_state[state]

    def _no_order(self, state: str | None) -> RuleHit:
        return RuleHit(
            None,
            NO_ORDER,
            Effect.WITHHOLD,
            NO_ORDER_REASON,
            f"minshare default deny: no order governs state {label(state or '?')} on {self.as_of}",
        )

    def _gate(self, order: Order) -> list[RuleHit]:
        """Withhold hits when the order does not reach this recipient or purpose."""
        out: list[RuleHit] = []
        if self.recipient is not None and order.recipient(self.recipient) is None:
            out.append(
                RuleHit(
                    order.id,
                    RECIPIENT_NOT_NAMED,
                    Effect.WITHHOLD,
                    f"{order.id} does not name recipient {self.recipient}",
                    clause(order, "recipients"),
                )
            )
        if self.purpose is not None and order.purpose(self.purpose) is None:
            out.append(
                RuleHit(
                    order.id,
                    PURPOSE_NOT_ALLOWED,
                    Effect.WITHHOLD,
                    f"{order.id} does not allow purpose {self.purpose}",
                    clause(order, "purposes"),
                )
            )
        return out

    def person(
        self,
        record: Row,
        determinations: Iterable[Row] = (),
        *,
        duplicates: Sequence[Row] = (),
        supplied: Row | None = None,
        normalized: bool = False,
    ) -> Person:
        """The record with every fact, computed once for any number of orders.
        ``normalized=True``: the rows come from a reader and are normalized already."""
        if normalized:
            rec, dets, dups = record, determinations, duplicates
        else:
            rec = normalize_record(record)
            dets = [normalize_record(d) for d in determinations]
            dups = [normalize_record(d) for d in duplicates]
        row = {**rec, **facts.compute(rec, dets, self.as_of, supplied=supplied)}
        return Person(row, [rec, *dups])

    def decide(
        self,
        record: Row,
        determinations: Iterable[Row] = (),
        *,
        duplicates: Sequence[Row] = (),
        supplied: Row | None = None,
        normalized: bool = False,
    ) -> Decision:
        """Decide one person (``duplicates``: the *other* rows with the person's key)."""
        person = self.person(
            record, determinations, duplicates=duplicates, supplied=supplied, normalized=normalized
        )
        return self.decide_person(person)

    def decide_person(self, person: Person) -> Decision:
        row = person.row
        state = row.get("state")
        governing = self.governing(state)
        if not governing:
            if self.keep_facts:
                return combine([self._no_order(state)], facts=row)
            # Immutable and the same for every record of the state: build it once.
            if state not in self._no_order_decisions:
                self._no_order_decisions[state] = combine([self._no_order(state)])
            return self._no_order_decisions[state]
        hits: list[RuleHit] = []
        for compiled in governing:
            oid = compiled.order.id
            if oid not in self._gates:
                self._gates[oid] = self._gate(compiled.order)
            gate = self._gates[oid]
            if gate:
                hits += gate
                continue
            # The one fact that depends on the order: duplicates compared on its fields.
            row["duplicate_conflict"] = facts.duplicate_conflict(person.rows, compiled.fields)
            hits += compiled.hits(row) or [compiled.default_deny()]
        return combine(
            hits,
            orders=[c.order.id for c in governing],
            facts=row if self.keep_facts else None,
        )


def decide(
    orders: Iterable[Order],
    record: Row,
    determinations: Iterable[Row],
    as_of: date,
    *,
    recipient: str | None = None,
    purpose: str | None = None,
    duplicates: Sequence[Row] = (),
    supplied: Row | None = None,
) -> Decision:
    """Decide one record against every order (resolution included)."""
    decider = Decider(orders, as_of, recipient=recipient, purpose=purpose, keep_facts=True)
    return decider.decide(record, determinations, duplicates=duplicates, supplied=supplied)


__all__ = ["Decider", "Person", "decide"]
