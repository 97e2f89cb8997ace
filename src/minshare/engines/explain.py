"""``explain``: why one person's records were disclosed, withheld or sent to review.

Everything comes from the workspace of the last run: the plan (``plan.json``), byte copies of
the orders it applied (``orders/``, checked against the SHA-256 the plan recorded), the decided
rows (``decisions.parquet``, with the facts the engine computed, and the hit table in its
metadata that gives each row's reasons and cites), the values the rules read
(``enrollment.parquet``), the person's determinations and any quarantined row with their key.
Each rule of each governing order is shown as it evaluated: ``true``, ``false``, or
``unknown`` when a value it tests is missing (minshare then counts the test as not holding:
null semantics are two-valued, docs/orders.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pyarrow.compute as pc
import pyarrow.parquet as pq

from minshare.compile.plan import POST_HITS, ROW_UNREADABLE, STATE_NOT_REQUESTED
from minshare.engines.duckdb import read_hits, reasons_of
from minshare.engines.errors import EngineError
from minshare.engines.workspace import Workspace
from minshare.errors import UsageError
from minshare.orders.evaluate import NO_ORDER, compile_predicate
from minshare.orders.load import load_order
from minshare.orders.model import Order
from minshare.orders.predicates import All, Always, AnyOf, Compare, Node, Not, render
from minshare.orders.resolve import NO_ORDER_REASON, label, parse_state, resolve

Result = Literal["true", "false", "unknown"]
EFFECT_WORDS = {"disclose": "Disclosed", "withhold": "Withheld", "review": "Sent to review"}


@dataclass(frozen=True)
class RuleTrace:
    rule_id: str
    effect: str
    result: Result  # three-valued: unknown when a value the rule tests is missing
    holds: bool  # what the decision used (two-valued)
    condition: str
    reason: str
    cite: str


@dataclass(frozen=True)
class OrderTrace:
    order_id: str
    title: str
    governs: bool
    why: str
    rules: tuple[RuleTrace, ...] = ()


@dataclass(frozen=True)
class RowExplanation:
    source_file: str
    row: int
    line: int | None
    decision: str
    rule_decision: str
    reason_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    cites: tuple[str, ...]
    rule_ids: tuple[str, ...]
    facts: dict[str, Any]
    values: dict[str, Any]
    orders: tuple[OrderTrace, ...]
    steps: tuple[str, ...]  # minshare's own steps after the rules, in words


@dataclass(frozen=True)
class Explanation:
    state: str
    msis_id: str
    as_of: str
    request_id: str | None
    summary: str
    rows: tuple[RowExplanation, ...]
    determinations: tuple[dict[str, Any], ...] = ()
    quarantined: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def _read(path: Path, state: str, msis_id: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    table = pq.read_table(path)
    keep = pc.and_(
        pc.equal(table.column("SUBMTG_STATE_CD"), state),
        pc.equal(table.column("MSIS_IDENT_NUM"), msis_id),
    )
    rows: list[dict[str, Any]] = table.filter(keep).to_pylist()
    return rows


def _orders(ws: Workspace, plan: Mapping[str, Any]) -> dict[str, Order]:
    out: dict[str, Order] = {}
    for ref in plan["orders"]:
        path = ws.orders / f"{ref['id']}.yaml"
        if not path.exists():
            raise EngineError("the workspace has no copy of this order; run again", file=str(path))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != ref["sha256"]:
            raise EngineError(
                f"order {ref['id']} in the workspace does not match the run's plan "
                f"(sha256 {digest} != {ref['sha256']})",
                file=str(path),
            )
        out[ref["id"]] = load_order(path)
    return out


def _three_valued(node: Node, row: Mapping[str, Any], params: Mapping[str, Any]) -> bool | None:
    """Kleene logic over the comparisons; a comparison on a missing value is unknown."""
    if isinstance(node, All):
        parts = [_three_valued(p, row, params) for p in node.all]
        if any(p is False for p in parts):
            return False
        return None if any(p is None for p in parts) else True
    if isinstance(node, AnyOf):
        parts = [_three_valued(p, row, params) for p in node.any]
        if any(p is True for p in parts):
            return True
        return None if any(p is None for p in parts) else False
    if isinstance(node, Not):
        inner = _three_valued(node.not_, row, params)
        return None if inner is None else not inner
    if isinstance(node, Always):
        return node.always
    assert isinstance(node, Compare)
    key = node.subject.upper() if node.column is not None else node.subject
    if row.get(key) is None and node.op not in ("is_null", "unknown_code"):
        return None
    return compile_predicate(node, params)(row)


def _facts(plan: Mapping[str, Any], row: Mapping[str, Any], order_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for use in plan["facts"]:
        if use["order_id"] not in (None, order_id):
            continue
        out[use["name"]] = row.get(use["column"])
    return out


def _trace(
    order: Order, governs: bool, why: str, scope: dict[str, Any], held: set[str]
) -> OrderTrace:
    if not governs:
        return OrderTrace(order.id, order.title, False, why)
    params = order.param_values()
    rules = []
    for rule in order.rules:
        value = _three_valued(rule.when, scope, params)
        result: Result = "unknown" if value is None else ("true" if value else "false")
        rules.append(
            RuleTrace(
                rule.id,
                rule.effect.value,
                result,
                rule.id in held,
                render(rule.when),
                rule.reason,
                rule.cite,
            )
        )
    return OrderTrace(order.id, order.title, True, why, tuple(rules))


def _reasons(
    row: Mapping[str, Any], hits: Sequence[Mapping[str, Any]] | None
) -> tuple[list[str], list[str]]:
    """A decided row's reasons and cites: its ``reason_hits`` looked up in the hit table stored
    with the decisions (a decisions file without one is from an older minshare: run again)."""
    if hits is None or row.get("reason_hits") is None:
        raise EngineError(
            "decisions.parquet has no hit table (written by an older minshare?); run again",
        )
    return reasons_of(row["reason_hits"], hits)


def _steps(rule_ids: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{i}: {POST_HITS[i].reason}" for i in rule_ids if i in POST_HITS)


def _summary(rows: Sequence[RowExplanation], state: str, msis_id: str) -> str:
    who = f"{msis_id} in state {label(state)}"
    parts = []
    for r in rows:
        head = EFFECT_WORDS.get(r.decision, r.decision)
        because = "; ".join(r.reasons) or "no reason recorded"
        ids = ", ".join(r.reason_ids)
        where = f"row {r.row} of {Path(r.source_file).name}"
        parts.append(f"{head}: {because} [{ids}] ({where})")
    if len(rows) == 1:
        return f"{who} — {parts[0]}"
    return f"{who} has {len(rows)} rows:\n" + "\n".join(f"- {p}" for p in parts)


def explain(workspace: Path | str, state: str, msis_id: str) -> Explanation:
    """Explain the decision for one person (``state``: FIPS code, USPS abbreviation or an
    alternate submitter code) from the workspace of the last run."""
    ws = Workspace(Path(workspace))
    if not ws.plan.exists() or not ws.decisions.exists():
        raise UsageError(
            "no run in this workspace yet (no plan.json or decisions.parquet): run "
            "minshare dry-run or disclose first",
            file=str(ws.root),
        )
    st = parse_state(state)
    mid = msis_id.strip()
    plan = json.loads(ws.plan.read_text())
    as_of = date.fromisoformat(plan["as_of"])
    orders = _orders(ws, plan)
    decided = sorted(_read(ws.decisions, st, mid), key=lambda r: (r["_MS_FILE"], r["_MS_ROW"]))
    hits = read_hits(ws.decisions) if decided else []
    values = {(r["_MS_FILE"], r["_MS_ROW"]): r for r in _read(ws.enrollment, st, mid)}
    quarantined = tuple(
        {k: v for k, v in q.items() if k != "raw"} for q in _read(ws.quarantine, st, mid)
    )
    determinations = tuple(
        {k: v for k, v in d.items() if not k.startswith("_MS_")}
        for d in _read(ws.determinations, st, mid)
    )
    if not decided and not quarantined:
        raise UsageError(f"no record for Medicaid ID {mid} in state {label(st)} in this workspace")
    requested = plan["requested_states"]
    standings = {s.order.id: s for s in resolve(list(orders.values()), st, as_of).standings}
    rows: list[RowExplanation] = []
    for d in decided:
        row_values = {
            k: v
            for k, v in values.get((d["_MS_FILE"], d["_MS_ROW"]), {}).items()
            if not k.startswith("_MS_")
        }
        held = set(d["rule_ids"])
        traces = []
        for oid, order in orders.items():
            governs = oid in (d["orders"] or [])
            standing = standings.get(oid)
            if requested != "all" and st not in requested:
                why = "the request does not ask for this state"
            else:
                why = standing.why if standing else "not in force"
            scope = {**row_values, **_facts(plan, d, oid), "as_of": as_of}
            traces.append(_trace(order, governs, why, scope, held))
        if not d["orders"] and STATE_NOT_REQUESTED not in held:
            traces.append(
                OrderTrace(NO_ORDER, "no order", False, f"{NO_ORDER_REASON} ({label(st)}, {as_of})")
            )
        facts = {
            use["name"] + (f" ({use['order_id']})" if use["order_id"] else ""): d.get(use["column"])
            for use in plan["facts"]
        }
        reasons, cites = _reasons(d, hits)
        rows.append(
            RowExplanation(
                source_file=str(d["_MS_FILE"]),
                row=int(d["_MS_ROW"]),
                line=d.get("_MS_LINE"),
                decision=d["decision"],
                rule_decision=d["rule_decision"],
                reason_ids=tuple(d["reason_ids"]),
                reasons=tuple(reasons),
                cites=tuple(cites),
                rule_ids=tuple(d["rule_ids"]),
                facts=facts,
                values=row_values,
                orders=tuple(traces),
                steps=_steps(d["rule_ids"]),
            )
        )
    if rows:
        summary = _summary(rows, st, mid)
    else:
        summary = (
            f"{mid} in state {label(st)} — Not decided: every row of this person was "
            f"quarantined ({'; '.join(str(q['reason']) for q in quarantined)})"
        )
    if quarantined and rows and ROW_UNREADABLE not in {i for r in rows for i in r.rule_ids}:
        summary += f"\n({len(quarantined)} quarantined row(s) of this person are listed below)"
    return Explanation(
        state=st,
        msis_id=mid,
        as_of=as_of.isoformat(),
        request_id=plan.get("request_id"),
        summary=summary,
        rows=tuple(rows),
        determinations=determinations,
        quarantined=quarantined,
    )


__all__ = ["Explanation", "OrderTrace", "RowExplanation", "RuleTrace", "explain"]
