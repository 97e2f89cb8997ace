"""The role matrix: every API route × every role → allowed or denied, read from the route table
(each route's ``allow(...)``) and checked against a running app, plus the expected table for the
routes that matter most, written out by hand so a change to the code cannot silently widen it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from minshare.service.app import route_table
from minshare.service.auth import ROLES
from servicekit import USERS, World, make_world

# role -> the user with it
AS = {role: next(u for u, (r, _) in USERS.items() if r == role) for role in ROLES}

EXPECTED = {
    ("POST", "/api/requests"): {"requester"},
    ("POST", "/api/requests/{record_id}/decision"): {"steward"},
    ("POST", "/api/jobs"): {"steward"},
    ("GET", "/api/packages/{package}/download"): {"requester"},
    ("GET", "/api/review"): {"reviewer", "steward"},
    ("POST", "/api/review/{state}/{msis_id}"): {"reviewer"},
    ("GET", "/api/accounting/{state}/{msis_id}"): {"auditor", "steward"},
    ("GET", "/api/accounting-requests"): {"auditor", "steward"},
    ("POST", "/api/accounting-requests"): {"steward"},
    ("GET", "/api/accounting-requests/{request_id}"): {"auditor", "steward"},
    ("POST", "/api/accounting-requests/{request_id}/extension"): {"steward"},
    ("POST", "/api/accounting-requests/{request_id}/answer"): {"steward"},
    ("GET", "/api/jobs/{job_id}/report"): {"auditor", "steward"},
    ("GET", "/api/jobs/{job_id}/report.pdf"): {"auditor", "steward"},
    ("GET", "/api/access-log"): {"admin", "auditor"},
    ("POST", "/api/users"): {"admin"},
    ("POST", "/api/tokens"): {"admin"},
    ("GET", "/api/ledger/proof/inclusion"): set(ROLES),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("roles"))


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(world.app, base_url="https://testserver") as c:
        yield c


def test_every_api_route_declares_its_roles(world: World) -> None:
    missing = [(m, p) for m, p, roles in route_table() if roles is None and p != "/api/session"]
    assert missing == []


def test_the_route_table_matches_the_expected_matrix(world: World) -> None:
    table = {(m, p): set(roles or ()) for m, p, roles in route_table()}
    for key, roles in EXPECTED.items():
        assert table[key] == roles, key


def test_every_route_allows_exactly_its_roles(world: World, client: TestClient) -> None:
    checked = 0
    for method, path, allowed in route_table():
        if allowed is None:
            continue
        url = re.sub(r"\{[^}]+\}", "x", path)
        for role in ROLES:
            response = client.request(method, url, headers=world.headers(AS[role]))
            if role in allowed:
                assert response.status_code not in (401, 403), (method, path, role)
            else:
                assert response.status_code == 403, (method, path, role, response.text)
                assert response.json()["error"] == "forbidden"
            assert response.status_code < 500, (method, path, role, response.text)
            checked += 1
        anonymous = client.request(method, url)
        assert anonymous.status_code == 401, (method, path)
    assert checked >= 30 * len(ROLES)
