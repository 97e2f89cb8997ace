"""Diffs by meaning between orders, and the transition matrix on data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import TypeAdapter

from minshare.cli.main import main
from minshare.orders.catalog import Catalog
from minshare.orders.datadiff import data_diff
from minshare.orders.diff import diff_orders
from minshare.orders.load import recheck
from minshare.orders.model import Effect, Param
from minshare.orders.predicates import All, Predicate

CATALOG = Catalog.builtin()
AUG = CATALOG.get("ca-v-hhs-2025-08-12")
DEC = CATALOG.get("ca-v-hhs-2025-12-29")


def keys(changes: Any) -> set[str]:
    return {f"{c.kind}:{c.key}" for c in changes}


def test_the_reference_diff_lists_field_and_rule_changes() -> None:
    d = diff_orders(AUG, DEC)
    assert len(d.area("fields")) == 13
    assert "added:BIRTH_DT" in keys(d.area("fields"))
    assert "removed:withhold-injunction" in keys(d.area("rules"))
    assert "added:disclose-unlawfully-present-verified" in keys(d.area("rules"))
    assert "added:ca-v-hhs-2025-08-12" in keys(d.area("supersedes"))
    assert "changed:55 (WI).from" in keys(d.area("jurisdiction"))
    assert "changed:until" in keys(d.area("effective"))


def test_reordering_and_regrouping_is_no_change() -> None:
    rules = list(reversed(DEC.rules))
    disclose = next(i for i, r in enumerate(rules) if r.effect is Effect.DISCLOSE)
    when = rules[disclose].when
    assert isinstance(when, All)
    regrouped = All.model_validate({"all": [{"all": list(reversed(when.all[:2]))}, *when.all[2:]]})
    rules[disclose] = rules[disclose].model_copy(update={"when": regrouped})
    shuffled = recheck(DEC.model_copy(update={"rules": tuple(rules), "fields": DEC.fields[::-1]}))
    assert diff_orders(DEC, shuffled).empty


def test_a_rule_with_a_new_id_but_the_same_meaning_is_renamed() -> None:
    rules = tuple(
        r.model_copy(update={"id": "withhold-daca-and-friends"})
        if r.id == "withhold-undefined-category"
        else r
        for r in DEC.rules
    )
    d = diff_orders(DEC, DEC.model_copy(update={"rules": rules}))
    (change,) = d.changes
    assert (change.kind, change.before, change.after) == (
        "renamed",
        "withhold-undefined-category",
        "withhold-daca-and-friends",
    )


def test_a_param_change_names_the_rules_whose_meaning_changes() -> None:
    params = {
        "freshness_days": Param.model_validate({"type": "int", "value": 180, "description": "d"})
    }
    (change,) = diff_orders(DEC, DEC.model_copy(update={"params": params})).changes
    assert change.key == "freshness_days.value"
    assert "disclose-unlawfully-present-verified" in str(change.after)
    assert "review-stale-determination" in str(change.after)


def test_a_changed_condition_is_shown_before_and_after() -> None:
    only_lpr = TypeAdapter(Predicate).validate_python(
        {"fact": "determination.category", "eq": "LPR"}
    )
    rules = tuple(
        r.model_copy(update={"when": only_lpr}) if r.id == "withhold-lawful-category" else r
        for r in DEC.rules
    )
    (change,) = diff_orders(DEC, DEC.model_copy(update={"rules": rules})).changes
    assert change.key == "withhold-lawful-category.when"
    assert change.after == 'determination.category = "LPR"'


# --- the data diff --------------------------------------------------------------------------------

PEOPLE: list[tuple[str, str, str, str, tuple[str, str, str] | None]] = [
    # state, id, citizenship, status code, determination (category, source, date)
    ("36", "NY1", "0", "3", ("UNLAWFULLY_PRESENT", "SAVE", "2025-12-01")),  # -> disclose
    ("36", "NY2", "0", "3", ("UNLAWFULLY_PRESENT", "SELF_ATTESTATION", "2025-12-01")),  # -> review
    ("36", "NY3", "1", "0", ("CITIZEN", "STATE_RECORD", "2025-12-01")),  # -> withhold
    ("36", "NY4", "0", "3", None),  # -> withhold, no determination
    ("48", "TX1", "0", "3", ("UNLAWFULLY_PRESENT", "SAVE", "2025-12-01")),  # no order either way
]


def write_tables(tmp_path: Path) -> tuple[Path, Path]:
    enrollment = pa.table(
        {
            "SUBMTG_STATE_CD": [p[0] for p in PEOPLE],
            "MSIS_IDENT_NUM": [p[1] for p in PEOPLE],
            "CTZNSHP_IND": [p[2] for p in PEOPLE],
            "IMGRTN_STUS_CD": [p[3] for p in PEOPLE],
        }
    )
    dets = [p for p in PEOPLE if p[4] is not None]
    determinations = pa.table(
        {
            "SUBMTG_STATE_CD": [p[0] for p in dets],
            "MSIS_IDENT_NUM": [p[1] for p in dets],
            "STATUS_CATEGORY": [p[4][0] for p in dets if p[4]],
            "DETERMINATION_SOURCE": [p[4][1] for p in dets if p[4]],
            "DETERMINED_ON": [date.fromisoformat(p[4][2]) for p in dets if p[4]],
        }
    )
    e, d = tmp_path / "enrollment.parquet", tmp_path / "determinations.parquet"
    pq.write_table(enrollment, e)
    pq.write_table(determinations, d)
    return e, d


def test_the_data_diff_counts_every_row_in_the_transition_matrix(tmp_path: Path) -> None:
    e, d = write_tables(tmp_path)
    result = data_diff(AUG, DEC, e, d, date(2026, 2, 1))
    W, R, D = Effect.WITHHOLD, Effect.REVIEW, Effect.DISCLOSE
    assert result.rows == 5
    assert result.matrix == {(W, D): 1, (W, R): 1, (W, W): 3}
    moves = {(t.before_rules, t.after_rules): t.count for t in result.transitions}
    assert moves[("withhold-injunction", "disclose-unlawfully-present-verified")] == 1
    assert moves[("minshare:no-order-in-force", "minshare:no-order-in-force")] == 1
    assert moves[("withhold-injunction", "withhold-no-determination")] == 1


def test_cli_data_diff_prints_the_transition_matrix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    e, d = write_tables(tmp_path)
    args = ["orders", "diff", "ca-v-hhs-2025-08-12", "ca-v-hhs-2025-12-29"]
    data = ["--enrollment", str(e), "--determinations", str(d), "--as-of", "2026-02-01"]
    assert main([*args, *data]) == 0
    out = capsys.readouterr().out
    assert "transition matrix" in out
    assert (
        "withhold (withhold-injunction) -> disclose (disclose-unlawfully-present-verified)" in out
    )
    assert main([*args, *data, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["matrix"]["withhold->disclose"] == 1
    assert main([*args, "--as-of", "2026-02-01"]) == 2  # a data diff needs the tables too


def test_cli_diff_between_the_reference_orders(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orders", "diff", "ca-v-hhs-2025-08-12", "ca-v-hhs-2025-12-29"]) == 0
    out = capsys.readouterr().out
    assert "fields (13):" in out
    assert "- withhold-injunction" in out
