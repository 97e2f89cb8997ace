"""The web pages through the HTTP client: sign-in, forms with CSRF tokens, the whole flow from a
filed request to a downloaded package, the review desk, the ledger and accounting pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from servicekit import PASSWORD, World, make_world


def _client(world: World, name: str) -> tuple[TestClient, str]:
    client = TestClient(world.app, base_url="https://testserver")
    page = client.post("/login", data={"name": name, "password": PASSWORD}, follow_redirects=True)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return client, found.group(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("pages"))


def test_pages_need_a_sign_in_and_a_wrong_password_is_refused(world: World) -> None:
    client = TestClient(world.app, base_url="https://testserver")
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    page = client.post("/login", data={"name": "ice", "password": "nope"})
    assert page.status_code == 401
    assert "wrong user name or password" in page.text
    assert 'for="password"' in page.text


def test_from_a_filed_request_to_a_downloaded_package_through_the_pages(world: World) -> None:
    ice, csrf = _client(world, "ice")
    filed = ice.post("/requests", data={"yaml": world.request_yaml, "csrf": csrf})
    assert "pending" in filed.text
    record = str(filed.url).rsplit("/", 1)[1]

    steward, scsrf = _client(world, "steward")
    stale = steward.post(
        f"/requests/{record}/decision", data={"action": "approve", "note": "ok", "csrf": "x"}
    )
    assert stale.status_code == 403
    approved = steward.post(
        f"/requests/{record}/decision", data={"action": "approve", "note": "ok", "csrf": scsrf}
    )
    assert 'id="request-status">approved' in approved.text
    started = steward.post(f"/requests/{record}/jobs", data={"kind": "disclose", "csrf": scsrf})
    job = str(started.url).rsplit("/", 1)[1]
    world.app.state.jobs.wait(job)
    job_page = steward.get(f"/jobs/{job}")
    assert 'id="job-status">done' in job_page.text
    assert "package-link" in job_page.text

    dashboard = ice.get("/")
    package = re.search(r"/packages/(\w+)", dashboard.text)
    assert package is not None
    shown = ice.get(f"/packages/{package.group(1)}")
    assert 'id="verified">verified' in shown.text
    download = ice.get(f"/packages/{package.group(1)}/download")
    assert download.headers["content-type"] == "application/zip"

    other, _ = _client(world, "other")
    assert other.get(f"/packages/{package.group(1)}").status_code == 404


def test_the_review_desk_releases_with_two_reviewers(world: World) -> None:
    outcomes = []
    for name in ("rev-a", "rev-b"):
        client, csrf = _client(world, name)
        page = client.get("/review")
        assert "Medicaid ID NY1" in page.text
        assert 'for="reason"' in page.text
        done = client.post(
            "/review/36/NY1", data={"decision": "disclose", "reason": "checked", "csrf": csrf}
        )
        found = re.search(r"Recorded: ([^.]+)\.", done.text)
        assert found is not None
        outcomes.append(found.group(1))
    assert outcomes == ["awaiting second", "released"]


def test_ledger_and_accounting_pages(world: World) -> None:
    auditor, _ = _client(world, "auditor")
    ledger = auditor.get("/ledger", params={"index": 0})
    assert "Inclusion proof for entry" in ledger.text
    accounting = auditor.get("/accounting", params={"state": "NY", "msis_id": "NY4"})
    assert "0 disclosure(s)" in accounting.text
    assert auditor.get("/access-log").status_code == 200
    requester, _ = _client(world, "ice")
    assert requester.get("/accounting").status_code == 403


def test_unknown_pages_render_the_error_page(world: World, tmp_path: Path) -> None:
    auditor, _ = _client(world, "auditor")
    page = auditor.get("/no-such-page")
    assert page.status_code == 404
    assert "not_found" in page.text
