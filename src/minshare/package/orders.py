"""Which columns the orders named in a manifest permit: the check ``verify-package`` runs.

An order in a manifest is pinned by id *and* the SHA-256 of its file, so a verifier must hold
the very file the discloser used (the built-in orders, or files given with ``--orders``). Every
named order must permit a column for it to pass (the request check narrows a disclosure to the
fields all governing orders permit); a manifest naming no order permits nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from minshare.errors import MinshareError, OrderError
from minshare.orders.catalog import Catalog
from minshare.orders.load import origin
from minshare.package.manifest import OrderRef
from minshare.package.verify import PermittedColumns


def permitted_by(catalog: Catalog) -> PermittedColumns:
    """A ``permitted_columns`` function for :func:`~minshare.package.verify.verify_package`."""

    def permitted(refs: list[OrderRef]) -> set[str]:
        if not refs:
            raise OrderError(
                "the manifest names no order, and without an order nothing is permitted"
            )
        problems: list[MinshareError] = []
        allowed: set[str] | None = None
        known = {o.id: o for o in catalog}
        for ref in refs:
            order = known.get(ref.id)
            if order is None:
                problems.append(
                    OrderError(f"order {ref.id} ({ref.file}) is not known; pass it with --orders")
                )
                continue
            where = origin(order)
            if where is None or where.sha256 != ref.sha256:
                found = (
                    f"{where.file} has sha256 {where.sha256}" if where else "its file is unknown"
                )
                problems.append(
                    OrderError(
                        f"order {ref.id}: the manifest pins sha256 {ref.sha256}, but {found}; "
                        "pass the exact file with --orders"
                    )
                )
                continue
            fields = set(order.field_names)
            allowed = fields if allowed is None else allowed & fields
        if problems:
            if len(problems) == 1:
                raise problems[0]
            raise OrderError("the manifest's orders cannot be checked", details=problems)
        return allowed or set()

    return permitted


def order_permissions(extra: Sequence[Path] = ()) -> PermittedColumns:
    """The built-in orders plus ``extra`` order files (or directories) as a lookup."""
    return permitted_by(Catalog.load(extra))
