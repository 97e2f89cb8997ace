"""Where the ledger lives: SQLite (default, ``WS/ledger.sqlite``) or PostgreSQL, one interface.

Both backends hold the same tables and run the same tests (``tests/test_ledger_store.py`` is
parametrized over both):

=========================  ===================================================================
``ledger_meta``            origin, the log's verifier key, the format
``ledger_entries``         ``idx``, the entry bytes, their leaf hash, when appended
``ledger_hashes``          the hash of every complete subtree ``[idx * 2**level,
                           (idx + 1) * 2**level)`` (level 0: the leaf hashes), stored when
                           it completes, as Go's ``sumdb/tlog`` stores its hashes
``ledger_checkpoints``     one signed checkpoint per tree size
``ledger_cosignatures``    witness cosignature lines, per tree size
``accounting_suspensions`` suspensions of the accounting (45 CFR 164.528(a)(2))
``accounting_requests``    individuals' requests for an accounting, with their 60-day deadline
                           and its one 30-day extension (45 CFR 164.528(c))
``accounting_events``      every change to accounting data, with its time (never updated)
=========================  ===================================================================

Ledger rows are never updated or deleted: triggers refuse it in both databases. An append is one
transaction that writes the entry, the subtree hashes it completes and its checkpoint together,
serialized between processes (``BEGIN IMMEDIATE`` in SQLite, a table lock in PostgreSQL), so a
crash at any point leaves the entry, its hashes and its checkpoint entirely or not at all.
SQLite runs in WAL mode with ``synchronous=FULL``: a committed append survives a power cut.

Because every complete subtree's hash is stored, a root or a proof of any tree size reads
O(log n) hashes by primary key (:class:`StoredTree`), never the whole log. A ledger written
before ``ledger_hashes`` existed (or appended to by such a version) is brought up to date when
it is opened (:func:`sync_hashes`), once, from the stored leaf hashes.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from minshare.errors import UsageError
from minshare.ledger.errors import LedgerError
from minshare.ledger.merkle import MemoryTree, node_hash

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
    """CREATE TABLE IF NOT EXISTS ledger_hashes (
        level INTEGER NOT NULL,
        idx BIGINT NOT NULL,
        hash {blob} NOT NULL,
        PRIMARY KEY (level, idx)){without_rowid}""",
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
    """CREATE TABLE IF NOT EXISTS accounting_requests (
        id TEXT PRIMARY KEY,
        person_key {blob} NOT NULL,
        requester TEXT NOT NULL,
        received_at TEXT NOT NULL,
        due_at TEXT NOT NULL,
        extended_to TEXT,
        extension_reason TEXT,
        extended_at TEXT,
        fulfilled_at TEXT,
        created_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS accounting_events (
        id {serial},
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL)""",
]
_SIZE_SQL = "SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_entries"
_HASHED_SQL = "SELECT COALESCE(MAX(idx) + 1, 0) FROM ledger_hashes WHERE level = 0"
#: Pairs per lookup query: far below SQLite's and PostgreSQL's bound-parameter limits; a proof
#: needs at most about 2 * log2(n) (under 130 for any log this side of 2**64 entries).
_BATCH = 256

# Rows never updated or deleted. Accounting events are never updated, but a purge past the
# retention period may delete them (``accounting.purge``).
APPEND_ONLY = ("ledger_entries", "ledger_hashes", "ledger_checkpoints", "ledger_cosignatures")
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

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def insert_hashes(self, rows: Sequence[tuple[int, int, bytes]]) -> None:
        """Store complete-subtree hashes: ``(level, idx, hash)`` rows."""
        if rows:
            self.executemany(
                "INSERT INTO ledger_hashes (level, idx, hash) VALUES (?, ?, ?)", list(rows)
            )

    def hashes(self, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of these ``(level, idx)`` subtrees, as this transaction sees them."""
        return _lookup(self.query, pairs)


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
        # Entries are numbered 0..n-1 (an append writes idx = size; rows are never deleted;
        # ``ledger verify`` checks it): the primary key's last row gives n in O(log n), where
        # COUNT(*) would scan the table on every request.
        return int(self.query(_SIZE_SQL)[0][0])

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

    def hashes(self, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes of these ``(level, idx)`` subtrees (one query per 256); a pair
        that is not stored is absent from the result."""
        return _lookup(self.query, pairs)

    def hash_range(self, level: int, start: int, end: int) -> list[bytes]:
        """The stored hashes at ``level`` for ``start <= idx < end``, in order (a tile)."""
        rows = self.query(
            "SELECT hash FROM ledger_hashes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
            (level, start, end),
        )
        return [bytes(r[0]) for r in rows]

    def all_hashes(self) -> list[tuple[int, int, bytes]]:
        """Every stored ``(level, idx, hash)`` row, for ``ledger verify``."""
        rows = self.query("SELECT level, idx, hash FROM ledger_hashes ORDER BY level, idx")
        return [(int(k), int(i), bytes(h)) for k, i, h in rows]

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


def _lookup(
    query: Callable[[str, Sequence[Any]], list[tuple[Any, ...]]],
    pairs: Iterable[tuple[int, int]],
) -> dict[tuple[int, int], bytes]:
    wanted = sorted(set(pairs))
    found: dict[tuple[int, int], bytes] = {}
    for at in range(0, len(wanted), _BATCH):
        chunk = wanted[at : at + _BATCH]
        # OR of primary-key equalities: both databases answer it with one index probe per pair.
        where = " OR ".join(["(level = ? AND idx = ?)"] * len(chunk))
        params = [v for pair in chunk for v in pair]
        for k, i, h in query(f"SELECT level, idx, hash FROM ledger_hashes WHERE {where}", params):
            found[(int(k), int(i))] = bytes(h)
    return found


def _behind(tx: Transaction) -> bool:
    return int(tx.query(_HASHED_SQL)[0][0]) < tx.size()


def new_hashes(
    index: int, leaf: bytes, sibling: Callable[[int, int], bytes]
) -> list[tuple[int, int, bytes]]:
    """The subtree hashes that leaf ``index`` completes: the leaf, then each parent while the
    leaf's subtree is a right child. ``sibling(level, idx)`` gives the left siblings."""
    rows = [(0, index, leaf)]
    i, k, h = index, 0, leaf
    while i & 1:
        h = node_hash(sibling(k, i - 1), h)
        i, k = i >> 1, k + 1
        rows.append((k, i, h))
    return rows


def left_siblings(index: int) -> list[tuple[int, int]]:
    """The ``(level, idx)`` hashes that appending leaf ``index`` reads (see :func:`new_hashes`)."""
    pairs = []
    i, k = index, 0
    while i & 1:
        pairs.append((k, i - 1))
        i, k = i >> 1, k + 1
    return pairs


def sync_hashes(tx: Transaction) -> int:
    """Store the subtree hashes of every entry that has none yet (a ledger from before
    ``ledger_hashes``, or entries appended by such a version); return the rows written.

    Computed from the stored leaf hashes; ``ledger verify`` checks them against the entries.
    Cheap when there is nothing to do (two primary-key lookups).
    """
    if not _behind(tx):
        return 0
    done = int(tx.query(_HASHED_SQL)[0][0])
    tree = MemoryTree(tx.leaf_hashes(0))
    rows = [
        (k, j, h)
        for k, level in enumerate(tree.levels)
        for j, h in enumerate(level)
        if (j + 1) << k > done  # completed by a leaf that has no hashes yet
    ]
    tx.insert_hashes(rows)
    return len(rows)


class StoredTree:
    """A :class:`~minshare.ledger.merkle.HashSource` over ``ledger_hashes``: each complete
    subtree is one primary-key lookup, and :meth:`prefetch` fetches a proof's hashes in one
    query. ``cache`` (shared by a ledger's trees) keeps hashes already read: a stored subtree
    hash never changes, so it stays valid for every later tree size.

    ``read`` is :meth:`Store.hashes` or, inside an append, :meth:`Transaction.hashes`.
    ``pending`` holds hashes this tree knows besides the cache: what an append wrote goes there,
    never in the shared cache, until it is committed; what :meth:`prefetch` reads is kept there
    too, so a tree answers from what it fetched even with no cache.
    """

    def __init__(
        self,
        read: Callable[[Iterable[tuple[int, int]]], dict[tuple[int, int], bytes]],
        size: int,
        *,
        cache: HashCache | None = None,
        pending: dict[tuple[int, int], bytes] | None = None,
        location: str = "",
    ) -> None:
        self.read = read
        self._size = size
        self.cache = cache if cache is not None else HashCache(0)
        self.pending = dict(pending or {})
        self.location = location

    @property
    def size(self) -> int:
        return self._size

    def _known(self, key: tuple[int, int]) -> bytes | None:
        found = self.pending.get(key)
        return found if found is not None else self.cache.get(key)

    def prefetch(self, pairs: Iterable[tuple[int, int]]) -> None:
        missing = [p for p in pairs if self._known(p) is None]
        if missing:
            for key, h in self.read(missing).items():
                self.cache.put(key, h)
                self.pending.setdefault(key, h)  # held for this tree's life, cache or not

    def complete(self, level: int, index: int) -> bytes:
        key = (level, index)
        found = self._known(key)
        if found is None:
            self.prefetch([key])
            found = self._known(key)
        if found is None:
            raise LedgerError(
                f"the stored hash of subtree {index} at level {level} is missing "
                "(run `minshare ledger verify`)",
                file=self.location,
                row=index,
                field=f"ledger_hashes level {level}",
            )
        return found


class HashCache:
    """A small LRU of stored subtree hashes, per ledger (``capacity`` 0: none kept)."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self.data: OrderedDict[tuple[int, int], bytes] = OrderedDict()

    def get(self, key: tuple[int, int]) -> bytes | None:
        found = self.data.get(key)
        if found is not None:
            self.data.move_to_end(key)
        return found

    def put(self, key: tuple[int, int], value: bytes) -> None:
        if self.capacity <= 0:
            return
        self.data[key] = value
        self.data.move_to_end(key)
        while len(self.data) > self.capacity:
            self.data.popitem(last=False)

    def clear(self) -> None:
        self.data.clear()


# --- SQLite -------------------------------------------------------------------------------------


class _SqliteTx(Transaction):
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.con.executemany(sql, [tuple(r) for r in rows])

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.con.execute(sql, tuple(params)).fetchall())

    def size(self) -> int:
        return int(self.con.execute(_SIZE_SQL).fetchone()[0])

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


_SQLITE_GUARDED = [(t, op) for t in APPEND_ONLY for op in ("UPDATE", "DELETE")] + [
    (t, "UPDATE") for t in NEVER_UPDATED
]
_SQLITE_SCHEMA = {re.findall(r"EXISTS (\w+)", sql)[0] for sql in _TABLES} | {
    f"{table}_no_{op.lower()}" for table, op in _SQLITE_GUARDED
}


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
            present = {
                str(name)
                for (name,) in self.con.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
                )
            }
            # Most opens (one per service request) find the schema whole and the hashes
            # current: a read, not a write lock and thirty statements of DDL.
            if present >= _SQLITE_SCHEMA and not _behind(_SqliteTx(self.con)):
                return
            self.con.execute("BEGIN IMMEDIATE")
            try:
                for sql in _TABLES:
                    self.con.execute(
                        sql.format(
                            blob="BLOB",
                            serial="INTEGER PRIMARY KEY AUTOINCREMENT",
                            without_rowid=" WITHOUT ROWID",
                        )
                    )
                for table, op in _SQLITE_GUARDED:
                    self.con.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} "
                        f"BEFORE {op} ON {table} BEGIN "
                        f"SELECT RAISE(ABORT, '{table}: rows are never changed or deleted'); "
                        "END"
                    )
                sync_hashes(_SqliteTx(self.con))
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

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.cur.executemany(_pg_sql(sql), [tuple(r) for r in rows])

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cur.execute(_pg_sql(sql), tuple(params))
        return list(self.cur.fetchall())

    def size(self) -> int:
        return int(self.query(_SIZE_SQL)[0][0])

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
                    cur.execute(
                        sql.format(blob="BYTEA", serial="BIGSERIAL PRIMARY KEY", without_rowid="")
                    )
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
                tx = _PgTx(cur)
                if _behind(tx):
                    # Under the append lock, so no append interleaves with the catch-up.
                    cur.execute("LOCK TABLE ledger_entries IN SHARE ROW EXCLUSIVE MODE")
                    sync_hashes(tx)
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
    "HashCache",
    "PostgresStore",
    "SqliteStore",
    "Store",
    "StoredCheckpoint",
    "StoredCosignature",
    "StoredEntry",
    "StoredTree",
    "Transaction",
    "fault",
    "left_siblings",
    "new_hashes",
    "open_store",
    "redact",
    "sync_hashes",
]
