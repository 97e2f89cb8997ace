"""The compliance report of a real (synthetic) disclosure, checked by looking: the PDF rendered
to PNG pages and read back as text, the HTML opened in headless Chromium, and both scanned for
every piece of personal data the input holds."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import pyarrow.parquet as pq
import pytest
from PIL import Image, ImageStat

from minshare.data.synth import synthesize
from minshare.demo import request_path
from minshare.engines import disclose, dry_run
from minshare.guard import build_registry
from minshare.report import Report, build_report, render_html, write_report
from minshare.report.suppress import THRESHOLD
from systemdeps import CHROMIUM_ARGS, install

ROOT = Path(__file__).resolve().parents[1]
ROWS = 3_000
COMPARE = ("ca-v-hhs-2025-08-12", "ca-v-hhs-2025-12-29")
CHROMIUM_FLAGS = ["--headless", *CHROMIUM_ARGS, "--disable-dev-shm-usage", "--hide-scrollbars"]


@pytest.fixture(scope="session")
def report_tools() -> None:
    """poppler-utils and chromium from Debian (scripts/report-deps.sh), installed if missing."""
    install("report-deps.sh")


@dataclass(frozen=True)
class Made:
    input_dir: Path
    workspace: Path
    html: Path
    pdf: Path
    pages: int
    report: Report


def _review_decisions(workspace: Path) -> None:
    """Two reviewer decisions on rows the first run sent to review: a two-person release, and
    a withhold."""
    review = pq.read_table(
        workspace / "review.parquet", columns=["SUBMTG_STATE_CD", "MSIS_IDENT_NUM"]
    )
    rows = review.to_pylist()
    assert len(rows) >= 2, "the synthetic set should put some rows in review"
    at = "2026-02-02T10:00:00Z"
    lines = [
        {"state": rows[0]["SUBMTG_STATE_CD"], "msis_id": rows[0]["MSIS_IDENT_NUM"],
         "decision": "release", "decided_by": ["reviewer-a", "reviewer-b"], "decided_at": at},
        {"state": rows[1]["SUBMTG_STATE_CD"], "msis_id": rows[1]["MSIS_IDENT_NUM"],
         "decision": "withhold", "decided_by": ["reviewer-a"], "decided_at": at},
    ]  # fmt: skip
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (workspace / "review_decisions.jsonl").write_text(text)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    root = tmp_path_factory.mktemp("report")
    synth = synthesize(root / "input", rows=ROWS, seed=11)
    ws = root / "ws"
    registry = build_registry([synth.paths["facilities"]], ws / "registry", replace=True)
    enrollment, determinations = synth.paths["enrollment"], synth.paths["determinations"]
    request = request_path("ice-2026-02-01.yaml")
    dry_run(request, enrollment, determinations, workspace=ws, registries=[ws / "registry"])
    _review_decisions(ws)
    result = disclose(
        request,
        enrollment,
        determinations,
        out=root / "pkg",
        workspace=ws,
        registries=[ws / "registry"],
    )
    assert result.package is not None
    assert registry is not None
    html, pdf = root / "report.html", root / "report.pdf"
    written = write_report(ws, [html, pdf], compare=COMPARE)
    assert written.pages is not None
    return Made(root / "input", ws, html, pdf, written.pages, build_report(ws, compare=COMPARE))


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _html_text(html: Path) -> str:
    """Every character a reader of the HTML can see or select: the markup without tags, and
    the attribute values (titles, alt text) too."""
    raw = html.read_text("utf-8")
    return raw + "\n" + re.sub(r"<[^>]+>", " ", raw)


# --- no personal data ---------------------------------------------------------------------------


def _dates(value: dt.date) -> set[str]:
    return {
        value.isoformat(),
        value.strftime("%Y%m%d"),
        value.strftime("%m/%d/%Y"),
        f"{value.month}/{value.day}/{value.year}",
        value.strftime("%m-%d-%Y"),
        value.strftime("%d.%m.%Y"),
        value.strftime("%B %-d, %Y"),
        value.strftime("%b %-d, %Y"),
        value.strftime("%d %B %Y"),
    }


def _phones(digits: str) -> set[str]:
    d = re.sub(r"\D", "", digits)
    if len(d) != 10:
        return {digits}
    return {
        d,
        f"({d[:3]}) {d[3:6]}-{d[6:]}",
        f"{d[:3]}-{d[3:6]}-{d[6:]}",
        f"{d[:3]}.{d[3:6]}.{d[6:]}",
    }


def _report_dates(r: Report) -> set[str]:
    """Dates the report states about the law and the run (an order's date, the request's):
    a synthetic newborn can share one, which is not the newborn's data appearing."""
    days = {r.run_as_of, r.request.signed_on, r.request.as_of}
    for o in r.orders:
        days |= {o.issued, o.effective_from}
        if o.effective_until:
            days.add(o.effective_until)
    if r.compare is not None:
        days.add(r.compare.as_of)
    made = dt.date.fromisoformat(r.made_at[:10])
    days.add(made)
    return {s for d in days for s in _dates(d)}


def _public_text(r: Report) -> str:
    """The orders' own words (titles, citations, sources, rules): public legal text, where a
    date such as a complaint's "Jul 1, 2025" is the law's, even if a synthetic person was born
    that day."""
    return repr(r.orders).casefold()


def _personal_data(input_dir: Path, report: Report) -> dict[str, set[str]]:
    columns = [
        "SUBMTG_STATE_CD", "MSIS_IDENT_NUM", "SSN_NUM", "ELGBL_1ST_NAME", "ELGBL_LAST_NAME",
        "BIRTH_DT", "ELGBL_PHNE_NUM_HOME", "ELGBL_PHNE_NUM_MAIL", "ELGBL_LINE_1_ADR_HOME",
        "ELGBL_LINE_1_ADR_MAIL", "MSIS_CASE_NUM",
    ]  # fmt: skip
    rows = pq.read_table(input_dir / "enrollment.parquet", columns=columns).to_pylist()
    own_dates = _report_dates(report)
    public = _public_text(report)
    found: dict[str, set[str]] = {k: set() for k in ("id", "name", "dob", "phone", "address")}
    for row in rows:
        for k in ("MSIS_IDENT_NUM", "SSN_NUM", "MSIS_CASE_NUM"):
            if row[k] and len(str(row[k])) >= 6:
                found["id"].add(str(row[k]))
        first, last = row["ELGBL_1ST_NAME"], row["ELGBL_LAST_NAME"]
        if first and last:
            found["name"] |= {f"{first} {last}", f"{last}, {first}", f"{last} {first}"}
        if row["BIRTH_DT"]:
            birth = row["BIRTH_DT"]
            day = birth if isinstance(birth, dt.date) else _parse_day(str(birth))
            if day is not None:
                found["dob"] |= {s for s in _dates(day) - own_dates if s.casefold() not in public}
        for k in ("ELGBL_PHNE_NUM_HOME", "ELGBL_PHNE_NUM_MAIL"):
            if row[k]:
                found["phone"] |= _phones(str(row[k]))
        for k in ("ELGBL_LINE_1_ADR_HOME", "ELGBL_LINE_1_ADR_MAIL"):
            if row[k] and len(str(row[k]).strip()) >= 6:
                found["address"].add(str(row[k]).strip())
    return found


def _parse_day(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _leaks(text: str, personal: dict[str, set[str]]) -> dict[str, list[str]]:
    """Every personal value found in the text (case and runs of whitespace ignored), by kind:
    one Aho-Corasick pass over the text for all values at once."""
    folded = " ".join(text.split()).casefold()
    automaton = ahocorasick.Automaton()
    for kind, values in personal.items():
        for v in values:
            key = " ".join(v.split()).casefold()
            automaton.add_word(key, (*automaton.get(key, ()), (kind, v)))
    automaton.make_automaton()
    out: dict[str, set[str]] = {}
    for _, found in automaton.iter(folded):
        for kind, v in found:
            out.setdefault(kind, set()).add(v)
    return {k: sorted(v)[:5] for k, v in out.items()}


@pytest.fixture(scope="module")
def personal(made: Made) -> dict[str, set[str]]:
    return _personal_data(made.input_dir, made.report)


@pytest.mark.slow
def test_the_report_has_no_personal_data_in_the_html_or_the_pdf(
    made: Made, personal: dict[str, set[str]], report_tools: None
) -> None:
    assert all(personal[k] for k in personal), "the scan needs every kind of personal data"
    assert _leaks(_html_text(made.html), personal) == {}
    assert _leaks(_pdf_text(made.pdf), personal) == {}


def test_the_scan_finds_personal_data_when_it_is_there(
    made: Made, personal: dict[str, set[str]]
) -> None:
    # The scan itself can fail: plant one person's data in a copy of the report's text.
    planted = made.html.read_text("utf-8") + "".join(
        f" {sorted(personal[k])[0]} " for k in personal
    )
    assert set(_leaks(planted, personal)) == set(personal)


# --- suppression as published -------------------------------------------------------------------


def _numbers_in_cells(html: str) -> list[int]:
    cells = re.findall(r'<td class="n[^"]*">([^<]*)</td>', html)
    return [int(c.replace(",", "")) for c in cells if re.fullmatch(r"[\d,]+", c)]


def test_no_table_publishes_a_count_of_one_to_ten(made: Made) -> None:
    numbers = _numbers_in_cells(made.html.read_text("utf-8"))
    assert numbers, "the report has count tables"
    assert [n for n in numbers if 1 <= n <= THRESHOLD] == []
    assert "1–10" in made.html.read_text("utf-8")  # this data has small cells


def test_the_count_identity_is_published_as_the_tables_total_it(made: Made) -> None:
    r = made.report
    assert r.identity_holds
    row = r.identity.table.cells[0]
    assert r.reasons.table.col_totals == row
    assert r.identity.table.total == r.reasons.table.total
    assert r.identity.table.total is not None
    assert r.identity.table.total.value == ROWS


def test_the_report_lists_reviewers_and_two_person_releases(made: Made) -> None:
    review = made.report.review
    assert review.by_reviewer is not None
    assert review.by_reviewer.rows == ("reviewer-a", "reviewer-b")
    assert review.two_person_releases is not None
    assert review.two_person_releases.text == "1–10"  # one release: suppressed


def test_the_comparison_counts_every_accepted_row_once(made: Made) -> None:
    compare = made.report.compare
    assert compare is not None
    assert compare.rows.value == ROWS - made.report.identity.table.cells[0][3].value
    disclosed_under_injunction = compare.matrix.table.row_totals
    assert disclosed_under_injunction is not None
    assert disclosed_under_injunction[0].value == 0  # the injunction discloses nothing


def test_the_report_is_the_same_bytes_when_made_again(made: Made) -> None:
    again = render_html(build_report(made.workspace, compare=COMPARE))
    assert again == made.html.read_text("utf-8")


# --- self-contained -----------------------------------------------------------------------------


def test_the_html_fetches_nothing(made: Made) -> None:
    html = made.html.read_text("utf-8")
    assert not re.search(r"<script\b", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html, re.I)
    assert not re.search(r"@import", html, re.I)
    assert html.count("<svg") >= 4


# --- the PDF, by looking ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_pdf_renders_to_pages_that_are_not_blank(
    made: Made, report_tools: None, tmp_path: Path
) -> None:
    info = subprocess.run(["pdfinfo", str(made.pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert pages == made.pages >= 2
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(made.pdf), str(tmp_path / "page")], check=True
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    for image in images:
        with Image.open(image) as im:
            gray = im.convert("L")
            assert ImageStat.Stat(gray).var[0] > 50, f"{image.name} looks blank"


@pytest.mark.slow
def test_the_pdf_has_a_title_page_every_heading_and_page_numbers(
    made: Made, report_tools: None
) -> None:
    raw = _pdf_text(made.pdf)
    pages = [" ".join(p.split()) for p in raw.split("\f")]
    text = " ".join(pages)
    assert "Disclosure of Medicaid enrollment records" in pages[0]
    assert "Contents" in pages[1]
    for _, heading in made.report.sections:
        assert heading in text, heading
    assert f"Page 2 of {made.pages}" in text
    assert f"Page {made.pages} of {made.pages}" in text


# --- the HTML in a browser ----------------------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "scripts/report-deps.sh installs chromium"
    return found


@pytest.mark.slow
def test_the_html_in_chromium_has_every_heading_and_drawn_charts(
    made: Made, report_tools: None
) -> None:
    dom = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, "--dump-dom", made.html.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", dom, re.S)
    for _, heading in made.report.sections:
        assert heading in headings, heading
    for name in made.report.charts:
        match = re.search(rf'<svg id="chart-{name}".*?</svg>', dom, re.S)
        assert match, f"chart {name} is not in the DOM"
        drawn = re.findall(r"<path\b[^>]*\bd=\"M[^\"]+\"", match.group(0))
        assert len(drawn) >= 5, f"chart {name} draws nothing"


@pytest.mark.slow
def test_the_html_in_chromium_is_not_blank(made: Made, report_tools: None, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--screenshot={shot}", "--window-size=1100,1600",
         made.html.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    with Image.open(shot) as im:
        assert im.size == (1100, 1600)
        assert ImageStat.Stat(im.convert("L")).var[0] > 50
