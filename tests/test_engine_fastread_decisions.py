"""A whole disclosure is the same whichever reader read the inputs; decisions store hit numbers
and the hit table, and everything that reads reasons reads them from there."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from minshare.compile import compile_plan, plan_for
from minshare.compile.sql import OUTPUT_COLUMNS, hit_table
from minshare.engines import disclose, explain
from minshare.engines import duckdb as engine
from minshare.engines.errors import EngineError
from minshare.engines.ingest import READER_ENV
from minshare.orders import load_builtin_orders
from minshare.orders.evaluate import DEFAULT_DENY
from minshare.orders.requests import check_request_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
REQUEST = EXAMPLES / "ice-2026-02-01.yaml"


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from minshare.data.synth import synthesize

    out = tmp_path_factory.mktemp("synth")
    synthesize(out, rows=3000, seed=17)
    return out


@pytest.fixture(scope="module")
def runs(synth: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The December disclosure of the synthetic set, once per reader."""
    out: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as mp:
        for reader in ("duckdb", "python"):
            mp.setenv(READER_ENV, reader)
            base = tmp_path_factory.mktemp(reader)
            out[reader] = disclose(
                REQUEST,
                synth / "enrollment.parquet",
                synth / "determinations.parquet",
                out=base / "pkg",
                workspace=base / "ws",
                registries=[synth / "facilities_nppes.csv"],
            )
    return out


def rows(path: Path) -> list[dict[str, Any]]:
    """Every row of a file, in a canonical order (the files' own orders differ)."""
    return sorted(pq.read_table(path).to_pylist(), key=lambda r: repr(sorted(r.items())))


def test_the_readers_wrote_the_workspace_they_were_asked_to(runs: dict[str, Any]) -> None:
    for reader, made_by in (("duckdb", "DuckDB"), ("python", "parquet-cpp-arrow")):
        ws = runs[reader].workspace
        for name in ("enrollment.parquet", "determinations.parquet"):
            assert made_by in pq.read_metadata(ws / name).created_by


@pytest.mark.parametrize(
    "name",
    [
        "enrollment.parquet",
        "determinations.parquet",
        "quarantine.parquet",
        "decisions.parquet",
        "review.parquet",
        "findings.parquet",
    ],
)
def test_a_disclosure_is_the_same_whichever_reader_read_the_inputs(
    runs: dict[str, Any], name: str
) -> None:
    a, b = (rows(runs[r].workspace / name) for r in ("duckdb", "python"))
    assert a
    assert a == b


def test_the_package_and_the_counts_are_the_same_whichever_reader(runs: dict[str, Any]) -> None:
    duck, python = runs["duckdb"], runs["python"]
    assert duck.counts == python.counts
    assert duck.by_reason == python.by_reason
    assert duck.records == python.records > 0
    package = [pq.read_table(r.package / "records.parquet") for r in (duck, python)]
    assert package[0].equals(package[1])
    assert (duck.package / "records.csv").read_bytes() == (
        python.package / "records.csv"
    ).read_bytes()


def test_decisions_store_hit_numbers_and_the_hit_table(runs: dict[str, Any]) -> None:
    ws = runs["duckdb"].workspace
    plan = compile_plan(check_request_file(REQUEST, load_builtin_orders()))
    names = pq.read_schema(ws / "decisions.parquet").names
    assert names[: len(OUTPUT_COLUMNS)] == list(OUTPUT_COLUMNS)
    assert "reasons" not in names
    assert "cites" not in names
    hits = engine.read_hits(ws / "decisions.parquet")
    assert hits == hit_table(plan)
    assert engine.read_hits(ws / "review.parquet") == hits
    ids = {h["hit"]: h["id"] for h in hits}
    decided = pq.read_table(ws / "decisions.parquet").to_pylist()
    for row in decided:
        assert row["reason_ids"] == [ids[i] for i in row["reason_hits"]]
        reasons, cites = engine.reasons_of(row["reason_hits"], hits)
        assert reasons
        assert cites
    assert {"disclose", "withhold", "review"} == {r["decision"] for r in decided}


def test_reasons_are_each_text_once_in_hit_order() -> None:
    hits = [
        {"hit": 1, "reason": "b", "cite": "x"},
        {"hit": 2, "reason": "a", "cite": "x"},
        {"hit": 3, "reason": "b", "cite": "y"},
    ]
    assert engine.reasons_of([2, 3, 1], hits) == (["a", "b"], ["x", "y"])
    with pytest.raises(EngineError, match="hit 9"):
        engine.reasons_of([9], hits)


def test_explain_reads_the_reasons_from_the_hit_table(runs: dict[str, Any]) -> None:
    ws = runs["duckdb"].workspace
    hits = engine.read_hits(ws / "decisions.parquet")
    assert hits is not None
    decided = pq.read_table(ws / "decisions.parquet").to_pylist()
    for decision in ("disclose", "withhold", "review"):
        row = next(r for r in decided if r["decision"] == decision)
        got = explain(ws, row["SUBMTG_STATE_CD"], row["MSIS_IDENT_NUM"])
        mine = next(r for r in got.rows if r.row == row["_MS_ROW"])
        assert (list(mine.reasons), list(mine.cites)) == engine.reasons_of(row["reason_hits"], hits)
        assert mine.reason_ids == tuple(row["reason_ids"])


def test_explain_refuses_decisions_without_a_hit_table(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(runs["python"].workspace, ws)
    decisions = ws / "decisions.parquet"
    table = pq.read_table(decisions)
    pq.write_table(table.replace_schema_metadata({}), decisions)
    row = table.slice(0, 1).to_pylist()[0]
    with pytest.raises(EngineError, match="no hit table"):
        explain(ws, row["SUBMTG_STATE_CD"], row["MSIS_IDENT_NUM"])


def test_each_orders_default_deny_is_its_own_hit() -> None:
    """Ids repeat across orders (minshare:default-deny, the gates); numbers do not, so a row's
    reasons are its own orders'."""
    plan = plan_for(load_builtin_orders(), dt.date(2026, 2, 1))
    table = hit_table(plan)
    assert [h["hit"] for h in table] == list(range(1, len(table) + 1))
    denies = [h for h in table if h["id"] == DEFAULT_DENY]
    assert [h["order_id"] for h in denies] == [o.id for o in plan.orders if o.evaluated]
    assert all(h["order_id"] in h["reason"] for h in denies)


def test_counts_follow_the_file_not_its_name(runs: dict[str, Any], tmp_path: Path) -> None:
    """The engine reads a decisions file once for its counts and rows; a new file under the
    same name is read again."""
    plan = compile_plan(check_request_file(REQUEST, load_builtin_orders()))
    path = tmp_path / "decisions.parquet"
    table = pq.read_table(runs["python"].workspace / "decisions.parquet")
    pq.write_table(table, path)
    with engine.connect(engine.Settings()) as con:
        run = engine.Run(con, plan)
        before = run.counts(path)
        assert sum(before.values()) == table.num_rows
        assert len(list(run.records(path, ["MSIS_IDENT_NUM"]))) >= 1
        disclosed = table.filter(
            table.column("decision").to_numpy(zero_copy_only=False) == "disclose"
        )
        pq.write_table(disclosed, path)
        assert run.counts(path) == {"disclose": before["disclose"]}
        assert sum(b.num_rows for b in run.records(path, ["MSIS_IDENT_NUM"])) == before["disclose"]


def test_as_of_under_the_injunction_explains_every_row(synth: Path, tmp_path: Path) -> None:
    from enginekit import write_request

    request = write_request(tmp_path / "req.yaml", as_of=dt.date(2025, 10, 1), states=["36"])
    result = disclose(
        request,
        synth / "enrollment.parquet",
        synth / "determinations.parquet",
        out=tmp_path / "pkg",
        workspace=tmp_path / "ws",
    )
    hits = engine.read_hits(tmp_path / "ws" / "decisions.parquet")
    assert hits is not None
    decided = pq.read_table(tmp_path / "ws" / "decisions.parquet").to_pylist()
    assert result.counts.disclosed == 0
    for row in decided[:50]:
        reasons, _ = engine.reasons_of(row["reason_hits"], hits)
        assert reasons
