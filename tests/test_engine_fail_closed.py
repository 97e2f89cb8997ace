"""Fail closed: every failure is a clear MinshareError, a non-zero exit, and no package."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from enginekit import determination, person, registry_of, write_inputs, write_request
from minshare.cli.main import main
from minshare.engines import EngineError, disclose
from minshare.engines import duckdb as engine
from minshare.errors import MissingColumnError, UsageError
from minshare.orders.errors import RequestRefused


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    e, d = write_inputs(tmp_path / "in", [person("NY1")], [determination("NY1")])
    return write_request(tmp_path / "req.yaml"), e, d


def _no_package_left(tmp_path: Path) -> None:
    assert not (tmp_path / "pkg").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pkg")]


def test_a_good_run_publishes(tmp_path: Path, inputs: tuple[Path, Path, Path]) -> None:
    req, e, d = inputs
    result = disclose(
        req, e, d, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
    )
    assert result.records == 1
    assert (tmp_path / "pkg" / "manifest.sig").exists()


def test_a_missing_input_file_is_a_usage_error(
    tmp_path: Path, inputs: tuple[Path, Path, Path]
) -> None:
    req, e, _ = inputs
    with pytest.raises(UsageError, match="no such input file"):
        disclose(
            req,
            e,
            tmp_path / "nope.parquet",
            out=tmp_path / "pkg",
            workspace=tmp_path / "ws",
            registries=registry_of(e),
        )
    _no_package_left(tmp_path)


def test_a_column_the_plan_needs_missing_stops_the_run(tmp_path: Path) -> None:
    e, d = write_inputs(tmp_path / "in", [person("NY1")], [determination("NY1")], drop=["SSN_NUM"])
    req = write_request(tmp_path / "req.yaml")
    with pytest.raises(MissingColumnError, match="SSN_NUM"):
        disclose(
            req, e, d, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
        )
    _no_package_left(tmp_path)


def test_a_refused_request_runs_nothing(tmp_path: Path, inputs: tuple[Path, Path, Path]) -> None:
    _, e, d = inputs
    req = write_request(tmp_path / "bad.yaml", fields=["ELGBL_LAST_NAME"])
    with pytest.raises(RequestRefused, match="refused"):
        disclose(
            req, e, d, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
        )
    _no_package_left(tmp_path)
    assert not (tmp_path / "ws" / "decisions.parquet").exists()


def test_an_engine_error_publishes_nothing(
    tmp_path: Path, inputs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Any, path: Path) -> None:
        raise EngineError("DuckDB failed: simulated") from duckdb.IOException("disk full")

    monkeypatch.setattr(engine.Run, "decide_to", broken)
    req, e, d = inputs
    with pytest.raises(EngineError, match="simulated"):
        disclose(
            req, e, d, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
        )
    _no_package_left(tmp_path)
    assert '"step": "failed"' in (tmp_path / "ws" / "run.log").read_text()


def test_a_failure_while_publishing_leaves_no_half_package(
    tmp_path: Path, inputs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.Run.records

    def records_then_fail(self: Any, decisions: Path, columns: Any) -> Any:
        reader = real(self, decisions, columns)

        def batches() -> Any:
            yield from reader
            raise OSError("simulated crash while writing")

        import pyarrow as pa

        return pa.RecordBatchReader.from_batches(reader.schema, batches())

    monkeypatch.setattr(engine.Run, "records", records_then_fail)
    req, e, d = inputs
    with pytest.raises(EngineError, match="simulated crash"):
        disclose(
            req, e, d, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
        )
    _no_package_left(tmp_path)


def test_counts_that_do_not_add_up_publish_nothing(
    tmp_path: Path, inputs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.Run, "counts", lambda self, path: {"disclose": 5})
    req, e, d = inputs
    with pytest.raises(EngineError, match="accounting"):
        disclose(
            req, e, d, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
        )
    _no_package_left(tmp_path)


def test_a_person_leaving_twice_publishes_nothing(
    tmp_path: Path, inputs: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.Run, "people_twice", lambda self, path: [("36", "NY1")])
    req, e, d = inputs
    with pytest.raises(EngineError, match="more than one row"):
        disclose(
            req, e, d, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
        )
    _no_package_left(tmp_path)


def test_an_existing_package_is_never_overwritten(
    tmp_path: Path, inputs: tuple[Path, Path, Path]
) -> None:
    (tmp_path / "pkg").mkdir()
    req, e, d = inputs
    with pytest.raises(UsageError, match="never overwritten"):
        disclose(
            req, e, d, out=tmp_path / "pkg", workspace=tmp_path / "ws", registries=registry_of(e)
        )
    assert not (tmp_path / "ws").exists()  # checked before anything ran


def test_an_unknown_engine_is_refused(tmp_path: Path, inputs: tuple[Path, Path, Path]) -> None:
    req, e, d = inputs
    with pytest.raises(UsageError, match="unknown engine"):
        disclose(
            req,
            e,
            d,
            out=tmp_path / "pkg",
            workspace=tmp_path / "ws",
            registries=registry_of(e),
            engine="postgres",
        )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"determinations": "missing.parquet"}, 2),
        ({"request": "bad"}, 4),
    ],
)
def test_the_cli_exits_non_zero_and_publishes_nothing(
    tmp_path: Path, inputs: tuple[Path, Path, Path], change: dict[str, str], code: int
) -> None:
    req, e, d = inputs
    if change.get("request") == "bad":
        req = write_request(tmp_path / "bad.yaml", as_of=dt.date(2026, 2, 1), purpose="audit")
    det = tmp_path / change["determinations"] if "determinations" in change else d
    argv = [
        "disclose", "--request", str(req), "--enrollment", str(e), "--determinations", str(det),
        "--out", str(tmp_path / "pkg"), "--workspace", str(tmp_path / "ws"),
        "--registry", str(registry_of(e)[0]),
    ]  # fmt: skip
    assert main(argv) == code
    _no_package_left(tmp_path)
