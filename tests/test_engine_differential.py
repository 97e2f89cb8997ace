"""Differential: the SQL engine and the reference evaluator (orders/evaluate.py) reach the same
decision and the same rule ids for every row — on every reference policy case turned into a
table, and on a few thousand rows of synthetic data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from enginekit import ENGINE_ONLY, reference, rows_of, rule_ids, write_inputs, write_request
from minshare.compile import plan_for
from minshare.compile.sql import guard_column
from minshare.data.model import KEY, Table
from minshare.data.states import normalize_state_code
from minshare.engines import disclose, dry_run
from minshare.engines import duckdb as engine
from minshare.engines.ingest import ingest
from minshare.orders import load_builtin_orders
from minshare.orders.catalog import Catalog, builtin_test_paths
from minshare.orders.decide import Decider
from minshare.orders.policytest import PolicyTestFile, load_tests

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _cases() -> list[tuple[str, PolicyTestFile, int]]:
    out = []
    for path in builtin_test_paths():
        tests, _ = load_tests(path)
        out += [(f"{path.stem}:{i}", tests, i) for i in range(len(tests.cases))]
    return out


CASES = _cases()


def test_the_reference_suite_is_all_here() -> None:
    assert len(CASES) >= 76


Key = tuple[str, str]


def _person_of(
    tests: PolicyTestFile, index: int, suffix: str
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The case's record, determinations and duplicate rows. Cases that do not set the
    Medicaid ID themselves get a distinct one, so many cases fit in one table."""
    case = tests.cases[index]
    record = {**tests.defaults.record, **case.record}
    if "MSIS_IDENT_NUM" not in case.record:
        record["MSIS_IDENT_NUM"] = f"{record['MSIS_IDENT_NUM']}X{suffix}"
    key = {k: record.get(k) for k in KEY}
    dets = tests.defaults.determinations if case.determinations is None else case.determinations
    return record, [{**key, **d} for d in dets], [{**record, **d} for d in case.duplicates]


def _key(record: dict[str, Any]) -> Key:
    return normalize_state_code(str(record["SUBMTG_STATE_CD"])), str(record["MSIS_IDENT_NUM"])


@pytest.fixture(scope="module")
def policy_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case decided by the reference evaluator and by the SQL engine: cases with the same
    as-of date, recipient and purpose share one table (and one query)."""
    catalog = list(Catalog.builtin())
    batches: dict[tuple[Any, ...], list[dict[Key, tuple[Any, ...]]]] = {}
    for n, (name, tests, index) in enumerate(CASES):
        case = tests.cases[index]
        plan_key = (
            case.as_of or tests.defaults.as_of,
            case.recipient or tests.defaults.recipient,
            case.purpose or tests.defaults.purpose,
        )
        record, dets, dups = _person_of(tests, index, str(n))
        group = batches.setdefault(plan_key, [])
        batch = next((b for b in group if _key(record) not in b), None)
        if batch is None:
            batch = {}
            group.append(batch)
        batch[_key(record)] = (name, record, dets, dups, dict(case.guard))
    out: dict[str, Any] = {}
    tmp = tmp_path_factory.mktemp("policy")
    with engine.connect(engine.Settings(threads=1)) as con:
        for (as_of, recipient, purpose), group in batches.items():
            decider = Decider(catalog, as_of, recipient=recipient, purpose=purpose)
            run = engine.Run(con, plan_for(catalog, as_of, recipient=recipient, purpose=purpose))
            for batch in group:
                people = [r for _, rec, _, dups, _ in batch.values() for r in (rec, *dups)]
                dets = [d for _, _, ds, _, _ in batch.values() for d in ds]
                # The guard's facts for the rows of cases that supply them (row = file position).
                guard, row = [], 0
                for _, rec, _, dups, supplied in batch.values():
                    for _ in (rec, *dups):
                        row += 1
                        if supplied:
                            guard.append(
                                {
                                    **dict(zip(KEY, _key(rec), strict=True)),
                                    "_MS_ROW": row,
                                    **{guard_column(k): v for k, v in supplied.items()},
                                }
                            )
                e, d = write_inputs(tmp / f"b{len(out)}", people, dets)
                plan = run.plan
                ingest(
                    [e],
                    Table.ENROLLMENT,
                    plan.enrollment_columns,
                    e.with_name("e"),
                    e.with_name("eq"),
                )
                ingest(
                    [d],
                    Table.DETERMINATIONS,
                    plan.determination_columns,
                    e.with_name("d"),
                    e.with_name("dq"),
                )
                schema = engine.guard_facts_schema(plan.guard_facts)
                guard_table = pa.Table.from_pylist(
                    [{n: g.get(n, False) for n in schema.names} for g in guard], schema=schema
                )
                run.register(e.with_name("e"), e.with_name("d"), guard_facts=guard_table)
                rows: dict[Key, list[dict[str, Any]]] = {}
                for row in run.decide().to_pylist():
                    rows.setdefault((row["SUBMTG_STATE_CD"], row["MSIS_IDENT_NUM"]), []).append(row)
                for key, (name, record, pdets, dups, supplied) in batch.items():
                    want = decider.decide(record, pdets, duplicates=dups, supplied=supplied or None)
                    unscanned = decider.decide(record, pdets, duplicates=dups)
                    out[name] = (want, unscanned, rows[key], len(dups))
    return out


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_sql_and_reference_agree_on_the_policy_case(
    name: str, policy_results: dict[str, Any]
) -> None:
    supplied, unscanned, rows, duplicates = policy_results[name]
    assert len(rows) == 1 + duplicates
    for row in rows:
        want = supplied
        if "fact_guard_finding" in row and row["fact_guard_finding"] is None:
            # The engine runs the guard only where its findings can change the decision: a row
            # a withhold rule on columns alone already withholds is not scanned, and its guard
            # facts are unknown. Such a row is withheld either way.
            assert supplied.effect.value == "withhold"
            want = unscanned
        assert row["rule_decision"] == want.effect.value
        assert rule_ids(row) == sorted(want.matched_rule_ids)
        assert sorted(row["orders"]) == sorted(want.orders)
        if not set(row["rule_ids"]) & ENGINE_ONLY:
            assert row["decision"] == want.effect.value
            assert set(row["reasons"]) == set(want.reasons)
            if "minshare:no-order-in-force" not in row["rule_ids"]:
                # (That cite names the state in the reference; the engine's row carries it.)
                assert set(row["cites"]) == set(want.cites)
    if duplicates and want.effect.value == "disclose":
        # An exact copy is disclosed once; the copy is withheld as collapsed.
        assert Counter(r["decision"] for r in rows) == {"disclose": 1, "withhold": 1}


# --- synthetic data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    synthesize = pytest.importorskip("minshare.data.synth").synthesize
    out = tmp_path_factory.mktemp("synth")
    synthesize(out, rows=3000, seed=11)
    return out


@pytest.fixture(scope="module")
def december(synth: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("december")
    result = disclose(
        EXAMPLES / "ice-2026-02-01.yaml",
        synth / "enrollment.parquet",
        synth / "determinations.parquet",
        out=base / "pkg",
        workspace=base / "ws",
        registries=[synth / "facilities_nppes.csv"],
    )
    return result


def test_sql_and_reference_agree_on_every_synthetic_row(december: Any) -> None:
    ws = december.workspace
    want = reference(ws, load_builtin_orders(), dt.date(2026, 2, 1))
    rows = rows_of(ws / "decisions.parquet")
    assert len(rows) == len(want) > 2900
    compared = 0
    for row in rows:
        ref = want[(row["_MS_FILE"], row["_MS_ROW"])]
        if {"minshare:row-unreadable"} & set(row["rule_ids"]):
            continue  # the engine knows of a quarantined row of this person; the reference not
        assert row["rule_decision"] == ref.effect.value, row
        assert rule_ids(row) == sorted(ref.matched_rule_ids), row
        compared += 1
    assert compared > 0.99 * len(rows)
    # The synthetic set exercises every effect.
    assert {r["rule_decision"] for r in rows} == {"disclose", "withhold", "review"}


def test_december_disclosure_publishes_only_rows_the_reference_discloses(december: Any) -> None:
    ws = december.workspace
    want = reference(ws, load_builtin_orders(), dt.date(2026, 2, 1))
    by_key: dict[tuple[str, str], set[str]] = {}
    for row in rows_of(ws / "enrollment.parquet"):
        decision = want[(row["_MS_FILE"], row["_MS_ROW"])].effect.value
        by_key.setdefault((row["SUBMTG_STATE_CD"], row["MSIS_IDENT_NUM"]), set()).add(decision)
    package = pq.read_table(december.package / "records.parquet").to_pylist()
    assert package, "the synthetic set has people the December order discloses"
    assert len(package) == december.counts.disclosed
    for rec in package:
        assert by_key[(rec["SUBMTG_STATE_CD"], rec["MSIS_IDENT_NUM"])] == {"disclose"}
    keys = [(r["SUBMTG_STATE_CD"], r["MSIS_IDENT_NUM"]) for r in package]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize("states", [["06", "36"], "all"])
def test_under_the_injunction_nothing_leaves_from_plaintiff_states(
    synth: Path, tmp_path: Path, states: Any
) -> None:
    request = write_request(tmp_path / "req.yaml", as_of=dt.date(2025, 10, 1), states=states)
    result = disclose(
        request,
        synth / "enrollment.parquet",
        synth / "determinations.parquet",
        out=tmp_path / "pkg",
        workspace=tmp_path / "ws",
    )
    assert result.counts.disclosed == 0
    assert result.package is None
    assert not (tmp_path / "pkg").exists()
    decided = rows_of(tmp_path / "ws" / "decisions.parquet")
    plaintiff = {"06", "36"}
    assert all(r["decision"] == "withhold" for r in decided)
    assert all(
        "withhold-injunction" in r["rule_ids"] for r in decided if r["SUBMTG_STATE_CD"] in plaintiff
    )


def test_dry_run_counts_add_up_and_match_the_disclosure(december: Any, synth: Path) -> None:
    result = dry_run(
        EXAMPLES / "ice-2026-02-01.yaml",
        synth / "enrollment.parquet",
        synth / "determinations.parquet",
        workspace=december.workspace.parent / "dry",
        registries=[synth / "facilities_nppes.csv"],
    )
    assert result.counts == december.counts
    assert sum(rc.rows for rc in result.by_reason) == result.counts.input_rows - (
        result.counts.quarantined
    )
