"""Which orders govern a state on a date, and why.

An order governs state S on day D when all three hold:

1. D is inside its effective window (``from`` and ``until`` inclusive);
2. S is in its jurisdiction, and S's own ``from`` date (if any) is on or before D;
3. no other order that also satisfies 1 and 2 for (S, D) lists it in ``supersedes``.

Several orders may govern at once; their rules then combine with the fixed rule (any withhold
wins). When none governs, nothing is disclosed: "no order in force authorizes this disclosure".
The request never picks the order; resolution does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from minshare.data.states import BY_ABBR, STATES, normalize_state_code
from minshare.errors import UsageError
from minshare.orders.model import Order

NO_ORDER_REASON = "no order in force authorizes this disclosure"


@dataclass(frozen=True)
class Standing:
    """One order's standing for a (state, day), with the reason in words."""

    order: Order
    governs: bool
    why: str


@dataclass(frozen=True)
class Resolution:
    state: str
    as_of: date
    standings: tuple[Standing, ...]

    @property
    def governing(self) -> tuple[Order, ...]:
        return tuple(s.order for s in self.standings if s.governs)

    @property
    def summary(self) -> str:
        if self.governing:
            return ", ".join(o.id for o in self.governing)
        return f"{NO_ORDER_REASON} (state {label(self.state)}, {self.as_of})"


def label(state: str) -> str:
    s = STATES.get(state)
    return f"{state} ({s.abbr})" if s else state


def parse_state(text: str) -> str:
    """A state as a user types it: ``36``, ``6``, ``NY`` or an alternate submitter code."""
    raw = text.strip()
    if raw.upper() in BY_ABBR:
        return BY_ABBR[raw.upper()].fips
    if raw.isdigit() and len(raw) <= 2:
        code = normalize_state_code(raw)
        if code in STATES:
            return code
    raise UsageError(f"unknown state {text!r}: give a 2-digit FIPS code or a USPS abbreviation")


def _candidate(order: Order, state: str, day: date) -> tuple[bool, str]:
    if not order.effective.contains(day):
        return False, f"not in force on {day} (effective {order.effective})"
    entry = order.entry(state)
    if entry is None:
        return False, f"state {label(state)} is not in its jurisdiction"
    if entry.from_ is not None and day < entry.from_:
        return False, f"state {label(state)} is covered only from {entry.from_}"
    since = f" since {entry.from_}" if entry.from_ else ""
    return True, (
        f"in force {order.effective}; state {label(state)} in jurisdiction{since} "
        f"(source: {entry.source})"
    )


def resolve(orders: Iterable[Order], state: str, day: date) -> Resolution:
    orders = list(orders)
    candidates = {o.id: _candidate(o, state, day) for o in orders}
    live = {oid for oid, (ok, _) in candidates.items() if ok}
    standings: list[Standing] = []
    for order in orders:
        ok, why = candidates[order.id]
        if ok:
            by = sorted(o.id for o in orders if o.id in live and order.id in o.supersedes)
            if by:
                ok, why = False, f"superseded by {', '.join(by)}"
        standings.append(Standing(order, ok, why))
    return Resolution(state, day, tuple(standings))


def resolve_states(
    orders: Sequence[Order], states: Iterable[str], day: date
) -> dict[str, Resolution]:
    return {s: resolve(orders, s, day) for s in states}


def in_force(orders: Sequence[Order], day: date) -> dict[str, tuple[str, ...]]:
    """Each order governing somewhere on ``day`` → the states it governs (FIPS order)."""
    out: dict[str, list[str]] = {}
    for state in sorted(STATES):
        for order in resolve(orders, state, day).governing:
            out.setdefault(order.id, []).append(state)
    return {oid: tuple(states) for oid, states in out.items()}


__all__ = [
    "NO_ORDER_REASON",
    "Resolution",
    "Standing",
    "in_force",
    "label",
    "parse_state",
    "resolve",
    "resolve_states",
]
