"""The service's API as its users use it, on SQLite and on a real PostgreSQL: requests checked
against the orders, a disclosure in the background, packages for the named recipient only,
the two-person review desk, the ledger and accounting, one error shape, the access log."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from minshare.demo import request_path
from servicekit import World, make_world, mentions


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp(f"svc-{request.param}"), request.param)


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(world.app, base_url="https://testserver") as c:
        yield c


@pytest.fixture(scope="module")
def disclosed(world: World, client: TestClient) -> dict[str, Any]:
    """The ICE request filed, approved and disclosed (once per backend)."""
    filed = client.post(
        "/api/requests", json={"yaml": world.request_yaml}, headers=world.headers("ice")
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["status"] == "pending"
    rid = filed.json()["id"]
    approved = client.post(
        f"/api/requests/{rid}/decision",
        json={"approve": True, "note": "checked"},
        headers=world.headers("steward"),
    )
    assert approved.json()["status"] == "approved"
    started = client.post(
        "/api/jobs", json={"kind": "disclose", "request": rid}, headers=world.headers("steward")
    )
    assert started.status_code == 202
    job = world.app.state.jobs.wait(started.json()["id"])
    assert job["status"] == "done", job
    return {"request": rid, "job": job, "package": job["package"]}


def test_a_request_is_checked_against_the_orders_and_approved_by_a_steward(
    disclosed: dict[str, Any], client: TestClient, world: World
) -> None:
    shown = client.get(f"/api/requests/{disclosed['request']}", headers=world.headers("ice"))
    body = shown.json()
    assert body["status"] == "approved"
    assert body["decided_by"] == "steward"
    assert body["check_result"]["orders"] == ["ca-v-hhs-2025-12-29"]


def test_a_request_the_orders_refuse_is_refused_with_the_clause(
    client: TestClient, world: World
) -> None:
    text = request_path("refused-2026-02-01.yaml").read_text()
    text = text.replace("recipient: ", "recipient: dhs-ice\n# was: ", 1)
    filed = client.post("/api/requests", json={"yaml": text}, headers=world.headers("ice"))
    assert filed.status_code == 201, filed.text
    result = filed.json()
    assert result["status"] == "refused"
    reasons = [d["message"] for d in result["check_result"]["details"]]
    assert any("§" in r or "clause" in r or "ca-v-hhs" in r for r in reasons), reasons
    job = client.post(
        "/api/jobs",
        json={"kind": "dry_run", "request": result["id"]},
        headers=world.headers("steward"),
    )
    assert job.status_code == 409


def test_a_requester_files_only_for_its_own_agency(client: TestClient, world: World) -> None:
    filed = client.post(
        "/api/requests", json={"yaml": world.request_yaml}, headers=world.headers("other")
    )
    assert filed.status_code == 403
    assert filed.json()["error"] == "forbidden"


def test_the_package_holds_only_disclosed_records_for_the_named_agency(
    disclosed: dict[str, Any], client: TestClient, world: World
) -> None:
    pkg = disclosed["package"]
    download = client.get(f"/api/packages/{pkg}/download", headers=world.headers("ice"))
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.content)) as zf:
        names = zf.namelist()
        records = pq.read_table(io.BytesIO(zf.read(f"{pkg}/records.parquet"))).to_pylist()
    assert f"{pkg}/manifest.json" in names
    # NY1 and NY3 are in review, NY4 is withheld: none of them ever reaches a requester.
    assert [r["MSIS_IDENT_NUM"] for r in records] == ["NY2"]
    shown = client.get(f"/api/packages/{pkg}", headers=world.headers("ice")).json()
    assert shown["verified"] is True
    assert shown["origin_proven"] is True


def test_another_agency_never_sees_the_package(
    disclosed: dict[str, Any], client: TestClient, world: World
) -> None:
    pkg = disclosed["package"]
    other = world.headers("other")
    assert client.get("/api/packages", headers=other).json() == []
    assert client.get(f"/api/packages/{pkg}", headers=other).status_code == 404
    assert client.get(f"/api/packages/{pkg}/download", headers=other).status_code == 404
    assert client.get("/api/requests", headers=other).json() == []
    assert client.get(f"/api/requests/{disclosed['request']}", headers=other).status_code == 404
    # A steward can read the manifest but is not the recipient: no download.
    assert (
        client.get(f"/api/packages/{pkg}/download", headers=world.headers("steward")).status_code
        == 403
    )


def test_no_requester_route_returns_a_review_or_withheld_record(
    disclosed: dict[str, Any], client: TestClient, world: World
) -> None:
    ice = world.headers("ice")
    for path in (
        "/api/review",
        "/api/review/next",
        "/api/review/36/NY1",
        "/api/decisions",
        "/api/accounting/36/NY1",
        "/api/jobs",
    ):
        assert client.get(path, headers=ice).status_code == 403, path
    seen = "".join(
        client.get(path, headers=ice).text
        for path in (
            "/api/packages",
            f"/api/packages/{disclosed['package']}",
            "/api/requests",
            "/api/ledger/entries",
        )
    )
    for withheld in ("NY1", "NY3", "NY4"):
        assert not mentions(seen, withheld)
    assert "500 Renal Way" not in seen


def test_two_different_reviewers_release_an_item_for_the_next_run(
    disclosed: dict[str, Any], client: TestClient, world: World
) -> None:
    nxt = client.get("/api/review/next", headers=world.headers("rev-a")).json()
    assert (nxt["state"], nxt["msis_id"]) == ("36", "NY1")
    assert [r["rule_id"] for r in nxt["rules"]] == ["review-self-attested"]
    vote = {"decision": "disclose", "reason": "SAVE confirmed"}
    first = client.post("/api/review/36/NY1", json=vote, headers=world.headers("rev-a"))
    assert first.json()["outcome"] == "awaiting_second"
    again = client.post("/api/review/36/NY1", json=vote, headers=world.headers("rev-a"))
    assert again.status_code == 409
    assert again.json()["error"] == "review_conflict"
    no_reason = client.post(
        "/api/review/36/NY1",
        json={"decision": "disclose", "reason": ""},
        headers=world.headers("rev-b"),
    )
    assert no_reason.status_code == 422
    second = client.post("/api/review/36/NY1", json=vote, headers=world.headers("rev-b"))
    assert second.json()["outcome"] == "released"
    assert second.json()["decision"]["decided_by"] == ["rev-a", "rev-b"]
    decisions = client.get("/api/decisions", headers=world.headers("steward")).json()
    assert [(d["msis_id"], d["decision"]) for d in decisions] == [("NY1", "release")]
    steward_vote = client.post("/api/review/36/NY3", json=vote, headers=world.headers("steward"))
    assert steward_vote.status_code == 403


def test_ledger_proofs_and_accounting(
    disclosed: dict[str, Any], client: TestClient, world: World
) -> None:
    aud = world.headers("auditor")
    checkpoint = client.get("/api/ledger/checkpoint", headers=aud).text
    assert checkpoint.splitlines()[1] == "1"
    proof = client.get("/api/ledger/proof/inclusion", params={"index": 0}, headers=aud).json()
    assert proof["root"] == checkpoint.splitlines()[2]
    assert (
        client.get("/api/ledger/proof/inclusion", params={"index": 5}, headers=aud).status_code
        == 404
    )
    acct = client.get("/api/accounting/36/NY2", params={"view": "auditor"}, headers=aud).json()
    assert [d["recipient"]["id"] for d in acct["disclosures"]] == ["dhs-ice"]
    none = client.get("/api/accounting/36/NY4", headers=aud).json()
    assert none["disclosures"] == []
    bundle = client.get("/api/accounting/36/NY2/bundle", headers=aud).json()
    assert bundle["checkpoint"] == checkpoint
    assert client.get("/api/ledger/tile/checkpoint", headers=aud).text == checkpoint


def test_the_compliance_report_of_a_disclosure_as_html_and_pdf(
    disclosed: dict[str, Any], client: TestClient, world: World
) -> None:
    job = disclosed["job"]["id"]
    aud = world.headers("auditor")
    page = client.get(f"/api/jobs/{job}/report", headers=aud)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert disclosed["request"] in page.text or "dhs-ice" in page.text
    assert not mentions(page.text, "NY2")  # aggregate counts only: no Medicaid ID
    pdf = client.get(f"/api/jobs/{job}/report.pdf", headers=world.headers("steward"))
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF-")
    assert client.get(f"/api/jobs/{job}/report", headers=world.headers("ice")).status_code == 403
    assert client.get("/api/jobs/nope/report", headers=aud).status_code == 404


def test_an_accounting_request_is_recorded_extended_once_and_answered_on_time(
    disclosed: dict[str, Any], client: TestClient, world: World
) -> None:
    stw, aud = world.headers("steward"), world.headers("auditor")
    received = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    body = {"state": "NY", "msis_id": "NY2", "requester": "letter 2026-17", "received_at": received}
    assert client.post("/api/accounting-requests", json=body, headers=aud).status_code == 403
    made = client.post("/api/accounting-requests", json=body, headers=stw)
    assert made.status_code == 201, made.text
    r = made.json()
    assert not mentions(made.text, "NY2")  # only the person key is stored
    due = datetime.fromisoformat(r["due_at"]) - datetime.fromisoformat(r["received_at"])
    assert due == timedelta(days=60)
    listed = client.get("/api/accounting-requests", headers=aud).json()
    mine = next(x for x in listed if x["request"]["id"] == r["id"])
    assert (mine["status"], mine["days_left"], mine["free"]) == ("open", 56, True)
    url = f"/api/accounting-requests/{r['id']}"
    assert client.post(f"{url}/extension", json={"reason": " "}, headers=stw).status_code == 400
    extended = client.post(f"{url}/extension", json={"reason": "archive offline"}, headers=stw)
    assert extended.status_code == 200, extended.text
    assert extended.json()["extension_reason"] == "archive offline"
    again = client.post(f"{url}/extension", json={"reason": "still"}, headers=stw)
    assert again.status_code == 400
    assert "once" in again.json()["message"]
    assert client.get(url, headers=aud).json()["status"] == "extended"
    wrong = client.post(f"{url}/answer", json={"state": "NY", "msis_id": "NY4"}, headers=stw)
    assert wrong.status_code == 400
    answered = client.post(f"{url}/answer", json={"state": "NY", "msis_id": "NY2"}, headers=stw)
    assert answered.status_code == 200, answered.text
    out = answered.json()
    assert out["accounting"]["view"] == "individual"
    assert [d["recipient"]["id"] for d in out["accounting"]["disclosures"]] == ["dhs-ice"]
    assert client.get(url, headers=aud).json()["status"] == "fulfilled"
    twice = client.post(f"{url}/answer", json={"state": "NY", "msis_id": "NY2"}, headers=stw)
    assert twice.status_code == 400
    missing = client.get("/api/accounting-requests/nope", headers=aud)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


def test_every_error_has_one_json_shape_and_client_mistakes_are_4xx(
    client: TestClient, world: World
) -> None:
    aud = world.headers("auditor")
    cases = [
        client.get("/api/no-such-thing", headers=aud),
        client.delete("/api/access-log", headers=aud),
        client.get("/api/orders/in-force", params={"on": "not-a-date"}, headers=aud),
        client.get("/api/orders/no-such-order", headers=aud),
        client.post(
            "/api/requests",
            content=b"{not json",
            headers={**world.headers("ice"), "content-type": "application/json"},
        ),
        client.post("/api/requests", json={"yaml": "a: [unclosed"}, headers=world.headers("ice")),
        client.get("/api/accounting/99/X", headers=aud),
        client.get("/api/me", headers={"Authorization": "Bearer mst_nope_nope"}),
        client.get("/api/me"),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.request.url, response.text)
        body = response.json()
        assert set(body) <= {"error", "message", "location", "details"}
        assert body["error"]
        assert body["message"]


def test_tokens_and_passwords_are_stored_only_as_argon2_hashes(world: World) -> None:
    rows = world.app.state.db.query("SELECT hash FROM tokens")
    assert rows
    assert all(r["hash"].startswith("$argon2id$") for r in rows)
    users = world.app.state.db.query("SELECT password_hash FROM users")
    assert all(u["password_hash"].startswith("$argon2id$") for u in users)
    if world.settings.db is None:
        stored = Path(world.settings.db_url).read_bytes()
        for token in world.tokens.values():
            assert token.split("_", 2)[2].encode() not in stored


def test_a_revoked_token_stops_working(client: TestClient, world: World) -> None:
    made = client.post(
        "/api/tokens", json={"user": "auditor"}, headers=world.headers("admin")
    ).json()
    bearer = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/me", headers=bearer).status_code == 200
    assert (
        client.delete(f"/api/tokens/{made['id']}", headers=world.headers("admin")).status_code
        == 204
    )
    assert client.get("/api/me", headers=bearer).status_code == 401


def test_the_access_log_records_who_what_and_result_and_cannot_be_changed(
    client: TestClient, world: World
) -> None:
    client.get("/api/packages", headers=world.headers("other"))
    log = client.get(
        "/api/access-log", params={"limit": 1000}, headers=world.headers("admin")
    ).json()
    assert any(
        e["principal"] == "other" and e["path"] == "/api/packages" and e["status"] == 200
        for e in log
    )
    assert client.get("/api/access-log", headers=world.headers("steward")).status_code == 403
    db = world.app.state.db
    with pytest.raises(Exception, match="never changed"):
        db.execute("UPDATE access_log SET status = 200")
    with pytest.raises(Exception, match="never changed"):
        db.execute("DELETE FROM access_log")
    assert len(db.query("SELECT seq FROM access_log")) >= len(log)


def test_the_access_log_names_a_person_only_by_a_keyed_marker(
    disclosed: dict[str, Any], client: TestClient, world: World
) -> None:
    from minshare.service.access import person_marker

    aud = world.headers("auditor")
    assert client.get("/api/accounting/36/NY2", headers=aud).status_code == 200
    assert client.get("/api/review/36/NY3", headers=world.headers("rev-a")).status_code in (
        200,
        404,
    )
    log = client.get(
        "/api/access-log", params={"limit": 1000}, headers=world.headers("admin")
    ).json()
    paths = [e["path"] for e in log]
    assert not any("NY2" in p or "NY3" in p for p in paths)
    ws = world.settings.workspace
    assert f"/api/accounting/36/{person_marker(ws, '36', 'NY2')}" in paths
    assert f"/api/review/36/{person_marker(ws, '36', 'NY3')}" in paths


def test_browser_sessions_need_the_csrf_token_for_writes(world: World) -> None:
    with TestClient(world.app, base_url="https://testserver") as c:
        signed = c.post(
            "/api/session", json={"name": "ice", "password": "correct horse battery staple"}
        )
        assert signed.status_code == 200
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "secure" in cookie
        assert "samesite=strict" in cookie
        assert c.get("/api/me").json()["via"] == "session"
        body = {"yaml": world.request_yaml.replace("TEST-0001", "TEST-CSRF")}
        refused = c.post("/api/requests", json=body)
        assert refused.status_code == 403
        assert refused.json()["error"] == "csrf_failed"
        ok = c.post("/api/requests", json=body, headers={"X-CSRF-Token": signed.json()["csrf"]})
        assert ok.status_code == 201


def test_sign_in_is_rate_limited(tmp_path: Path) -> None:
    world = make_world(tmp_path, login_attempts=3)
    with TestClient(world.app, base_url="https://testserver") as c:
        for _ in range(3):
            assert (
                c.post("/api/session", json={"name": "ice", "password": "wrong"}).status_code == 401
            )
        right = c.post(
            "/api/session", json={"name": "ice", "password": "correct horse battery staple"}
        )
        assert right.status_code == 429
        assert right.json()["error"] == "rate_limited"


def test_the_openapi_document_lists_the_api(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for path in (
        "/api/requests",
        "/api/jobs",
        "/api/review/{state}/{msis_id}",
        "/api/ledger/proof/inclusion",
        "/api/accounting/{state}/{msis_id}",
    ):
        assert path in doc["paths"]
    assert not any(p.startswith("/login") for p in doc["paths"])
