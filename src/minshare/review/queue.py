"""The review queue: the people the last run sent to review, each with what a reviewer needs to
decide and nothing more.

An item is one person (state + Medicaid ID), built from the workspace of the last run:

- the rules that sent their rows to review, with the reasons and the order's citations
  (``review.parquet`` and the hit table stored with it);
- the health-information guard's findings for the person (``findings.parquet``), each with the
  value of the field it points at, since judging "is this address a dialysis centre?" needs the
  address; no other field of the record is shown;
- the person's determination (status, source, date);
- where the two-person rule stands (``review_votes.jsonl``, ``review_decisions.jsonl``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from minshare.engines.workspace import ReviewDecision, Workspace
from minshare.review.errors import NotInReview
from minshare.review.votes import Vote, read_decisions, read_votes

Status = Literal["open", "awaiting_second", "decided"]


@dataclass(frozen=True)
class RuleMatch:
    rule_id: str
    reason: str
    cite: str


@dataclass(frozen=True)
class Finding:
    id: str  # "<category>:<field>", what a reviewer's decision names as answered
    field: str
    category: str
    sensitivity: str
    strength: str
    detail: str
    value: str | None  # the flagged field's value, the one thing in the record worth seeing


@dataclass(frozen=True)
class Determination:
    status: str | None
    source: str | None
    determined_on: str | None


@dataclass(frozen=True)
class ReviewItem:
    state: str
    msis_id: str
    request_id: str | None
    rows: int
    rules: tuple[RuleMatch, ...]
    findings: tuple[Finding, ...]
    determinations: tuple[Determination, ...]
    status: Status
    votes: tuple[Vote, ...] = ()
    decision: ReviewDecision | None = None
    answerable: tuple[str, ...] = field(default=())  # rule ids + finding ids

    @property
    def key(self) -> tuple[str, str]:
        return (self.state, self.msis_id)

    def voted(self, reviewer: str) -> bool:
        return any(v.reviewer == reviewer for v in self.votes)


def round_started(ws: Workspace) -> datetime:
    """When the last run wrote ``review.parquet``: votes and decisions before it belong to an
    earlier round of review and no longer count for the rows now in review."""
    return datetime.fromtimestamp(ws.review.stat().st_mtime, UTC)


def _pylist(path: Path, people: set[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if not path.exists():
        return []
    table = pq.read_table(path)
    if people is not None:
        states = {s for s, _ in people}
        ids = {m for _, m in people}
        keep = pc.and_(
            pc.is_in(table.column("SUBMTG_STATE_CD"), value_set=_array(sorted(states))),
            pc.is_in(table.column("MSIS_IDENT_NUM"), value_set=_array(sorted(ids))),
        )
        table = table.filter(keep)
    rows: list[dict[str, Any]] = table.to_pylist()
    if people is not None:
        rows = [r for r in rows if (r["SUBMTG_STATE_CD"], r["MSIS_IDENT_NUM"]) in people]
    return rows


def _array(values: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(values, pa.string())


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def build_queue(workspace: Path | str) -> list[ReviewItem]:
    """Every person in review after the last run, sorted by state and Medicaid ID."""
    from minshare.engines.duckdb import read_hits

    ws = Workspace(Path(workspace))
    if not ws.review.exists():
        return []
    review_rows = _pylist(ws.review)
    if not review_rows:
        return []
    hits = {int(h["hit"]): h for h in (read_hits(ws.review) or [])}
    request_id = None
    if ws.plan.exists():
        request_id = json.loads(ws.plan.read_text()).get("request_id")
    people = {(r["SUBMTG_STATE_CD"], r["MSIS_IDENT_NUM"]) for r in review_rows}
    findings = _pylist(ws.findings, people)
    dets = _pylist(ws.determinations, people)
    started = round_started(ws)
    votes = [v for v in read_votes(ws) if v.decided_at >= started]
    decisions = {(d.state, d.msis_id): d for d in read_decisions(ws) if d.decided_at >= started}
    by_person: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in review_rows:
        by_person.setdefault((row["SUBMTG_STATE_CD"], row["MSIS_IDENT_NUM"]), []).append(row)
    items = []
    for key in sorted(by_person):
        rows = by_person[key]
        rules: dict[str, RuleMatch] = {}
        for row in rows:
            for number in row.get("reason_hits") or []:
                hit = hits.get(int(number))
                rule_id = str(hit["id"]) if hit and "id" in hit else None
                if hit is None or rule_id is None:
                    continue
                rules.setdefault(rule_id, RuleMatch(rule_id, str(hit["reason"]), str(hit["cite"])))
            for rid in row.get("reason_ids") or []:
                rules.setdefault(rid, RuleMatch(rid, rid, ""))
        values = {f: v for row in rows for f, v in row.items() if v is not None}
        found = tuple(
            Finding(
                id=f"{f['category']}:{f['field']}",
                field=str(f["field"]),
                category=str(f["category"]),
                sensitivity=str(f["sensitivity"]),
                strength=str(f["strength"]),
                detail=str(f["detail"]),
                value=_text(values.get(f["field"])),
            )
            for f in findings
            if (f["SUBMTG_STATE_CD"], f["MSIS_IDENT_NUM"]) == key
        )
        determinations = tuple(
            Determination(
                _text(d.get("STATUS_CATEGORY")),
                _text(d.get("DETERMINATION_SOURCE")),
                _text(d.get("DETERMINED_ON")),
            )
            for d in dets
            if (d["SUBMTG_STATE_CD"], d["MSIS_IDENT_NUM"]) == key
        )
        mine = tuple(v for v in votes if (v.state, v.msis_id) == key)
        decision = decisions.get(key)
        status: Status = "decided" if decision else ("awaiting_second" if mine else "open")
        items.append(
            ReviewItem(
                state=key[0],
                msis_id=key[1],
                request_id=request_id,
                rows=len(rows),
                rules=tuple(rules.values()),
                findings=found,
                determinations=determinations,
                status=status,
                votes=mine,
                decision=decision,
                answerable=(*rules, *(f.id for f in found)),
            )
        )
    return items


def review_item(workspace: Path | str, state: str, msis_id: str) -> ReviewItem:
    """One person in review, or :class:`NotInReview`."""
    for item in build_queue(workspace):
        if item.key == (state, msis_id):
            return item
    raise NotInReview(f"Medicaid ID {msis_id} of state {state} is not in review after the last run")


def next_item(workspace: Path | str, reviewer: str) -> ReviewItem | None:
    """The next item this reviewer can decide: undecided, and not already voted on by them."""
    for item in build_queue(workspace):
        if item.status != "decided" and not item.voted(reviewer):
            return item
    return None


__all__ = [
    "Determination",
    "Finding",
    "ReviewItem",
    "RuleMatch",
    "Status",
    "build_queue",
    "next_item",
    "review_item",
    "round_started",
]
