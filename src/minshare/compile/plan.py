"""Orders + an accepted request + the as-of date → a typed :class:`Plan`.

The plan is everything the SQL compiler needs and nothing it has to look up: per order, the
states it governs on the as-of date, its rules (with params resolved), the withhold hits a
recipient or purpose it does not cover would cause, its default deny; the columns that may leave
(the request's fields ∩ every governing order's fields); and exactly the columns and facts the
decision reads, so an engine reads nothing else.

Decisions minshare makes itself carry ids in the ``minshare:`` namespace. Those the reference
evaluator also makes (no order in force, default deny, recipient not named, purpose not allowed)
keep its ids; the engine adds:

- ``minshare:state-not-requested``: the record's state is not among the request's ``states``;
- ``minshare:row-unreadable``: another row with this person's key (either table) could not be
  read and was quarantined, so what is known about the person may be incomplete;
- post-decision steps over a person's rows (``POST_HITS``): rows of one person share the
  strongest decision; a reviewer's earlier release or withhold is applied to rows in review;
  of a disclosed person's rows exactly one leaves (exact copies are collapsed, rows that would
  leave with different values go to review).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from minshare.compile.errors import CompileError
from minshare.data import model
from minshare.data.model import KEY, Table
from minshare.data.states import STATES
from minshare.orders import facts
from minshare.orders.catalog import BUILTIN_DIR
from minshare.orders.evaluate import (
    DEFAULT_DENY,
    NO_ORDER,
    PURPOSE_NOT_ALLOWED,
    RECIPIENT_NOT_NAMED,
)
from minshare.orders.load import clause, origin
from minshare.orders.model import Effect, Order
from minshare.orders.predicates import Node, references
from minshare.orders.requests import Authorization
from minshare.orders.resolve import NO_ORDER_REASON, resolve

STATE_NOT_REQUESTED = "minshare:state-not-requested"
ROW_UNREADABLE = "minshare:row-unreadable"
PERSON_ROWS_DISAGREE = "minshare:person-rows-disagree"
REVIEW_RELEASED = "minshare:review-released"
REVIEW_WITHHELD = "minshare:review-withheld"
DUPLICATE_ROWS_DISAGREE = "minshare:duplicate-rows-disagree"
DUPLICATE_COLLAPSED = "minshare:duplicate-collapsed"

DETERMINATION_COLUMNS = ("STATUS_CATEGORY", "DETERMINATION_SOURCE", "DETERMINED_ON")

# The home and mailing contact columns (address lines, city, ZIP, phone) the guard scans on every
# row it is given, whether or not they may leave: "c/o Renal Unit" on a mailing line says the
# person lives in a facility whose address may be the disclosed home address. They are read for
# the guard only; the decision query never selects them, so they can never reach a package.
GUARD_CONTACT_COLUMNS: tuple[str, ...] = tuple(
    f"ELGBL_{stem}_{kind}"
    for kind in ("HOME", "MAIL")
    for stem in ("LINE_1_ADR", "LINE_2_ADR", "LINE_3_ADR", "CITY_NAME", "ZIP_CD", "PHNE_NUM")
)


class HitKind(StrEnum):
    RULE = "rule"  # a rule of an order: holds when the order governs and ``when`` holds
    GATE = "gate"  # the order does not cover the recipient or purpose: holds when it governs
    DEFAULT_DENY = "default_deny"  # the order governs and none of its rules held
    NO_ORDER = "no_order"  # no order governs the (requested) state
    NOT_REQUESTED = "not_requested"
    UNREADABLE = "unreadable"
    POST = "post"  # a step after the rules (see POST_HITS)


@dataclass(frozen=True)
class Hit:
    """Something that can hold for a record, with what it means if it does."""

    id: str
    kind: HitKind
    effect: Effect
    reason: str
    cite: str
    order_id: str | None = None
    when: Node | None = None


@dataclass(frozen=True)
class OrderPlan:
    id: str
    title: str
    sha256: str
    file: str
    states: tuple[str, ...]  # the (requested) states it governs on the as-of date
    fields: tuple[str, ...]  # its own permitted fields (what duplicate_conflict compares)
    params: Mapping[str, Any]
    gate: tuple[Hit, ...]  # non-empty: its rules are not evaluated, these withhold
    rules: tuple[Hit, ...]
    default_deny: Hit

    @property
    def evaluated(self) -> bool:
        return not self.gate

    def hits(self) -> tuple[Hit, ...]:
        """In evaluation order, as the reference evaluator lists them."""
        return self.gate if self.gate else (*self.rules, self.default_deny)


@dataclass(frozen=True)
class FactUse:
    """A fact the plan computes, and the output column that carries it."""

    name: str
    column: str
    order_id: str | None = None  # duplicate_conflict depends on the order's fields

    @property
    def fact(self) -> facts.Fact:
        found = facts.lookup(self.name)
        assert found is not None  # checked when the plan is built
        return found


POST_HITS: dict[str, Hit] = {
    h.id: h
    for h in (
        Hit(
            PERSON_ROWS_DISAGREE,
            HitKind.POST,
            Effect.WITHHOLD,  # the effect is the person's strongest; see sql.py
            "another enrollment row of this person is not disclosed; a person's rows share the "
            "strongest decision",
            "minshare: a person is disclosed only when every row of theirs may be",
        ),
        Hit(
            REVIEW_RELEASED,
            HitKind.POST,
            Effect.DISCLOSE,
            "released after review by two reviewers (review_decisions.jsonl)",
            "minshare review: two-person release of a record the order sent to review",
        ),
        Hit(
            REVIEW_WITHHELD,
            HitKind.POST,
            Effect.WITHHOLD,
            "withheld after review (review_decisions.jsonl)",
            "minshare review: a reviewer decided to withhold",
        ),
        Hit(
            DUPLICATE_ROWS_DISAGREE,
            HitKind.POST,
            Effect.REVIEW,
            "this person's rows would leave with different values; one row per person leaves, "
            "and which one is true is for a person to decide",
            "minshare: one row per disclosed person",
        ),
        Hit(
            DUPLICATE_COLLAPSED,
            HitKind.POST,
            Effect.WITHHOLD,
            "an exact copy of another row of this person, which is disclosed once",
            "minshare: exact duplicate rows collapse to one",
        ),
    )
}


@dataclass(frozen=True)
class Plan:
    as_of: date
    recipient: str | None
    purpose: str | None
    request_id: str | None
    requested_states: tuple[str, ...] | None  # None: every state
    orders: tuple[OrderPlan, ...]
    columns: tuple[str, ...]  # may leave, in this order
    enrollment_columns: tuple[str, ...]  # read, in model order (keys first)
    determination_columns: tuple[str, ...]
    facts: tuple[FactUse, ...]
    no_order: Hit
    not_requested: Hit
    unreadable: Hit
    post: Mapping[str, Hit] = field(default_factory=lambda: dict(POST_HITS))
    # Read for the health-information guard only (never by the decision query, never leaving):
    # the contact columns of both addresses, when a rule uses a guard fact.
    guard_columns: tuple[str, ...] = ()

    # -- lookups --------------------------------------------------------------------------
    def order(self, oid: str) -> OrderPlan:
        return next(o for o in self.orders if o.id == oid)

    def governing(self, state: str | None) -> tuple[OrderPlan, ...]:
        return tuple(o for o in self.orders if state is not None and state in o.states)

    def fact_column(self, name: str, order_id: str | None = None) -> str | None:
        for use in self.facts:
            if use.name == name and (use.order_id is None or use.order_id == order_id):
                return use.column
        return None

    def hit(self, hit_id: str, order_id: str | None = None) -> Hit | None:
        """Reason and cite of a hit id (the first order with it, or ``order_id``'s)."""
        for o in self.orders:
            if order_id is not None and o.id != order_id:
                continue
            for h in o.hits():
                if h.id == hit_id:
                    return h
        for h in (self.no_order, self.not_requested, self.unreadable, *self.post.values()):
            if h.id == hit_id:
                return h
        return None

    @property
    def read_columns(self) -> tuple[str, ...]:
        """Every enrollment column a run reads: the decision's and the guard's, in model
        order."""
        wanted = {*self.enrollment_columns, *self.guard_columns}
        return tuple(n for n in model.column_names(Table.ENROLLMENT) if n in wanted)

    @property
    def uses_determinations(self) -> bool:
        return any(u.name.startswith("determination.") for u in self.facts)

    @property
    def guard_facts(self) -> tuple[str, ...]:
        """The ``guard.*`` facts the rules use: the engine runs the guard to supply them."""
        return tuple(u.name for u in self.facts if u.name.startswith(facts.GUARD_PREFIX))

    def to_dict(self) -> dict[str, Any]:
        """What a workspace records about the plan (``plan.json``); rules live in the orders."""
        return {
            "as_of": self.as_of.isoformat(),
            "request_id": self.request_id,
            "recipient": self.recipient,
            "purpose": self.purpose,
            "requested_states": list(self.requested_states)
            if self.requested_states is not None
            else "all",
            "orders": [
                {
                    "id": o.id,
                    "title": o.title,
                    "sha256": o.sha256,
                    "file": o.file,
                    "states": list(o.states),
                    "evaluated": o.evaluated,
                }
                for o in self.orders
            ],
            "columns": list(self.columns),
            "enrollment_columns": list(self.enrollment_columns),
            "guard_columns": list(self.guard_columns),
            "determination_columns": list(self.determination_columns),
            "facts": [
                {"name": u.name, "column": u.column, "order_id": u.order_id} for u in self.facts
            ],
        }

    def fingerprint(self) -> str:
        """SHA-256 of :meth:`to_dict`: two runs with equal fingerprints decided by one plan."""
        body = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(body).hexdigest()


# --- building ----------------------------------------------------------------------------------


def order_file(order: Order) -> Path | None:
    """The file an order was loaded from (built-in orders are named ``builtin/NAME``)."""
    where = origin(order)
    if where is None:
        return None
    if where.file.startswith("builtin/"):
        return BUILTIN_DIR / where.file.removeprefix("builtin/")
    path = Path(where.file)
    return path if path.exists() else None


def _fact_name_column(name: str) -> str:
    return "fact_" + name.replace(".", "_")


def _gate(order: Order, recipient: str | None, purpose: str | None) -> tuple[Hit, ...]:
    out: list[Hit] = []
    if recipient is not None and order.recipient(recipient) is None:
        out.append(
            Hit(
                RECIPIENT_NOT_NAMED,
                HitKind.GATE,
                Effect.WITHHOLD,
                f"{order.id} does not name recipient {recipient}",
                clause(order, "recipients"),
                order.id,
            )
        )
    if purpose is not None and order.purpose(purpose) is None:
        out.append(
            Hit(
                PURPOSE_NOT_ALLOWED,
                HitKind.GATE,
                Effect.WITHHOLD,
                f"{order.id} does not allow purpose {purpose}",
                clause(order, "purposes"),
                order.id,
            )
        )
    return tuple(out)


def _order_plan(
    order: Order, states: tuple[str, ...], recipient: str | None, purpose: str | None
) -> OrderPlan:
    where = origin(order)
    rules = tuple(
        Hit(r.id, HitKind.RULE, r.effect, r.reason, r.cite, order.id, r.when) for r in order.rules
    )
    deny = Hit(
        DEFAULT_DENY,
        HitKind.DEFAULT_DENY,
        Effect.WITHHOLD,
        f"no rule of {order.id} matched: withheld by default (default deny)",
        f"{order.id}: no clause authorizes this record; minshare default deny",
        order.id,
    )
    return OrderPlan(
        id=order.id,
        title=order.title,
        sha256=where.sha256 if where else "",
        file=where.file if where else f"<order {order.id}>",
        states=states,
        fields=order.field_names,
        params=order.param_values(),
        gate=_gate(order, recipient, purpose),
        rules=rules,
        default_deny=deny,
    )


def _facts_used(orders: Sequence[OrderPlan]) -> tuple[FactUse, ...]:
    names: list[str] = []
    dup_orders: list[str] = []
    for o in orders:
        if not o.evaluated:
            continue
        for rule in o.rules:
            assert rule.when is not None
            for kind, name in sorted(references(rule.when)):
                if kind != "fact":
                    continue
                fact = facts.lookup(name)
                if fact is None:  # the loader refuses such orders; a plan never has one
                    raise CompileError(f"rule {rule.id} of {o.id} uses unknown fact {name}")
                if fact.derivation is facts.Derivation.SUPPLIED and not name.startswith(
                    facts.GUARD_PREFIX
                ):  # pragma: no cover - register() admits only guard.* facts
                    raise CompileError(
                        f"rule {rule.id} of {o.id} uses {name}: no engine supplies it"
                    )
                if name == "duplicate_conflict":
                    if o.id not in dup_orders:
                        dup_orders.append(o.id)
                elif name not in names:
                    names.append(name)
    order_of = list(facts.FACTS)
    uses = [FactUse(n, _fact_name_column(n)) for n in sorted(names, key=order_of.index)]
    for i, oid in enumerate(dup_orders):
        column = _fact_name_column("duplicate_conflict") + (
            f"_{i + 1}" if len(dup_orders) > 1 else ""
        )
        uses.append(FactUse("duplicate_conflict", column, oid))
    return tuple(uses)


def _enrollment_columns(
    orders: Sequence[OrderPlan], uses: Sequence[FactUse], columns: Sequence[str]
) -> tuple[str, ...]:
    wanted: set[str] = {*KEY, *columns}
    for o in orders:
        if not o.evaluated:
            continue
        for rule in o.rules:
            assert rule.when is not None
            wanted.update(n.upper() for kind, n in references(rule.when) if kind == "column")
    if any(u.name.startswith(facts.GUARD_PREFIX) for u in uses):
        # The guard reads the Medicaid ID beside the SSN on file (an SSN-valued ID is a finding).
        wanted.add("SSN_NUM")
    for use in uses:
        if use.name == "duplicate_conflict":
            owner = next(o for o in orders if o.id == use.order_id)
            wanted.update(owner.fields)
            continue
        for ref in use.fact.inputs:
            table, _, name = ref.partition(".")
            if table == Table.ENROLLMENT.value:
                wanted.add(name)
    order = model.column_names(Table.ENROLLMENT)
    unknown = sorted(wanted - set(order))
    if unknown:  # the loader refuses such orders; a plan never reads an unclassified column
        raise CompileError(f"not columns of the enrollment model: {', '.join(unknown)}")
    return tuple(n for n in order if n in wanted)


def plan_for(
    orders: Sequence[Order],
    as_of: date,
    *,
    recipient: str | None = None,
    purpose: str | None = None,
    states: Literal["all"] | Sequence[str] = "all",
    fields: Sequence[str] | None = None,
    request_id: str | None = None,
) -> Plan:
    """The plan that decides records the way ``orders.decide.Decider`` does (resolution, the
    recipient and purpose gates, every rule, default deny), for the requested ``states``,
    disclosing ``fields`` (default: what every governing order permits)."""
    wanted = sorted(STATES) if states == "all" else list(dict.fromkeys(states))
    by_order: dict[str, list[str]] = {}
    for state in wanted:
        for order in resolve(orders, state, as_of).governing:
            by_order.setdefault(order.id, []).append(state)
    governing = [o for o in orders if o.id in by_order]
    plans = tuple(_order_plan(o, tuple(by_order[o.id]), recipient, purpose) for o in governing)
    permitted = list(governing[0].field_names) if governing else []
    for o in governing[1:]:
        permitted = [f for f in permitted if f in o.field_names]
    if fields is not None:
        asked = {f.strip().upper() for f in fields}
        extra = sorted(asked - set(permitted))
        if extra:
            raise CompileError(
                f"fields {', '.join(extra)} are not permitted by every governing order; "
                "check the request first (orders check-request)"
            )
        permitted = [f for f in permitted if f in asked]
    uses = _facts_used(plans)
    enrollment_columns = _enrollment_columns(plans, uses, permitted)
    uses_guard = any(u.name.startswith(facts.GUARD_PREFIX) for u in uses)
    model_order = model.column_names(Table.ENROLLMENT)
    guard_columns = (
        tuple(n for n in model_order if n in GUARD_CONTACT_COLUMNS) if uses_guard else ()
    )
    determination_columns = (
        (*KEY, *DETERMINATION_COLUMNS)
        if any(u.name.startswith("determination.") for u in uses)
        else KEY
    )
    return Plan(
        as_of=as_of,
        recipient=recipient,
        purpose=purpose,
        request_id=request_id,
        requested_states=None if states == "all" else tuple(wanted),
        orders=plans,
        columns=tuple(permitted),
        enrollment_columns=enrollment_columns,
        determination_columns=tuple(determination_columns),
        facts=uses,
        no_order=Hit(
            NO_ORDER,
            HitKind.NO_ORDER,
            Effect.WITHHOLD,
            NO_ORDER_REASON,
            f"minshare default deny: no order governs the record's state on {as_of}",
        ),
        not_requested=Hit(
            STATE_NOT_REQUESTED,
            HitKind.NOT_REQUESTED,
            Effect.WITHHOLD,
            "the written request does not ask for records of this state",
            "written request (Privacy Act 5 U.S.C. 552a(b)(7)): the portion requested",
        ),
        unreadable=Hit(
            ROW_UNREADABLE,
            HitKind.UNREADABLE,
            Effect.WITHHOLD,
            "another row with this person's key could not be read (quarantined), so what is "
            "known about the person may be incomplete",
            "minshare: unsure means withhold; the quarantined row is in quarantine.parquet",
        ),
        guard_columns=guard_columns,
    )


def compile_plan(authorization: Authorization) -> Plan:
    """The plan of an accepted request (``orders.requests.check_request``)."""
    request = authorization.request
    return plan_for(
        authorization.orders,
        request.as_of,
        recipient=request.recipient,
        purpose=request.purpose,
        states=request.states,
        fields=authorization.fields,
        request_id=request.request_id,
    )


__all__ = [
    "DETERMINATION_COLUMNS",
    "DUPLICATE_COLLAPSED",
    "DUPLICATE_ROWS_DISAGREE",
    "GUARD_CONTACT_COLUMNS",
    "PERSON_ROWS_DISAGREE",
    "POST_HITS",
    "REVIEW_RELEASED",
    "REVIEW_WITHHELD",
    "ROW_UNREADABLE",
    "STATE_NOT_REQUESTED",
    "FactUse",
    "Hit",
    "HitKind",
    "OrderPlan",
    "Plan",
    "compile_plan",
    "order_file",
    "plan_for",
]
