"""Order file → :class:`Order`, all or nothing.

Parsing, schema validation and type checking each report every problem they find, with file,
line and column; an order with any problem is never returned, not even in part. A loaded order
remembers its origin (file, SHA-256 of the exact bytes, node positions) so a refusal can point
at the clause it rests on and a manifest can pin the file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from minshare.errors import MinshareError
from minshare.orders.errors import OrderInvalid
from minshare.orders.model import JurisdictionEntry, Order, Param, PermittedField, Rule
from minshare.orders.typecheck import (
    Problem,
    check_fields,
    check_jurisdiction,
    check_order,
    check_rule,
)
from minshare.orders.yamlsrc import PathT, Source, dotted, load_validated, pydantic_errors

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Origin:
    """Where an order came from. ``sha256`` is of the file's exact bytes. ``model_copy`` carries
    the origin along unchanged; ``recheck`` replaces it for orders changed in code."""

    file: str
    sha256: str
    source: Source | None = None

    def where(self, path: PathT) -> str:
        """``file:line`` of a clause, or just the file when positions are unknown."""
        mark = self.source.locate(path, key=True) if self.source else None
        return f"{self.file}:{mark[0]}" if mark else self.file


def _validate(source: Source) -> tuple[Order | None, list[MinshareError]]:
    if not isinstance(source.data, dict):
        return None, [source.error(OrderInvalid, (), "an order file is a YAML mapping")]
    try:
        order = Order.model_validate(source.data)
    except ValidationError as exc:
        errors = pydantic_errors(exc, source, OrderInvalid)
        salvaged = _check_valid_parts(source.data)
        return None, errors + [source.error(OrderInvalid, p, m) for p, m in salvaged]
    problems = check_order(order)
    if problems:
        return None, [source.error(OrderInvalid, p, m) for p, m in problems]
    return order, []


def _valid_items(data: Any, key: str, cls: type[_M]) -> list[tuple[int, _M]]:
    items = data.get(key)
    out: list[tuple[int, _M]] = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        try:
            out.append((i, cls.model_validate(item)))
        except ValidationError:
            continue
    return out


def _check_valid_parts(data: dict[str, Any]) -> list[Problem]:
    """Type-check the parts that are valid on their own, so one schema error in a rule does
    not hide an unknown column in another: the user gets every problem in one pass."""
    params: dict[str, Param] = {}
    raw_params = data.get("params")
    for name, raw in (raw_params if isinstance(raw_params, dict) else {}).items():
        try:
            params[str(name)] = Param.model_validate(raw)
        except ValidationError:
            continue
    out = check_fields(_valid_items(data, "fields", PermittedField))
    for key in ("rules", "recipients", "purposes"):
        items = data.get(key)
        seen: set[Any] = set()
        for j, item in enumerate(items if isinstance(items, list) else []):
            rid = item.get("id") if isinstance(item, dict) else None
            if rid is not None and rid in seen:
                out.append(((key, j, "id"), f"{rid} is listed twice"))
            seen.add(rid)
    for i, rule in _valid_items(data, "rules", Rule):
        out += check_rule(i, rule, params)
    authority = data.get("authority")
    sources = authority.get("sources") if isinstance(authority, dict) else None
    ids: set[Any] = (
        {s.get("id") for s in sources if isinstance(s, dict)}
        if isinstance(sources, list)
        else set()
    )
    out += check_jurisdiction(
        _valid_items(data, "jurisdiction", JurisdictionEntry), {str(i) for i in ids}, None
    )
    return out


def load_order(path: Path | str, *, name: str | None = None) -> Order:
    """Load and check an order from a file (``Path``) or from YAML text (``str``)."""
    order, source, raw = load_validated(path, OrderInvalid, _validate, name=name)
    assert isinstance(order, Order)
    order._origin = Origin(file=source.file, sha256=hashlib.sha256(raw).hexdigest(), source=source)
    return order


def recheck(order: Order) -> Order:
    """Check an order built or changed in code (``model_copy`` skips validation)."""
    data = order.model_dump(mode="python", by_alias=True, exclude_none=True)
    source = Source(file=f"<order {order.id}>", data=data)
    checked, problems = _validate(source)
    if problems or checked is None:
        raise OrderInvalid(f"order {order.id} is invalid", details=problems)
    # The file's hash no longer describes this content: say so rather than carry it on.
    body = json.dumps(order.model_dump(mode="json", by_alias=True), sort_keys=True).encode()
    first = origin(order)
    checked._origin = Origin(
        file=f"{first.file if first else order.id} (changed in code)",
        sha256=hashlib.sha256(body).hexdigest(),
    )
    return checked


def origin(order: Order) -> Origin | None:
    value: Any = order._origin
    return value if isinstance(value, Origin) else None


def clause(order: Order, *path: str | int) -> str:
    """Name a clause of an order: ``ca-v-hhs-2025-12-29 § recipients (file:line)``."""
    where = origin(order)
    ref = f" ({where.where(tuple(path))})" if where else ""
    return f"{order.id} § {dotted(path)}{ref}"


__all__ = ["Origin", "clause", "load_order", "origin", "recheck"]
