"""The service's state: users, tokens, sessions, requests, jobs and the access log, in SQLite (in
the workspace, by default) or PostgreSQL (``postgresql://…``). SQL is written once with ``?``
placeholders; the access log is append-only in the database itself (triggers), not just by
convention."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from minshare.errors import ConfigError

_TABLES = [
    """CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, agency TEXT, password_hash TEXT,
        created_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS tokens (
        id TEXT PRIMARY KEY, user_name TEXT NOT NULL, hash TEXT NOT NULL, label TEXT,
        created_at TEXT NOT NULL, revoked_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS sessions (
        id_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, csrf TEXT NOT NULL,
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS login_attempts (
        seq {serial}, user_name TEXT, client TEXT, at TEXT NOT NULL, ok INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS requests (
        id TEXT PRIMARY KEY, request_id TEXT NOT NULL, recipient TEXT NOT NULL,
        submitted_by TEXT NOT NULL, submitted_at TEXT NOT NULL, status TEXT NOT NULL,
        yaml TEXT NOT NULL, sha256 TEXT NOT NULL, check_result TEXT NOT NULL,
        decided_by TEXT, decided_at TEXT, decision_note TEXT)""",
    """CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL, request TEXT NOT NULL, status TEXT NOT NULL,
        created_by TEXT NOT NULL, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT,
        progress_done BIGINT NOT NULL DEFAULT 0, progress_total BIGINT NOT NULL DEFAULT 0,
        step TEXT, result TEXT, error TEXT, package TEXT, recipient TEXT)""",
    """CREATE TABLE IF NOT EXISTS access_log (
        seq {serial}, at TEXT NOT NULL, principal TEXT, role TEXT, method TEXT NOT NULL,
        path TEXT NOT NULL, status INTEGER NOT NULL, client TEXT)""",
]
APPEND_ONLY = ("access_log",)
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION minshare_service_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%: rows are never changed or deleted', TG_TABLE_NAME;
END $$"""


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in ("postgresql", "postgres")


class StateDB:
    """A connection per thread (SQLite in WAL mode, or psycopg), one schema for both."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = is_postgres(url)
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self._create()

    # --- connections ------------------------------------------------------------------------

    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            try:
                return psycopg.connect(self.url, autocommit=True)
            except psycopg.Error as exc:
                raise ConfigError(f"cannot open the state database: {exc}") from exc
        path = Path(self.url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA busy_timeout=30000")
        return con

    def _con(self) -> Any:
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._connect()
            self._local.con = con
            with self._lock:
                self._all.append(con)
        return con

    def close(self) -> None:
        with self._lock:
            for con in self._all:
                con.close()
            self._all.clear()
        self._local = threading.local()

    # --- schema -----------------------------------------------------------------------------

    def _create(self) -> None:
        serial = "BIGSERIAL PRIMARY KEY" if self.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
        statements = [sql.format(serial=serial) for sql in _TABLES]
        if self.postgres:
            # Concurrent first opens would race on CREATE: take an advisory lock first.
            statements.insert(0, "SELECT pg_advisory_xact_lock(6061563)")
            statements.append(_PG_FUNCTION)
            for table in APPEND_ONLY:
                statements.append(
                    f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE "
                    f"ON {table} FOR EACH ROW EXECUTE FUNCTION minshare_service_append_only()"
                )
                statements.append(
                    f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION minshare_service_append_only()"
                )
            con = self._connect()
            try:
                with con.transaction():
                    for sql in statements:
                        con.execute(sql)
            finally:
                con.close()
            return
        for table in APPEND_ONLY:
            for op in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table}: rows are never changed or deleted'); END"
                )
        con = self._con()
        con.execute("BEGIN IMMEDIATE")
        try:
            for sql in statements:
                con.execute(sql)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    # --- statements -------------------------------------------------------------------------

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement in its own transaction; the number of rows it changed."""
        cur = self._con().execute(self._sql(sql), tuple(params))
        return int(cur.rowcount or 0)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self._con().execute(self._sql(sql), tuple(params))
        names = [d[0] for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None


__all__ = ["APPEND_ONLY", "StateDB", "is_postgres"]
