"""A person, not a row: duplicates, rows that disagree, unreadable rows, and reviewer decisions
re-applied on a re-run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from enginekit import determination, person, registry_of, rows_of, write_inputs, write_request
from minshare.engines import ReviewDecision, disclose, dry_run, load_review_decisions
from minshare.errors import DataError


def _run(tmp: Path, people: list[dict[str, Any]], dets: list[dict[str, Any]], name: str = "a"):  # type: ignore[no-untyped-def]
    e, d = write_inputs(tmp / "in", people, dets)
    req = write_request(tmp / "req.yaml")
    result = disclose(
        req, e, d, out=tmp / f"pkg-{name}", workspace=tmp / "ws", registries=registry_of(e)
    )
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in rows_of(tmp / "ws" / "decisions.parquet"):
        by_id.setdefault(row["MSIS_IDENT_NUM"], []).append(row)
    return result, by_id


def _package(result: Any) -> list[dict[str, Any]]:
    if result.package is None:
        return []
    rows: list[dict[str, Any]] = pq.read_table(result.package / "records.parquet").to_pylist()
    return rows


def test_exact_duplicates_are_disclosed_once(tmp_path: Path) -> None:
    result, rows = _run(tmp_path, [person("NY1"), person("NY1")], [determination("NY1")])
    assert Counter(r["decision"] for r in rows["NY1"]) == {"disclose": 1, "withhold": 1}
    copy = next(r for r in rows["NY1"] if r["decision"] == "withhold")
    assert copy["reason_ids"] == ["minshare:duplicate-collapsed"]
    assert copy["rule_decision"] == "disclose"
    assert [r["MSIS_IDENT_NUM"] for r in _package(result)] == ["NY1"]
    assert result.counts.disclosed == 1


def test_duplicates_that_disagree_on_a_permitted_field_go_to_review(tmp_path: Path) -> None:
    people = [person("NY1"), person("NY1", ELGBL_PHNE_NUM_HOME="5185550199")]
    result, rows = _run(tmp_path, people, [determination("NY1")])
    assert {r["decision"] for r in rows["NY1"]} == {"review"}
    assert all("review-conflicting-duplicates" in r["rule_ids"] for r in rows["NY1"])
    assert _package(result) == []


def test_a_persons_rows_share_the_strongest_decision(tmp_path: Path) -> None:
    # Same permitted values; the second row's SSN on file is the Medicaid ID itself.
    people = [person("123ABC"), person("123ABC", SSN_NUM="123ABC")]
    result, rows = _run(tmp_path, people, [determination("123ABC")])
    assert {r["rule_decision"] for r in rows["123ABC"]} == {"disclose", "review"}
    assert {r["decision"] for r in rows["123ABC"]} == {"review"}
    lifted = next(r for r in rows["123ABC"] if r["rule_decision"] == "disclose")
    assert lifted["reason_ids"] == ["minshare:person-rows-disagree"]
    assert _package(result) == []


def test_a_person_with_an_unreadable_determination_is_withheld(tmp_path: Path) -> None:
    dets = [determination("NY1"), determination("NY1", DETERMINED_ON="20260230")]  # no such day
    result, rows = _run(tmp_path, [person("NY1"), person("NY2")], [*dets, determination("NY2")])
    (row,) = rows["NY1"]
    assert row["decision"] == "withhold"
    assert "minshare:row-unreadable" in row["reason_ids"]
    assert [r["MSIS_IDENT_NUM"] for r in _package(result)] == ["NY2"]
    quarantine = rows_of(tmp_path / "ws" / "quarantine.parquet")
    assert [(q["table"], q["MSIS_IDENT_NUM"]) for q in quarantine] == [("determinations", "NY1")]


def test_a_row_the_reader_quarantines_is_counted_and_never_decided(tmp_path: Path) -> None:
    result, rows = _run(tmp_path, [person("NY1", BIRTH_DT="1990-02-30")], [determination("NY1")])
    assert result.counts.quarantined == 1
    assert result.counts.input_rows == 1
    assert rows == {}


def _review_line(**fields: Any) -> str:
    base = {
        "state": "36",
        "msis_id": "NY1",
        "decision": "release",
        "decided_by": ["rev-a", "rev-b"],
        "decided_at": "2026-02-02T10:00:00Z",
    }
    return json.dumps({**base, **fields}) + "\n"


def test_a_release_by_two_reviewers_discloses_on_the_rerun(tmp_path: Path) -> None:
    self_attested = determination("NY1", DETERMINATION_SOURCE="SELF_ATTESTATION")
    people, dets = [person("NY1"), person("NY2")], [self_attested, determination("NY2")]
    first, rows = _run(tmp_path, people, dets, "first")
    assert rows["NY1"][0]["decision"] == "review"
    assert [r["MSIS_IDENT_NUM"] for r in _package(first)] == ["NY2"]  # review never leaves
    review = rows_of(tmp_path / "ws" / "review.parquet")
    assert [r["MSIS_IDENT_NUM"] for r in review] == ["NY1"]

    (tmp_path / "ws" / "review_decisions.jsonl").write_text(_review_line())
    second, rows = _run(tmp_path, people, dets, "second")
    assert rows["NY1"][0]["decision"] == "disclose"
    assert rows["NY1"][0]["reason_ids"] == ["minshare:review-released"]
    assert [r["MSIS_IDENT_NUM"] for r in _package(second)] == ["NY1", "NY2"]


def test_a_reviewer_withhold_is_applied_and_a_withheld_row_is_never_released(
    tmp_path: Path,
) -> None:
    people = [person("NY1"), person("NY2", CTZNSHP_IND="1")]
    dets = [determination("NY1", DETERMINATION_SOURCE="SELF_ATTESTATION"), determination("NY2")]
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "review_decisions.jsonl").write_text(
        _review_line(decision="withhold", decided_by=["rev-a"])
        + _review_line(msis_id="NY2")  # a release for a citizen: the orders still withhold
    )
    result, rows = _run(tmp_path, people, dets)
    assert rows["NY1"][0]["reason_ids"] == ["minshare:review-withheld"]
    assert rows["NY2"][0]["decision"] == "withhold"
    assert "minshare:review-released" not in rows["NY2"][0]["rule_ids"]
    assert _package(result) == []


def test_a_release_needs_two_different_reviewers() -> None:
    with pytest.raises(ValueError, match="two different reviewers"):
        ReviewDecision.model_validate_json(_review_line(decided_by=["rev-a", "rev-a"]))


def test_a_bad_review_decisions_file_stops_the_run_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "review_decisions.jsonl"
    path.write_text(_review_line() + '{"state": "36"}\n')
    with pytest.raises(DataError) as info:
        load_review_decisions(path)
    assert {d.location.line for d in info.value.details} == {2}
    e, d = write_inputs(tmp_path / "in", [person("NY1")], [determination("NY1")])
    (tmp_path / "ws").mkdir()
    path.rename(tmp_path / "ws" / "review_decisions.jsonl")
    with pytest.raises(DataError):
        dry_run(
            write_request(tmp_path / "req.yaml"),
            e,
            d,
            workspace=tmp_path / "ws",
            registries=registry_of(e),
        )


def test_the_latest_review_decision_per_person_wins(tmp_path: Path) -> None:
    path = tmp_path / "review_decisions.jsonl"
    path.write_text(
        _review_line(decision="withhold", decided_by=["a"], decided_at="2026-02-03T00:00:00Z")
        + _review_line(decided_at="2026-02-02T00:00:00Z")
    )
    assert load_review_decisions(path)[("36", "NY1")].decision == "withhold"


def test_the_key_of_an_unreadable_csv_row_is_read_back(tmp_path: Path) -> None:
    e, _ = write_inputs(tmp_path / "in", [person("NY1"), person("NY2")], [])
    det = tmp_path / "in" / "determinations.csv"
    det.write_text(
        "SUBMTG_STATE_CD,MSIS_IDENT_NUM,STATUS_CATEGORY,DETERMINATION_SOURCE,DETERMINED_ON\n"
        "36,NY1,UNLAWFULLY_PRESENT,SAVE,20251201\n"
        "36,NY1,LPR,SAVE,2026-01-32\n"
        "36,NY2,UNLAWFULLY_PRESENT,SAVE,20251201\n"
    )
    req = write_request(tmp_path / "req.yaml")
    result = disclose(
        req, e, det, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
    )
    rows = {r["MSIS_IDENT_NUM"]: r for r in rows_of(tmp_path / "ws" / "decisions.parquet")}
    assert rows["NY1"]["reason_ids"] == ["minshare:row-unreadable"]
    assert rows["NY2"]["decision"] == "disclose"
    assert result.counts.disclosed == 1
