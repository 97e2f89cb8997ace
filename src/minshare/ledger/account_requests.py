"""Individuals' requests for an accounting of disclosures, tracked against their deadline
(45 CFR 164.528(c); ``legal-duties.md`` R-DEADLINE-1).

A request is recorded with the day it was received; it is due 60 days later. One extension of
at most 30 days is allowed, and only with a written statement of the reasons for the delay given
to the individual within the 60 days: :func:`extend_request` refuses a second one, one without a
reason, and one recorded after the first deadline. :func:`answer_request` produces the
individual's accounting (the individual view: suspensions and 552a(b)(7) disclosures left out)
and marks the request fulfilled, on time or late. The first accounting in any 12 months is free
(164.528(c)(2)); a later one may carry a reasonable, cost-based fee announced in advance, so the
status says which it is. Every change is an accounting event; purges follow the six-year
retention of :mod:`minshare.ledger.accounting`.

Only the person key is stored, never the Medicaid ID.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from minshare.errors import UsageError
from minshare.ledger.accounting import Accounting, Text, _event, _utc, accounting_for, person
from minshare.ledger.log import Ledger

DUE_AFTER = timedelta(days=60)
EXTENSION = timedelta(days=30)
FREE_EVERY = timedelta(days=365)

Status = Literal["open", "extended", "overdue", "fulfilled", "fulfilled late"]

_COLUMNS = (
    "id, person_key, requester, received_at, due_at, extended_to, extension_reason, "
    "extended_at, fulfilled_at, created_at"
)


class AccountingRequest(BaseModel):
    """One request for an accounting, with its deadline."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Text
    person_key: str = Field(description="hex")
    requester: Text = Field(description="Who asked and how to reach them (a reference)")
    received_at: datetime
    due_at: datetime = Field(description="received_at + 60 days")
    extended_to: datetime | None = Field(None, description="due_at + at most 30 days")
    extension_reason: str | None = None
    extended_at: datetime | None = None
    fulfilled_at: datetime | None = None
    created_at: datetime

    @property
    def deadline(self) -> datetime:
        return self.extended_to or self.due_at

    def status(self, now: datetime) -> Status:
        if self.fulfilled_at is not None:
            return "fulfilled" if self.fulfilled_at <= self.deadline else "fulfilled late"
        if now > self.deadline:
            return "overdue"
        return "extended" if self.extended_to is not None else "open"


class RequestStatus(BaseModel):
    """A request as a privacy officer's list shows it."""

    model_config = ConfigDict(frozen=True)

    request: AccountingRequest
    status: Status
    deadline: datetime
    days_left: int = Field(description="Whole days to the deadline (negative: overdue)")
    free: bool = Field(description="The first request of this person in 12 months (no fee)")


def _row(row: tuple[Any, ...]) -> AccountingRequest:
    keys = [c.strip() for c in _COLUMNS.split(",")]
    data = dict(zip(keys, row, strict=True))
    data["person_key"] = bytes(data["person_key"]).hex()
    return AccountingRequest.model_validate(data)


def accounting_requests(ledger: Ledger) -> list[AccountingRequest]:
    rows = ledger.store.query(f"SELECT {_COLUMNS} FROM accounting_requests ORDER BY received_at")
    return [_row(r) for r in rows]


def get_request(ledger: Ledger, request_id: str) -> AccountingRequest:
    rows = ledger.store.query(
        f"SELECT {_COLUMNS} FROM accounting_requests WHERE id = ?", (request_id,)
    )
    if not rows:
        raise UsageError(f"no accounting request {request_id}")
    return _row(rows[0])


def record_request(
    ledger: Ledger,
    workspace: Path,
    state: str,
    msis_id: str,
    *,
    requester: str,
    received_at: datetime,
    now: datetime | None = None,
) -> AccountingRequest:
    """Record an individual's request for an accounting, due 60 days after it was received."""
    now = _utc(now or datetime.now(UTC))
    received_at = _utc(received_at)
    if received_at > now:
        raise UsageError("a request cannot be received in the future")
    if not requester.strip():
        raise UsageError("say who asked (a name or a reference to the request letter)")
    _, key = person(workspace, state, msis_id)
    r = AccountingRequest(
        id=str(uuid.uuid4()),
        person_key=key.hex(),
        requester=requester,
        received_at=received_at,
        due_at=received_at + DUE_AFTER,
        created_at=now,
    )
    with ledger.store.transaction() as tx:
        tx.execute(
            f"INSERT INTO accounting_requests ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                r.id,
                key,
                r.requester,
                r.received_at.isoformat(),
                r.due_at.isoformat(),
                None,
                None,
                None,
                None,
                r.created_at.isoformat(),
            ),
        )
    _event(ledger, "request.received", r.model_dump(mode="json"), now)
    return r


def extend_request(
    ledger: Ledger,
    request_id: str,
    *,
    reason: str,
    until: datetime | None = None,
    now: datetime | None = None,
) -> AccountingRequest:
    """The one extension 164.528(c)(1)(ii) allows: at most 30 days, with the written reasons for
    the delay (given to the individual, with the new date, within the first 60 days)."""
    now = _utc(now or datetime.now(UTC))
    r = get_request(ledger, request_id)
    if r.fulfilled_at is not None:
        raise UsageError("the request has been answered already")
    if r.extended_to is not None:
        raise UsageError("a request may be extended once only (45 CFR 164.528(c)(1)(ii))")
    if not reason.strip():
        raise UsageError("an extension needs the written reasons for the delay")
    if now > r.due_at:
        raise UsageError(
            "the extension must be taken within the 60 days, and they ended on "
            f"{r.due_at.date().isoformat()}: the request is overdue"
        )
    limit = r.due_at + EXTENSION
    target = _utc(until) if until is not None else limit
    if not r.due_at < target <= limit:
        raise UsageError(
            f"an extension is at most 30 days: after {r.due_at.date().isoformat()} and no later "
            f"than {limit.date().isoformat()}"
        )
    with ledger.store.transaction() as tx:
        tx.execute(
            "UPDATE accounting_requests SET extended_to = ?, extension_reason = ?, "
            "extended_at = ? WHERE id = ?",
            (target.isoformat(), reason, now.isoformat(), request_id),
        )
    _event(
        ledger,
        "request.extended",
        {"id": request_id, "until": target.isoformat(), "reason": reason},
        now,
    )
    return get_request(ledger, request_id)


def answer_request(
    ledger: Ledger,
    workspace: Path,
    request_id: str,
    state: str,
    msis_id: str,
    *,
    now: datetime | None = None,
) -> tuple[Accounting, AccountingRequest]:
    """The individual's accounting for a recorded request, which is then marked fulfilled."""
    now = _utc(now or datetime.now(UTC))
    r = get_request(ledger, request_id)
    _, key = person(workspace, state, msis_id)
    if key.hex() != r.person_key:
        raise UsageError(f"accounting request {request_id} is not this person's")
    if r.fulfilled_at is not None:
        raise UsageError(
            f"accounting request {request_id} was answered on {r.fulfilled_at.date().isoformat()}"
        )
    result = accounting_for(ledger, workspace, state, msis_id, view="individual", now=now)
    with ledger.store.transaction() as tx:
        tx.execute(
            "UPDATE accounting_requests SET fulfilled_at = ? WHERE id = ?",
            (now.isoformat(), request_id),
        )
    done = get_request(ledger, request_id)
    _event(
        ledger,
        "request.fulfilled",
        {"id": request_id, "status": done.status(now), "size": result.checkpoint_size},
        now,
    )
    return result, done


def request_statuses(ledger: Ledger, *, now: datetime | None = None) -> list[RequestStatus]:
    """Every request with its status and days left, earliest deadline first."""
    now = _utc(now or datetime.now(UTC))
    every = accounting_requests(ledger)
    out = []
    for r in every:
        earlier = [
            o
            for o in every
            if o.person_key == r.person_key
            and o.id != r.id
            and r.received_at - FREE_EVERY < o.received_at <= r.received_at
            and (o.received_at, o.id) < (r.received_at, r.id)
        ]
        left = r.deadline - now
        out.append(
            RequestStatus(
                request=r,
                status=r.status(now),
                deadline=r.deadline,
                days_left=left.days,
                free=not earlier,
            )
        )
    return sorted(out, key=lambda s: (s.request.fulfilled_at is not None, s.deadline))


def purge_requests(ledger: Ledger, cutoff: datetime) -> int:
    """Delete requests answered before ``cutoff`` (the caller checks the retention period)."""
    old = [
        r
        for r in accounting_requests(ledger)
        if r.fulfilled_at is not None and r.fulfilled_at < cutoff
    ]
    with ledger.store.transaction() as tx:
        for r in old:
            tx.execute("DELETE FROM accounting_requests WHERE id = ?", (r.id,))
    return len(old)


__all__ = [
    "DUE_AFTER",
    "EXTENSION",
    "AccountingRequest",
    "RequestStatus",
    "accounting_requests",
    "answer_request",
    "extend_request",
    "get_request",
    "purge_requests",
    "record_request",
    "request_statuses",
]
