"""``minshare review``: the desk from the command line, with the same two-person rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from enginekit import determination, person, registry_of, write_inputs, write_request
from minshare.cli.main import main
from minshare.engines import disclose, load_review_decisions


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    people = [person("NY1"), person("NY2")]
    dets = [determination("NY1", DETERMINATION_SOURCE="SELF_ATTESTATION"), determination("NY2")]
    e, d = write_inputs(tmp_path / "in", people, dets)
    request = write_request(tmp_path / "req.yaml")
    disclose(
        request, e, d, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
    )
    return tmp_path / "ws"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    def run(*args: str) -> tuple[int, str]:
        code = main(list(args))
        return code, capsys.readouterr().out

    return run


def test_the_queue_lists_the_person_in_review_and_shows_why(ws: Path, cli: Any) -> None:
    code, out = cli("review", "list", "--workspace", str(ws))
    assert code == 0
    assert "36 NY1  open" in out
    assert "NY2" not in out
    code, out = cli("review", "show", "--workspace", str(ws), "--state", "36", "--id", "NY1")
    assert code == 0
    assert "rule review-self-attested" in out
    assert "SELF_ATTESTATION" in out


def test_a_release_needs_two_different_reviewers(ws: Path, cli: Any) -> None:
    base = ["review", "decide", "--workspace", str(ws), "--state", "36", "--id", "NY1"]
    vote = ["--decision", "disclose", "--reason", "checked the SAVE case file", "--json"]
    code, out = cli(*base, *vote, "--reviewer", "ana")
    assert (code, json.loads(out)) == (0, {"outcome": "awaiting_second", "final": False})
    assert load_review_decisions(ws / "review_decisions.jsonl") == {}
    code, out = cli(*base, *vote, "--reviewer", "ana")
    assert code != 0  # the same reviewer cannot vote twice
    code, out = cli(*base, *vote, "--reviewer", "ben")
    assert (code, json.loads(out)) == (0, {"outcome": "released", "final": True})
    assert [d.decision for d in load_review_decisions(ws / "review_decisions.jsonl").values()] == [
        "release"
    ]


def test_a_decision_without_a_reason_or_a_known_choice_is_refused(ws: Path, cli: Any) -> None:
    base = ["review", "decide", "--workspace", str(ws), "--state", "36", "--id", "NY1"]
    code, _ = cli(*base, "--decision", "withhold", "--reviewer", "ana", "--reason", "  ")
    assert code != 0
    code, _ = cli(*base, "--decision", "maybe", "--reviewer", "ana", "--reason", "x")
    assert code == 2
    assert load_review_decisions(ws / "review_decisions.jsonl") == {}
