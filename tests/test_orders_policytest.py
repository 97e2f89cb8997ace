"""Policy tests: the reference suite passes, and a changed rule makes a case fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from minshare.cli.main import main
from minshare.orders.catalog import Catalog, builtin_order_paths, builtin_test_paths
from minshare.orders.errors import PolicyTestFailed, PolicyTestInvalid
from minshare.orders.load import recheck
from minshare.orders.model import Effect
from minshare.orders.policytest import load_tests, run_files

CATALOG = Catalog.builtin()
DEC = CATALOG.get("ca-v-hhs-2025-12-29")


def test_the_reference_suite_has_at_least_40_cases_and_all_pass() -> None:
    report = run_files(builtin_test_paths(), CATALOG.orders)
    assert len(report.results) >= 40
    assert report.failed == ()
    report.raise_for_failures()


def test_the_reference_suite_covers_every_category_and_decision() -> None:
    from minshare.data.codes import StatusCategory

    text = "\n".join(p.read_text() for p in builtin_test_paths())
    assert all(c.value in text for c in StatusCategory)
    decisions = {r.decision.effect for r in run_files(builtin_test_paths(), CATALOG.orders).results}
    assert decisions == set(Effect)


def test_mutating_one_rule_makes_a_case_fail() -> None:
    # Let any source through the disclose rule, self-attestation included.
    rules = []
    for rule in DEC.rules:
        if rule.id == "disclose-unlawfully-present-verified":
            data = rule.model_dump(by_alias=True, exclude_none=True)
            conditions = list(data["when"]["all"])
            conditions[1] = {"fact": "determination.source", "is_null": False}
            rule = type(rule).model_validate({**data, "when": {"all": conditions}})
        rules.append(rule)
    mutated = recheck(DEC.model_copy(update={"rules": tuple(rules)}))
    others = [o for o in CATALOG.orders if o.id != DEC.id]
    report = run_files(builtin_test_paths(), [*others, mutated])
    failed = {r.name: r.failures for r in report.failed}
    assert set(failed) == {
        "unlawful presence resting on self-attestation -> review",
        "same category, two sources on one date -> the least trusted counts (review)",
    }
    assert failed["unlawful presence resting on self-attestation -> review"] == (
        "rules differ: extra ['disclose-unlawfully-present-verified']",
    )
    with pytest.raises(PolicyTestFailed) as info:
        report.raise_for_failures()
    assert all(d.location.line for d in info.value.details)


def test_mutating_the_freshness_window_fails_the_boundary_case() -> None:
    params = {"freshness_days": DEC.params["freshness_days"].model_copy(update={"value": 366})}
    mutated = DEC.model_copy(update={"params": params})
    others = [o for o in CATALOG.orders if o.id != DEC.id]
    failed = {r.name for r in run_files(builtin_test_paths(), [*others, mutated]).failed}
    assert failed == {
        "freshness boundary, 366 days old -> review as stale",
        "freshness is relative to the as-of date (determination stale by 2026-07-02) -> review",
    }


def test_cli_test_passes_the_reference_suite_and_fails_a_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["orders", "test"]) == 0
    assert "0 failed" in capsys.readouterr().out
    draft = yaml.safe_load(next(p for p in builtin_order_paths() if DEC.id in p.name).read_text())
    draft["rules"] = [r for r in draft["rules"] if r["id"] != "withhold-undefined-category"]
    path = tmp_path / "draft.yaml"
    path.write_text(yaml.safe_dump(draft, sort_keys=False))
    assert main(["orders", "test", "--orders", str(path), "--json"]) == 4
    out = json.loads(capsys.readouterr().out)
    names = {f["name"] for f in out["failed"]}
    assert "DACA recipient -> withhold, undefined by the order" in names


def test_a_policy_file_with_bad_records_reports_their_locations(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        """\
cases:
  - name: bad
    as_of: 2026-02-01
    record: {SUBMTG_STATE_CD: 36, NOT_A_COLUMN: "x", BIRTH_DT: "yesterday"}
    guard: {guard.nothing: true}
    expect: {decision: maybe}
"""
    )
    with pytest.raises(PolicyTestInvalid) as info:
        load_tests(path)
    messages = [d.message for d in info.value.details]
    assert any("decision" in (d.location.field or "") for d in info.value.details), messages
    path.write_text(path.read_text().replace("maybe", "withhold"))
    with pytest.raises(PolicyTestInvalid) as info:
        load_tests(path)
    messages = " | ".join(d.message for d in info.value.details)
    assert "SUBMTG_STATE_CD values are quoted strings" in messages
    assert "NOT_A_COLUMN is not a column of the enrollment table" in messages
    assert "BIRTH_DT is a date" in messages
    assert "guard.nothing is not a registered guard.* fact" in messages
    assert all(d.location.line == 4 or d.location.line == 5 for d in info.value.details)


def test_a_policy_file_can_name_its_orders_by_path(tmp_path: Path) -> None:
    order = next(p for p in builtin_order_paths() if "08-12" in p.name)
    path = tmp_path / "t.yaml"
    path.write_text(
        f"""\
orders: ["{order}"]
defaults: {{as_of: 2026-02-01, recipient: dhs-ice, purpose: civil-immigration-enforcement}}
cases:
  - name: the injunction alone, after its window, governs nothing
    record: {{SUBMTG_STATE_CD: "36", MSIS_IDENT_NUM: "A"}}
    expect: {{decision: withhold, rules: ["minshare:no-order-in-force"], orders: []}}
"""
    )
    assert run_files([path], CATALOG.orders).failed == ()
