"""What an order's syntax cannot say: checked against the data model and the facts vocabulary.

Every problem is returned (path + message), never just the first, so the loader can report all
of them with line and column. The checks:

- ``fields``: each column exists in the enrollment model, is not health-classified, and falls
  under the order category it is tagged with;
- predicates: every column and fact exists, every operator suits its subject's type, every
  value has the subject's type, every code is in the column's code list, every param exists and
  has the right type; a ``disclose`` rule never depends on a health or health-revealing column
  (the package's row set would reveal it);
- consistency: unique ids, known FIPS codes, jurisdiction sources that exist, an order that
  discloses names its recipients, purposes and fields.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from minshare.data import model
from minshare.data.model import ColumnClass, OrderCategory
from minshare.data.states import STATES
from minshare.orders import facts
from minshare.orders.facts import Kind, VType
from minshare.orders.model import (
    Effect,
    JurisdictionEntry,
    Order,
    Param,
    ParamType,
    PermittedField,
    Rule,
)
from minshare.orders.predicates import (
    ORDERING_OPS,
    AsOfMinusDays,
    Compare,
    Node,
    ParamRef,
    walk,
)
from minshare.orders.yamlsrc import PathT

Problem = tuple[PathT, str]

_PARAM_KIND = {
    ParamType.INT: Kind.INT,
    ParamType.DATE: Kind.DATE,
    ParamType.BOOL: Kind.BOOL,
    ParamType.STRING: Kind.STRING,
}
_DETERMINATION_FACT = {
    "STATUS_CATEGORY": "determination.category",
    "DETERMINATION_SOURCE": "determination.source",
    "DETERMINED_ON": "determination.determined_on or determination.age_days",
    "EVIDENCE_REF": None,
}


def _suggest(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def _dupes(values: Iterable[Any]) -> set[Any]:
    return {v for v, n in Counter(values).items() if n > 1}


def check_order(order: Order) -> list[Problem]:
    out: list[Problem] = []
    out += _check_ids(order)
    if not order.jurisdiction:
        out.append((("jurisdiction",), "lists no state: the order could never be in force"))
    out += check_jurisdiction(
        enumerate(order.jurisdiction),
        {s.id for s in order.authority.sources},
        order.effective.until,
    )
    out += check_fields(enumerate(order.fields))
    for i, rule in enumerate(order.rules):
        out += check_rule(i, rule, order.params)
    if any(r.effect is Effect.DISCLOSE for r in order.rules):
        for what in ("recipients", "purposes", "fields"):
            if not getattr(order, what):
                out.append(((what,), f"an order with a disclose rule must list its {what}"))
    return out


def _check_ids(order: Order) -> list[Problem]:
    out: list[Problem] = []
    groups: list[tuple[str, list[str]]] = [
        ("rules", [r.id for r in order.rules]),
        ("recipients", [r.id for r in order.recipients]),
        ("purposes", [p.id for p in order.purposes]),
        ("fields", [f.column.upper() for f in order.fields]),
        ("jurisdiction", [j.state for j in order.jurisdiction]),
    ]
    for where, ids in groups:
        for dup in sorted(_dupes(ids)):
            idx = max(i for i, v in enumerate(ids) if v == dup)
            out.append(((where, idx), f"{dup} is listed twice"))
    for dup in sorted(_dupes(s.id for s in order.authority.sources)):
        out.append((("authority", "sources"), f"source id {dup} is listed twice"))
    for i, sid in enumerate(order.supersedes):
        if sid == order.id:
            out.append((("supersedes", i), "an order cannot supersede itself"))
    return out


def check_rule(i: int, rule: Rule, params: dict[str, Param]) -> list[Problem]:
    out = check_predicate(rule.when, params, ("rules", i, "when"))
    if rule.effect is Effect.DISCLOSE:
        out += _check_disclose_is_health_blind(rule.when, ("rules", i, "when"))
    return out


def check_jurisdiction(
    entries: Iterable[tuple[int, JurisdictionEntry]], sources: set[str], until: date | None
) -> list[Problem]:
    out: list[Problem] = []
    for i, entry in entries:
        state = STATES.get(entry.state)
        if state is None:
            out.append(((("jurisdiction", i, "state")), f"{entry.state} is not a FIPS state code"))
        elif entry.name is not None and entry.name.casefold() != state.name.casefold():
            out.append(
                (
                    ("jurisdiction", i, "name"),
                    f"FIPS {entry.state} is {state.name}, not {entry.name}",
                )
            )
        if entry.source not in sources:
            out.append(
                (
                    ("jurisdiction", i, "source"),
                    f"unknown source {entry.source}{_suggest(entry.source, sources)}; "
                    "list it under authority.sources",
                )
            )
        if entry.from_ is not None and until is not None and entry.from_ > until:
            out.append(
                (("jurisdiction", i, "from"), f"{entry.from_} is after the order ends ({until})")
            )
    return out


def check_fields(fields: Iterable[tuple[int, PermittedField]]) -> list[Problem]:
    out: list[Problem] = []
    names = model.column_names(model.Table.ENROLLMENT)
    for i, pf in fields:
        col = model.column(model.Table.ENROLLMENT, pf.column)
        path = ("fields", i, "column")
        if col.cls is ColumnClass.UNCLASSIFIED:
            out.append((path, f"unknown column {pf.column}{_suggest(pf.column.upper(), names)}"))
        elif col.cls is ColumnClass.HEALTH:
            out.append((path, f"{col.name} is health-classified and can never be permitted"))
        elif col.category is None and not (
            col.name in model.KEY and pf.category is OrderCategory.MEDICAID_ID
        ):
            out.append((path, f"{col.name} is in none of the order's six categories"))
        elif col.category is not None and col.category is not pf.category:
            out.append(
                (
                    ("fields", i, "category"),
                    f"{col.name} falls under {col.category}, not {pf.category}",
                )
            )
        elif col.name != pf.column:
            out.append((path, f"write column names as in the data model: {col.name}"))
    return out


def _check_disclose_is_health_blind(pred: Node, base: PathT) -> list[Problem]:
    out: list[Problem] = []
    for path, node in walk(pred):
        if isinstance(node, Compare) and node.column is not None:
            col = model.column(model.Table.ENROLLMENT, node.column)
            if col.cls is ColumnClass.HEALTH or col.health_revealing:
                out.append(
                    (
                        (*base, *path, "column"),
                        f"a disclose rule may not depend on {col.name}: which records leave "
                        "would reveal health information",
                    )
                )
    return out


def subject_type(node: Compare) -> tuple[VType | None, str | None]:
    """The subject's type, or None and the reason it has none."""
    name = node.subject
    if node.column is not None:
        upper = name.upper()
        if upper in _DETERMINATION_FACT:
            use = _DETERMINATION_FACT[upper]
            hint = f"; use the fact {use}" if use else "; it is never used in decisions"
            return None, f"{upper} is a determinations column{hint}"
        t = facts.column_type(upper)
        if t is None:
            names = model.column_names(model.Table.ENROLLMENT)
            return None, f"unknown column {name}{_suggest(upper, names)}"
        return t, None
    fact = facts.lookup(name)
    if fact is None:
        if name.startswith(facts.GUARD_PREFIX):
            return None, (
                f"no guard fact {name} is registered (the guard.* namespace is filled by the "
                "health-information guard)"
            )
        return None, f"unknown fact {name}{_suggest(name, facts.FACTS)}"
    return fact.type, None


def check_predicate(pred: Node, params: dict[str, Param], base: PathT) -> list[Problem]:
    out: list[Problem] = []
    for path, node in walk(pred):
        if not isinstance(node, Compare):
            continue
        here = (*base, *path)
        t, why = subject_type(node)
        if t is None:
            out.append(((*here, node.subject_kind), str(why)))
            continue
        op = node.op
        opath = (*here, op)
        if op == "is_null":
            fact = facts.lookup(node.subject) if node.fact else None
            if fact is not None and not fact.nullable:
                out.append((opath, f"{fact.name} is never null"))
            continue
        if op == "unknown_code":
            if t.kind is not Kind.CODE or t.codes is None:
                out.append((opath, f"{node.subject} is {t}, not a code with a code list"))
            continue
        if op in ORDERING_OPS and t.kind not in (Kind.DATE, Kind.INT):
            out.append((opath, f"{node.subject} is {t}; {op} compares dates and integers"))
            continue
        if op in ("in", "not_in"):
            values = node.operand
            for dup in _dupes(repr(v) for v in values):
                out.append((opath, f"value {dup} is listed twice"))
            for j, value in enumerate(values):
                out += _check_value(value, t, node.subject, params, (*opath, j))
        else:
            out += _check_value(node.operand, t, node.subject, params, opath)
    return out


def _check_value(
    value: Any, t: VType, subject: str, params: dict[str, Param], path: PathT
) -> list[Problem]:
    if isinstance(value, ParamRef):
        return _check_param(value.param, t, subject, params, path)
    if isinstance(value, AsOfMinusDays):
        if t.kind is not Kind.DATE:
            return [(path, f"{subject} is {t}; as_of_minus_days is a date")]
        days = value.as_of_minus_days
        if isinstance(days, ParamRef):
            return _check_param(days.param, VType(Kind.INT), "as_of_minus_days", params, path)
        return []
    if isinstance(value, bool):
        ok = t.kind is Kind.BOOL
    elif isinstance(value, int):
        if t.kind is Kind.CODE:
            return [(path, f"codes are quoted strings: write '{value}', not {value}")]
        ok = t.kind is Kind.INT
    elif isinstance(value, date):
        ok = t.kind is Kind.DATE
    else:
        return _check_text(str(value), t, subject, path)
    return [] if ok else [(path, f"{subject} is {t}; {value!r} is not")]


def _check_text(value: str, t: VType, subject: str, path: PathT) -> list[Problem]:
    if t.kind is Kind.DATE:
        try:
            date.fromisoformat(value)
        except ValueError:
            return [(path, f"{subject} is a date; {value!r} is not YYYY-MM-DD")]
        return []
    if t.kind is Kind.CODE:
        if t.codes is not None and value not in t.codes:
            known = ", ".join(sorted(t.codes.codes)) if len(t.codes.codes) <= 20 else "see docs"
            return [
                (
                    path,
                    f"unknown code {value!r} for {subject} (known: {known}); "
                    "test for unlisted codes with unknown_code: true",
                )
            ]
        return []
    if t.kind is Kind.STRING:
        return []
    return [(path, f"{subject} is {t}; {value!r} is text")]


def _check_param(
    name: str, t: VType, subject: str, params: dict[str, Param], path: PathT
) -> list[Problem]:
    param = params.get(name)
    if param is None:
        return [(path, f"unknown param {name}{_suggest(name, params)}")]
    kind = _PARAM_KIND[param.type]
    if t.kind is Kind.CODE and kind is Kind.STRING:
        return _check_text(str(param.value), t, subject, path)
    if kind is not t.kind:
        return [(path, f"{subject} is {t}; param {name} is {param.type}")]
    return []


__all__ = [
    "Problem",
    "check_fields",
    "check_jurisdiction",
    "check_order",
    "check_predicate",
    "check_rule",
    "subject_type",
]
