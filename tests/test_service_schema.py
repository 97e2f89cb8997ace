"""schemathesis against the service's own ``/openapi.json``: generated requests to every API
operation, as a steward, an auditor and an admin (between them every read route, and the
writes each may make), over the ASGI app. No response may be a 5xx, and every response must be
one the document declares (status code, content type, body schema)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from minshare.service import Settings, create_app
from servicekit import World, make_world

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = ("steward", "auditor", "admin")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """A world with one disclosure done, so the ledger, packages and jobs are not empty."""
    world = make_world(tmp_path_factory.mktemp("schema"))
    with TestClient(world.app, base_url="https://testserver") as client:
        filed = client.post(
            "/api/requests", json={"yaml": world.request_yaml}, headers=world.headers("ice")
        )
        rid = filed.json()["id"]
        client.post(
            f"/api/requests/{rid}/decision",
            json={"approve": True, "note": "checked"},
            headers=world.headers("steward"),
        )
        started = client.post(
            "/api/jobs", json={"kind": "disclose", "request": rid}, headers=world.headers("steward")
        )
        job = world.app.state.jobs.wait(started.json()["id"])
        assert job["status"] == "done", job
    return world


class _World:
    """The ASGI app schemathesis calls: the module's world, once its fixture has built it.
    (schemathesis's fixture-loaded schemas do not run on pytest 9; the document is loaded
    eagerly instead, from an app over an empty workspace: it does not depend on the data.)"""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


CURRENT = _World()


def _document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(workspace=Path(tmp) / "ws"))
        document: dict[str, Any] = app.openapi()
        app.state.db.close()
        return document


schema = schemathesis.openapi.from_dict(_document())
schema.app = CURRENT


@pytest.fixture(scope="module", autouse=True)
def _serve(world: World) -> Iterator[None]:
    CURRENT.app = world.app
    yield
    CURRENT.app = None


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_within_its_openapi_document(case: Any, world: World) -> None:
    for role in ROLES:
        case.call_and_validate(headers=world.headers(role), checks=CHECKS)
