"""The data diff: how records move between disclose, withhold and review when order A is
replaced by order B, counted on real (or synthetic) data.

Both orders are applied *as if in force* on the as-of date (``Decider(what_if=True)``): their
windows and supersession are ignored, their jurisdictions are kept, so the diff shows what the
change of order means for the data, whatever the calendar says. Every accepted input row is
decided once under each order (exact duplicates are counted as the rows they are); rows the
reader quarantines are counted apart and decided by neither.

This runs the reference evaluator in Python, grouping rows per person in memory: it is meant
for samples and synthetic sets up to a few hundred thousand rows. The engine's SQL does the
same at scale.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from minshare.data import model
from minshare.data.model import KEY, Table
from minshare.orders.decide import Decider
from minshare.orders.evaluate import Decision
from minshare.orders.model import Effect, Order
from minshare.orders.predicates import references

Key = tuple[Any, Any]
_DETERMINATION_COLUMNS = ("STATUS_CATEGORY", "DETERMINATION_SOURCE", "DETERMINED_ON")


@dataclass(frozen=True)
class Transition:
    before: Effect
    before_rules: str
    after: Effect
    after_rules: str
    count: int


@dataclass(frozen=True)
class DataDiff:
    a: str
    b: str
    as_of: date
    rows: int
    quarantined: dict[str, int]
    matrix: dict[tuple[Effect, Effect], int]
    transitions: tuple[Transition, ...]
    read_seconds: float
    decide_seconds: float

    @property
    def rows_per_second(self) -> float:
        """Evaluator throughput: rows decided under both orders, per second of deciding."""
        return self.rows / self.decide_seconds if self.decide_seconds > 0 else float("inf")

    def total(self, effect: Effect, *, after: bool) -> int:
        return sum(n for (a, b), n in self.matrix.items() if (b if after else a) is effect)


def enrollment_columns(orders: Iterable[Order]) -> list[str]:
    """The enrollment columns the orders read: rule subjects, permitted fields, facts' inputs."""
    wanted: set[str] = {*KEY, "SSN_NUM"}
    for order in orders:
        wanted.update(order.field_names)
        for rule in order.rules:
            wanted.update(name.upper() for kind, name in references(rule.when) if kind == "column")
    names = model.column_names(Table.ENROLLMENT)
    return [n for n in names if n in wanted]


def _rows(
    path: Path, table: Table, columns: list[str], counts: dict[str, int]
) -> Iterator[dict[str, Any]]:
    from minshare.data.read import open_table

    reader = open_table(path, table, columns=columns)
    with reader:
        for batch in reader:
            yield from batch.select(columns).to_pylist()
    counts[str(table)] = reader.counts.rows_quarantined


def _deciding(decision: Decision) -> str:
    return "+".join(h.rule_id for h in decision.deciding)


def data_diff(
    a: Order,
    b: Order,
    enrollment: Path,
    determinations: Path,
    as_of: date,
    *,
    recipient: str | None = None,
    purpose: str | None = None,
) -> DataDiff:
    started = time.perf_counter()
    quarantined: dict[str, int] = {}
    dets: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(
        determinations, Table.DETERMINATIONS, [*KEY, *_DETERMINATION_COLUMNS], quarantined
    ):
        dets[(row["SUBMTG_STATE_CD"], row["MSIS_IDENT_NUM"])].append(row)
    people: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(enrollment, Table.ENROLLMENT, enrollment_columns([a, b]), quarantined):
        people[(row["SUBMTG_STATE_CD"], row["MSIS_IDENT_NUM"])].append(row)
    read_done = time.perf_counter()

    kw: dict[str, Any] = {"recipient": recipient, "purpose": purpose, "what_if": True}
    da, db = Decider([a], as_of, **kw), Decider([b], as_of, **kw)
    matrix: Counter[tuple[Effect, Effect]] = Counter()
    moves: Counter[tuple[Effect, str, Effect, str]] = Counter()
    rows = 0
    for key, group in people.items():
        person_dets = dets.get(key, ())
        for i, row in enumerate(group):
            others = group[:i] + group[i + 1 :]
            person = da.person(row, person_dets, duplicates=others, normalized=True)
            x = da.decide_person(person)
            y = db.decide_person(person)
            matrix[(x.effect, y.effect)] += 1
            moves[(x.effect, _deciding(x), y.effect, _deciding(y))] += 1
            rows += 1
    done = time.perf_counter()
    transitions = tuple(
        Transition(ea, ra, eb, rb, n)
        for (ea, ra, eb, rb), n in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    return DataDiff(
        a=a.id,
        b=b.id,
        as_of=as_of,
        rows=rows,
        quarantined=quarantined,
        matrix=dict(matrix),
        transitions=transitions,
        read_seconds=read_done - started,
        decide_seconds=done - read_done,
    )


__all__ = ["DataDiff", "Transition", "data_diff", "enrollment_columns"]
