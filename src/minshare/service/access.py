"""The access log: every request to the service — who, what, when, result — appended to a
table the database itself keeps append-only (triggers refuse UPDATE, DELETE and TRUNCATE). The
service has no route that changes it; admins and auditors read it.

A path that names a person (``/review/{state}/{msis_id}``, ``/accounting/{state}/{msis_id}``) is
logged with the Medicaid ID replaced by ``pk:`` and the first 16 hex digits of the person's
ledger key (HMAC-SHA256 with the workspace's ledger secret, as in the record tree): an auditor
reading the log learns that someone looked at a person, not who the person is, and whoever
holds the secret can still answer "who looked at this person?" (``person_marker``). Query
strings are never logged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from minshare.service.auth import now_text
from minshare.service.db import StateDB


def record(
    db: StateDB,
    *,
    principal: str | None,
    role: str | None,
    method: str,
    path: str,
    status: int,
    client: str | None,
) -> None:
    db.execute(
        "INSERT INTO access_log (at, principal, role, method, path, status, client) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (now_text(), principal, role, method, path[:2000], status, client),
    )


PERSONAL = "msis_id"


def person_marker(workspace: Path, state: str, msis_id: str) -> str:
    """What the access log shows in place of a person's Medicaid ID."""
    from minshare.ledger import ledger_secret, person_key

    return "pk:" + person_key(ledger_secret(workspace), state, msis_id).hex()[:16]


def logged_path(path: str, params: dict[str, Any], path_format: str | None, workspace: Path) -> str:
    """``path`` as the access log keeps it: a person's Medicaid ID replaced by their marker."""
    if PERSONAL not in params or path_format is None:
        return path
    shown = dict(params)
    shown[PERSONAL] = person_marker(workspace, str(params.get("state", "")), str(params[PERSONAL]))
    return path_format.format(**shown)


def read(db: StateDB, *, after: int = 0, limit: int = 200) -> list[dict[str, Any]]:
    """Entries after sequence number ``after``, oldest first."""
    return db.query(
        "SELECT seq, at, principal, role, method, path, status, client FROM access_log "
        "WHERE seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    )


__all__ = ["logged_path", "person_marker", "read", "record"]
