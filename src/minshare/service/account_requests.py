"""Individuals' requests for an accounting of disclosures, for the privacy officer (the
``steward`` role): record one, list them by deadline, extend one once with the written reasons,
answer one with the individual's accounting. Each is one call into
:mod:`minshare.ledger.account_requests`; this module only opens the ledger and turns "no such
request" into a 404."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from minshare.errors import UsageError
from minshare.ledger import ledger_session
from minshare.ledger.account_requests import (
    AccountingRequest,
    RequestStatus,
    answer_request,
    extend_request,
    get_request,
    record_request,
    request_statuses,
)
from minshare.ledger.accounting import Accounting
from minshare.service.errors import NotFound


@contextmanager
def _ledger(settings: Any) -> Iterator[Any]:
    with ledger_session(settings.workspace, settings.ledger) as led:
        yield led


def _exists(led: Any, request_id: str) -> AccountingRequest:
    try:
        return get_request(led, request_id)
    except UsageError as exc:
        raise NotFound(f"no accounting request {request_id}") from exc


def listing(settings: Any) -> list[RequestStatus]:
    with _ledger(settings) as led:
        return request_statuses(led)


def status(settings: Any, request_id: str) -> RequestStatus:
    with _ledger(settings) as led:
        _exists(led, request_id)
        return next(s for s in request_statuses(led) if s.request.id == request_id)


def record(
    settings: Any, state: str, msis_id: str, *, requester: str, received_at: datetime
) -> AccountingRequest:
    with _ledger(settings) as led:
        return record_request(
            led,
            settings.workspace,
            state.strip(),
            msis_id.strip(),
            requester=requester,
            received_at=received_at,
        )


def extend(
    settings: Any, request_id: str, *, reason: str, until: datetime | None
) -> AccountingRequest:
    with _ledger(settings) as led:
        _exists(led, request_id)
        return extend_request(led, request_id, reason=reason, until=until)


def answer(
    settings: Any, request_id: str, state: str, msis_id: str
) -> tuple[Accounting, AccountingRequest]:
    with _ledger(settings) as led:
        _exists(led, request_id)
        return answer_request(led, settings.workspace, request_id, state.strip(), msis_id.strip())


__all__ = ["answer", "extend", "listing", "record", "status"]
