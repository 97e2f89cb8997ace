"""One exception root; locations render; the CLI maps errors to exit codes in one place."""

from __future__ import annotations

import json

import pytest

from minshare import errors
from minshare.cli.main import main


def test_every_error_class_derives_from_the_root() -> None:
    classes = [getattr(errors, name) for name in errors.__all__ if name != "Location"]
    assert all(issubclass(cls, errors.MinshareError) for cls in classes)


def test_location_renders_file_line_column_row_and_field() -> None:
    err = errors.DataError("bad date", file="e.csv", line=7, column=3, row=6, field="BIRTH_DT")
    assert str(err) == "e.csv:7:3, row 6, field BIRTH_DT: bad date"
    assert err.to_dict() == {
        "error": "data_error",
        "message": "bad date",
        "location": {"file": "e.csv", "line": 7, "column": 3, "row": 6, "field": "BIRTH_DT"},
    }


def test_error_without_location_is_just_the_message() -> None:
    assert str(errors.UsageError("no such option")) == "no such option"
    assert "location" not in errors.UsageError("x").to_dict()


def test_details_report_every_problem_at_once() -> None:
    err = errors.OrderError(
        "order is invalid",
        file="o.yaml",
        details=[
            errors.OrderError("unknown column FOO", file="o.yaml", line=3, column=9),
            errors.OrderError("unknown code 7", file="o.yaml", line=5, column=11),
        ],
    )
    text = str(err)
    assert "o.yaml:3:9: unknown column FOO" in text
    assert "o.yaml:5:11: unknown code 7" in text
    assert [d["location"]["line"] for d in err.to_dict()["details"]] == [3, 5]


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (errors.UsageError, 2),
        (errors.DataError, 3),
        (errors.OrderError, 4),
        (errors.ConfigError, 5),
    ],
)
def test_exit_codes_are_distinct_per_kind(cls: type[errors.MinshareError], code: int) -> None:
    assert cls.exit_code == code


def test_cli_turns_an_error_into_its_exit_code_and_json(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    # A directory that cannot be written as a file: `model docs --out` raises no MinshareError,
    # so use a command that does: `data check` on a file with an unknown format.
    rc = main(["--json-errors", "data", "check", "no-such-file.xyz", "--table", "enrollment"])
    assert rc != 0
    err = capsys.readouterr().err
    payload = json.loads(err.strip().splitlines()[-1])
    assert set(payload) >= {"error", "message"}
