"""The benchmark harness measures what it says (the benchmarks themselves run in ``make bench``)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from benchmarks._measure import figure, run_child, write_json
from benchmarks.bench_scaling import fit


def test_a_figure_carries_its_ratio_to_the_reference() -> None:
    f = figure("x", 6.0, "s", "ref", 2.0)
    assert f["ratio"] == pytest.approx(3.0)
    assert figure("x", 6.0, "s", "none run", None)["ratio"] is None


def test_least_squares_recovers_a_line() -> None:
    xs = [1e6, 2e6, 5e6, 1e7]
    slope, intercept = fit(xs, [3e-6 * x + 4.0 for x in xs])
    assert slope == pytest.approx(3e-6)
    assert intercept == pytest.approx(4.0)


def test_a_child_is_measured_on_its_own() -> None:
    # 300 MB held for half a second: the sampler must see it, the wall clock must count it.
    code = textwrap.dedent(
        """
        import time
        block = bytearray(300 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(0.5)
        """
    )
    m = run_child(code, [])
    assert m["peak_tree_mb"] >= 290
    assert m["seconds"] >= 0.5
    assert m["cpu_seconds"] > 0


def test_a_failing_child_stops_the_benchmark() -> None:
    with pytest.raises(SystemExit):
        run_child("raise SystemExit(3)", [])


def test_results_are_written_in_the_runner_shape(tmp_path: Path) -> None:
    out = tmp_path / "r" / "x.json"
    write_json(out, "demo", {"rows": 1}, [figure("f", 1.0, "s", "ref", 2.0)])
    payload = json.loads(out.read_text())
    assert payload["name"] == "demo"
    assert payload["figures"][0]["ratio"] == pytest.approx(0.5)
