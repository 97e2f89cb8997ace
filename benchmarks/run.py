"""Run every benchmark under benchmarks/ and write one table of figures (``make bench``).

Each ``benchmarks/bench_*.py`` is a script that accepts ``--quick`` and ``--json PATH`` and writes
``{"name": ..., "figures": [{"figure", "value", "unit", "reference", "reference_value",
"ratio"}], "params": {...}}``: every figure is paired with a reference measured in the same run,
so the ratio means something on any machine. This runner adds the machine's description.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def machine() -> dict[str, Any]:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for pkg in (
        "minshare",
        "duckdb",
        "pyarrow",
        "numpy",
        "sqlglot",
        "pyspark",
        "presidio-analyzer",
    ):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "java": _java_version(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _java_version() -> str:
    """The first line ``java -version`` prints (the Spark benchmark's JVM), or why not."""
    try:
        proc = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    except OSError:
        return "not installed"
    lines = (proc.stderr or proc.stdout).splitlines()
    return lines[0] if lines else "unknown"


def discover() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def run_one(module: str, quick: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", f"benchmarks.{module}", "--json", str(out)]
        if quick:
            cmd.append("--quick")
        proc = subprocess.run(cmd, cwd=HERE.parent, check=False)
        if proc.returncode != 0 or not out.exists():
            return {"name": module, "error": f"exit code {proc.returncode}", "figures": []}
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes; under 5 minutes")
    parser.add_argument("--only", nargs="*", help="benchmark module names to run")
    args = parser.parse_args(argv)
    console = Console()
    results = [run_one(m, args.quick) for m in (args.only or discover())]
    table = Table(title="minshare benchmarks" + (" (quick)" if args.quick else ""))
    for col in ("benchmark", "figure", "value", "reference", "ratio"):
        table.add_column(col, justify="right" if col in ("value", "ratio") else "left")
    for res in results:
        if res.get("error"):
            table.add_row(res["name"], "FAILED", res["error"], "", "")
        for fig in res.get("figures", []):
            ref = fig.get("reference", "")
            if fig.get("reference_value") is not None:
                ref += f" ({fig['reference_value']:,.4g} {fig.get('unit', '')})"
            ratio = fig.get("ratio")
            table.add_row(
                res["name"],
                fig["figure"],
                f"{fig['value']:,.4g} {fig.get('unit', '')}",
                ref,
                "" if ratio is None else f"{ratio:.2f}",
            )
    console.print(table)
    RESULTS.mkdir(exist_ok=True)
    name = "latest-quick.json" if args.quick else "latest.json"
    payload = {"machine": machine(), "quick": args.quick, "results": results}
    (RESULTS / name).write_text(json.dumps(payload, indent=2) + "\n")
    console.print(f"written {RESULTS / name}")
    return 1 if any(r.get("error") for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
