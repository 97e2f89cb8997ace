"""``minshare report``: a thin command over ``write_report``; its errors and exit codes; charts
that draw only what the tables publish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minshare.cli.main import main
from minshare.data.synth import synthesize
from minshare.demo import request_path
from minshare.engines import disclose, dry_run
from minshare.guard import build_registry
from minshare.report import ReportError, write_report
from minshare.report.charts import bars, heatmap
from minshare.report.model import CountTable
from minshare.report.suppress import suppress_counts, suppress_grid


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report-cli")
    synth = synthesize(root / "input", rows=400, seed=5)
    ws = root / "ws"
    build_registry([synth.paths["facilities"]], ws / "registry", replace=True)
    disclose(
        request_path("ice-2026-02-01.yaml"),
        synth.paths["enrollment"],
        synth.paths["determinations"],
        out=root / "pkg",
        workspace=ws,
        registries=[ws / "registry"],
    )
    return ws


def test_the_command_writes_the_html_and_prints_its_path(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.html"
    assert main(["report", "--workspace", str(workspace), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    text = out.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "3. The outcome" in text
    assert "Order comparison" not in text  # only with --compare


def test_compare_adds_the_transition_matrix_section(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    argv = ["report", "--workspace", str(workspace), "--out", str(out), "--compare",
            "ca-v-hhs-2025-08-12", "ca-v-hhs-2025-12-29"]  # fmt: skip
    assert main(argv) == 0
    text = out.read_text("utf-8")
    assert "6. Order comparison" in text
    assert 'id="chart-transitions"' in text
    assert 'id="table-transitions"' in text


def test_a_missing_workspace_is_a_report_error_with_its_own_exit_code(tmp_path: Path) -> None:
    assert ReportError.exit_code == 8
    code = main(
        ["report", "--workspace", str(tmp_path / "nope"), "--out", str(tmp_path / "r.html")]
    )
    assert code == 8


def test_an_empty_workspace_says_there_is_no_run_to_report(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no completed run"):
        write_report(tmp_path, tmp_path / "r.html")


def test_only_html_and_pdf_are_written(workspace: Path, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"\.html or \.pdf"):
        write_report(workspace, tmp_path / "r.docx")
    assert not (tmp_path / "r.docx").exists()


def test_inputs_without_compare_are_a_usage_error(workspace: Path, tmp_path: Path) -> None:
    argv = ["report", "--workspace", str(workspace), "--out", str(tmp_path / "r.html"),
            "--enrollment", "e.parquet"]  # fmt: skip
    assert main(argv) == 2


def test_a_dry_run_workspace_reports_that_nothing_left(tmp_path: Path) -> None:
    synth = synthesize(tmp_path / "input", rows=200, seed=9)
    ws = tmp_path / "ws"
    dry_run(
        request_path("ice-2025-10-01.yaml"),
        synth.paths["enrollment"],
        synth.paths["determinations"],
        workspace=ws,
    )
    out = tmp_path / "r.html"
    write_report(ws, out)
    text = out.read_text("utf-8")
    assert "No package was published: nothing left." in text
    assert "ca-v-hhs-2025-08-12" in text


# --- charts draw what the tables publish --------------------------------------------------------


def _table(values: list[int]) -> CountTable:
    return CountTable(
        key="t",
        caption="t",
        row_header="reason",
        rows=tuple(f"reason-{k}" for k in range(len(values))),
        columns=("rows",),
        table=suppress_grid([[v] for v in values], row_totals=False, col_totals=True),
    )


def test_a_suppressed_bar_is_labelled_and_never_drawn_to_its_true_size() -> None:
    svg = bars(_table([3, 7, 500, 900]), "t", title="t")
    labels = re.findall(r">([^<>]+)</text>", svg)
    assert labels.count("1–10") >= 2
    assert "3" not in labels
    assert "7" not in labels
    assert "900" in labels
    # the two suppressed bars are hatched outlines of the same size
    assert svg.count('clip-path="url(#t-') >= 1
    assert "hatch" in svg or "pattern" in svg


def test_charts_are_the_same_bytes_every_time_and_carry_no_date() -> None:
    table = CountTable(
        key="m",
        caption="m",
        row_header="a",
        rows=("disclose", "review", "withhold"),
        columns=("disclose", "review", "withhold"),
        table=suppress_grid([[40, 0, 5], [0, 30, 0], [2, 0, 900]]),
    )
    one, two = (
        heatmap(table, "m", title="m", xlabel="b", ylabel="a"),
        heatmap(table, "m", title="m", xlabel="b", ylabel="a"),
    )
    assert one == two
    assert "<dc:date>" not in one
    assert re.search(r">(2|5)<", one) is None


def test_chart_ids_are_prefixed_so_two_charts_share_a_page() -> None:
    a = bars(_table([50, 60]), "a", title="a")
    b = bars(_table([50, 60]), "b", title="b")
    ids_a = set(re.findall(r'\bid="([^"]+)"', a))
    ids_b = set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a
    assert ids_a.isdisjoint(ids_b)


def test_one_count_is_suppressed_alone_without_a_total() -> None:
    cell = suppress_counts([4], total=False).cells[0][0]
    assert cell.text == "1–10"
