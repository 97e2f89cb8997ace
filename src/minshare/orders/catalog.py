"""The set of orders minshare knows: the shipped reference orders plus any the user adds.

Orders are addressable by id. A user file with the id of a built-in order replaces it (to try a
draft against the policy tests); two user files with one id are an error. The catalog checks
what no single file can: every superseded id exists and supersession has no cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from minshare.errors import MinshareError
from minshare.orders.errors import OrderInvalid, UnknownOrder
from minshare.orders.load import load_order, origin
from minshare.orders.model import Order

BUILTIN_DIR = Path(str(resources.files("minshare.orders") / "builtin"))


def builtin_order_paths() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


def builtin_test_paths() -> list[Path]:
    return sorted((BUILTIN_DIR / "tests").glob("*.yaml"))


def builtin_request_paths() -> list[Path]:
    return sorted((BUILTIN_DIR / "requests").glob("*.yaml"))


@cache
def _builtin() -> tuple[Order, ...]:
    return tuple(load_order(p, name=f"builtin/{p.name}") for p in builtin_order_paths())


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(path.glob("*.yaml"))
        else:
            yield path


class Catalog:
    def __init__(self, orders: Sequence[Order], *, overridden: Sequence[str] = ()) -> None:
        self._orders = {o.id: o for o in orders}
        self.overridden = tuple(overridden)
        problems = self._check()
        if problems:
            raise OrderInvalid("the set of orders is inconsistent", details=problems)

    @classmethod
    def builtin(cls) -> Catalog:
        return cls(_builtin())

    @classmethod
    def load(cls, extra: Iterable[Path] = (), *, builtin: bool = True) -> Catalog:
        orders = {o.id: o for o in _builtin()} if builtin else {}
        added: dict[str, Order] = {}
        overridden: list[str] = []
        for path in _expand(extra):
            order = load_order(path)
            if order.id in added:
                first = origin(added[order.id])
                also = first.file if first else "?"
                raise OrderInvalid(
                    f"order id {order.id} is defined twice (also in {also})", file=str(path)
                )
            if order.id in orders:
                overridden.append(order.id)
            added[order.id] = order
        orders.update(added)
        return cls(list(orders.values()), overridden=overridden)

    def _check(self) -> list[MinshareError]:
        problems: list[MinshareError] = []
        for order in self._orders.values():
            where = origin(order)
            for sid in order.supersedes:
                if sid not in self._orders:
                    problems.append(
                        OrderInvalid(
                            f"{order.id} supersedes {sid}, which is not a known order",
                            file=where.file if where else None,
                            field="supersedes",
                        )
                    )
        for order in self._orders.values():
            seen, todo = set(), list(order.supersedes)
            while todo:
                sid = todo.pop()
                if sid == order.id:
                    problems.append(OrderInvalid(f"{order.id} supersedes itself through a cycle"))
                    break
                if sid in seen or sid not in self._orders:
                    continue
                seen.add(sid)
                todo.extend(self._orders[sid].supersedes)
        return problems

    @property
    def orders(self) -> tuple[Order, ...]:
        return tuple(self._orders.values())

    def ids(self) -> list[str]:
        return list(self._orders)

    def get(self, ref: str) -> Order:
        """An order by id, or by the path of an order file."""
        if ref in self._orders:
            return self._orders[ref]
        path = Path(ref)
        if path.suffix in (".yaml", ".yml") or path.exists():
            if not path.exists():
                raise UnknownOrder(f"no order file {ref}", file=ref)
            return load_order(path)
        known = ", ".join(sorted(self._orders))
        raise UnknownOrder(f"no order with id {ref!r} (known: {known})")

    def __iter__(self) -> Iterator[Order]:
        return iter(self._orders.values())

    def __len__(self) -> int:
        return len(self._orders)


def validate_files(paths: Sequence[Path]) -> list[Order]:
    """Load every file and check them together with the built-in orders; every problem of
    every file is reported in one error."""
    loaded: list[Order] = []
    problems: list[MinshareError] = []
    for path in paths:
        try:
            loaded.append(load_order(path))
        except OrderInvalid as exc:
            problems += exc.details or [exc]
    if not problems:
        try:
            Catalog.load(paths)
        except OrderInvalid as exc:
            problems += exc.details or [exc]
    if problems:
        n = len(problems)
        raise OrderInvalid(
            f"{n} problem{'s' if n != 1 else ''}; nothing was loaded", details=problems
        )
    return loaded


__all__ = [
    "BUILTIN_DIR",
    "Catalog",
    "builtin_order_paths",
    "builtin_request_paths",
    "builtin_test_paths",
    "validate_files",
]
