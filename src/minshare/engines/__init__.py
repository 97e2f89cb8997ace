"""Engines: run a compiled plan over the inputs, keep every decision, publish what may leave.

The library entry points (the CLI and the service call exactly these):

- :func:`disclose` — decide every row, write the workspace, publish the signed package;
- :func:`dry_run` — the same without publishing: counts by state × decision × reason;
- :func:`explain` — why one person's rows were disclosed, withheld or sent to review;
- :func:`permitted_columns_for` — the columns the orders a manifest names permit (what
  ``verify-package`` checks a package against).

DuckDB (embedded, in-process) is the one engine so far. See docs/engine.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from minshare.engines.errors import EngineError
from minshare.engines.explain import Explanation, OrderTrace, RowExplanation, RuleTrace, explain
from minshare.engines.run import (
    ENGINES,
    DisclosureResult,
    DryRunResult,
    ReasonCount,
    disclose,
    dry_run,
)
from minshare.engines.workspace import ReviewDecision, Workspace, load_review_decisions


def permitted_columns_for(
    order_refs: Iterable[Any], *, orders: Sequence[Path | str] = ()
) -> set[str]:
    """The columns every order named in a manifest permits (the built-in orders plus the
    order files in ``orders``), each order pinned by id *and* SHA-256. Raises
    :class:`~minshare.errors.OrderError` for an order that is unknown or whose file differs."""
    from minshare.package.manifest import OrderRef
    from minshare.package.orders import order_permissions

    refs = [r if isinstance(r, OrderRef) else OrderRef.model_validate(r) for r in order_refs]
    return order_permissions([Path(o) for o in orders])(refs)


__all__ = [
    "ENGINES",
    "DisclosureResult",
    "DryRunResult",
    "EngineError",
    "Explanation",
    "OrderTrace",
    "ReasonCount",
    "ReviewDecision",
    "RowExplanation",
    "RuleTrace",
    "Workspace",
    "disclose",
    "dry_run",
    "explain",
    "load_review_decisions",
    "permitted_columns_for",
]
