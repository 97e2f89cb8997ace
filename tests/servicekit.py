"""Helpers for the service tests: a small world (inputs with records that go to review, users of
every role with tokens) and an app over SQLite or a throwaway PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from enginekit import determination, person, registry_of, write_inputs, write_request
from minshare.service import Settings, create_app
from minshare.service.auth import Auth

PEOPLE = [
    person("NY1"),  # self-attested determination: review
    person("NY2"),  # disclosed
    person("NY3", ELGBL_LINE_1_ADR_HOME="500 Renal Way", ELGBL_PHNE_NUM_HOME="5185550100"),
    person("NY4", CTZNSHP_IND="1"),  # a citizen: withheld
]
DETS = [
    determination("NY1", DETERMINATION_SOURCE="SELF_ATTESTATION"),
    determination("NY2"),
    determination("NY3"),
    determination("NY4"),
]
# name -> (role, agency)
USERS: dict[str, tuple[str, str | None]] = {
    "ice": ("requester", "dhs-ice"),
    "other": ("requester", "other-agency"),
    "steward": ("steward", None),
    "rev-a": ("reviewer", None),
    "rev-b": ("reviewer", None),
    "auditor": ("auditor", None),
    "admin": ("admin", None),
}
PASSWORD = "correct horse battery staple"
CHEAP = {"argon2_time_cost": 1, "argon2_memory_kib": 64}


def mentions(text: str, msis_id: str) -> bool:
    """Whether ``text`` names ``msis_id`` as a value: the short test IDs (NY1…) must not be
    mistaken for the same letters inside a key, hash or signature (base64 or hex)."""
    return (
        re.search(rf"(?<![A-Za-z0-9+/=]){re.escape(msis_id)}(?![A-Za-z0-9+/=])", text) is not None
    )


@dataclass
class World:
    root: Path
    settings: Settings
    app: Any
    tokens: dict[str, str] = field(default_factory=dict)
    request_yaml: str = ""

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def database(backend: str, root: Path) -> str | None:
    if backend == "sqlite":
        return None
    from ledger_support import new_database, postgres_server

    base = postgres_server()
    if base is None:
        import os

        pytest.skip(os.environ.get("POSTGRES_SKIP", "no PostgreSQL"))
    return new_database(base)


def make_world(root: Path, backend: str = "sqlite", **overrides: Any) -> World:
    e, d = write_inputs(root / "in", PEOPLE, DETS)
    request = write_request(root / "request.yaml")
    settings = Settings(
        workspace=root / "ws",
        db=database(backend, root),
        enrollment=(e,),
        determinations=(d,),
        registries=tuple(registry_of(e)),
        **{**CHEAP, **overrides},
    )
    app = create_app(settings)
    auth: Auth = app.state.auth
    world = World(root, settings, app, request_yaml=request.read_text())
    for name, (role, agency) in USERS.items():
        auth.add_user(name, role, agency=agency, password=PASSWORD)
        world.tokens[name] = auth.issue_token(name)[1]
    return world
