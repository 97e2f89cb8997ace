"""The CLI: disclose, dry-run and compile-sql parse, call one library function, and render."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlglot

from enginekit import determination, person, registry_of, write_inputs, write_request
from minshare.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def inputs(tmp_path: Path) -> list[str]:
    people = [person("NY1"), person("NY2", CTZNSHP_IND="1"), person("TX1", state="48")]
    e, d = write_inputs(tmp_path / "in", people, [determination("NY1")])
    req = write_request(tmp_path / "req.yaml")
    return [
        "--request", str(req), "--enrollment", str(e), "--determinations", str(d),
        "--registry", str(registry_of(e)[0]),
    ]  # fmt: skip


def test_disclose_says_what_happened_and_where_the_package_is(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    pkg, ws = tmp_path / "pkg", tmp_path / "ws"
    argv = ["disclose", *inputs, "--out", str(pkg), "--workspace", str(ws)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "3 enrollment rows read" in out
    assert "1 disclosed, 2 withheld, 0 in review, 0 quarantined" in out
    assert "withhold-citizen-indicator" in out
    assert f"package: {pkg}" in out
    assert main(["verify-package", str(pkg)]) == 0


def test_dry_run_counts_by_state_decision_and_reason_and_publishes_nothing(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["dry-run", *inputs, "--workspace", str(tmp_path / "ws"), "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"] == {
        "input_rows": 3,
        "disclosed": 1,
        "withheld": 2,
        "review": 0,
        "quarantined": 0,
    }
    rows = {
        (r["state"], r["decision"], r["reason"]): r["rows"]
        for r in data["by_state_decision_reason"]
    }
    assert rows == {
        ("36", "disclose", "disclose-unlawfully-present-verified"): 1,
        ("36", "withhold", "withhold-citizen-indicator"): 1,
        ("48", "withhold", "minshare:no-order-in-force"): 1,
    }
    assert "package" not in data
    assert not list(tmp_path.glob("pkg*"))


def test_compile_sql_prints_spark_sql_that_parses(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["compile-sql", "--request", str(EXAMPLES / "ice-2026-02-01.yaml"), "--dialect", "spark"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert sqlglot.parse_one(text, read="spark") is not None


def test_compile_sql_for_a_dialect_that_cannot_express_it_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [
        "compile-sql",
        "--request",
        str(EXAMPLES / "ice-2026-02-01.yaml"),
        "--dialect",
        "sqlite",
    ]
    assert main(argv) == 6
    assert "cannot express" in capsys.readouterr().err


def test_the_refused_example_is_refused_with_every_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    e, d = write_inputs(tmp_path / "in", [person("NY1")], [determination("NY1")])
    argv = [
        "dry-run", "--request", str(EXAMPLES / "refused-2026-02-01.yaml"), "--enrollment", str(e),
        "--determinations", str(d), "--workspace", str(tmp_path / "ws"),
    ]  # fmt: skip
    assert main(argv) == 4
    err = capsys.readouterr().err
    assert "4 reasons" in err


def test_verify_package_fails_after_any_byte_of_the_package_changes(
    tmp_path: Path, inputs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = tmp_path / "pkg"
    assert main(["disclose", *inputs, "--out", str(pkg), "--workspace", str(tmp_path / "ws")]) == 0
    for name in ("records.csv", "records.parquet", "manifest.json"):
        path = pkg / name
        original = path.read_bytes()
        data = bytearray(original)
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        assert main(["verify-package", str(pkg)]) != 0, name
        path.write_bytes(original)
    assert main(["verify-package", str(pkg)]) == 0


def test_permitted_columns_for_checks_a_manifests_orders(tmp_path: Path, inputs: list[str]) -> None:
    from minshare.engines import permitted_columns_for
    from minshare.errors import OrderError
    from minshare.package.manifest import parse_manifest

    pkg = tmp_path / "pkg"
    assert main(["disclose", *inputs, "--out", str(pkg), "--workspace", str(tmp_path / "ws")]) == 0
    manifest = parse_manifest((pkg / "manifest.json").read_bytes())
    assert set(manifest.columns) <= permitted_columns_for(manifest.orders)
    tampered = [o.model_copy(update={"sha256": "0" * 64}) for o in manifest.orders]
    with pytest.raises(OrderError):
        permitted_columns_for(tampered)
