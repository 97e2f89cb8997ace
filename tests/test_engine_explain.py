"""``explain``: the reason for any row, withheld or disclosed, plain words first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enginekit import determination, person, registry_of, write_inputs, write_request
from minshare.cli.main import main
from minshare.engines import EngineError, dry_run, explain
from minshare.errors import UsageError


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("explain")
    people = [
        person("NY1"),  # disclosed
        person("NY2", CTZNSHP_IND="1", IMGRTN_STUS_CD="8"),  # a citizen, no determination
        person("TX1", state="48"),  # no order in force
        person("NY3", BIRTH_DT="1990-02-30"),  # quarantined
    ]
    e, d = write_inputs(tmp / "in", people, [determination("NY1")])
    dry_run(write_request(tmp / "req.yaml"), e, d, workspace=tmp / "ws", registries=registry_of(e))
    return tmp / "ws"


def test_a_withheld_row_is_explained_rule_by_rule(workspace: Path) -> None:
    e = explain(workspace, "36", "NY2")
    assert e.summary.startswith("NY2 in state 36 (NY) — Withheld: citizen or national")
    (row,) = e.rows
    assert row.decision == "withhold"
    (order,) = row.orders
    assert order.governs
    results = {t.rule_id: t.result for t in order.rules}
    assert results["withhold-citizen-indicator"] == "true"
    assert results["withhold-citizen-status-code"] == "true"
    assert results["withhold-no-determination"] == "true"
    # No determination: the category is missing, so a rule on it is unknown (and does not hold).
    assert results["withhold-citizen-determination"] == "unknown"
    assert results["disclose-unlawfully-present-verified"] == "false"
    held = {t.rule_id for t in order.rules if t.holds}
    assert held == set(row.rule_ids)
    assert all(t.cite for t in order.rules)
    assert row.facts["determination.present"] is False


def test_a_disclosed_row_is_explained(workspace: Path) -> None:
    e = explain(workspace, "NY", "NY1")  # a USPS abbreviation works too
    assert "Disclosed: a current, verified determination" in e.summary
    (row,) = e.rows
    assert row.reason_ids == ("disclose-unlawfully-present-verified",)
    assert row.cites[0].startswith("Order of Dec 29, 2025")
    assert e.determinations[0]["STATUS_CATEGORY"] == "UNLAWFULLY_PRESENT"


def test_a_row_no_order_governs_says_so(workspace: Path) -> None:
    e = explain(workspace, "TX", "TX1")
    assert "no order in force authorizes this disclosure" in e.summary
    assert not any(o.governs for o in e.rows[0].orders)


def test_a_quarantined_person_is_explained_from_the_quarantine(workspace: Path) -> None:
    e = explain(workspace, "36", "NY3")
    assert e.rows == ()
    assert "quarantined" in e.summary
    assert "BIRTH_DT" in e.summary


def test_an_unknown_person_is_a_usage_error(workspace: Path) -> None:
    with pytest.raises(UsageError, match="no record"):
        explain(workspace, "36", "NOPE")


def test_explain_needs_a_run(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no run"):
        explain(tmp_path, "36", "NY1")


def test_explain_refuses_an_order_copy_that_changed(workspace: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "ws"
    shutil.copytree(workspace, copy)
    order = copy / "orders" / "ca-v-hhs-2025-12-29.yaml"
    order.write_text(order.read_text() + "\n# edited\n")
    with pytest.raises(EngineError, match="does not match"):
        explain(copy, "36", "NY1")


def test_the_cli_explains_in_plain_words_and_json(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "--workspace", str(workspace), "--state", "36", "--id", "NY2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NY2 in state 36 (NY) — Withheld")
    assert "withhold-citizen-indicator" in out
    argv = ["explain", "--workspace", str(workspace), "--state", "36", "--id", "NY1", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"][0]["decision"] == "disclose"
