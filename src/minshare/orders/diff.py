"""What changed between two orders, by meaning rather than by text.

Items are matched by identity (a state, a field's column, a rule's id, a param's name), not by
position, so reordering is no change. Rule conditions are compared in canonical form
(``predicates.canonical``): regrouping, reordering or repeating conditions is no change. A rule
whose id changed but whose effect and condition did not is reported as renamed. A param change
names the rules whose meaning it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from minshare.orders.model import Order, Rule
from minshare.orders.predicates import canonical, params_used, render
from minshare.orders.resolve import label

Kind = Literal["added", "removed", "changed", "renamed"]
AREAS = (
    "metadata",
    "effective",
    "supersedes",
    "jurisdiction",
    "recipients",
    "purposes",
    "fields",
    "params",
    "rules",
)

T = TypeVar("T")


@dataclass(frozen=True)
class Change:
    area: str
    kind: Kind
    key: str
    before: str | None = None
    after: str | None = None

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.key}" + (f": {self.after}" if self.after else "")
        if self.kind == "removed":
            return f"- {self.key}" + (f": {self.before}" if self.before else "")
        if self.kind == "renamed":
            return f"~ {self.before} -> {self.after} (same effect and condition)"
        return f"~ {self.key}: {self.before} -> {self.after}"


@dataclass(frozen=True)
class OrderDiff:
    a: str
    b: str
    changes: tuple[Change, ...]

    def area(self, name: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.area == name)

    @property
    def empty(self) -> bool:
        return not self.changes


def _keyed(
    area: str,
    before: Iterable[T],
    after: Iterable[T],
    key: Callable[[T], str],
    show: Callable[[T], str],
    parts: Callable[[T], Mapping[str, str]],
) -> list[Change]:
    """Added, removed, and per-attribute changes of items matched by key."""
    a = {key(x): x for x in before}
    b = {key(x): x for x in after}
    out: list[Change] = []
    for k in a:
        if k not in b:
            out.append(Change(area, "removed", k, before=show(a[k])))
    for k in b:
        if k not in a:
            out.append(Change(area, "added", k, after=show(b[k])))
    for k in a:
        if k in b:
            pa, pb = parts(a[k]), parts(b[k])
            for attr in dict.fromkeys([*pa, *pb]):
                if pa.get(attr) != pb.get(attr):
                    out.append(
                        Change(area, "changed", f"{k}.{attr}", pa.get(attr, "-"), pb.get(attr, "-"))
                    )
    return out


def _rule_parts(rule: Rule) -> dict[str, str]:
    return {
        "effect": str(rule.effect),
        "when": render(rule.when),
        "reason": rule.reason,
        "cite": rule.cite,
    }


def _rules(a: Order, b: Order) -> list[Change]:
    ra = {r.id: r for r in a.rules}
    rb = {r.id: r for r in b.rules}
    gone = [r for r in a.rules if r.id not in rb]
    new = [r for r in b.rules if r.id not in ra]
    out: list[Change] = []
    for old in list(gone):
        twin = next(
            (r for r in new if r.effect is old.effect and canonical(r.when) == canonical(old.when)),
            None,
        )
        if twin is not None:
            out.append(Change("rules", "renamed", twin.id, before=old.id, after=twin.id))
            gone.remove(old)
            new.remove(twin)
    for r in gone:
        out.append(Change("rules", "removed", r.id, before=f"{r.effect} when {render(r.when)}"))
    for r in new:
        out.append(Change("rules", "added", r.id, after=f"{r.effect} when {render(r.when)}"))
    for rid, old in ra.items():
        if rid not in rb:
            continue
        cur = rb[rid]
        before, after = _rule_parts(old), _rule_parts(cur)
        if canonical(old.when) == canonical(cur.when):
            before.pop("when")
            after.pop("when")
        for attr in before:
            if before[attr] != after[attr]:
                out.append(Change("rules", "changed", f"{rid}.{attr}", before[attr], after[attr]))
    return out


def _params(a: Order, b: Order) -> list[Change]:
    out = _keyed(
        "params",
        a.params.items(),
        b.params.items(),
        key=lambda kv: kv[0],
        show=lambda kv: f"{kv[1].type} {kv[1].value}",
        parts=lambda kv: {"type": str(kv[1].type), "value": str(kv[1].value)},
    )
    for i, change in enumerate(out):
        if change.kind == "changed":
            name = change.key.split(".")[0]
            rules = sorted(r.id for r in b.rules if name in params_used(r.when))
            if rules:
                out[i] = Change(
                    change.area,
                    change.kind,
                    change.key,
                    change.before,
                    f"{change.after} (changes the meaning of {', '.join(rules)})",
                )
    return out


def diff_orders(a: Order, b: Order) -> OrderDiff:
    changes: list[Change] = []
    meta_a = {
        "id": a.id,
        "title": a.title,
        "document": a.authority.document,
        "issued": str(a.authority.issued),
        "evidence": str(a.authority.evidence),
    }
    meta_b = {
        "id": b.id,
        "title": b.title,
        "document": b.authority.document,
        "issued": str(b.authority.issued),
        "evidence": str(b.authority.evidence),
    }
    for k in meta_a:
        if meta_a[k] != meta_b[k]:
            changes.append(Change("metadata", "changed", k, meta_a[k], meta_b[k]))
    for k in ("from_", "until"):
        va, vb = getattr(a.effective, k), getattr(b.effective, k)
        if va != vb:
            name = k.rstrip("_")
            changes.append(
                Change("effective", "changed", name, str(va or "open"), str(vb or "open"))
            )
    for sid in b.supersedes:
        if sid not in a.supersedes:
            changes.append(Change("supersedes", "added", sid))
    for sid in a.supersedes:
        if sid not in b.supersedes:
            changes.append(Change("supersedes", "removed", sid))
    changes += _keyed(
        "jurisdiction",
        a.jurisdiction,
        b.jurisdiction,
        key=lambda j: label(j.state),
        show=lambda j: f"from {j.from_}" if j.from_ else "whole window",
        parts=lambda j: {"from": str(j.from_ or "-"), "source": j.source},
    )
    changes += _keyed(
        "recipients",
        a.recipients,
        b.recipients,
        key=lambda r: r.id,
        show=lambda r: r.name,
        parts=lambda r: {"name": r.name, "address": r.address},
    )
    changes += _keyed(
        "purposes",
        a.purposes,
        b.purposes,
        key=lambda p: p.id,
        show=lambda p: p.description,
        parts=lambda p: {"description": p.description},
    )
    changes += _keyed(
        "fields",
        a.fields,
        b.fields,
        key=lambda f: f.column,
        show=lambda f: str(f.category),
        parts=lambda f: {"category": str(f.category)},
    )
    changes += _params(a, b)
    changes += _rules(a, b)
    return OrderDiff(a.id, b.id, tuple(changes))


__all__ = ["AREAS", "Change", "OrderDiff", "diff_orders"]
