"""``minshare data check``: summary, JSON, and exit codes via the one error mapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minshare.cli.main import main

GOOD_AND_BAD = (
    "SUBMTG_STATE_CD|MSIS_IDENT_NUM|CTZNSHP_IND|IMGRTN_STUS_CD|BIRTH_DT\n"
    "06|A1|0|3|19800101\n"
    "06|A2|0|3|20230230\n"
    "06|A3|0\n"
    "06|A4|0|4|19800101\n"
)


def test_check_prints_counts_with_the_identity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # long tmp paths would wrap inside table cells
    path = tmp_path / "in.psv"
    path.write_text(GOOD_AND_BAD)
    assert main(["data", "check", str(path), "--table", "enrollment"]) == 0
    out = capsys.readouterr().out
    assert "rows read 4 = accepted 2 + quarantined 2" in out
    assert "bad_date" in out
    assert f"{path}:3" in out
    assert "wrong_column_count" in out
    assert f"{path}:4" in out
    assert "IMGRTN_STUS_CD" in out


def test_check_json_and_kept_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.txt"
    path.write_text(GOOD_AND_BAD)
    out_dir = tmp_path / "out"
    args = [
        "data",
        "check",
        str(path),
        "-t",
        "enrollment",
        "--delimiter",
        "|",
        "--out",
        str(out_dir),
    ]
    assert main([*args, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"] == {
        "rows_read": 4,
        "rows_accepted": 2,
        "rows_quarantined": 2,
        "blank_lines": 0,
    }
    assert summary["quarantine_by_reason"] == {"bad_date": 1, "wrong_column_count": 1}
    assert summary["flags_by_column"] == {"IMGRTN_STUS_CD": 1}
    assert Path(summary["accepted_path"]).is_file()
    assert Path(summary["quarantine_path"]).is_file()


def test_missing_required_column_exits_with_the_data_error_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.csv"
    path.write_text("MSIS_IDENT_NUM,BIRTH_DT\nA1,19800101\n")
    assert main(["data", "check", str(path), "--table", "enrollment"]) == 3
    err = capsys.readouterr().err
    assert "SUBMTG_STATE_CD" in err
    assert "IMGRTN_STUS_CD" in err
    assert main(["data", "check", str(path), "--table", "enrollment", "--json-errors"]) == 3
    error = json.loads(capsys.readouterr().err)
    assert error["error"] == "missing_column"
    assert error["location"]["file"] == str(path)
