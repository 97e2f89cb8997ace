"""``minshare registry`` and ``minshare guard``: thin commands over the library."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from minshare.cli.main import main
from minshare.data.synth import synthesize
from minshare.guard.scan import FINDINGS_SCHEMA


def test_load_show_scan_and_eval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = synthesize(tmp_path / "s", rows=1_000, seed=3)
    reg = tmp_path / "reg"
    assert main(["registry", "load", str(s.paths["facilities"]), "--out", str(reg)]) == 0
    capsys.readouterr()
    assert main(["registry", "show", str(reg), "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["sources"][0]["format"] == "nppes"
    out = tmp_path / "findings.parquet"
    args = [
        "guard",
        "scan",
        "-e",
        str(s.paths["enrollment"]),
        "-r",
        str(reg),
        "-o",
        str(out),
        "--json",
    ]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows_flagged"] > 0
    assert pq.read_schema(out).names == FINDINGS_SCHEMA.names
    args = [
        "guard",
        "eval",
        "-e",
        str(s.paths["enrollment"]),
        "-t",
        str(s.paths["truth"]),
        "-r",
        str(reg),
        "--json",
    ]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["recall"] == 1.0
    assert (
        main(
            [
                "guard",
                "eval",
                "-e",
                str(s.paths["enrollment"]),
                "-t",
                str(s.paths["truth"]),
                "-r",
                str(reg),
            ]
        )
        == 0
    )
    assert "Recall per planted label" in capsys.readouterr().out


def test_a_malformed_registry_file_exits_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "pos.csv"
    bad.write_text("PRVDR_NUM,PRVDR_CTGRY_CD\n1,09\n")
    assert main(["registry", "load", str(bad), "--out", str(tmp_path / "reg")]) == 3
    err = capsys.readouterr().err
    assert f"{bad}:1" in err
    assert "ST_ADR" in err


def test_scanning_without_a_registry_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "guard",
            "scan",
            "-e",
            "x.parquet",
            "-r",
            str(tmp_path / "none"),
            "-o",
            str(tmp_path / "f.parquet"),
        ]
    )
    assert code == 2
    assert "no registry here" in " ".join(capsys.readouterr().err.split())
