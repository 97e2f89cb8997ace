"""The review desk: the queue a run leaves, one reviewer to withhold, two different reviewers to
release, and decisions the next run applies."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from enginekit import determination, person, registry_of, rows_of, write_inputs, write_request
from minshare.engines import Workspace, disclose, load_review_decisions
from minshare.review import (
    InvalidDecision,
    NotInReview,
    ReviewError,
    build_queue,
    decide,
    next_item,
    read_votes,
)

PEOPLE = [
    person("NY1"),  # self-attested determination: review
    person("NY2"),  # disclosed
    # the address and phone of the registry's dialysis centre: the guard sends it to review
    person("NY3", ELGBL_LINE_1_ADR_HOME="500 Renal Way", ELGBL_PHNE_NUM_HOME="5185550100"),
]
DETS = [
    determination("NY1", DETERMINATION_SOURCE="SELF_ATTESTATION"),
    determination("NY2"),
    determination("NY3"),
]


def _run(root: Path, name: str) -> list[str]:
    e, d = root / "in" / "enrollment.parquet", root / "in" / "determinations.parquet"
    result = disclose(
        root / "req.yaml", e, d, out=root / name, workspace=root / "ws", registries=registry_of(e)
    )
    if result.package is None:
        return []
    return sorted(r["MSIS_IDENT_NUM"] for r in rows_of(result.package / "records.parquet"))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review")
    write_inputs(root / "in", PEOPLE, DETS)
    write_request(root / "req.yaml")
    assert _run(root, "pkg-0") == ["NY2"]
    return root


@pytest.fixture
def root(first_run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "r"
    shutil.copytree(first_run, copy)
    return copy


def test_the_queue_lists_each_person_in_review_with_rules_findings_and_determination(
    root: Path,
) -> None:
    items = build_queue(root / "ws")
    assert [(i.state, i.msis_id) for i in items] == [("36", "NY1"), ("36", "NY3")]
    ny1, ny3 = items
    assert [r.rule_id for r in ny1.rules] == ["review-self-attested"]
    assert ny1.rules[0].cite
    assert ny1.rules[0].reason != ny1.rules[0].rule_id
    assert ny1.findings == ()
    assert ny1.determinations[0].source == "SELF_ATTESTATION"
    assert {f.id for f in ny3.findings} == {"F2:ELGBL_LINE_1_ADR_HOME", "P1:ELGBL_PHNE_NUM_HOME"}
    flagged = {f.field: f.value for f in ny3.findings}
    assert flagged["ELGBL_LINE_1_ADR_HOME"] == "500 Renal Way"
    assert all(i.status == "open" and i.request_id == "TEST-0001" for i in items)


def test_an_item_shows_only_the_flagged_fields_of_the_record(root: Path) -> None:
    ny3 = build_queue(root / "ws")[1]
    shown = repr(ny3)
    assert "1990-05-01" not in shown  # date of birth: not needed to decide
    assert "Albany" not in shown
    assert "12 Example St" not in shown


def test_one_withhold_decides_and_the_next_run_withholds(root: Path) -> None:
    result = decide(root / "ws", "36", "NY3", "withhold", reviewer="rev-a", reason="dialysis")
    assert result.outcome == "withheld"
    assert result.decision is not None
    assert result.decision.decided_by == ("rev-a",)
    applied = load_review_decisions(root / "ws" / "review_decisions.jsonl")
    assert applied[("36", "NY3")].answered == (
        "review-guard-finding",
        "F2:ELGBL_LINE_1_ADR_HOME",
        "P1:ELGBL_PHNE_NUM_HOME",
    )
    assert _run(root, "pkg-1") == ["NY2"]
    rows = {r["MSIS_IDENT_NUM"]: r for r in rows_of(root / "ws" / "decisions.parquet")}
    assert rows["NY3"]["reason_ids"] == ["minshare:review-withheld"]


def test_a_release_needs_two_different_reviewers_then_the_next_run_discloses(root: Path) -> None:
    ws = root / "ws"
    first = decide(ws, "36", "NY1", "disclose", reviewer="rev-a", reason="SAVE confirmed by phone")
    assert first.outcome == "awaiting_second"
    assert not first.final
    assert not (ws / "review_decisions.jsonl").exists()
    with pytest.raises(ReviewError, match="different reviewer"):
        decide(ws, "36", "NY1", "disclose", reviewer="rev-a", reason="again")
    assert build_queue(ws)[0].status == "awaiting_second"
    second = decide(ws, "36", "NY1", "disclose", reviewer="rev-b", reason="agree")
    assert second.outcome == "released"
    assert second.decision is not None
    assert second.decision.decided_by == ("rev-a", "rev-b")
    assert second.decision.reasons == ("SAVE confirmed by phone", "agree")
    assert [v.reviewer for v in read_votes(Workspace(ws))] == ["rev-a", "rev-b"]
    assert _run(root, "pkg-1") == ["NY1", "NY2"]


def test_a_withhold_after_a_first_disclose_vote_decides_at_once(root: Path) -> None:
    ws = root / "ws"
    decide(ws, "36", "NY1", "disclose", reviewer="rev-a", reason="looks fine")
    result = decide(ws, "36", "NY1", "withhold", reviewer="rev-b", reason="attestation only")
    assert result.outcome == "withheld"
    assert load_review_decisions(ws / "review_decisions.jsonl")[("36", "NY1")].decision == (
        "withhold"
    )


def test_a_decided_item_takes_no_more_votes_until_the_next_run(root: Path) -> None:
    ws = root / "ws"
    decide(ws, "36", "NY1", "withhold", reviewer="rev-a", reason="no")
    with pytest.raises(ReviewError, match="already decided"):
        decide(ws, "36", "NY1", "disclose", reviewer="rev-b", reason="yes")


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decision_needs_a_written_reason(root: Path, reason: str) -> None:
    with pytest.raises(InvalidDecision, match="written reason"):
        decide(root / "ws", "36", "NY1", "withhold", reviewer="rev-a", reason=reason)
    assert not (root / "ws" / "review_votes.jsonl").exists()


def test_a_decision_answers_only_the_items_rules_and_findings(root: Path) -> None:
    with pytest.raises(InvalidDecision, match="not a rule or finding"):
        decide(root / "ws", "36", "NY1", "withhold", reviewer="a", reason="r", answered=["F9:X"])


def test_a_person_not_in_review_cannot_be_decided(root: Path) -> None:
    with pytest.raises(NotInReview):
        decide(root / "ws", "36", "NY2", "disclose", reviewer="rev-a", reason="r")


def test_next_item_skips_what_the_reviewer_already_voted_on(root: Path) -> None:
    ws = root / "ws"
    decide(ws, "36", "NY1", "disclose", reviewer="rev-a", reason="ok")
    ahead = next_item(ws, "rev-a")
    assert ahead is not None
    assert ahead.msis_id == "NY3"
    other = next_item(ws, "rev-b")
    assert other is not None
    assert other.msis_id == "NY1"


def test_votes_from_before_the_last_run_do_not_count(root: Path) -> None:
    ws = root / "ws"
    past = datetime.now(UTC) - timedelta(days=1)
    decide(ws, "36", "NY1", "disclose", reviewer="rev-a", reason="old", now=past)
    assert build_queue(ws)[0].status == "open"
    result = decide(ws, "36", "NY1", "disclose", reviewer="rev-b", reason="new")
    assert result.outcome == "awaiting_second"


def test_concurrent_second_votes_complete_one_release(root: Path) -> None:
    ws = root / "ws"
    decide(ws, "36", "NY1", "disclose", reviewer="rev-a", reason="ok")
    outcomes: list[str] = []

    def vote(who: str) -> None:
        try:
            outcomes.append(decide(ws, "36", "NY1", "disclose", reviewer=who, reason="ok").outcome)
        except ReviewError:
            outcomes.append("refused")

    threads = [threading.Thread(target=vote, args=(f"rev-{n}",)) for n in "bcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "refused", "released"]
    lines = (ws / "review_decisions.jsonl").read_text().splitlines()
    assert len(lines) == 1
