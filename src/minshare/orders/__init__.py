"""Orders as code: the order language, the reference orders, in-force resolution, requests,
diffs and policy tests. See docs/orders.md.

Stages, each a module: ``yamlsrc`` (YAML with positions) → ``model``/``predicates`` (syntax) →
``typecheck`` (against the data model and ``facts``) → ``load``/``catalog`` (all-or-nothing
loading, orders by id) → ``resolve`` (which orders govern) → ``evaluate``/``decide`` (the
reference evaluator) → ``requests``, ``diff``, ``datadiff``, ``policytest``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from minshare.orders.catalog import Catalog
from minshare.orders.decide import Decider, decide
from minshare.orders.errors import (
    OrderInvalid,
    PolicyTestFailed,
    PolicyTestInvalid,
    RequestInvalid,
    RequestRefused,
    UnknownOrder,
)
from minshare.orders.evaluate import Decision, RuleHit, evaluate
from minshare.orders.load import load_order
from minshare.orders.model import Effect, Order, Rule
from minshare.orders.requests import Authorization, Request, check_request, load_request
from minshare.orders.resolve import NO_ORDER_REASON, Resolution, resolve


def load_builtin_orders() -> tuple[Order, ...]:
    """The reference orders shipped with minshare."""
    return Catalog.builtin().orders


def in_force_for_state(orders: Iterable[Order], state: str, as_of: date) -> tuple[Order, ...]:
    """The orders governing ``state`` (2-digit FIPS) on ``as_of``."""
    return resolve(orders, state, as_of).governing


__all__ = [
    "NO_ORDER_REASON",
    "Authorization",
    "Catalog",
    "Decider",
    "Decision",
    "Effect",
    "Order",
    "OrderInvalid",
    "PolicyTestFailed",
    "PolicyTestInvalid",
    "Request",
    "RequestInvalid",
    "RequestRefused",
    "Resolution",
    "Rule",
    "RuleHit",
    "UnknownOrder",
    "check_request",
    "decide",
    "evaluate",
    "in_force_for_state",
    "load_builtin_orders",
    "load_order",
    "load_request",
    "resolve",
]
