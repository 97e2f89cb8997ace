"""What every benchmark needs: a child process measured on its own, and figures in one shape.

A benchmark runs each contender (minshare and its reference) as a child process, so its wall
time, CPU time and peak memory are its own and not the parent's. Peak memory is the largest sum
of resident set sizes over the child's whole process tree (DuckDB threads live in the child; synth
and the guard may start worker processes), sampled from /proc every 20 ms; the largest single
process is kept too.

Figures are dictionaries in the shape ``benchmarks/run.py`` tabulates: ``figure``, ``value``,
``unit``, ``reference``, ``reference_value``, ``ratio``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_SRC = str(ROOT / "src")


def tree_rss_kb(root: int) -> tuple[int, int]:
    """Sum and largest VmRSS over ``root`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/status") as fh:
                status = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry)] = int(line.split()[1])
    total, largest, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        largest = max(largest, rss.get(pid, 0))
        stack.extend(children.get(pid, []))
    return total, largest


def run_child(
    code: str, args: list[str], extra_env: dict[str, str] | None = None
) -> dict[str, float]:
    """Run ``python -c code args...`` with ``src/`` importable; its time, CPU and peak memory."""
    env = {**os.environ, **(extra_env or {})}
    env["PYTHONPATH"] = os.pathsep.join([_SRC, *filter(None, [env.get("PYTHONPATH")])])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env)
    peak_kb = largest_kb = 0
    while proc.poll() is None:
        total, largest = tree_rss_kb(proc.pid)
        peak_kb, largest_kb = max(peak_kb, total), max(largest_kb, largest)
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed with status {proc.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "peak_tree_mb": peak_kb / 1024,
        "max_process_rss_mb": largest_kb / 1024,
        "cpu_seconds": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    }


def figure(
    name: str, value: float, unit: str, reference: str, reference_value: float | None
) -> dict[str, Any]:
    """One figure paired with the reference measured in the same run."""
    return {
        "figure": name,
        "value": value,
        "unit": unit,
        "reference": reference,
        "reference_value": reference_value,
        "ratio": value / reference_value if reference_value else None,
    }


def write_json(path: Path | None, name: str, params: dict[str, Any], figures: list[Any]) -> None:
    """Write a benchmark's result where ``benchmarks/run.py`` asked for it (``--json``)."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"name": name, "params": params, "figures": figures}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
