"""The Spark engine gives exactly the DuckDB engine's answer.

The same 100,000 synthetic rows (every adversarial case planted) go through ``disclose`` and
``dry_run`` on each engine: every row has the same decision, rule ids and reasons; the
package's ``records.csv`` is byte-identical, the record root identical, the manifests equal but
for the engine and the timings. One Spark session (local mode) serves the whole module.

Needs a Java runtime; without one these tests are skipped, saying how to install it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from enginekit import determination, person, registry_of, write_inputs, write_request
from minshare.cli.main import main
from minshare.engines import disclose, dry_run
from minshare.engines import duckdb as duck
from minshare.engines import spark as sparkeng
from minshare.engines.errors import EngineError
from minshare.engines.run import DisclosureResult, DryRunResult
from minshare.errors import UsageError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
REQUEST = EXAMPLES / "ice-2026-02-01.yaml"
ROWS = 100_000
KEY_ORDER = ("SUBMTG_STATE_CD", "MSIS_IDENT_NUM", "_MS_FILE", "_MS_ROW")

HAVE_PYSPARK = importlib.util.find_spec("pyspark") is not None
NO_JAVA = sparkeng.java_problem()
needs_spark = pytest.mark.skipif(
    not HAVE_PYSPARK or NO_JAVA is not None,
    reason=(
        f"the Spark engine's tests need pyspark ({sparkeng.PYSPARK_INSTALL})"
        if not HAVE_PYSPARK
        else f"the Spark engine's tests need Java: {NO_JAVA}"
    ),
)


# -- one Spark session, one synthetic set, each engine once -------------------------------------


@pytest.fixture(scope="module")
def spark() -> Any:
    with sparkeng.session(sparkeng.SparkSettings(master="local[2]")) as session:
        yield session


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    from minshare.data.synth import synthesize

    out = tmp_path_factory.mktemp("synth")
    made = synthesize(out, rows=ROWS, seed=29)
    return out, made.cases


@pytest.fixture(scope="module")
def registry(synth: tuple[Path, dict[str, int]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once, so both runs name the same registry (its build time is in the manifest)."""
    from minshare.guard import build_registry

    out = tmp_path_factory.mktemp("registry") / "registry"
    build_registry([synth[0] / "facilities_nppes.csv"], out)
    return out


def _reviewed(workspace: Path, review: Path) -> None:
    """Reviewer decisions for two people the December order sends to review: one released by
    two reviewers, one withheld (so the ``reviewed`` stage has work on both engines)."""
    rows = pq.read_table(review, columns=["SUBMTG_STATE_CD", "MSIS_IDENT_NUM"]).to_pylist()
    people = sorted({(r["SUBMTG_STATE_CD"], r["MSIS_IDENT_NUM"]) for r in rows})
    assert len(people) >= 2
    lines = [
        {
            "state": state,
            "msis_id": msis_id,
            "decision": decision,
            "decided_by": ["rev-a", "rev-b"],
            "decided_at": "2026-02-02T10:00:00Z",
            "note": "differential test",
        }
        for (state, msis_id), decision in zip(people[:2], ("release", "withhold"), strict=True)
    ]
    workspace.mkdir(parents=True, exist_ok=True)
    (workspace / "review_decisions.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines)
    )


@pytest.fixture(scope="module")
def runs(
    spark: Any,
    synth: tuple[Path, dict[str, int]],
    registry: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """A dry run and a disclosure (with two reviewer decisions) on each engine. The Spark
    disclosure's workspace starts with the DuckDB one's keys (the record tree is keyed by the
    workspace's secret, the manifest signed by its key), and both trees take their salts from
    one fixed stream: a record's salt is random by design, so the roots can be equal only when
    the salts are."""
    import minshare.ledger

    def salts(n: int) -> bytes:
        return hashlib.shake_256(b"minshare differential test").digest(n)

    data = synth[0]
    inputs = (REQUEST, data / "enrollment.parquet", data / "determinations.parquet")
    base = tmp_path_factory.mktemp("runs")
    out: dict[str, Any] = {}
    for engine in ("duckdb", "spark"):
        out[f"dry-{engine}"] = dry_run(
            *inputs, workspace=base / f"dry-{engine}", registries=[registry], engine=engine
        )
    tree = functools.partial(minshare.ledger.build_record_tree, salts=salts)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(minshare.ledger, "build_record_tree", tree)
        for engine in ("duckdb", "spark"):
            ws = base / f"ws-{engine}"
            _reviewed(ws, base / "dry-duckdb" / "review.parquet")
            if engine == "spark":
                shutil.copytree(base / "ws-duckdb" / "keys", ws / "keys")
            out[engine] = disclose(
                *inputs,
                out=base / f"pkg-{engine}",
                workspace=ws,
                registries=[registry],
                engine=engine,
            )
    return out


def _rows(path: Path) -> list[dict[str, Any]]:
    return sorted(pq.read_table(path).to_pylist(), key=lambda r: [r[k] for k in KEY_ORDER])


def _canonical(path: Path) -> list[dict[str, Any]]:
    return sorted(pq.read_table(path).to_pylist(), key=lambda r: repr(sorted(r.items())))


# -- identical results ----------------------------------------------------------------------------


@needs_spark
def test_the_synthetic_input_carries_every_adversarial_case(
    synth: tuple[Path, dict[str, int]],
) -> None:
    from minshare.data.synth.adversarial import LABELS

    cases = synth[1]
    assert set(LABELS) <= set(cases)
    assert all(cases[label] > 0 for label in LABELS)


@needs_spark
def test_every_row_has_the_same_decision_rule_ids_and_reasons(runs: dict[str, Any]) -> None:
    d, s = (_rows(runs[e].workspace / "decisions.parquet") for e in ("duckdb", "spark"))
    assert len(d) == len(s) == runs["duckdb"].counts.input_rows - runs["duckdb"].counts.quarantined
    hits = duck.read_hits(runs["duckdb"].workspace / "decisions.parquet")
    assert hits is not None
    assert duck.read_hits(runs["spark"].workspace / "decisions.parquet") == hits
    for a, b in zip(d, s, strict=True):
        for name in ("decision", "rule_decision", "rule_ids", "reason_ids", "reason_hits"):
            assert a[name] == b[name], (name, [a[k] for k in KEY_ORDER])
        assert duck.reasons_of(a["reason_hits"], hits) == duck.reasons_of(b["reason_hits"], hits)
        assert a == b  # every fact and every permitted value too
    # Not a vacuous comparison: all three decisions and many different reasons were compared.
    assert {r["decision"] for r in d} == {"disclose", "withhold", "review"}
    assert len({tuple(r["reason_ids"]) for r in d}) >= 10
    released = [r for r in d if "minshare:review-released" in r["rule_ids"]]
    withheld = [r for r in d if "minshare:review-withheld" in r["rule_ids"]]
    assert released
    assert withheld


@needs_spark
def test_the_decisions_files_have_the_same_columns_and_types(runs: dict[str, Any]) -> None:
    d, s = (pq.read_schema(runs[e].workspace / "decisions.parquet") for e in ("duckdb", "spark"))
    assert [(f.name, f.type) for f in d] == [(f.name, f.type) for f in s]


@pytest.mark.parametrize("name", ["review.parquet", "findings.parquet", "quarantine.parquet"])
@needs_spark
def test_the_other_workspace_files_hold_the_same_rows(runs: dict[str, Any], name: str) -> None:
    d, s = (_canonical(runs[e].workspace / name) for e in ("duckdb", "spark"))
    assert d
    assert d == s


@needs_spark
def test_records_csv_is_byte_identical(runs: dict[str, Any]) -> None:
    d, s = (runs[e] for e in ("duckdb", "spark"))
    assert isinstance(d, DisclosureResult)
    assert d.records == s.records > 0
    assert (d.package / "records.csv").read_bytes() == (s.package / "records.csv").read_bytes()
    records = [pq.read_table(r.package / "records.parquet") for r in (d, s)]
    assert records[0].equals(records[1])


@needs_spark
def test_the_record_roots_are_identical(runs: dict[str, Any]) -> None:
    d, s = (runs[e].manifest for e in ("duckdb", "spark"))
    assert d.record_tree.size == s.record_tree.size == runs["duckdb"].counts.disclosed > 0
    assert d.record_tree.root == s.record_tree.root


@needs_spark
def test_the_manifests_differ_only_in_engine_and_timings(runs: dict[str, Any]) -> None:
    d, s = (runs[e].manifest.model_dump(mode="json") for e in ("duckdb", "spark"))
    assert d["engine"] == {"name": "duckdb", "version": duck.VERSION}
    assert s["engine"] == {"name": "spark", "version": sparkeng.version()}
    for timing in ("engine", "timings", "created_at"):
        d.pop(timing)
        s.pop(timing)
    assert d == s


@needs_spark
def test_dry_runs_count_the_same(runs: dict[str, Any]) -> None:
    d, s = (runs[f"dry-{e}"] for e in ("duckdb", "spark"))
    assert isinstance(d, DryRunResult)
    assert d.counts == s.counts
    assert d.counts.review > 0
    assert d.by_reason == s.by_reason
    assert d.quarantined_by_table == s.quarantined_by_table
    assert d.guard == s.guard
    assert d.guard is not None
    assert d.guard["rows_flagged"] > 0


@needs_spark
def test_the_run_log_names_the_engine(runs: dict[str, Any]) -> None:
    lines = [json.loads(x) for x in (runs["spark"].workspace / "run.log").read_text().splitlines()]
    assert [x.get("engine") for x in lines if x["step"] == "start"] == ["spark"]


# -- edge cases, and the other reference plan -----------------------------------------------------

EDGE_PEOPLE = [
    person("NY0000001"),  # discloses
    person("NY0000002", CTZNSHP_IND="1"),  # a citizen
    person("900123456"),  # an SSN-valued Medicaid ID
    person("NY0000004"),  # two rows that disagree on the address
    person("NY0000004", ELGBL_LINE_1_ADR_HOME="14 Example St"),
    person("NY0000005"),  # an exact copy
    person("NY0000005"),
    person("NY0000006"),  # no determination
    person("NY0000007"),  # a stale determination
    person("NY0000008"),  # two determinations on one date disagree
    person("TX0000009", state="48"),  # not a plaintiff state
    person("NY0000010", IMGRTN_STUS_CD=None),
    person("NY0000011", IMGRTN_STUS_CD="9"),
    person("NY0000012", ELGBL_LINE_1_ADR_HOME="500 Renal Way"),  # the registry's dialysis centre
    person("NY0000013", BIRTH_DT=None, ELGBL_PHNE_NUM_HOME=None),
    person("NY0000014", BIRTH_DT="2025-02-30"),  # quarantined ...
    person("NY0000014"),  # ... so this row of the same person is withheld
    person("NY0000015", CTZNSHP_IND=None, ELGBL_ZIP_CD_HOME=" 12207 "),
]
EDGE_DETERMINATIONS = [
    *[
        determination(p["MSIS_IDENT_NUM"], state=p["SUBMTG_STATE_CD"])
        for p in EDGE_PEOPLE
        if p["MSIS_IDENT_NUM"] not in ("NY0000006", "NY0000007", "NY0000008")
    ],
    determination("NY0000007", DETERMINED_ON="2020-01-01"),
    determination("NY0000008"),
    determination("NY0000008", STATUS_CATEGORY="LPR"),
    determination("NY0000001", DETERMINED_ON="2026-03-01", STATUS_CATEGORY="CITIZEN"),  # future
]


@pytest.mark.parametrize(
    "as_of", [dt.date(2026, 2, 1), dt.date(2025, 10, 1)], ids=["december-order", "injunction"]
)
@needs_spark
def test_edge_cases_decide_the_same_under_each_reference_plan(
    spark: Any, tmp_path: Path, as_of: dt.date
) -> None:
    e, d = write_inputs(tmp_path / "in", EDGE_PEOPLE, EDGE_DETERMINATIONS)
    req = write_request(tmp_path / "req.yaml", as_of=as_of)
    got = {
        engine: dry_run(
            req, e, d, workspace=tmp_path / engine, registries=registry_of(e), engine=engine
        )
        for engine in ("duckdb", "spark")
    }
    assert got["duckdb"].counts == got["spark"].counts
    # The impossible birth date is read (and quarantined) only where the plan reads BIRTH_DT.
    assert got["duckdb"].counts.quarantined == (1 if as_of.year == 2026 else 0)
    assert got["duckdb"].by_reason == got["spark"].by_reason
    d_rows, s_rows = (_rows(tmp_path / engine / "decisions.parquet") for engine in got)
    assert len(d_rows) == len(EDGE_PEOPLE) - got["duckdb"].counts.quarantined
    assert d_rows == s_rows
    reasons = {i for r in d_rows for i in r["reason_ids"]}
    assert len(reasons) >= (8 if as_of.year == 2026 else 1)


# -- fail closed ---------------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path, Path]:
    e, d = write_inputs(
        tmp_path / "in",
        [person("NY0000001"), person("NY0000002", CTZNSHP_IND="1")],
        [{"SUBMTG_STATE_CD": "36", "MSIS_IDENT_NUM": "NY0000001"}],
    )
    return write_request(tmp_path / "req.yaml", as_of=dt.date(2026, 2, 1)), e, d


@needs_spark
def test_a_spark_failure_publishes_nothing(
    spark: Any,
    small: tuple[Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    req, e, d = small
    monkeypatch.setattr(sparkeng, "compiled", lambda plan: "SELECT no_such_column FROM enrollment")
    with pytest.raises(EngineError, match="Spark failed"):
        disclose(
            req,
            e,
            d,
            out=tmp_path / "pkg",
            workspace=tmp_path / "ws",
            registries=registry_of(e),
            engine="spark",
        )
    assert not (tmp_path / "pkg").exists()
    assert not (tmp_path / "ws" / "decisions.parquet").exists()
    assert not (tmp_path / "ws" / ".spark").exists()
    log = (tmp_path / "ws" / "run.log").read_text()
    assert '"failed"' in log


@pytest.mark.skipif(not HAVE_PYSPARK, reason=f"needs pyspark ({sparkeng.PYSPARK_INSTALL})")
def test_without_java_the_run_stops_before_reading_and_says_how_to_install_it(
    small: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    req, e, d = small
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java-here"))
    assert sparkeng.java_problem() is not None
    with pytest.raises(EngineError, match="apt-get install -y openjdk-17-jre-headless"):
        disclose(
            req,
            e,
            d,
            out=tmp_path / "pkg",
            workspace=tmp_path / "ws",
            registries=registry_of(e),
            engine="spark",
        )
    assert not (tmp_path / "pkg").exists()
    assert not (tmp_path / "ws").exists()  # nothing was read or written


def test_spark_settings_parse_key_value_pairs_over_the_defaults() -> None:
    s = sparkeng.SparkSettings.parse(None, ["spark.sql.shuffle.partitions=16", "a.b=x=y"])
    assert s.master == "local[*]"
    conf = s.effective_conf()
    assert conf["spark.sql.shuffle.partitions"] == "16"
    assert conf["a.b"] == "x=y"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    cluster = sparkeng.SparkSettings.parse("spark://head:7077", []).effective_conf()
    assert "spark.driver.host" not in cluster  # loopback binding is for local mode only
    with pytest.raises(UsageError, match="KEY=VALUE"):
        sparkeng.SparkSettings.parse(None, ["no-equals-sign"])


def test_spark_options_need_the_spark_engine(
    small: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    req, e, d = small
    argv = [
        "dry-run", "--request", str(req), "--enrollment", str(e), "--determinations", str(d),
        "--workspace", str(tmp_path / "ws"), "--spark-conf", "spark.x=1",
    ]  # fmt: skip
    assert main(argv) == 2
    assert not (tmp_path / "ws").exists()
