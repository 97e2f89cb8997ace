"""How ``disclose`` grows with its input: time and peak memory at 1, 2, 5 and 10 million rows.

Each size is ``minshare synth`` data (cached under /tmp, as for ``bench_disclose``) disclosed under
the December order in a child process, beside the bare DuckDB reference of ``bench_disclose`` at
the same size. The figures pair each size with the smallest one: seconds per million rows
(a ratio near 1 means time grows linearly) and peak memory (a ratio near 1 means memory stays
flat as the input grows). A least-squares line through the times gives the extrapolation to
100 million rows that ``docs/scaling.md`` quotes, and the curve is drawn to
``benchmarks/results/scaling.svg`` (``scaling-quick.svg`` for ``--quick``).

    .venv/bin/python -m benchmarks.bench_scaling            # 1, 2, 5, 10 M rows
    .venv/bin/python -m benchmarks.bench_scaling --quick    # 0.1, 0.2, 0.5, 1 M rows
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._measure import figure, run_child, write_json
from benchmarks.bench_disclose import _DISCLOSE, _REFERENCE, REQUEST, _spec, synth_data

RESULTS = Path(__file__).resolve().parent / "results"
FULL = [1_000_000, 2_000_000, 5_000_000, 10_000_000]
QUICK = [100_000, 200_000, 500_000, 1_000_000]


def measure(rows: int, seed: int, spec: dict[str, Any]) -> dict[str, Any]:
    data = synth_data(rows, seed)
    enr, det = data / "enrollment.parquet", data / "determinations.parquet"
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        base = Path(tmp)
        out = base / "result.json"
        d = run_child(
            _DISCLOSE,
            [str(REQUEST), str(enr), str(det), str(data / "registry"),
             str(base / "pkg"), str(base / "ws"), str(out)],
        )  # fmt: skip
        d.update(json.loads(out.read_text()))
        ref = run_child(
            _REFERENCE, [str(enr), str(det), str(base / "ref.parquet"), json.dumps(spec)]
        )
    return {"rows": rows, "disclose": d, "reference": ref}


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope and intercept."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, my - slope * mx


def plot(points: list[dict[str, Any]], path: Path) -> bool:
    """Time and peak memory against rows, as SVG; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    matplotlib.rcParams["svg.hashsalt"] = "minshare"
    rows = [p["rows"] / 1e6 for p in points]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    left.plot(rows, [p["disclose"]["seconds"] for p in points], "o-", label="minshare disclose")
    left.plot(rows, [p["reference"]["seconds"] for p in points], "s--", label="bare DuckDB")
    left.set(xlabel="input rows (millions)", ylabel="wall time (s)", title="Time")
    left.legend()
    right.plot(rows, [p["disclose"]["peak_tree_mb"] for p in points], "o-", label="minshare")
    right.plot(rows, [p["reference"]["peak_tree_mb"] for p in points], "s--", label="bare DuckDB")
    right.set(xlabel="input rows (millions)", ylabel="peak memory (MB)", title="Peak memory")
    right.set_ylim(bottom=0)
    right.legend()
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return True


def figures(points: list[dict[str, Any]], slope: float, intercept: float) -> list[dict[str, Any]]:
    first = points[0]
    base = f"at {first['rows']:,} rows"
    per_m = [p["disclose"]["seconds"] / (p["rows"] / 1e6) for p in points]
    out = []
    for p, spm in zip(points, per_m, strict=True):
        rows = f"{p['rows']:,} rows"
        d, ref = p["disclose"], p["reference"]
        out += [
            figure(f"disclose wall time ({rows})", d["seconds"], "s",
                   "bare DuckDB at the same size", ref["seconds"]),
            figure(f"disclose seconds per million rows ({rows})", spm, "s/M rows",
                   f"the same {base}", per_m[0]),
            figure(f"disclose peak memory ({rows})", d["peak_tree_mb"], "MB",
                   f"the same {base}", first["disclose"]["peak_tree_mb"]),
        ]  # fmt: skip
    hundred = slope * 100e6 + intercept
    out.append(
        figure("disclose at 100,000,000 rows, extrapolated (least squares)", hundred, "s",
               "bare DuckDB, extrapolated the same way",
               _extrapolate([p["rows"] for p in points],
                            [p["reference"]["seconds"] for p in points]))
    )  # fmt: skip
    return out


def _extrapolate(rows: list[int], seconds: list[float]) -> float:
    slope, intercept = fit([float(r) for r in rows], seconds)
    return slope * 100e6 + intercept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", help="row counts (default 1, 2, 5, 10 M)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="0.1 to 1 M rows (make bench-quick)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    sizes = args.sizes or (QUICK if args.quick else FULL)
    spec = _spec()
    points = []
    for rows in sizes:
        p = measure(rows, args.seed, spec)
        points.append(p)
        d = p["disclose"]
        print(
            f"scaling    {rows:>11,} rows: disclose {d['seconds']:6.1f} s, "
            f"peak {d['peak_tree_mb']:6,.0f} MB; bare DuckDB {p['reference']['seconds']:5.1f} s"
        )
    slope, intercept = fit(
        [float(p["rows"]) for p in points], [p["disclose"]["seconds"] for p in points]
    )
    print(f"fit        {slope * 1e6:.2f} s per million rows + {intercept:.1f} s; "
          f"100 M rows ≈ {(slope * 100e6 + intercept) / 60:.1f} min")  # fmt: skip
    svg = RESULTS / ("scaling-quick.svg" if args.quick else "scaling.svg")
    RESULTS.mkdir(exist_ok=True)
    if plot(points, svg):
        print(f"plot       {svg}")
    params = {
        "sizes": sizes,
        "seed": args.seed,
        "points": points,
        "fit_seconds_per_million_rows": slope * 1e6,
        "fit_intercept_seconds": intercept,
        "plot": str(svg.relative_to(RESULTS.parent.parent)) if svg.exists() else None,
    }
    write_json(args.json, "scaling", params, figures(points, slope, intercept))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
