"""Benchmark the disclosure ledger, each figure against a reference measured in the same run.

- record tree: records/s of ``build_record_tree`` (person keys, salts, leaves, leaf and node
  hashes, sort, durable workspace files) on synthetic records with nine disclosed columns;
  reference: raw ``hashlib.sha256`` calls/s in a Python loop over leaf-sized inputs on one core
  (the rate a hashlib loop cannot beat, with at least three hashes per record), measured just
  before and after each of several builds; the figure is the median rate and the median of the
  per-build ratios (the machine is shared, so absolute rates swing with its load), plus the best
  build and records per CPU-second.
- the same with the ``hashlib`` reference backend, to show what the native path buys.
- append + checkpoint latency (SQLite, WAL, synchronous=FULL); reference: a bare SQLite
  INSERT + COMMIT with the same settings (the fsync floor).
- proofs at growing ledger sizes: inclusion and consistency path lengths against
  ceil(log2 n), and generation + verification time (in memory, ``MemoryTree``).
- proofs from the stored ledger (SQLite) at growing sizes, each in a fresh session as the
  service answers a request (open, inclusion proof + root of the latest size, close), with the
  rows the store returned per proof; reference: the same request made the way it was before the
  stored subtree hashes (read every leaf hash, rebuild the tree in memory, prove).

    .venv/bin/python -m benchmarks.bench_ledger [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from minshare.ledger.hashing import backend
from minshare.ledger.log import open_ledger
from minshare.ledger.merkle import (
    MemoryTree,
    TreeHasher,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from minshare.ledger.records import build_record_tree
from minshare.ledger.store import sync_hashes


def records(n: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    ids = rng.choice(10**12, size=n, replace=False)
    return pa.table(
        {
            "SUBMTG_STATE_CD": pa.array(["06"] * n),
            "MSIS_IDENT_NUM": pa.array([f"{x:012d}" for x in ids]),
            "CTZNSHP_IND": pa.array(["0"] * n),
            "IMGRTN_STUS_CD": pa.array(["3"] * n),
            "BIRTH_DT": pa.array(rng.integers(0, 20000, n, dtype=np.int32), pa.date32()),
            "ELGBL_LINE_1_ADR_HOME": pa.array(
                [f"{i} Synthetic Ave Apt {i % 97}" for i in range(n)]
            ),
            "ELGBL_CITY_NAME_HOME": pa.array(["Springfield"] * n),
            "ELGBL_ZIP_CD_HOME": pa.array([f"{90000 + i % 999:05d}" for i in range(n)]),
            "ELGBL_PHNE_NUM_HOME": pa.array([f"555{i % 10**7:07d}" for i in range(n)]),
        }
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build_once(table: pa.Table) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, every thread) of one record tree build."""
    with tempfile.TemporaryDirectory() as tmp:
        cpu, start = _cpu(), time.perf_counter()
        build_record_tree(
            table.to_reader(max_chunksize=65536),
            columns=table.column_names,
            workspace=Path(tmp),
            secret=b"k" * 32,
        )
        return time.perf_counter() - start, _cpu() - cpu


def time_tree(table: pa.Table, repeat: int) -> float:
    return min(build_once(table)[0] for _ in range(repeat))


def tree_rounds(table: pa.Table, rounds: int) -> list[dict[str, float]]:
    """Each round: the reference just before and just after one build, so that a ratio compares
    the two under the same load (the machine is shared; absolute rates swing with it)."""
    out = []
    for _ in range(rounds):
        before = raw_sha256_rate(300_000)
        wall, cpu = build_once(table)
        after = raw_sha256_rate(300_000)
        rate = table.num_rows / wall
        ref = (before + after) / 2
        out.append(
            {
                "seconds": wall,
                "cpu_seconds": cpu,
                "rate": rate,
                "reference": ref,
                "ratio": rate / ref,
            }
        )
    return out


def raw_sha256_rate(n: int, size: int = 170) -> float:
    items = [os.urandom(size) for _ in range(n)]
    sha = hashlib.sha256
    start = time.perf_counter()
    for x in items:
        sha(x).digest()
    return n / (time.perf_counter() - start)


def append_latency(count: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        entries = [json.dumps({"entry": i, "pad": "x" * 3000}).encode() for i in range(count)]
        times = []
        with open_ledger(ws) as ledger:
            for e in entries:
                start = time.perf_counter()
                ledger.append(e)
                times.append(time.perf_counter() - start)
        con = sqlite3.connect(ws / "bare.sqlite", isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("CREATE TABLE t (i INTEGER PRIMARY KEY, data BLOB)")
        bare = []
        for i, e in enumerate(entries):
            start = time.perf_counter()
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO t VALUES (?, ?)", (i, e))
            con.execute("COMMIT")
            bare.append(time.perf_counter() - start)
        con.close()
    return times, bare


def proofs(n: int, samples: int = 200) -> dict[str, float]:
    rng = random.Random(n)
    tree = MemoryTree([hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n)])
    hasher = TreeHasher(tree)
    root = hasher.root()
    inc_len, inc_time, con_len, con_time = [], [], [], []
    for _ in range(samples):
        i = rng.randrange(n)
        start = time.perf_counter()
        path = hasher.inclusion_proof(i, n)
        verify_inclusion(i, n, tree.levels[0][i], path, root)
        inc_time.append(time.perf_counter() - start)
        inc_len.append(len(path))
        m = rng.randrange(1, n)
        start = time.perf_counter()
        cpath = hasher.consistency_proof(m, n)
        verify_consistency(m, hasher.root(m), n, root, cpath)
        con_time.append(time.perf_counter() - start)
        con_len.append(len(cpath))
    return {
        "log2": math.ceil(math.log2(n)),
        "inclusion_max": max(inc_len),
        "inclusion_us": statistics.mean(inc_time) * 1e6,
        "consistency_max": max(con_len),
        "consistency_us": statistics.mean(con_time) * 1e6,
    }


def bulk_ledger(ws: Path, n: int) -> None:
    """A SQLite ledger of ``n`` small entries written in one transaction (no checkpoints: proofs
    need none), its subtree hashes stored the way an older ledger is migrated."""
    at = "2026-11-29T00:00:00.000000Z"
    with open_ledger(ws) as ledger, ledger.store.transaction() as tx:
        rows = []
        for i in range(n):
            data = b"entry %d" % i
            rows.append((i, data, leaf_hash(data), at))
        tx.executemany(
            "INSERT INTO ledger_entries (idx, data, leaf_hash, appended_at) VALUES (?, ?, ?, ?)",
            rows,
        )
        sync_hashes(tx)


def stored_proofs(n: int, samples: int, ref_samples: int) -> dict[str, float]:
    rng = random.Random(n)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        bulk_ledger(ws, n)
        times, rows_read, queries = [], [], []
        for i in (rng.randrange(n) for _ in range(samples)):
            start = time.perf_counter()
            with open_ledger(ws) as led:
                counted = [0, 0]
                inner = led.store.query

                def query(sql: str, params: Any = (), inner: Any = inner, c: Any = counted) -> Any:
                    found = inner(sql, params)
                    c[0], c[1] = c[0] + 1, c[1] + len(found)
                    return found

                led.store.query = query  # type: ignore[method-assign]
                size = led.size()
                path = led.inclusion_proof(i, size)
                root = led.root(size)
            times.append(time.perf_counter() - start)
            queries.append(counted[0])
            rows_read.append(counted[1])
            verify_inclusion(i, size, leaf_hash(b"entry %d" % i), path, root)
        ref = []
        for i in (rng.randrange(n) for _ in range(ref_samples)):
            start = time.perf_counter()
            with open_ledger(ws) as led:
                size = led.size()
                hasher = TreeHasher(MemoryTree(led.store.leaf_hashes()))
                hasher.inclusion_proof(i, size)
                hasher.root(size)
            ref.append(time.perf_counter() - start)
    return {
        "p50_ms": statistics.median(times) * 1e3,
        "p99_ms": sorted(times)[int(0.99 * (len(times) - 1))] * 1e3,
        "per_second": len(times) / sum(times),
        "rows_max": max(rows_read),
        "queries_max": max(queries),
        "log2": math.ceil(math.log2(n)),
        "ref_p50_ms": statistics.median(ref) * 1e3,
    }


def fig(name: str, value: float, unit: str, ref: str, ref_value: float | None) -> dict[str, Any]:
    return {
        "figure": name,
        "value": value,
        "unit": unit,
        "reference": ref,
        "reference_value": ref_value,
        "ratio": value / ref_value if ref_value else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    n = args.records or (200_000 if args.quick else 2_000_000)
    figures: list[dict[str, Any]] = []
    os.environ["MINSHARE_LEDGER_HASHING"] = "native"
    params: dict[str, Any] = {"records": n, "cpus": os.cpu_count(), "backend": backend(n).name}

    table = records(n)
    os.environ["MINSHARE_LEDGER_HASHING"] = "native"
    time_tree(records(20_000), 1)  # load (or compile) every native kernel outside the timing
    rounds = tree_rounds(table, 3 if args.quick else 5)
    best = max(rounds, key=lambda r: r["rate"])
    rate = statistics.median(r["rate"] for r in rounds)
    ratio = statistics.median(r["ratio"] for r in rounds)
    raw = statistics.median(r["reference"] for r in rounds)
    per_cpu = statistics.median(table.num_rows / r["cpu_seconds"] for r in rounds)
    params.update(
        tree_rounds=rounds,
        tree_seconds=best["seconds"],
        raw_sha256_per_s=raw,
        tree_median_ratio=ratio,
        load_average=os.getloadavg()[0],
    )
    print(
        f"record tree   {n:,} records: median {rate:,.0f} records/s, best {best['rate']:,.0f} "
        f"({params['backend']}); raw hashlib SHA-256 median {raw:,.0f} hashes/s; median ratio "
        f"{ratio:.2f}; {per_cpu:,.0f} records per CPU-second; "
        f"load average {params['load_average']:.1f}"
    )
    for r in rounds:
        print(
            f"              round: {r['rate']:,.0f} records/s, reference {r['reference']:,.0f}, "
            f"ratio {r['ratio']:.2f}, {r['cpu_seconds']:.2f} CPU-s"
        )
    figures.append(
        fig(
            f"record tree records/s, median of {len(rounds)} ({n:,} records, {params['backend']})",
            rate,
            "records/s",
            "raw hashlib SHA-256 calls/s, 170-byte inputs, one core, measured around each build",
            raw,
        )
    )
    figures[-1]["ratio"] = ratio  # the median of the per-round ratios
    figures.append(
        fig(
            f"record tree records/s, best of {len(rounds)}",
            best["rate"],
            "records/s",
            "raw hashlib SHA-256 calls/s around that build",
            best["reference"],
        )
    )
    figures.append(
        fig(
            "record tree records per CPU-second (all threads), median",
            per_cpu,
            "records/s",
            "raw hashlib SHA-256 calls/s, one core",
            raw,
        )
    )

    small = min(n, 50_000)
    os.environ["MINSHARE_LEDGER_HASHING"] = "python"
    py_seconds = time_tree(records(small), 1)
    os.environ["MINSHARE_LEDGER_HASHING"] = "native"
    py_rate = small / py_seconds
    print(f"record tree   hashlib backend: {py_rate:,.0f} records/s ({small:,} records)")
    figures.append(
        fig(
            f"record tree records/s, hashlib backend ({small:,} records)",
            py_rate,
            "records/s",
            "raw hashlib SHA-256 calls/s, 170-byte inputs",
            raw,
        )
    )

    count = 100 if args.quick else 400
    times, bare = append_latency(count)
    p50, p99 = statistics.median(times) * 1e3, sorted(times)[int(0.99 * (count - 1))] * 1e3
    b50 = statistics.median(bare) * 1e3
    params.update(append_p50_ms=p50, append_p99_ms=p99, bare_commit_p50_ms=b50)
    print(
        f"append+checkpoint  median {p50:.2f} ms, p99 {p99:.2f} ms; bare SQLite commit {b50:.2f} ms"
    )
    figures.append(
        fig(
            "append + signed checkpoint, median (SQLite, synchronous=FULL)",
            p50,
            "ms",
            "bare INSERT + COMMIT, same settings",
            b50,
        )
    )
    figures.append(
        fig(
            "append + signed checkpoint, p99", p99, "ms", "bare INSERT + COMMIT, same settings", b50
        )
    )

    sizes = [2**10, 2**13, 2**16] if args.quick else [2**10, 2**14, 2**18, 10**6]
    for size in sizes:
        r = proofs(size)
        params[f"proofs_{size}"] = r
        print(
            f"proofs n={size:>9,}  inclusion ≤{r['inclusion_max']} hashes "
            f"{r['inclusion_us']:.0f} µs; consistency ≤{r['consistency_max']} hashes "
            f"{r['consistency_us']:.0f} µs; ceil(log2 n) = {r['log2']}"
        )
        figures.append(
            fig(
                f"inclusion proof length, n={size:,}",
                r["inclusion_max"],
                "hashes",
                "ceil(log2 n)",
                r["log2"],
            )
        )
        figures.append(
            fig(
                f"consistency proof length, n={size:,}",
                r["consistency_max"],
                "hashes",
                "ceil(log2 n)",
                r["log2"],
            )
        )
        figures.append(
            fig(f"inclusion prove+verify, n={size:,}", r["inclusion_us"], "µs", "none", None)
        )
    for size in sizes:
        r = stored_proofs(size, 200 if args.quick else 500, 3 if size >= 2**16 else 20)
        params[f"stored_proofs_{size}"] = r
        print(
            f"stored n={size:>9,}  fresh session (open, inclusion proof, root, close): "
            f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, {r['per_second']:,.0f}/s; "
            f"≤{r['rows_max']} rows in ≤{r['queries_max']} queries per proof+root; "
            f"reference (read every leaf hash, rebuild) p50 {r['ref_p50_ms']:.1f} ms"
        )
        rebuild = "the same request rebuilding the tree from every stored leaf hash"
        figures.append(
            fig(
                f"stored-ledger inclusion proof + root, fresh session, p50, n={size:,}",
                r["p50_ms"],
                "ms",
                rebuild,
                r["ref_p50_ms"],
            )
        )
        figures.append(
            fig(
                f"stored-ledger rows read per inclusion proof + root, n={size:,}",
                r["rows_max"],
                "rows",
                "ceil(log2 n)",
                r["log2"],
            )
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"name": "ledger", "params": params, "figures": figures}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
