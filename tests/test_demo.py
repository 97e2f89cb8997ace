"""``make demo``: the whole pipeline on synthetic data, end to end, proven and not just shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from minshare.cli.demo import render
from minshare.demo import DemoResult, run_demo
from minshare.ledger import open_ledger
from minshare.package import verify_package
from minshare.package.orders import order_permissions

ROWS = 3_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("demo"), rows=ROWS, seed=7)


def test_the_demo_package_verifies_with_the_workspace_public_key(demo: DemoResult) -> None:
    assert demo.disclosure.package is not None
    report = verify_package(
        demo.disclosure.package, public_key=demo.public_key, permitted_columns=order_permissions()
    )
    assert report.ok, report.failed()
    assert report.origin_proven
    assert report.manifest is not None
    assert report.manifest.record_count == demo.disclosure.counts.disclosed > 0


def test_every_demo_row_is_accounted_for(demo: DemoResult) -> None:
    for result in (demo.disclosure, demo.injunction):
        c = result.counts
        assert c.input_rows == ROWS
        assert c.input_rows == c.disclosed + c.withheld + c.review + c.quarantined
    assert demo.injunction.counts.disclosed == 0
    assert demo.injunction.columns == ()


def test_the_demo_records_its_package_in_a_verified_ledger(demo: DemoResult) -> None:
    assert demo.disclosure.package is not None
    manifest = (demo.disclosure.package / "manifest.json").read_bytes()
    with open_ledger(demo.workspace) as ledger:
        assert ledger.size() == 1
        assert ledger.entry(0) == manifest
    assert demo.disclosure.ledger_index == 0
    assert demo.ledger.report.ok
    assert demo.ledger.checkpoint.startswith(demo.ledger.report.origin + "\n1\n")


def test_the_demo_ends_with_the_compliance_report_in_html_and_pdf(demo: DemoResult) -> None:
    html, pdf = demo.out_dir / "report.html", demo.out_dir / "report.pdf"
    assert demo.report.paths == (html, pdf)
    assert demo.report.note is None
    assert demo.report.pages is not None
    assert demo.report.pages >= 2
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = html.read_text("utf-8")
    assert demo.disclosure.request_id in text
    assert "6. Order comparison" in text  # the injunction -> the December order
    console = Console(record=True, width=200)
    render(console, demo)
    assert f"{pdf} ({demo.report.pages} pages)" in console.export_text()


def test_the_demo_shows_the_refused_request_with_every_reason(demo: DemoResult) -> None:
    assert demo.refusal.exit_code == 4
    assert len(demo.refusal.reasons) == 4
    assert any("ELGBL_LAST_NAME" in reason for reason in demo.refusal.reasons)


def test_the_demo_says_what_happened_in_plain_words(demo: DemoResult) -> None:
    console = Console(record=True, width=200)
    render(console, demo)
    text = console.export_text()
    c = demo.disclosure.counts
    assert (
        f"{c.input_rows:,} rows read = {c.disclosed:,} disclosed + {c.withheld:,} withheld + "
        f"{c.review:,} in review + {c.quarantined:,} quarantined (every row accounted for)"
    ) in text
    assert "verify-package: verified" in text
    assert f"recorded as entry 0 of 1 in {demo.ledger.location}" in text
    assert f"checkpoint: {demo.ledger.report.origin} (tree size 1, signed)" in text
    assert f"minshare verify-package {demo.disclosure.package} --key {demo.public_key}" in text
    assert f"minshare ledger verify --workspace {demo.workspace}" in text
    assert "nothing leaves" in text
    assert (
        f"next: the service, review desk and pages: minshare serve --workspace {demo.workspace}"
        in text
    )


def test_a_second_demo_run_keeps_the_first_package_and_extends_the_ledger(tmp_path: Path) -> None:
    first = run_demo(tmp_path, rows=500, seed=3)
    second = run_demo(tmp_path, rows=500, seed=3)
    assert first.disclosure.package == tmp_path / "package"
    assert second.disclosure.package == tmp_path / "package-2"
    assert (tmp_path / "package" / "manifest.json").is_file()
    assert (first.disclosure.ledger_index, second.disclosure.ledger_index) == (0, 1)
    assert second.ledger.report.ok
