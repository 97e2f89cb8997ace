"""Where the ledger lives: SQLite (default, ``WS/ledger.sqlite``) or PostgreSQL, one interface.

Both backends hold the same tables and run the same tests (``tests/test_ledger_store.py`` is
parametrized over both):

=========================  ===================================================================
``ledger_meta``            origin, the log's verifier key, the format
``ledger_entries``         ``idx``, the entry bytes, their leaf hash, when appended
``ledger_checkpoints``     one signed checkpoint per tree size
``ledger_cosignatures``    witness cosignature lines, per tree size
``accounting_suspensions`` suspensions of the accounting (45 CFR 164.528(a)(2))
``accounting_events``      every change to accounting data, with its time (never updated)
=========================  ===================================================================

Ledger rows are never updated or deleted: triggers refuse it in both databases. An append is one
transaction that writes the entry and its checkpoint together, serialized between processes
(``BEGIN IMMEDIATE`` in SQLite, a table lock in PostgreSQL), so a crash at any point leaves the
entry and its checkpoint entirely or not at all. SQLite runs in WAL mode with
``synchronous=FULL``: a committed append survives a power cut.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from minshare.errors import UsageError
from minshare.ledger.errors import LedgerError

SQLITE_FILE = "ledger.sqlite"
FAULT_ENV = "MINSHARE_LEDGER_FAULT"

_TABLES = [
    """CREATE TABLE IF NOT EXISTS ledger_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_entries (
        idx BIGINT PRIMARY KEY,
        data {blob} NOT NULL,
        leaf_hash {blob} NOT NULL UNIQUE,
        appended_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_checkpoints (
        size BIGINT PRIMARY KEY,
        note {blob} NOT NULL,
        created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_cosignatures (
        size BIGINT NOT NULL,
        name TEXT NOT NULL,
        key_id BIGINT NOT NULL,
        line TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (size, name, key_id))""",
    """CREATE TABLE IF NOT EXISTS accounting_suspensions (
        id TEXT PRIMARY KEY,
        person_key {blob},
        recipient_id TEXT NOT NULL,
        official TEXT NOT NULL,
        agency TEXT NOT NULL,
        form TEXT NOT NULL,
        received_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        statement_ref TEXT NOT NULL,
        written_ref TEXT,
        created_at TEXT NOT NULL,
        ended_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS accounting_events (
        id {serial},
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL)""",
]
# Rows never updated or deleted. Accounting events are never updated, but a purge past the
# retention period may delete them (``accounting.purge``).
APPEND_ONLY = ("ledger_entries", "ledger_checkpoints", "ledger_cosignatures")
NEVER_UPDATED = ("accounting_events",)


def fault(point: str) -> None:
    """Crash here (SIGKILL) when ``MINSHARE_LEDGER_FAULT`` names this point: the crash tests'
    way to stop a process at an exact step of an append. Does nothing otherwise."""
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class StoredEntry:
    index: int
    data: bytes
    leaf_hash: bytes
    appended_at: str


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    note: bytes
    created_at: str


@dataclass(frozen=True)
class StoredCosignature:
    size: int
    name: str
    key_id: int
    line: str
    added_at: str


class Transaction(ABC):
    """One write transaction, holding the store's append lock."""

    @abstractmethod
    def size(self) -> int: ...

    @abstractmethod
    def leaf_hashes(self, start: int) -> list[bytes]: ...

    @abstractmethod
    def find_leaf(self, leaf_hash: bytes) -> int | None: ...

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def insert_entry(self, index: int, data: bytes, leaf_hash: bytes, at: str) -> None:
        self.execute(
            "INSERT INTO ledger_entries (idx, data, leaf_hash, appended_at) VALUES (?, ?, ?, ?)",
            (index, data, leaf_hash, at),
        )

    def insert_checkpoint(self, size: int, note: bytes, at: str) -> None:
        self.execute(
            "INSERT INTO ledger_checkpoints (size, note, created_at) VALUES (?, ?, ?)",
            (size, note, at),
        )


class Store(ABC):
    """The ledger's tables; ``location`` names it in error messages (never a password)."""

    location: str

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """A read in its own snapshot."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A serialized write transaction: committed when the block ends, rolled back on error."""
        yield  # type: ignore[misc]

    @abstractmethod
    def close(self) -> None: ...

    # --- reads common to both backends ------------------------------------------------------

    def meta(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.query("SELECT key, value FROM ledger_meta")}

    def size(self) -> int:
        rows = self.query("SELECT COUNT(*) FROM ledger_entries")
        return int(rows[0][0])

    def entries(self, start: int = 0, end: int | None = None) -> list[StoredEntry]:
        sql = "SELECT idx, data, leaf_hash, appended_at FROM ledger_entries WHERE idx >= ?"
        params: list[Any] = [start]
        if end is not None:
            sql += " AND idx < ?"
            params.append(end)
        rows = self.query(sql + " ORDER BY idx", params)
        return [StoredEntry(int(i), bytes(d), bytes(h), str(a)) for i, d, h, a in rows]

    def entry(self, index: int) -> StoredEntry:
        found = self.entries(index, index + 1)
        if not found:
            raise LedgerError(f"no entry {index}", file=self.location, row=index)
        return found[0]

    def leaf_hashes(self, start: int = 0) -> list[bytes]:
        rows = self.query(
            "SELECT leaf_hash FROM ledger_entries WHERE idx >= ? ORDER BY idx", (start,)
        )
        return [bytes(r[0]) for r in rows]

    def checkpoints(self) -> list[StoredCheckpoint]:
        rows = self.query("SELECT size, note, created_at FROM ledger_checkpoints ORDER BY size")
        return [StoredCheckpoint(int(s), bytes(n), str(c)) for s, n, c in rows]

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        if size is None:
            rows = self.query(
                "SELECT size, note, created_at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1"
            )
        else:
            rows = self.query(
                "SELECT size, note, created_at FROM ledger_checkpoints WHERE size = ?", (size,)
            )
        if not rows:
            return None
        s, n, c = rows[0]
        return StoredCheckpoint(int(s), bytes(n), str(c))

    def cosignatures(self, size: int | None = None) -> list[StoredCosignature]:
        sql = "SELECT size, name, key_id, line, added_at FROM ledger_cosignatures"
        params: list[Any] = []
        if size is not None:
            sql += " WHERE size = ?"
            params.append(size)
        rows = self.query(sql + " ORDER BY size, added_at, name", params)
        return [
            StoredCosignature(int(s), str(n), int(k), str(li), str(a)) for s, n, k, li, a in rows
        ]


# --- SQLite -------------------------------------------------------------------------------------


class _SqliteTx(Transaction):
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, tuple(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.con.execute(sql, tuple(params)).fetchall())

    def size(self) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM ledger_entries").fetchone()[0])

    def leaf_hashes(self, start: int) -> list[bytes]:
        rows = self.con.execute(
            "SELECT leaf_hash FROM ledger_entries WHERE idx >= ? ORDER BY idx", (start,)
        )
        return [bytes(r[0]) for r in rows]

    def find_leaf(self, leaf_hash: bytes) -> int | None:
        row = self.con.execute(
            "SELECT idx FROM ledger_entries WHERE leaf_hash = ?", (leaf_hash,)
        ).fetchone()
        return None if row is None else int(row[0])


class SqliteStore(Store):
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            self.con.execute("PRAGMA journal_mode=WAL")
            self.con.execute("PRAGMA synchronous=FULL")
            self.con.execute("PRAGMA busy_timeout=30000")
            self.con.execute("BEGIN IMMEDIATE")
            try:
                for sql in _TABLES:
                    self.con.execute(
                        sql.format(blob="BLOB", serial="INTEGER PRIMARY KEY AUTOINCREMENT")
                    )
                guarded = [(t, op) for t in APPEND_ONLY for op in ("UPDATE", "DELETE")]
                guarded += [(t, "UPDATE") for t in NEVER_UPDATED]
                for table, op in guarded:
                    self.con.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} "
                        f"BEFORE {op} ON {table} BEGIN "
                        f"SELECT RAISE(ABORT, '{table}: rows are never changed or deleted'); "
                        "END"
                    )
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open the ledger: {exc}", file=self.location) from exc

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self.con.execute(sql, tuple(params)).fetchall())
        except sqlite3.Error as exc:
            raise LedgerError(f"ledger query failed: {exc}", file=self.location) from exc

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot lock the ledger: {exc}", file=self.location) from exc
        try:
            yield _SqliteTx(self.con)
            fault("append:before-commit")
            self.con.execute("COMMIT")
        except BaseException as exc:
            self.con.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise LedgerError(f"ledger write failed: {exc}", file=self.location) from exc
            raise

    def close(self) -> None:
        self.con.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _pg_sql(sql: str) -> str:
    return sql.replace("?", "%s")


class _PgTx(Transaction):
    def __init__(self, cur: Any) -> None:
        self.cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cur.execute(_pg_sql(sql), tuple(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cur.execute(_pg_sql(sql), tuple(params))
        return list(self.cur.fetchall())

    def size(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM ledger_entries")[0][0])

    def leaf_hashes(self, start: int) -> list[bytes]:
        rows = self.query(
            "SELECT leaf_hash FROM ledger_entries WHERE idx >= ? ORDER BY idx", (start,)
        )
        return [bytes(r[0]) for r in rows]

    def find_leaf(self, leaf_hash: bytes) -> int | None:
        rows = self.query("SELECT idx FROM ledger_entries WHERE leaf_hash = ?", (leaf_hash,))
        return None if not rows else int(rows[0][0])


_PG_TRIGGER = """
CREATE OR REPLACE FUNCTION minshare_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: rows are never changed or deleted', TG_TABLE_NAME;
END $$"""


class PostgresStore(Store):
    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise LedgerError("PostgreSQL needs the psycopg package") from exc
        self.psycopg = psycopg
        self.url = url
        self.location = redact(url)
        try:
            self.con = psycopg.connect(url, autocommit=False)
            with self.con.cursor() as cur:
                # Concurrent first opens would race on CREATE TABLE: serialize them.
                cur.execute("SELECT pg_advisory_xact_lock(6061562)")
                for sql in _TABLES:
                    cur.execute(sql.format(blob="BYTEA", serial="BIGSERIAL PRIMARY KEY"))
                cur.execute(_PG_TRIGGER)
                for table in NEVER_UPDATED:
                    cur.execute(
                        f"CREATE OR REPLACE TRIGGER {table}_never_updated "
                        f"BEFORE UPDATE ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION minshare_append_only()"
                    )
                for table in APPEND_ONLY:
                    cur.execute(
                        f"CREATE OR REPLACE TRIGGER {table}_append_only "
                        f"BEFORE UPDATE OR DELETE ON {table} "
                        "FOR EACH ROW EXECUTE FUNCTION minshare_append_only()"
                    )
                    cur.execute(
                        f"CREATE OR REPLACE TRIGGER {table}_no_truncate "
                        f"BEFORE TRUNCATE ON {table} "
                        "FOR EACH STATEMENT EXECUTE FUNCTION minshare_append_only()"
                    )
            self.con.commit()
        except psycopg.Error as exc:
            raise LedgerError(f"cannot open the ledger: {exc}", file=self.location) from exc

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            with self.con.cursor() as cur:
                cur.execute(_pg_sql(sql), tuple(params))
                rows = list(cur.fetchall())
            self.con.commit()
            return rows
        except self.psycopg.Error as exc:
            self.con.rollback()
            raise LedgerError(f"ledger query failed: {exc}", file=self.location) from exc

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        cur = self.con.cursor()
        try:
            cur.execute("LOCK TABLE ledger_entries IN SHARE ROW EXCLUSIVE MODE")
            yield _PgTx(cur)
            fault("append:before-commit")
            self.con.commit()
        except BaseException as exc:
            self.con.rollback()
            if isinstance(exc, self.psycopg.Error):
                raise LedgerError(f"ledger write failed: {exc}", file=self.location) from exc
            raise
        finally:
            cur.close()

    def close(self) -> None:
        self.con.close()


def is_postgres(url: str | None) -> bool:
    return bool(url) and urlsplit(str(url)).scheme in ("postgresql", "postgres")


def open_store(workspace: Path, url: str | None = None) -> Store:
    """``url`` = ``postgresql://...``, a SQLite file path (or ``sqlite:///path``), or None for
    ``WS/ledger.sqlite``."""
    if url is None or url == "":
        return SqliteStore(Path(workspace) / SQLITE_FILE)
    if is_postgres(url):
        return PostgresStore(url)
    if url.startswith("sqlite:///"):
        return SqliteStore(Path(url[len("sqlite://") :]))
    if "://" in url:
        raise UsageError(f"--ledger {redact(url)}: use postgresql://... or a SQLite file path")
    return SqliteStore(Path(url))


__all__ = [
    "FAULT_ENV",
    "SQLITE_FILE",
    "PostgresStore",
    "SqliteStore",
    "Store",
    "StoredCheckpoint",
    "StoredCosignature",
    "StoredEntry",
    "Transaction",
    "fault",
    "open_store",
    "redact",
]
