"""The stored subtree hashes (``ledger_hashes``) on both stores: proofs and roots read from them
equal the in-memory tree's at every size, cost O(log n) reads, survive a migration from a ledger
that had none, and ``ledger verify`` locates a flipped byte in one."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger_support import backend_url, disclose, raw_sql, tamper
from minshare.ledger.log import Ledger, open_ledger
from minshare.ledger.merkle import MemoryTree, TreeHasher, leaf_hash
from minshare.ledger.store import Store, sync_hashes
from minshare.ledger.verify import verify_ledger


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str | None:
    return backend_url(request.param)


def _uncached(ledger: Ledger) -> Ledger:
    """The same store and key, with no hash cache: every hash comes from the database."""
    return Ledger(ledger.store, ledger.signer, cache_size=0)


def _stored_rows(store: Store) -> set[tuple[int, int]]:
    return {(k, i) for k, i, _ in store.all_hashes()}


def _complete_subtrees(n: int) -> set[tuple[int, int]]:
    return {(k, j) for k in range(n.bit_length()) for j in range(n >> k)}


def test_stored_proofs_equal_the_memory_trees_for_every_index_and_size(
    tmp_path: Path, backend: str | None
) -> None:
    entries = [f"entry {i}".encode() for i in range(70)]
    with open_ledger(tmp_path, backend) as ledger:
        for e in entries:
            ledger.append(e)
        assert _stored_rows(ledger.store) == _complete_subtrees(70)
        ref = TreeHasher(MemoryTree([leaf_hash(e) for e in entries]))
        cold = _uncached(ledger)
        for n in range(1, 71):
            assert cold.root(n) == ref.root(n), n
            for i in range(n):
                assert cold.inclusion_proof(i, n) == ref.inclusion_proof(i, n), (i, n)
            for m in range(1, n + 1):
                assert cold.consistency_proof(m, n) == ref.consistency_proof(m, n), (m, n)
        # The cached path (the ledger that appended) gives the same.
        for i in range(70):
            assert ledger.inclusion_proof(i) == ref.inclusion_proof(i, 70)
        assert ledger.root() == ref.root(70)


class _Counting:
    """Counts the queries a store answers and the rows it returns."""

    def __init__(self, store: Store) -> None:
        self.queries = 0
        self.rows = 0
        inner = store.query

        def query(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
            found = inner(sql, params)
            self.queries += 1
            self.rows += len(found)
            return found

        store.query = query  # type: ignore[method-assign]

    def measure(self, fn: Callable[[], object]) -> tuple[int, int]:
        q, r = self.queries, self.rows
        fn()
        return self.queries - q, self.rows - r


def test_a_leaf_hash_is_read_from_the_stored_hashes_without_the_entry(
    tmp_path: Path, backend: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_ledger(tmp_path, backend) as ledger:
        for n in range(5):
            ledger.append(f"e{n}".encode())
        fresh = _uncached(ledger)
        reads: list[list[tuple[int, int]]] = []
        read = fresh.store.hashes

        def counted(pairs: Any) -> dict[tuple[int, int], bytes]:
            reads.append(list(pairs))
            return read(reads[-1])

        def no_entry(index: int) -> Any:
            pytest.fail("the entry was read")

        monkeypatch.setattr(fresh.store, "hashes", counted)
        monkeypatch.setattr(fresh.store, "entry", no_entry)
        assert [fresh.leaf_hash(i) for i in range(5)] == [
            leaf_hash(f"e{n}".encode()) for n in range(5)
        ]
        assert reads == [[(0, i)] for i in range(5)]


def _bulk_ledger(ws: Path, url: str | None, n: int) -> Ledger:
    """A ledger of ``n`` entries written in one transaction (no checkpoints: proofs need none),
    its subtree hashes computed the way an old ledger is migrated."""
    ledger = open_ledger(ws, url)
    with ledger.store.transaction() as tx:
        for i in range(n):
            data = f"bulk {i}".encode()
            tx.insert_entry(i, data, leaf_hash(data), "2026-11-29T00:00:00.000000Z")
        sync_hashes(tx)
    return ledger


def _worst_reads(ledger: Ledger, n: int, rng: random.Random) -> tuple[int, int]:
    """The most queries and rows any of a sample of roots and proofs at sizes ``n`` and
    ``n - 1`` (a ragged right edge) read, with no cache."""
    cold = _uncached(ledger)
    counter = _Counting(ledger.store)
    worst_q = worst_r = 0
    for size in (n, n - 1):
        picks = sorted({0, 1, size // 2, size - 2, size - 1, *rng.sample(range(size), 40)})
        ops: list[Callable[[], object]] = [lambda s=size: cold.root(s)]
        ops += [lambda i=i, s=size: cold.inclusion_proof(i, s) for i in picks]
        ops += [lambda m=m, s=size: cold.consistency_proof(m, s) for m in picks if m > 0]
        for op in ops:
            q, r = counter.measure(op)
            worst_q, worst_r = max(worst_q, q), max(worst_r, r)
    return worst_q, worst_r


def test_a_proof_reads_log_n_stored_hashes_not_n(tmp_path: Path, backend: str | None) -> None:
    rng = random.Random(12)
    small, large = 2**6, 2**12
    with _bulk_ledger(tmp_path / "small", backend, small) as ledger:
        q_small, r_small = _worst_reads(ledger, small, rng)
    url = None if backend is None else backend_url("postgresql")
    with _bulk_ledger(tmp_path / "large", url, large) as ledger:
        q_large, r_large = _worst_reads(ledger, large, rng)
        assert ledger.size() == large
    for n, rows in ((small, r_small), (large, r_large)):
        assert rows <= 3 * math.log2(n) + 2, (n, rows)  # O(log n) hashes (and the size)
    # 64 times the entries, at most (log2 ratio)^2 = 4 times the reads.
    assert r_large <= r_small * (math.log2(large) / math.log2(small)) ** 2, (r_small, r_large)
    # One query for the tree size, one for all of a proof's hashes.
    assert q_small <= 2, q_small
    assert q_large <= 2, q_large


def test_an_append_writes_the_hashes_it_completes(tmp_path: Path, backend: str | None) -> None:
    with open_ledger(tmp_path, backend) as ledger:
        for n in range(1, 10):
            ledger.append(f"e{n}".encode())
            assert _stored_rows(ledger.store) == _complete_subtrees(n)


def test_a_ledger_from_before_stored_hashes_is_migrated_on_open(
    tmp_path: Path, backend: str | None
) -> None:
    for i in range(6):
        disclose(tmp_path, [f"M{i}"], url=backend, name=f"p{i}", request_id=f"R-{i}")
    raw_sql(tmp_path, backend, "DROP TABLE ledger_hashes")
    with open_ledger(tmp_path, backend) as ledger:
        assert _stored_rows(ledger.store) == _complete_subtrees(6)
        ref = TreeHasher(MemoryTree([e.leaf_hash for e in ledger.store.entries()]))
        for n in range(1, 7):
            assert ledger.root(n) == ref.root(n)
            assert [ledger.inclusion_proof(i, n) for i in range(n)] == [
                ref.inclusion_proof(i, n) for i in range(n)
            ]
        report = verify_ledger(ledger, workspace=tmp_path)
        assert report.ok, [str(f) for f in report.findings]
        assert report.checks["stored-hash"] == len(_complete_subtrees(6))
    # Entries appended by a version that did not write hashes: caught up on the next open, and
    # the next append goes on from there.
    raw_sql(tmp_path, backend, "DELETE FROM ledger_hashes WHERE (idx + 1) * (1 << level) > 3")
    with open_ledger(tmp_path, backend) as ledger:
        assert _stored_rows(ledger.store) == _complete_subtrees(6)
    disclose(tmp_path, ["M6"], url=backend, name="p6", request_id="R-6")
    with open_ledger(tmp_path, backend) as ledger:
        assert _stored_rows(ledger.store) == _complete_subtrees(7)
        assert verify_ledger(ledger, workspace=tmp_path).ok


@pytest.mark.parametrize(("level", "index", "at"), [(0, 2, 0), (1, 0, 31), (2, 0, 17)])
def test_verify_reports_a_flipped_byte_in_a_stored_hash_with_its_location(
    tmp_path: Path, backend: str | None, level: int, index: int, at: int
) -> None:
    for i in range(5):
        disclose(tmp_path, [f"M{i}"], url=backend, name=f"p{i}", request_id=f"R-{i}")
    tamper(
        tmp_path,
        backend,
        f"SELECT hash FROM ledger_hashes WHERE level = {level} AND idx = ?",
        f"UPDATE ledger_hashes SET hash = ? WHERE level = {level} AND idx = ?",
        index,
        at,
    )
    with open_ledger(tmp_path, backend) as ledger:
        report = verify_ledger(ledger, workspace=tmp_path)
        # The flipped hash is what roots and proofs are made of: they no longer match the
        # entries (the root of the tree that ends with the flipped subtree reads it).
        ref = TreeHasher(MemoryTree([leaf_hash(e.data) for e in ledger.store.entries()]))
        ends_there = (index + 1) << level
        assert _uncached(ledger).root(ends_there) != ref.root(ends_there)
    assert not report.ok
    assert [f.location for f in report.findings] == [
        {
            "file": report.store,
            "table": "ledger_hashes",
            "level": level,
            "row": index,
            "field": "hash",
        }
    ]
    assert report.findings[0].check == "stored-hash"


def test_verify_reports_a_missing_or_an_extra_stored_hash(
    tmp_path: Path, backend: str | None
) -> None:
    for i in range(3):
        disclose(tmp_path, [f"M{i}"], url=backend, name=f"p{i}", request_id=f"R-{i}")
    raw_sql(
        tmp_path,
        backend,
        "DELETE FROM ledger_hashes WHERE level = 1 AND idx = 0",
        "INSERT INTO ledger_hashes (level, idx, hash) VALUES (1, 1, "
        + ("X'" + "00" * 32 + "'" if backend is None else "'\\x" + "00" * 32 + "'::bytea")
        + ")",
    )
    with open_ledger(tmp_path, backend) as ledger:
        findings = verify_ledger(ledger, workspace=tmp_path).findings
    where = sorted((f.location["level"], f.location["row"], f.message[:9]) for f in findings)
    assert where == [(1, 0, "no stored"), (1, 1, "a stored ")], findings


def test_a_changed_entry_is_reported_once_not_again_in_every_stored_hash_above_it(
    tmp_path: Path, backend: str | None
) -> None:
    for i in range(4):
        disclose(tmp_path, [f"M{i}"], url=backend, name=f"p{i}", request_id=f"R-{i}")
    tamper(
        tmp_path,
        backend,
        "SELECT data FROM ledger_entries WHERE idx = ?",
        "UPDATE ledger_entries SET data = ? WHERE idx = ?",
        1,
        40,
    )
    with open_ledger(tmp_path, backend) as ledger:
        findings = verify_ledger(ledger, workspace=tmp_path).findings
    # The entry is reported (and the checkpoints that no longer match it); the stored hashes,
    # which agree with the stored leaf hash, are not reported as well.
    assert any(f.location.get("row") == 1 and f.location.get("field") == "data" for f in findings)
    assert not [f for f in findings if f.location.get("table") == "ledger_hashes"], findings
