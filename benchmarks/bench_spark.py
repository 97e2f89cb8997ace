"""Benchmark the Spark engine (local mode) against the DuckDB engine on the same disclosure.

Both run ``disclose`` on the same ``minshare synth`` data (cached under /tmp, as
``bench_disclose`` caches it) with the same facility registry, each in a child process, so wall
time and peak memory (the whole process tree: Spark's JVM and its Python workers included) are
their own. CPU time is not compared: the JVM is not a child the measuring process waits for, so
its CPU would go uncounted. The Spark child starts its session first and times that apart
(``session startup``): a cluster keeps one running, a single disclosure pays it once. The
figures compare like with like: the same inputs, the same plan, the same package (the
differential test, ``tests/test_engine_spark.py``, holds the answers identical).

    .venv/bin/python -m benchmarks.bench_spark --json /tmp/spark.json   # 1 M rows (make bench)
    .venv/bin/python -m benchmarks.bench_spark --quick                  # 100,000 rows
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from benchmarks._measure import figure, run_child, write_json
from benchmarks.bench_disclose import REQUEST, synth_data

_DISCLOSE = textwrap.dedent(
    """
    import json, sys, time
    from minshare.engines import disclose

    request, enr, det, registry, out, ws, result, engine, master = sys.argv[1:10]
    startup = 0.0
    if engine == "spark":
        from minshare.engines.spark import SparkSettings, session

        started = time.perf_counter()
        context = session(SparkSettings(master=master))
        context.__enter__()  # the run below uses this session; it stops at exit
        startup = time.perf_counter() - started
    started = time.perf_counter()
    r = disclose(
        request, enr, det, out=out, workspace=ws, registries=[registry], engine=engine
    )
    seconds = time.perf_counter() - started
    with open(result, "w") as fh:
        json.dump(
            {
                "timings": r.timings,
                "counts": r.counts.model_dump(),
                "records": r.records,
                "startup_seconds": startup,
                "disclose_seconds": seconds,
            },
            fh,
        )
    if engine == "spark":
        context.__exit__(None, None, None)
    """
)


def _figures(r: dict[str, Any]) -> list[dict[str, Any]]:
    rows = f"{r['rows']:,} rows"
    duck, spark = r["duckdb"], r["spark"]
    label = "the DuckDB engine, same disclosure"

    def fig(name: str, value: float, unit: str, ref_value: float) -> dict[str, Any]:
        return figure(f"Spark {r['master']}: {name} ({rows})", value, unit, label, ref_value)

    out = [
        fig("disclose wall time, with startup", spark["seconds"], "s", duck["seconds"]),
        fig("disclose wall time, session running", spark["disclose_seconds"], "s",
            duck["disclose_seconds"]),
        fig("peak memory, all processes", spark["peak_tree_mb"], "MB", duck["peak_tree_mb"]),
        # Started once per process: no DuckDB counterpart (and no ratio).
        figure(f"Spark {r['master']}: session startup ({rows})", spark["startup_seconds"], "s",
               "none", None),
    ]  # fmt: skip
    for step in ("guard", "decide"):
        if step in spark["timings"] and duck["timings"].get(step):
            out.append(fig(f"step {step}", spark["timings"][step], "s", duck["timings"][step]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="100,000 rows (make bench-quick)")
    parser.add_argument("--master", default="local[*]", help="the Spark master (local mode)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = min(args.rows, 100_000)
    from minshare.engines.spark import java_problem, version

    problem = java_problem()
    if problem is not None or not version():
        raise SystemExit(problem or "pyspark is not installed: pip install 'minshare[spark]'")
    data = synth_data(args.rows, args.seed)
    results: dict[str, Any] = {
        "rows": args.rows,
        "seed": args.seed,
        "cpus": os.cpu_count(),
        "master": args.master,
        "pyspark": version(),
    }
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        base = Path(tmp)
        enr, det = data / "enrollment.parquet", data / "determinations.parquet"
        for engine in ("duckdb", "spark"):
            out = base / f"result-{engine}.json"
            run = base / engine
            d = run_child(
                _DISCLOSE,
                [
                    str(REQUEST), str(enr), str(det), str(data / "registry"), str(run / "pkg"),
                    str(run / "ws"), str(out), engine, args.master,
                ],
            )  # fmt: skip
            d.update(json.loads(out.read_text()))
            results[engine] = d
    duck, spark = results["duckdb"], results["spark"]
    if duck["counts"] != spark["counts"]:
        raise SystemExit(f"the engines disagree: {duck['counts']} vs {spark['counts']}")
    for engine in ("duckdb", "spark"):
        d = results[engine]
        steps = ", ".join(f"{k} {v:.1f}" for k, v in d["timings"].items() if v >= 0.05)
        print(
            f"{engine:7s} {args.rows:,} rows in {d['seconds']:.1f} s (startup "
            f"{d['startup_seconds']:.1f} s, disclose {d['disclose_seconds']:.1f} s: {steps}), "
            f"peak {d['peak_tree_mb']:,.0f} MB, "
            f"{d['records']:,} records"
        )
    print(
        f"ratio   Spark / DuckDB wall time = {spark['seconds'] / duck['seconds']:.1f} "
        f"(session running: {spark['disclose_seconds'] / duck['disclose_seconds']:.1f})"
    )
    write_json(args.json, "spark", results, _figures(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
