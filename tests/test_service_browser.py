"""End to end in a real browser: Playwright drives Debian's Chromium against the service in a
real uvicorn on a loopback port. Users as they work: a requester files a request, a steward
approves it and runs the disclosure, two reviewers release an item with the keyboard only, the
requester downloads the package, an auditor looks up an accounting and reads the compliance
report, the steward answers an individual's accounting request; every role signs in.
Screenshots of the main pages go to ``$MINSHARE_SCREENSHOTS`` (default: a temporary directory)."""

from __future__ import annotations

import io
import os
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from servicekit import PASSWORD, USERS, World, make_world, mentions
from systemdeps import CHROMIUM, CHROMIUM_ARGS, install

ROOT = Path(__file__).resolve().parents[1]
ARGS = CHROMIUM_ARGS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def chromium() -> str:
    """Installs Debian's Chromium if missing (scripts/browser-deps.sh); skips if it cannot."""
    install("browser-deps.sh")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    import uvicorn

    world = make_world(tmp_path_factory.mktemp("browser"))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    # localhost, not 127.0.0.1: Chromium keeps Secure cookies on http://localhost only.
    yield world, f"http://localhost:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("MINSHARE_SCREENSHOTS")
    out = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _sign_in(browser: Any, base: str, name: str, width: int = 1280) -> Any:
    """A new browser context signed in as ``name``, with the keyboard: type, Tab, Enter."""
    context = browser.new_context(
        viewport={"width": width, "height": 900}, accept_downloads=True, base_url=base
    )
    page = context.new_page()
    page.goto("/")
    assert page.url.endswith("/login")
    # The user name field has the focus (autofocus): wait for it before typing on a busy machine.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'name'")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Dashboard").wait_for(timeout=60_000)
    return page


def test_users_take_a_request_to_a_downloaded_package_in_the_browser(
    served: tuple[World, str], browser: Any, shots: Path
) -> None:
    world, base = served

    # 1. The requester files the written request.
    ice = _sign_in(browser, base, "ice")
    ice.screenshot(path=str(shots / "dashboard-requester.png"), full_page=True)
    ice.get_by_role("link", name="File a new request").click()
    ice.get_by_label("Request (YAML)").fill(world.request_yaml)
    ice.get_by_role("button", name="File the request").click()
    assert ice.locator("#request-status").inner_text() == "pending"
    request_url = ice.url
    ice.screenshot(path=str(shots / "request.png"), full_page=True)

    # 2. The steward approves it and runs the disclosure; the job page follows its progress.
    steward = _sign_in(browser, base, "steward")
    steward.goto(request_url)
    steward.get_by_label("Note (why)").fill("written request checked against the order")
    steward.get_by_role("button", name="Approve").click()
    assert steward.locator("#request-status").inner_text() == "approved"
    steward.get_by_role("button", name="Run the disclosure").click()
    steward.wait_for_selector("#package-link", timeout=120_000)
    assert steward.locator("#job-status").inner_text() == "done"
    steward.screenshot(path=str(shots / "job.png"), full_page=True)
    job_url = steward.url

    # 3. Two reviewers release NY1, keyboard only: d, the reason, Ctrl+Enter.
    outcomes = []
    for name in ("rev-a", "rev-b"):
        reviewer = _sign_in(browser, base, name)
        reviewer.goto("/review")
        assert "Medicaid ID NY1" in reviewer.locator("#h-item").inner_text()
        if name == "rev-a":
            reviewer.screenshot(path=str(shots / "review-desk.png"), full_page=True)
        reviewer.locator("body").focus()
        reviewer.keyboard.press("d")
        assert reviewer.locator("#decision-disclose").is_checked()
        assert reviewer.evaluate("document.activeElement.id") == "reason"
        reviewer.keyboard.type(f"{name}: SAVE verification confirmed by the state")
        reviewer.keyboard.press("Control+Enter")
        reviewer.wait_for_selector("#last-outcome")
        outcomes.append(reviewer.locator("#last-outcome").inner_text())
        reviewer.context.close()
    assert outcomes == ["Recorded: awaiting second.", "Recorded: released."]
    decisions = (world.settings.workspace / "review_decisions.jsonl").read_text()
    assert '"decided_by": ["rev-a", "rev-b"]' in decisions

    # 4. The requester downloads the package: only the disclosed record is in it.
    ice.goto("/")
    ice.get_by_role("link", name="Package").first.click()
    assert ice.locator("#verified").inner_text() == "verified"
    ice.screenshot(path=str(shots / "package.png"), full_page=True)
    with ice.expect_download() as info:
        ice.locator("#download").focus()
        ice.keyboard.press("Enter")
    data = Path(info.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        name = next(n for n in zf.namelist() if n.endswith("records.parquet"))
        records = pq.read_table(io.BytesIO(zf.read(name))).to_pylist()
    assert [r["MSIS_IDENT_NUM"] for r in records] == ["NY2"]

    # 5. An auditor looks up the accounting of the disclosed person.
    auditor = _sign_in(browser, base, "auditor")
    auditor.get_by_role("link", name="Accounting", exact=True).click()
    auditor.get_by_label("State (FIPS or USPS)").fill("NY")
    auditor.get_by_label("Medicaid ID").fill("NY2")
    auditor.get_by_label("Medicaid ID").press("Enter")
    assert "1 disclosure(s) of NY2" in auditor.locator("#h-result").inner_text()
    assert "500 12th Street SW" in auditor.locator("#accounting").inner_text()
    auditor.screenshot(path=str(shots / "accounting.png"), full_page=True)
    auditor.goto("/ledger?index=0")
    auditor.screenshot(path=str(shots / "ledger.png"), full_page=True)
    assert auditor.locator("#h-proof").is_visible()

    # 6. The auditor reads the disclosure's compliance report; the PDF downloads.
    auditor.goto(job_url)
    auditor.get_by_role("link", name="read it (HTML)").click()
    assert auditor.locator("h1").first.inner_text() == "Disclosure of Medicaid enrollment records"
    assert not mentions(auditor.content(), "NY2")
    auditor.screenshot(path=str(shots / "report.png"), full_page=True)
    auditor.goto(job_url)
    with auditor.expect_download() as pdf:
        auditor.get_by_role("link", name="download the PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")

    # 7. The person asks for an accounting: the steward (privacy officer) records the request,
    # extends it once with the reasons, and answers it; the auditor sees it answered on time.
    steward.goto("/")
    steward.get_by_role("link", name="Accounting requests").click()
    steward.get_by_label("State (FIPS or USPS)").fill("NY")
    steward.get_by_label("Medicaid ID").fill("NY2")
    steward.get_by_label("Requester (who asked, a reference to the letter)").fill("letter 17")
    steward.get_by_role("button", name="Record the request").click()
    assert steward.locator("#account-request-status").inner_text() == "open"
    steward.get_by_label("Reasons for the delay (written, given to the individual)").fill(
        "the archive of older disclosures is being restored"
    )
    steward.get_by_role("button", name="Extend").click()
    assert steward.locator("#account-request-status").inner_text() == "extended"
    assert "archive" in steward.locator("#extended-to").inner_text()
    steward.get_by_label("State (FIPS or USPS)").fill("NY")
    steward.get_by_label("Medicaid ID").fill("NY2")
    steward.get_by_role("button", name="Answer the request").click()
    assert "1 disclosure(s) of NY2" in steward.locator("#h-result").inner_text()
    assert "500 12th Street SW" in steward.locator("#accounting").inner_text()
    assert steward.locator("#account-request-status").inner_text() == "fulfilled"
    steward.screenshot(path=str(shots / "accounting-request-answered.png"), full_page=True)
    auditor.goto("/accounting/requests")
    assert "fulfilled" in auditor.locator("#account-requests").inner_text()
    auditor.screenshot(path=str(shots / "accounting-requests.png"), full_page=True)
    for page in (ice, steward, auditor):
        page.context.close()


# role -> the pages its user works in (besides the dashboard)
MAIN_PAGES = {
    "ice": ["/requests/new", "/ledger"],
    "steward": ["/accounting", "/accounting/requests", "/ledger"],
    "rev-a": ["/review"],
    "auditor": ["/access-log", "/accounting/requests"],
    "admin": ["/access-log"],
}


def test_every_role_signs_in_and_sees_its_pages(
    served: tuple[World, str], browser: Any, shots: Path
) -> None:
    _, base = served
    for name, paths in MAIN_PAGES.items():
        page = _sign_in(browser, base, name)
        assert f"{name} · {USERS[name][0]}" in page.locator(".whoami").inner_text()
        page.screenshot(path=str(shots / f"signed-in-{name}.png"), full_page=True)
        for path in paths:
            response = page.goto(path)
            assert response is not None, (name, path)
            assert response.status == 200, (name, path)
            slug = path.strip("/").replace("/", "-")
            page.screenshot(path=str(shots / f"{name}-{slug}.png"), full_page=True)
        page.context.close()


def test_the_pages_fit_a_narrow_screen(
    served: tuple[World, str], browser: Any, shots: Path
) -> None:
    _, base = served
    page = _sign_in(browser, base, "steward", width=390)
    for path in ("/", "/ledger", "/accounting?state=NY&msis_id=NY2"):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (path, overflow)
    page.goto("/")
    page.screenshot(path=str(shots / "dashboard-narrow.png"), full_page=True)
    page.context.close()
