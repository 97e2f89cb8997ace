"""Benchmark the disclosure ledger, each figure against a reference measured in the same run.

- record tree: records/s of ``build_record_tree`` (person keys, salts, leaves, leaf and node
  hashes, sort, durable workspace files) on synthetic records with nine disclosed columns;
  reference: raw ``hashlib.sha256`` calls/s in a Python loop over leaf-sized inputs (the rate a
  hashlib loop cannot beat, with at least three hashes per record).
- the same with the ``hashlib`` reference backend, to show what the native path buys.
- append + checkpoint latency (SQLite, WAL, synchronous=FULL); reference: a bare SQLite
  INSERT + COMMIT with the same settings (the fsync floor).
- proofs at growing ledger sizes: inclusion and consistency path lengths against
  ceil(log2 n), and generation + verification time.

    .venv/bin/python -m benchmarks.bench_ledger [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
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
    verify_consistency,
    verify_inclusion,
)
from minshare.ledger.records import build_record_tree


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


def time_tree(table: pa.Table, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            build_record_tree(
                table.to_reader(max_chunksize=65536),
                columns=table.column_names,
                workspace=Path(tmp),
                secret=b"k" * 32,
            )
            best = min(best, time.perf_counter() - start)
    return best


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
    time_tree(records(1000), 1)  # compile or load the native kernels outside the timing
    seconds = time_tree(table, 2 if args.quick else 3)
    raw = raw_sha256_rate(min(n, 1_000_000))
    rate = n / seconds
    params.update(tree_seconds=seconds, raw_sha256_per_s=raw)
    print(
        f"record tree   {n:,} records in {seconds:.2f} s = {rate:,.0f} records/s "
        f"({params['backend']}); raw hashlib SHA-256 {raw:,.0f} hashes/s"
    )
    figures.append(
        fig(
            f"record tree records/s ({n:,} records, {params['backend']})",
            rate,
            "records/s",
            "raw hashlib SHA-256 calls/s, 170-byte inputs",
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
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"name": "ledger", "params": params, "figures": figures}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
