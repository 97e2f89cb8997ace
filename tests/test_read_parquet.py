"""Parquet inputs: typed and untyped dates, projection that really reads less, JSON raw rows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from minshare.data.read import ReadCounts, open_table


def write_parquet(path: Path, columns: dict[str, pa.Array]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def base(n: int) -> dict[str, pa.Array]:
    return {
        "submtg_state_cd": pa.array(["06", "36", "6", "93"][:n]),
        "MSIS_IDENT_NUM": pa.array([f"P{i}" for i in range(n)]),
        "CTZNSHP_IND": pa.array(["0"] * n),
        "IMGRTN_STUS_CD": pa.array(["3", "8", "3", "3"][:n]),
    }


def read(path: Path, **kwargs: Any) -> tuple[pa.Table, Any]:
    with open_table(path, "enrollment", **kwargs) as reader:
        table = pa.Table.from_batches(list(reader), schema=reader.schema)
    return table, reader


def test_date_typed_and_timestamp_columns_become_dates(tmp_path: Path) -> None:
    cols = base(3)
    cols["BIRTH_DT"] = pa.array([dt.date(1980, 1, 2), dt.date(1500, 6, 1), None], pa.date32())
    cols["DEATH_DT"] = pa.array([None, dt.datetime(2020, 5, 6, 13, 0), None], pa.timestamp("us"))
    table, reader = read(write_parquet(tmp_path / "in.parquet", cols))
    assert table.column("BIRTH_DT").to_pylist() == [
        dt.date(1980, 1, 2),
        dt.date(1599, 12, 31),
        None,
    ]
    assert table.column("DEATH_DT").to_pylist() == [None, dt.date(2020, 5, 6), None]
    assert table.column("_MS_LINE").null_count == 3
    assert table.column("_MS_ROW").to_pylist() == [1, 2, 3]
    assert reader.counts == ReadCounts(3, 3, 0, 0)


def test_string_dates_are_parsed_and_bad_ones_quarantined_with_the_row_as_json(
    tmp_path: Path,
) -> None:
    cols = base(4)
    cols["BIRTH_DT"] = pa.array(["1980-01-02", "19991231", "2023-02-30", " "])
    table, reader = read(write_parquet(tmp_path / "in.parquet", cols))
    assert table.column("BIRTH_DT").to_pylist() == [
        dt.date(1980, 1, 2),
        dt.date(1999, 12, 31),
        None,
    ]
    (bad,) = reader.quarantine.to_pylist()
    assert bad["line"] is None
    assert bad["row"] == 3
    assert bad["reason_code"] == "bad_date"
    assert bad["field"] == "BIRTH_DT"
    assert json.loads(bad["raw"])["BIRTH_DT"] == "2023-02-30"
    assert reader.counts == ReadCounts(4, 3, 1, 0)


def test_numbers_stored_as_integers_are_cleaned_as_codes(tmp_path: Path) -> None:
    cols = base(2)
    cols["submtg_state_cd"] = pa.array([6, 96], pa.int32())
    cols["IMGRTN_STUS_CD"] = pa.array([8, 3], pa.int64())
    cols["ELGBLTY_GRP_CD"] = pa.array([5.0, 72.0])
    table, _ = read(write_parquet(tmp_path / "in.parquet", cols))
    assert table.column("SUBMTG_STATE_CD").to_pylist() == ["06", "19"]
    assert table.column("IMGRTN_STUS_CD").to_pylist() == ["0", "3"]
    assert table.column("ELGBLTY_GRP_CD").to_pylist() == ["05", "72"]


def test_invalid_utf8_in_a_binary_column_is_quarantined(tmp_path: Path) -> None:
    cols = base(2)
    cols["ELGBL_CITY_NAME_HOME"] = pa.array([b"Fresno", b"San Jos\xe9"], pa.binary())
    table, reader = read(write_parquet(tmp_path / "in.parquet", cols))
    assert table.column("ELGBL_CITY_NAME_HOME").to_pylist() == ["Fresno"]
    (bad,) = reader.quarantine.to_pylist()
    assert bad["reason_code"] == "invalid_utf8"
    assert "\\xe9" in bad["raw"]


def test_invalid_utf8_in_a_text_column_is_quarantined_not_a_crash(tmp_path: Path) -> None:
    # Arrow does not check that Parquet text is UTF-8; the quarantine must still render the row.
    cols = base(2)
    cols["ELGBL_CITY_NAME_HOME"] = pa.Array.from_buffers(
        pa.string(), 2, [None, pa.py_buffer(bytes([0, 0, 0, 0, 6, 0, 0, 0, 14, 0, 0, 0])),
                         pa.py_buffer(b"FresnoSan Jos\xe9")]
    )  # fmt: skip
    table, reader = read(write_parquet(tmp_path / "in.parquet", cols))
    assert table.column("ELGBL_CITY_NAME_HOME").to_pylist() == ["Fresno"]
    (bad,) = reader.quarantine.to_pylist()
    assert (bad["row"], bad["field"], bad["reason_code"]) == (
        2,
        "ELGBL_CITY_NAME_HOME",
        "invalid_utf8",
    )
    assert json.loads(bad["raw"])["ELGBL_CITY_NAME_HOME"] == "San Jos\\xe9"
    assert reader.counts == ReadCounts(2, 1, 1, 0)


def test_projection_reads_only_the_asked_columns_and_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cols = base(2)
    cols["BIRTH_DT"] = pa.array([dt.date(1980, 1, 2), None], pa.date32())
    cols["ELGBL_CITY_NAME_HOME"] = pa.array(["Fresno", "Reno"])
    cols["Nested"] = pa.array([[1], [2]], pa.list_(pa.int64()))  # unreadable as text
    path = write_parquet(tmp_path / "in.parquet", cols)
    asked: list[list[str]] = []
    original = pq.ParquetFile.iter_batches

    def spy(self: pq.ParquetFile, *args: Any, **kwargs: Any) -> Any:
        asked.append(list(kwargs["columns"]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    table, _ = read(path, columns=["birth_dt"])
    assert table.schema.names == [
        "SUBMTG_STATE_CD",
        "MSIS_IDENT_NUM",
        "BIRTH_DT",
        "_MS_FLAGS",
        "_MS_FILE",
        "_MS_ROW",
        "_MS_LINE",
    ]
    assert sorted(asked[0]) == ["BIRTH_DT", "MSIS_IDENT_NUM", "submtg_state_cd"]
