"""Written requests through the service: submitted by a requester, checked at once against the
orders in force (:func:`minshare.orders.requests.check_request`), then approved or refused by a
steward. A refusal always carries the reasons, each naming the clause it fails.

``submitted`` → ``refused`` (the checks failed; nothing can run) or ``pending`` → ``approved``
(checked again at approval) or ``refused`` (by the steward, with a note). The request's YAML is
kept byte for byte (``WS/requests/<id>.yaml``): the engine reads that file, and the manifest
carries its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

from minshare.orders.catalog import Catalog
from minshare.orders.errors import RequestRefused
from minshare.orders.requests import Authorization, Request, check_request, load_request
from minshare.service.auth import Principal, now_text
from minshare.service.db import StateDB
from minshare.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from minshare.service.settings import Settings

MAX_REQUEST_BYTES = 64 * 1024


def requests_dir(settings: Settings) -> Path:
    return settings.workspace / "requests"


def request_file(settings: Settings, record_id: str) -> Path:
    return requests_dir(settings) / f"{record_id}.yaml"


def _accepted(auth: Authorization) -> dict[str, Any]:
    return {
        "accepted": True,
        "orders": [o.id for o in auth.orders],
        "fields": list(auth.fields),
        "uncovered_states": list(auth.uncovered),
    }


def _refused(exc: RequestRefused) -> dict[str, Any]:
    return {"accepted": False, **exc.to_dict()}


def _check(settings: Settings, path: Path) -> tuple[Request, dict[str, Any]]:
    request, source = load_request(path, name=path.name)
    catalog = Catalog.load(settings.orders)
    try:
        return request, _accepted(check_request(request, catalog.orders, source=source))
    except RequestRefused as exc:
        return request, _refused(exc)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["check_result"] = json.loads(row["check_result"])
    return out


def submit(db: StateDB, settings: Settings, who: Principal, text: str) -> dict[str, Any]:
    """File a written request (YAML text); it is checked at once against the orders in force."""
    data = text.encode("utf-8")
    if len(data) > MAX_REQUEST_BYTES:
        raise InvalidInput(f"a request is at most {MAX_REQUEST_BYTES} bytes", field="yaml")
    record_id = uuid.uuid4().hex[:16]
    path = request_file(settings, record_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(data)
    try:
        request, result = _check(settings, path)
        if who.role == "requester" and request.recipient != who.agency:
            raise Forbidden(
                f"you file requests for {who.agency}; this request names {request.recipient}",
                field="recipient",
            )
        if db.one(
            "SELECT id FROM requests WHERE request_id = ? AND recipient = ?",
            (request.request_id, request.recipient),
        ):
            raise Conflict(f"request {request.request_id} was already filed", field="request_id")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    status = "pending" if result["accepted"] else "refused"
    db.execute(
        "INSERT INTO requests (id, request_id, recipient, submitted_by, submitted_at, status, "
        "yaml, sha256, check_result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record_id,
            request.request_id,
            request.recipient,
            who.name,
            now_text(),
            status,
            text,
            hashlib.sha256(data).hexdigest(),
            json.dumps(result),
        ),
    )
    return get(db, who, record_id)


def get(db: StateDB, who: Principal, record_id: str) -> dict[str, Any]:
    row = db.one("SELECT * FROM requests WHERE id = ?", (record_id,))
    # A requester cannot tell another agency's request from one that does not exist.
    if row is None or (who.role == "requester" and row["recipient"] != who.agency):
        raise NotFound(f"no request {record_id}")
    return _public(row)


def listing(db: StateDB, who: Principal) -> list[dict[str, Any]]:
    if who.role == "requester":
        rows = db.query(
            "SELECT * FROM requests WHERE recipient = ? ORDER BY submitted_at DESC", (who.agency,)
        )
    else:
        rows = db.query("SELECT * FROM requests ORDER BY submitted_at DESC")
    return [_public(r) for r in rows]


def decide(
    db: StateDB, settings: Settings, who: Principal, record_id: str, approve: bool, note: str
) -> dict[str, Any]:
    """A steward approves (the checks run again, against the orders in force now) or refuses."""
    row = get(db, who, record_id)
    if row["status"] != "pending":
        raise Conflict(f"request {row['request_id']} is {row['status']}, not pending")
    status, result = "refused", row["check_result"]
    if approve:
        _, result = _check(settings, request_file(settings, record_id))
        status = "approved" if result["accepted"] else "refused"
    changed = db.execute(
        "UPDATE requests SET status = ?, check_result = ?, decided_by = ?, decided_at = ?, "
        "decision_note = ? WHERE id = ? AND status = 'pending'",
        (status, json.dumps(result), who.name, now_text(), note, record_id),
    )
    if not changed:
        raise Conflict(f"request {row['request_id']} was decided meanwhile")
    return get(db, who, record_id)


__all__ = ["decide", "get", "listing", "request_file", "submit"]
