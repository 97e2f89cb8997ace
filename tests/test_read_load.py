"""load_table: several files into one accepted and one quarantine Parquet file, atomically."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from minshare.data.read import QUARANTINE_SCHEMA, ReadCounts, load_table
from minshare.errors import MissingColumnError, UsageError

KEYS = "SUBMTG_STATE_CD,MSIS_IDENT_NUM,CTZNSHP_IND,IMGRTN_STUS_CD"


def make_inputs(tmp_path: Path) -> tuple[Path, Path]:
    csv = tmp_path / "a.csv"
    csv.write_text(f"{KEYS},BIRTH_DT,LOCAL_A\n06,A1,0,3,19800101,x\n06,A2,0,3,2023-02-30,y\n\n")
    parquet = tmp_path / "b.parquet"
    pq.write_table(
        pa.table(
            {
                "SUBMTG_STATE_CD": ["94", "36"],
                "MSIS_IDENT_NUM": ["B1", None],
                "CTZNSHP_IND": ["0", "0"],
                "IMGRTN_STUS_CD": ["4", "3"],
                "LOCAL_B": ["p", "q"],
            }
        ),
        parquet,
    )
    return csv, parquet


def test_load_writes_accepted_and_quarantine_with_summed_counts(tmp_path: Path) -> None:
    csv, parquet = make_inputs(tmp_path)
    out = tmp_path / "out"
    seen: list[int] = []
    result = load_table([csv, parquet], "enrollment", out, progress=seen.append)
    assert result.counts == ReadCounts(4, 2, 2, 1)
    assert result.per_file[str(csv)] == ReadCounts(2, 1, 1, 1)
    assert result.per_file[str(parquet)] == ReadCounts(2, 1, 1, 0)
    assert result.quarantine_by_reason == {"bad_date": 1, "missing_key": 1}
    assert result.quarantine_examples["bad_date"] == [f"{csv}:3"]
    assert result.quarantine_examples["missing_key"] == [f"{parquet} row 2"]
    assert result.flags_by_column == {"IMGRTN_STUS_CD": 1}
    assert result.input_sha256[str(csv)] == hashlib.sha256(csv.read_bytes()).hexdigest()
    assert sum(seen) == csv.stat().st_size + parquet.stat().st_size

    accepted = pq.read_table(result.accepted_path)
    assert result.accepted_path == out / "enrollment.parquet"
    assert accepted.column("MSIS_IDENT_NUM").to_pylist() == ["A1", "B1"]
    assert accepted.column("SUBMTG_STATE_CD").to_pylist() == ["06", "30"]  # 94 -> Montana
    # Extras of every file, null where a file lacked them.
    assert accepted.column("LOCAL_A").to_pylist() == ["x", None]
    assert accepted.column("LOCAL_B").to_pylist() == [None, "p"]
    assert accepted.column("_MS_FILE").to_pylist() == [str(csv), str(parquet)]

    quarantine = pq.read_table(result.quarantine_path)
    assert quarantine.schema.equals(QUARANTINE_SCHEMA)
    assert quarantine.column("source_file").to_pylist() == [str(csv), str(parquet)]
    assert sorted(p.name for p in out.iterdir()) == [
        "enrollment.parquet",
        "enrollment_quarantine.parquet",
    ]
    assert result.to_dict()["counts"]["rows_read"] == 4


def test_a_failed_load_leaves_no_output(tmp_path: Path) -> None:
    csv, _ = make_inputs(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("MSIS_IDENT_NUM\nA\n")
    out = tmp_path / "out"
    with pytest.raises(MissingColumnError, match="SUBMTG_STATE_CD"):
        load_table([csv, bad], "enrollment", out)
    assert list(out.iterdir()) == []


def test_the_same_file_twice_is_refused(tmp_path: Path) -> None:
    csv, _ = make_inputs(tmp_path)
    with pytest.raises(UsageError, match="more than once"):
        load_table([csv, csv], "enrollment", tmp_path / "out")


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_table(tmp_path / "nope.csv", "enrollment", tmp_path / "out")
