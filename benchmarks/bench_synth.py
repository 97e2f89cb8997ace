"""Benchmark ``minshare synth`` against a no-realism reference writer.

Each run happens in a child process, so its wall time and peak memory are its own. Peak memory
is the largest sum of resident set sizes over the child's whole process tree (synth runs its
generation in worker processes), sampled from /proc every 20 ms; the largest single process is
reported too.

The reference writes the same number of rows, with the same columns and the same average value
width per column (measured on the synth output), of random ASCII strings through the same
Parquet settings: the cost of putting that many bytes on disk, without any realism.

    .venv/bin/python benchmarks/bench_synth.py --rows 10000000 --json benchmarks/results/synth.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from benchmarks._measure import run_child, write_json

_SYNTH = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from minshare.data.synth import synthesize

    synthesize(Path(sys.argv[1]), rows=int(sys.argv[2]), seed=int(sys.argv[3]), fmt=sys.argv[4])
    """
)

_REFERENCE = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    out, rows, widths = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    chunk = 500_000
    rng = np.random.default_rng(0)
    schema = pa.schema([(name, pa.string()) for name in widths])
    writer = pq.ParquetWriter(out, schema, compression="zstd", compression_level=1,
                              use_dictionary=False, store_schema=False, write_statistics=False)
    done = 0
    while done < rows:
        n = min(chunk, rows - done)
        columns = []
        for width in widths.values():
            w = max(1, round(width))
            data = (rng.integers(0, 26, n * w, dtype=np.uint8) + 65).tobytes()
            offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
            array = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
            columns.append(array)
        writer.write_table(pa.table(columns, schema=schema))
        done += n
    writer.close()
    """
)


def _widths(enrollment: Path) -> dict[str, float]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.ParquetFile(enrollment).read_row_group(0)
    return {
        name: float(pc.mean(pc.fill_null(pc.utf8_length(col), 0)).as_py() or 0.0)
        for name, col in zip(table.column_names, table.columns, strict=True)
    }


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.iterdir()) / 1e6


def _figures(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures in the shape benchmarks/run.py tabulates, each against its reference."""
    synth, ref = results["synth"], results.get("reference")
    rows = f"{results['rows']:,} rows"

    def fig(name: str, key: str, unit: str, label: str) -> dict[str, Any]:
        ref_value = ref[key] if ref else None
        return {
            "figure": f"{name} ({rows})",
            "value": synth[key],
            "unit": unit,
            "reference": label if ref else "none run",
            "reference_value": ref_value,
            "ratio": synth[key] / ref_value if ref_value else None,
        }

    plain = "plain random strings, same widths"
    return [
        fig("synth wall time", "seconds", "s", plain),
        fig("synth rows/s", "rows_per_second", "rows/s", plain),
        fig("synth peak memory, all processes", "peak_tree_mb", "MB", plain),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", default="parquet", choices=["parquet", "csv", "psv"])
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--no-reference", action="store_true", help="skip the reference run")
    parser.add_argument("--quick", action="store_true", help="1,000,000 rows (make bench-quick)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = min(args.rows, 1_000_000)

    results: dict[str, Any] = {"rows": args.rows, "format": args.format, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        out = Path(tmp) / "synth"
        synth = run_child(_SYNTH, [str(out), str(args.rows), str(args.seed), args.format])
        synth["rows_per_second"] = args.rows / synth["seconds"]
        synth["output_mb"] = _size_mb(out)
        results["synth"] = synth
        print(
            f"synth      {args.rows:,} rows in {synth['seconds']:.1f} s "
            f"({synth['rows_per_second']:,.0f} rows/s), peak {synth['peak_tree_mb']:,.0f} MB "
            f"(largest process {synth['max_process_rss_mb']:,.0f} MB), "
            f"CPU {synth['cpu_seconds']:.1f} s, output {synth['output_mb']:,.0f} MB"
        )
        if not args.no_reference and args.format == "parquet":
            widths = _widths(out / "enrollment.parquet")
            ref_out = Path(tmp) / "reference.parquet"
            ref = run_child(_REFERENCE, [str(ref_out), str(args.rows), json.dumps(widths)])
            ref["rows_per_second"] = args.rows / ref["seconds"]
            ref["output_mb"] = ref_out.stat().st_size / 1e6
            results["reference"] = ref
            results["ratio_to_reference"] = synth["seconds"] / ref["seconds"]
            print(
                f"reference  {args.rows:,} rows in {ref['seconds']:.1f} s "
                f"({ref['rows_per_second']:,.0f} rows/s), peak {ref['peak_tree_mb']:,.0f} MB, "
                f"output {ref['output_mb']:,.0f} MB"
            )
            print(f"ratio      synth / reference wall time = {results['ratio_to_reference']:.2f}")
    write_json(args.json, "synth", results, _figures(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
