"""Errors of the orders stage. All derive from :class:`minshare.errors.OrderError` (exit code 4).

Each carries its location; problems found together travel in ``details`` so a user sees every
one of them at once.
"""

from __future__ import annotations

from minshare.errors import OrderError


class OrderInvalid(OrderError):
    """An order file does not parse, validate or type-check. Nothing of it is loaded."""

    code = "order_invalid"


class UnknownOrder(OrderError):
    """An order id (or path) names no order."""

    code = "unknown_order"


class RequestInvalid(OrderError):
    """A written request file does not parse or validate."""

    code = "request_invalid"


class RequestRefused(OrderError):
    """A written request falls outside every order in force; each detail names the clause."""

    code = "request_refused"


class PolicyTestInvalid(OrderError):
    """A policy-test file does not parse or validate."""

    code = "policy_test_invalid"


class PolicyTestFailed(OrderError):
    """One or more policy-test cases decided differently from what they expect."""

    code = "policy_test_failed"


__all__ = [
    "OrderInvalid",
    "PolicyTestFailed",
    "PolicyTestInvalid",
    "RequestInvalid",
    "RequestRefused",
    "UnknownOrder",
]
