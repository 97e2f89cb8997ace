"""Delimited text inputs: every broken row quarantined at its exact line, good rows cleaned."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pyarrow as pa
import pytest

from minshare.data import csvsource
from minshare.data.read import QUARANTINE_SCHEMA, ReadCounts, TableReader, open_table
from minshare.errors import DataError, MissingColumnError, UnsupportedFormatError, UsageError

HEADER = (
    "SUBMTG_STATE_CD,MSIS_IDENT_NUM,BIRTH_DT,CTZNSHP_IND,IMGRTN_STUS_CD,ELGBLTY_GRP_CD,"
    "ELGBL_CITY_NAME_HOME"
)
# (line, text, expected quarantine reason_code or None when accepted)
BROKEN: list[tuple[int, bytes, str | None]] = [
    (2, b"6,M001,19800115,0,8,5,Fresno", None),
    (3, b"06,M002,20230230,0,3,72,Oakland", "bad_date"),
    (4, b"06,M003,1980-01-01,0,3", "wrong_column_count"),
    (5, b"06,M004,1980-01-01,0,3,72,Los Angeles,extra", "wrong_column_count"),
    (6, b"06,M005,1980-01-01,0,3,72,San Jos\xe9", "invalid_utf8"),
    (7, b"06,,1980-01-01,0,3,72,Davis", "missing_key"),
    (8, b" ,M007,1980-01-01,0,3,72,Davis", "missing_key"),
    (9, b"93,M008,1975-06-30,1,8,01,Casper", None),
    (10, b"06,M009,1990-02-28,0,4,72,Fresno", None),
    (11, b"", None),  # blank line: not a row
    (12, b"06,,notadate,0,3,72,Yuba City", "missing_key"),
    (13, b"06,M011,00000000,0,3,72,Chico", "bad_date"),
    (14, b"06,M012,15000101,1,8,11,Napa", None),
    (15, b"99,M013,2024-02-29,0,3,72,Reno", None),
    (16, b"06,M014,2024-13-01,0,3,72,Eureka", "bad_date"),
]
QUARANTINED_LINES = [line for line, _, reason in BROKEN if reason]
ACCEPTED_LINES = [2, 9, 10, 14, 15]


def write_broken(path: Path, delimiter: str = ",", *, crlf: bool = False) -> Path:
    eol = b"\r\n" if crlf else b"\n"
    lines = [HEADER.encode(), *(text for _, text, _ in BROKEN)]
    body = eol.join(line.replace(b",", delimiter.encode()) for line in lines) + eol
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(body))
    else:
        path.write_bytes(body)
    return path


def read_all(path: Path, **kwargs: object) -> tuple[pa.Table, TableReader]:
    with open_table(path, "enrollment", **kwargs) as reader:  # type: ignore[arg-type]
        table = pa.Table.from_batches(list(reader), schema=reader.schema)
    return table, reader


@pytest.fixture(params=["csv", "psv", "csv.gz", "psv.gz"])
def broken_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    ext: str = request.param
    return write_broken(tmp_path / f"in.{ext}", "|" if ext.startswith("psv") else ",")


def test_every_broken_row_is_quarantined_at_its_exact_line(broken_file: Path) -> None:
    table, reader = read_all(broken_file)
    q = reader.quarantine
    assert q.schema.equals(QUARANTINE_SCHEMA)
    assert q.column("line").to_pylist() == QUARANTINED_LINES
    expected = {line: reason for line, _, reason in BROKEN if reason}
    assert (
        dict(zip(q.column("line").to_pylist(), q.column("reason_code").to_pylist(), strict=True))
        == expected
    )
    assert set(q.column("source_file").to_pylist()) == {str(broken_file)}
    assert reader.counts == ReadCounts(
        rows_read=14, rows_accepted=5, rows_quarantined=9, blank_lines=1
    )
    assert reader.counts.adds_up
    assert reader.finished
    assert table.column("_MS_LINE").to_pylist() == ACCEPTED_LINES


def test_quarantine_says_why_in_plain_words(broken_file: Path) -> None:
    _, reader = read_all(broken_file)
    rows = {r["line"]: r for r in reader.quarantine.to_pylist()}
    assert rows[3]["field"] == "BIRTH_DT"
    assert rows[3]["reason"] == (
        "BIRTH_DT: '20230230' is not a date (expected YYYY-MM-DD or YYYYMMDD)"
    )
    assert rows[4]["reason"] == "expected 7 columns, found 5"
    assert rows[4]["field"] is None
    assert rows[5]["reason"] == "expected 7 columns, found 8"
    assert rows[6]["field"] == "ELGBL_CITY_NAME_HOME"
    assert "\\xe9" in rows[6]["raw"]
    assert "\\xe9" in rows[6]["reason"]
    assert rows[7]["field"] == "MSIS_IDENT_NUM"
    assert rows[8]["field"] == "SUBMTG_STATE_CD"
    # Several problems: all listed, the leftmost one names the row's reason.
    assert rows[12]["reason_code"] == "missing_key"
    assert "MSIS_IDENT_NUM is empty" in rows[12]["reason"]
    assert "'notadate' is not a date" in rows[12]["reason"]
    assert rows[3]["raw"].replace("|", ",") == "06,M002,20230230,0,3,72,Oakland"


def test_row_numbers_skip_blank_lines(broken_file: Path) -> None:
    table, reader = read_all(broken_file)
    assert table.column("_MS_ROW").to_pylist() == [1, 8, 9, 12, 13]
    assert reader.quarantine.column("row").to_pylist() == [2, 3, 4, 5, 6, 7, 10, 11, 14]


def test_good_rows_are_cleaned_as_taf_does(broken_file: Path) -> None:
    table, reader = read_all(broken_file)
    rows = {r["MSIS_IDENT_NUM"]: r for r in table.to_pylist()}
    assert rows["M001"]["SUBMTG_STATE_CD"] == "06"
    assert rows["M001"]["IMGRTN_STUS_CD"] == "0"  # 8 -> 0
    assert rows["M001"]["ELGBLTY_GRP_CD"] == "05"
    assert rows["M001"]["BIRTH_DT"] == dt.date(1980, 1, 15)
    assert rows["M008"]["SUBMTG_STATE_CD"] == "56"  # alternate submitter 93 -> Wyoming
    assert rows["M012"]["BIRTH_DT"] == dt.date(1599, 12, 31)
    assert rows["M013"]["BIRTH_DT"] == dt.date(2024, 2, 29)
    # Unknown codes are kept, never masked, and flagged.
    assert rows["M009"]["IMGRTN_STUS_CD"] == "4"
    assert rows["M009"]["_MS_FLAGS"] == ["IMGRTN_STUS_CD=4: outside code list"]
    assert rows["M013"]["SUBMTG_STATE_CD"] == "99"
    assert rows["M013"]["_MS_FLAGS"] == ["SUBMTG_STATE_CD=99: unknown state"]
    assert rows["M001"]["_MS_FLAGS"] == []
    assert reader.flags == {"IMGRTN_STUS_CD": 1, "SUBMTG_STATE_CD": 1}
    assert set(table.column("_MS_FILE").to_pylist()) == {str(broken_file)}


def test_tiny_blocks_and_batches_give_identical_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_broken(tmp_path / "in.csv")
    expected_table, expected = read_all(path)
    monkeypatch.setattr(csvsource, "BLOCK_SIZE", 128)
    table, reader = read_all(path, batch_rows=2)
    assert max(b.num_rows for b in table.to_batches()) <= 2
    assert table.equals(expected_table)
    assert reader.quarantine.equals(expected.quarantine)
    assert reader.counts == expected.counts


def test_gzip_reads_the_same_as_plain(tmp_path: Path) -> None:
    plain, plain_reader = read_all(write_broken(tmp_path / "in.csv"))
    packed, packed_reader = read_all(write_broken(tmp_path / "in.csv.gz"))
    assert plain.drop_columns(["_MS_FILE"]).equals(packed.drop_columns(["_MS_FILE"]))
    assert plain_reader.counts == packed_reader.counts
    assert plain_reader.quarantine.drop_columns(["source_file"]).equals(
        packed_reader.quarantine.drop_columns(["source_file"])
    )


def test_crlf_line_ends_number_the_same(tmp_path: Path) -> None:
    table, reader = read_all(write_broken(tmp_path / "in.csv", crlf=True))
    assert reader.quarantine.column("line").to_pylist() == QUARANTINED_LINES
    assert table.column("_MS_LINE").to_pylist() == ACCEPTED_LINES


def test_line_breaks_inside_quoted_values_count_as_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "SUBMTG_STATE_CD,MSIS_IDENT_NUM,CTZNSHP_IND,IMGRTN_STUS_CD,ELGBL_LINE_2_ADR_HOME\n"
        '06,A1,0,3,"Apt 4\nRear"\n'  # lines 2-3
        "06,A2,0,3\n"  # line 4: short
        '06,A3,0,3,"c/o\r\nShelter\nRoom 2"\n'  # lines 5-7
        "06,,0,3,x\n"  # line 8: missing key
        "06,A5,0,3,y\n",  # line 9
        newline="",
    )
    table, reader = read_all(path)
    assert table.column("_MS_LINE").to_pylist() == [2, 5, 9]
    assert table.column("ELGBL_LINE_2_ADR_HOME").to_pylist()[0] == "Apt 4\nRear"
    assert reader.quarantine.column("line").to_pylist() == [4, 8]


def test_headers_are_case_insensitive_and_extras_are_carried_as_strings(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        b"\xef\xbb\xbf submtg_state_cd ,Msis_Ident_Num,ctznshp_ind,imgrtn_stus_cd,Local Note\n"
        b"6,A1,0,3, 00123 \n"
    )
    table, _ = read_all(path)
    assert table.schema.field("LOCAL NOTE").type == pa.string()
    assert table.column("LOCAL NOTE").to_pylist() == ["00123"]
    assert table.column("SUBMTG_STATE_CD").to_pylist() == ["06"]
    # Optional model columns absent from the file come out null, in the model's types.
    assert table.schema.field("BIRTH_DT").type == pa.date32()
    assert table.column("BIRTH_DT").null_count == 1


def test_missing_required_columns_are_all_named(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("msis_ident_num,BIRTH_DT\nA1,19800101\n")
    with pytest.raises(MissingColumnError) as err:
        open_table(path, "enrollment")
    message = str(err.value)
    for name in ("SUBMTG_STATE_CD", "CTZNSHP_IND", "IMGRTN_STUS_CD"):
        assert name in message
    assert "in.csv" in message
    assert err.value.location.file == str(path)


def test_a_pipe_file_read_as_csv_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("SUBMTG_STATE_CD|MSIS_IDENT_NUM|CTZNSHP_IND|IMGRTN_STUS_CD\n06|A|0|3\n")
    with pytest.raises(MissingColumnError, match="--delimiter '\\|'"):
        open_table(path, "enrollment")
    table, _ = read_all(path, delimiter="|")
    assert table.num_rows == 1


def test_delimiter_overrides_the_extension(tmp_path: Path) -> None:
    path = write_broken(tmp_path / "extract.dat", "|")
    with pytest.raises(UnsupportedFormatError):
        open_table(path, "enrollment")
    _, reader = read_all(path, delimiter="|")
    assert reader.counts.rows_read == 14


def test_text_projection_returns_only_asked_columns_and_keys(tmp_path: Path) -> None:
    table, _ = read_all(write_broken(tmp_path / "in.csv"), columns=["birth_dt"])
    assert table.schema.names == [
        "SUBMTG_STATE_CD",
        "MSIS_IDENT_NUM",
        "BIRTH_DT",
        "_MS_FLAGS",
        "_MS_FILE",
        "_MS_ROW",
        "_MS_LINE",
    ]


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("SUBMTG_STATE_CD,MSIS_IDENT_NUM,CTZNSHP_IND,IMGRTN_STUS_CD")
    table, reader = read_all(path)
    assert table.num_rows == 0
    assert reader.counts == ReadCounts()


def test_input_may_not_carry_internal_columns(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("SUBMTG_STATE_CD,MSIS_IDENT_NUM,CTZNSHP_IND,IMGRTN_STUS_CD,_ms_row\n")
    with pytest.raises(DataError, match="_MS_ROW"):
        open_table(path, "enrollment")


def test_duplicate_header_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("SUBMTG_STATE_CD,MSIS_IDENT_NUM,CTZNSHP_IND,IMGRTN_STUS_CD,birth_dt,BIRTH_DT\n")
    with pytest.raises(DataError, match="BIRTH_DT"):
        open_table(path, "enrollment")


def test_a_reader_iterates_once(tmp_path: Path) -> None:
    reader = open_table(write_broken(tmp_path / "in.csv"), "enrollment")
    list(reader)
    with pytest.raises(UsageError):
        list(reader)


def test_unknown_table_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="enrollment"):
        open_table(write_broken(tmp_path / "in.csv"), "people")


def test_a_truncated_gzip_file_is_a_data_error_not_a_crash(tmp_path: Path) -> None:
    whole = write_broken(tmp_path / "whole.csv.gz").read_bytes()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(whole[: len(whole) - 20])
    with pytest.raises(DataError, match=r"cut\.csv\.gz"):
        read_all(cut)
