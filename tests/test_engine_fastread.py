"""The DuckDB reading of Parquet inputs (engines.fastread) against minshare's Python readers.

Both read the same files into the same two outputs; the accepted rows (every column, after a
canonical sort) and the quarantine (row, field, reason code, and the messages and raw text too)
must be identical: on synthetic data with its adversarial cases, on hand-made tables with every
edge case we know of, and on random cells (Hypothesis).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minshare.data import model
from minshare.data.model import Table
from minshare.engines import fastread
from minshare.engines import ingest as ingest_module
from minshare.engines.ingest import READER_ENV, ingest
from minshare.errors import DataError, MissingColumnError, UsageError

ENROLLMENT = model.column_names(Table.ENROLLMENT)
DETERMINATIONS = model.column_names(Table.DETERMINATIONS)
DECEMBER = ["SUBMTG_STATE_CD", "MSIS_IDENT_NUM", "SSN_NUM", "BIRTH_DT", "CTZNSHP_IND"]
DECEMBER += ["IMGRTN_STUS_CD", "ELGBL_LINE_1_ADR_HOME", "ELGBL_ZIP_CD_HOME", "ELGBL_PHNE_NUM_HOME"]
ENROLLMENT_KEYS = ["SUBMTG_STATE_CD", "MSIS_IDENT_NUM", "CTZNSHP_IND", "IMGRTN_STUS_CD"]
QUARANTINE_FIELDS = ("source_file", "line", "row", "field", "reason_code", "reason", "raw")


def read_both(
    tmp: Path, files: list[Path], table: Table, columns: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each reading's accepted rows (sorted by file and row), quarantine rows and counts."""
    out: dict[str, dict[str, Any]] = {}
    for sql in (True, False):
        name = "sql" if sql else "python"
        ing, q = ingest(
            files, table, columns, tmp / f"{name}.parquet", tmp / f"{name}_q.parquet", sql=sql
        )
        assert ing.reader == ("duckdb" if sql else "python")
        rows = pq.read_table(ing.accepted).to_pylist()
        out[name] = {
            "rows": sorted(rows, key=lambda r: (r["_MS_FILE"], r["_MS_ROW"])),
            "columns": pq.read_schema(ing.accepted).names,
            "quarantine": [{k: r[k] for k in QUARANTINE_FIELDS} for r in q.to_pylist()],
            "keys": q.select(["SUBMTG_STATE_CD", "MSIS_IDENT_NUM"]).to_pylist(),
            "stored": pq.read_table(ing.quarantine).to_pylist(),
            "counts": ing.counts,
            "by_reason": ing.quarantine_by_reason,
            "sha256": [f.sha256 for f in ing.files],
        }
    return out["sql"], out["python"]


def assert_same(sql: dict[str, Any], python: dict[str, Any]) -> None:
    assert sql["columns"] == python["columns"]
    assert sql["counts"] == python["counts"]
    assert len(sql["rows"]) == len(python["rows"])
    for a, b in zip(sql["rows"], python["rows"], strict=True):
        assert a == b
    assert sql["quarantine"] == python["quarantine"]
    assert sql["keys"] == python["keys"]
    assert sql["stored"] == python["stored"]
    assert sql["by_reason"] == python["by_reason"]
    assert sql["sha256"] == python["sha256"]


def minimal(**columns: list[Any]) -> dict[str, list[Any]]:
    """The required enrollment columns (one row, or as many as ``columns`` give), plus
    ``columns``."""
    n = len(next(iter(columns.values()))) if columns else 1
    required = {n_: ["36", "A", "0", "3"][i : i + 1] * n for i, n_ in enumerate(ENROLLMENT_KEYS)}
    return {**required, **columns}


def text_table(path: Path, columns: dict[str, list[Any]]) -> Path:
    pq.write_table(pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}), path)
    return path


# --- whitespace ------------------------------------------------------------------------------


def test_the_whitespace_set_is_exactly_what_arrow_trims() -> None:
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    trimmed = pc.utf8_trim_whitespace(pa.array([f"{chr(c)}x{chr(c)}" for c in points]))
    arrow = {chr(c) for c, t in zip(points, trimmed.to_pylist(), strict=True) if t == "x"}
    assert arrow == set(fastread.WHITESPACE)


# --- synthetic data --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from minshare.data.synth import synthesize

    out = tmp_path_factory.mktemp("synth")
    synthesize(out, rows=20_000, seed=5)
    return out


@pytest.mark.parametrize("projection", ["every column", "the December order's"])
def test_synthetic_enrollment_reads_the_same(synth: Path, tmp_path: Path, projection: str) -> None:
    columns = ENROLLMENT if projection == "every column" else DECEMBER
    sql, python = read_both(tmp_path, [synth / "enrollment.parquet"], Table.ENROLLMENT, columns)
    assert_same(sql, python)
    # The adversarial cases are there, so the comparison is not vacuous.
    reasons = {q["reason_code"] for q in sql["quarantine"]}
    assert {"bad_date", "missing_key"} <= reasons
    flags = [f for r in sql["rows"] for f in r["_MS_FLAGS"]]
    assert any(f.startswith("IMGRTN_STUS_CD=") for f in flags)
    states = {r["SUBMTG_STATE_CD"] for r in sql["rows"]}
    assert not states & {"93", "94", "96", "97"}
    assert all(len(s) == 2 for s in states)


def test_synthetic_determinations_read_the_same(synth: Path, tmp_path: Path) -> None:
    files = [synth / "determinations.parquet"]
    sql, python = read_both(tmp_path, files, Table.DETERMINATIONS, DETERMINATIONS)
    assert_same(sql, python)
    assert sql["rows"]


# --- hand-made edge cases --------------------------------------------------------------------

WS = "\t\n\x0b\x0c\r\x1c\x1f \x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
CELLS: list[dict[str, Any]] = [
    # trimming: every kind of whitespace at either end, none inside, nothing else
    {"MSIS_IDENT_NUM": f"{WS}A1{WS}", "ELGBL_CITY_NAME_HOME": " New  York\t"},
    {"MSIS_IDENT_NUM": "A2", "ELGBL_CITY_NAME_HOME": "\u200bzero-width\u200b"},  # not trimmed
    {"MSIS_IDENT_NUM": "A3", "ELGBL_CITY_NAME_HOME": "\x00nul\x7f"},  # controls stay
    {"MSIS_IDENT_NUM": "A4", "ELGBL_CITY_NAME_HOME": WS},  # only whitespace: null
    {"MSIS_IDENT_NUM": "A5", "ELGBL_CITY_NAME_HOME": ""},  # empty: null
    {"MSIS_IDENT_NUM": "A6", "ELGBL_CITY_NAME_HOME": "Ñandú ☃ e\u0301"},
    {"MSIS_IDENT_NUM": "A7", "ELGBL_CITY_NAME_HOME": "ends in é"},
    {"MSIS_IDENT_NUM": "A8", "ELGBL_CITY_NAME_HOME": "x"},
    {"MSIS_IDENT_NUM": "A9", "ELGBL_CITY_NAME_HOME": "~!"},
    {"MSIS_IDENT_NUM": "A10", "ELGBL_CITY_NAME_HOME": "Albany ", "ELGBL_LINE_1_ADR_HOME": "1\t"},
    {"MSIS_IDENT_NUM": "A12", "ELGBL_CITY_NAME_HOME": " Apt 2", "ELGBL_LINE_1_ADR_HOME": "\tB"},
    {"MSIS_IDENT_NUM": "A11", "ELGBL_CITY_NAME_HOME": "Troy\x1c", "ELGBL_LINE_1_ADR_HOME": "\x7fA"},
    # dates
    {"MSIS_IDENT_NUM": "D1", "BIRTH_DT": "2024-02-29", "DEATH_DT": "20000229"},
    {"MSIS_IDENT_NUM": "D2", "BIRTH_DT": "2023-02-29"},
    {"MSIS_IDENT_NUM": "D3", "BIRTH_DT": "19000229"},
    {"MSIS_IDENT_NUM": "D4", "BIRTH_DT": "2024-13-01", "DEATH_DT": "2024-00-10"},
    {"MSIS_IDENT_NUM": "D5", "BIRTH_DT": "0000-01-01"},
    {"MSIS_IDENT_NUM": "D6", "BIRTH_DT": "0001-01-01", "DEATH_DT": "1599-12-31"},
    {"MSIS_IDENT_NUM": "D7", "BIRTH_DT": "1600-01-01", "DEATH_DT": "9999-12-31"},
    {"MSIS_IDENT_NUM": "D8", "BIRTH_DT": "2024-1-1"},
    {"MSIS_IDENT_NUM": "D9", "BIRTH_DT": "2024/01/01"},
    {"MSIS_IDENT_NUM": "D10", "BIRTH_DT": " 20240101\n", "DEATH_DT": "\u30002024-01-31"},
    {"MSIS_IDENT_NUM": "D11", "BIRTH_DT": "２０２４０１０１"},  # full-width digits
    {"MSIS_IDENT_NUM": "D12", "BIRTH_DT": "١٢٣٤٠١٠١"},  # Arabic-Indic digits
    {"MSIS_IDENT_NUM": "D13", "BIRTH_DT": "   ", "DEATH_DT": ""},  # null, not bad
    {"MSIS_IDENT_NUM": "D14", "BIRTH_DT": "20240101x", "DEATH_DT": "2024-01-011"},
    {"MSIS_IDENT_NUM": "D15", "BIRTH_DT": "2024-04-31", "DEATH_DT": "20240631"},
    {"MSIS_IDENT_NUM": "D16", "BIRTH_DT": "2024-01-0" + "\u0661"},
    {"MSIS_IDENT_NUM": "D17", "BIRTH_DT": "-2024-01-01"},
    {"MSIS_IDENT_NUM": "D18", "BIRTH_DT": "2024-0101", "DEATH_DT": "16000229"},
    {"MSIS_IDENT_NUM": "D19", "BIRTH_DT": "202401-01", "DEATH_DT": "2400-02-29"},
    {"MSIS_IDENT_NUM": "D20", "BIRTH_DT": "18000229"},
    {"MSIS_IDENT_NUM": "D21", "BIRTH_DT": "2100-02-29"},
    {"MSIS_IDENT_NUM": "D22", "BIRTH_DT": "20241131", "DEATH_DT": "2024-12-31"},
    {"MSIS_IDENT_NUM": "D23", "BIRTH_DT": "2024-09-31", "DEATH_DT": "20241031"},
    # keys
    {"SUBMTG_STATE_CD": "6", "MSIS_IDENT_NUM": "K1"},
    {"SUBMTG_STATE_CD": " 36 ", "MSIS_IDENT_NUM": "K2"},
    {"SUBMTG_STATE_CD": "93", "MSIS_IDENT_NUM": "K3"},
    {"SUBMTG_STATE_CD": "94", "MSIS_IDENT_NUM": "K4"},
    {"SUBMTG_STATE_CD": "96", "MSIS_IDENT_NUM": "K5"},
    {"SUBMTG_STATE_CD": "97", "MSIS_IDENT_NUM": "K6"},
    {"SUBMTG_STATE_CD": "3", "MSIS_IDENT_NUM": "K7"},  # 03: no such state, flagged
    {"SUBMTG_STATE_CD": "NY", "MSIS_IDENT_NUM": "K8"},
    {"SUBMTG_STATE_CD": "é", "MSIS_IDENT_NUM": "K9"},
    {"SUBMTG_STATE_CD": "0036", "MSIS_IDENT_NUM": "K10"},  # never truncated
    {"SUBMTG_STATE_CD": "", "MSIS_IDENT_NUM": "K11"},
    {"SUBMTG_STATE_CD": None, "MSIS_IDENT_NUM": "K12"},
    {"SUBMTG_STATE_CD": WS, "MSIS_IDENT_NUM": "K13"},
    {"MSIS_IDENT_NUM": None},
    {"MSIS_IDENT_NUM": " "},
    {"SUBMTG_STATE_CD": None, "MSIS_IDENT_NUM": None, "BIRTH_DT": "nope", "DEATH_DT": "2023-02-30"},
    # codes
    {"MSIS_IDENT_NUM": "C1", "IMGRTN_STUS_CD": "8", "CTZNSHP_IND": " 1 "},
    {"MSIS_IDENT_NUM": "C2", "IMGRTN_STUS_CD": " 8\t", "ELGBLTY_GRP_CD": "5"},
    {"MSIS_IDENT_NUM": "C3", "IMGRTN_STUS_CD": "08", "ELGBLTY_GRP_CD": " 5 "},
    {"MSIS_IDENT_NUM": "C4", "IMGRTN_STUS_CD": "4", "ELGBLTY_GRP_CD": "\u0665"},
    {"MSIS_IDENT_NUM": "C5", "CTZNSHP_IND": "x" * 50, "ELGBLTY_GRP_CD": "05"},
    {"MSIS_IDENT_NUM": "C6", "CTZNSHP_IND": "é" * 40, "SEX_CD": "Q", "PRGNT_IND": "2"},
    {"MSIS_IDENT_NUM": "C7", "ELGBLTY_GRP_CD": "0", "DUAL_ELGBL_CD": "1"},
    {"MSIS_IDENT_NUM": "C8", "CTZNSHP_IND": "'; DROP TABLE x; --"},
]


def edge_rows() -> dict[str, list[Any]]:
    base = {"SUBMTG_STATE_CD": "36", "CTZNSHP_IND": "0", "IMGRTN_STUS_CD": "3"}
    rows = [{**base, **cells} for cells in CELLS]
    # File column order unlike the model's, names in other cases and with padding.
    names = ["MSIS_IDENT_NUM", "BIRTH_DT", "ELGBL_CITY_NAME_HOME", "SUBMTG_STATE_CD"]
    names += [n for n in ENROLLMENT if n not in names]
    return {n: [r.get(n) for r in rows] for n in names}


def renamed(columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
    odd = {"MSIS_IDENT_NUM": " msis_ident_num", "BIRTH_DT": "Birth_Dt", "SEX_CD": "sex cd"}
    return {odd.get(k, k): v for k, v in columns.items() if k != "SEX_CD"} | {
        "\ufeffSex_Cd ": columns["SEX_CD"]
    }


def test_hand_made_edge_cases_read_the_same(tmp_path: Path) -> None:
    path = text_table(tmp_path / "edge.parquet", renamed(edge_rows()))
    sql, python = read_both(tmp_path, [path], Table.ENROLLMENT, ENROLLMENT)
    assert_same(sql, python)
    by_id = {r["MSIS_IDENT_NUM"]: r for r in sql["rows"]}
    assert by_id["A1"]["ELGBL_CITY_NAME_HOME"] == "New  York"
    assert by_id["A4"]["ELGBL_CITY_NAME_HOME"] is None
    assert by_id["A10"]["ELGBL_CITY_NAME_HOME"] == "Albany"
    assert by_id["A11"]["ELGBL_CITY_NAME_HOME"] == "Troy"
    assert by_id["A12"]["ELGBL_CITY_NAME_HOME"] == "Apt 2"
    assert by_id["D6"]["BIRTH_DT"] == dt.date(1599, 12, 31)
    assert by_id["D10"]["BIRTH_DT"] == dt.date(2024, 1, 1)
    assert by_id["D1"]["DEATH_DT"] == dt.date(2000, 2, 29)
    assert [by_id[k]["SUBMTG_STATE_CD"] for k in ("K1", "K3", "K4", "K5", "K6", "K10")] == [
        "06",
        "56",
        "30",
        "19",
        "42",
        "0036",
    ]
    assert by_id["C1"]["IMGRTN_STUS_CD"] == "0"
    assert by_id["C2"]["ELGBLTY_GRP_CD"] == "05"
    assert by_id["C6"]["_MS_FLAGS"][0] == f"CTZNSHP_IND={'é' * 32}: outside code list"
    quarantine = {(q["row"], q["field"], q["reason_code"]): q for q in sql["quarantine"]}
    row = {c["MSIS_IDENT_NUM"]: i + 1 for i, c in enumerate(CELLS) if c["MSIS_IDENT_NUM"]}
    no_id = [i + 1 for i, c in enumerate(CELLS) if not (c["MSIS_IDENT_NUM"] or "").strip()]
    everything = no_id[-1]  # no Medicaid ID, no state, two bad dates
    bad_dates = ["D2", "D3", "D4", "D5", "D8", "D9", "D11", "D12", "D14", "D15", "D16", "D17"]
    bad_dates += ["D18", "D19", "D20", "D21", "D22", "D23"]
    expected = {(row[k], "BIRTH_DT", "bad_date") for k in bad_dates}
    expected |= {(row[k], "SUBMTG_STATE_CD", "missing_key") for k in ("K11", "K12", "K13")}
    expected |= {(i, "MSIS_IDENT_NUM", "missing_key") for i in no_id}
    assert len(no_id) == 3
    assert set(quarantine) == expected
    assert quarantine[(everything, "MSIS_IDENT_NUM", "missing_key")]["reason"].count(";") == 3


def test_typed_columns_read_the_same(tmp_path: Path) -> None:
    """Integers, a DATE column, an all-null column, a dictionary column: typed as the readers
    type them."""
    path = tmp_path / "typed.parquet"
    table = pa.table(
        {
            "SUBMTG_STATE_CD": pa.array([6, 36, 93, None], pa.int16()),
            "MSIS_IDENT_NUM": pa.array(["T1", "T2", "T3", "T4"]).dictionary_encode(),
            "BIRTH_DT": pa.array(
                [dt.date(1980, 1, 2), dt.date(1500, 6, 1), None, dt.date(2020, 2, 29)]
            ),
            "DEATH_DT": pa.array([20240101, 20230229, None, 1], pa.int64()),
            "CTZNSHP_IND": pa.array([0, 1, 2, 8], pa.uint8()),
            "IMGRTN_STUS_CD": pa.array([None] * 4, pa.null()),
            "ELGBL_LINE_1_ADR_HOME": pa.array(["1 A St", None, " ", "x"], pa.large_string()),
        }
    )
    pq.write_table(table, path)
    columns = [n for n in ENROLLMENT if n in table.column_names]
    sql, python = read_both(tmp_path, [path], Table.ENROLLMENT, columns)
    assert_same(sql, python)
    assert {q["reason_code"] for q in sql["quarantine"]} == {"bad_date", "missing_key"}


def test_several_files_read_the_same(tmp_path: Path) -> None:
    columns = edge_rows()
    first = text_table(tmp_path / "a.parquet", columns)
    reordered = dict(reversed(list(columns.items())))
    second = text_table(tmp_path / "b.parquet", {k: v[::-1] for k, v in reordered.items()})
    sql, python = read_both(tmp_path, [first, second], Table.ENROLLMENT, ENROLLMENT)
    assert_same(sql, python)
    assert {r["_MS_FILE"] for r in sql["rows"]} == {str(first), str(second)}


def test_determination_edge_cases_read_the_same(tmp_path: Path) -> None:
    rows = {
        "MSIS_IDENT_NUM": ["P1", "P2", " P3 ", "P4", "P5", None],
        "SUBMTG_STATE_CD": ["6", "36", "97", "36", "36", "36"],
        "STATUS_CATEGORY": ["UNLAWFULLY_PRESENT", " QUALIFIED ", "bogus", None, "", "X"],
        "DETERMINATION_SOURCE": ["SAVE", "1", "SELF_ATTESTED", None, "SAVE", "SAVE"],
        "DETERMINED_ON": ["2025-12-01", "20251201", "2025-02-29", None, "1500-01-01", "x"],
        "EVIDENCE_REF": ["e", " ", "", None, "f", "g"],
    }
    path = text_table(tmp_path / "d.parquet", rows)
    sql, python = read_both(tmp_path, [path], Table.DETERMINATIONS, DETERMINATIONS)
    assert_same(sql, python)
    assert len(sql["quarantine"]) == 2


# --- random cells ----------------------------------------------------------------------------

CELLS_COLUMNS = [
    "SUBMTG_STATE_CD",
    "MSIS_IDENT_NUM",
    "BIRTH_DT",
    "CTZNSHP_IND",
    "IMGRTN_STUS_CD",
    "ELGBLTY_GRP_CD",
    "ELGBL_CITY_NAME_HOME",
]
# Cells near the rules: whitespace, digits (ASCII and not), dashes, dates and codes.
_ALPHABET = st.sampled_from(list(WS[:6] + "0123456789-/8x é\u0665\u3000"))
# Any digits in either shape (and shapes mixed): most are not calendar dates.
_NUMBERS = st.tuples(st.integers(0, 9999), st.integers(0, 19), st.integers(0, 39))
_DATE_LIKE = st.tuples(_NUMBERS, st.sampled_from(["", "-", "-/", "/-", "-_", "_-"])).map(
    lambda t: f"{t[0][0]:04d}{t[1][:1]}{t[0][1]:02d}{t[1][1:]}{t[0][2]:02d}".replace("_", "")
)
_CELL = st.one_of(
    st.none(),
    _DATE_LIKE,
    st.text(_ALPHABET, max_size=12),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(lambda d: d.strftime("%Y%m%d")),
    st.dates().map(lambda d: f" {d.isoformat()} "),
    st.sampled_from(["93", "6", "36", "8", "5", "05", "UNLAWFULLY_PRESENT", "SAVE", ""]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({n: _CELL for n in CELLS_COLUMNS}), min_size=1, max_size=30))
def test_random_cells_read_the_same(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Any]]
) -> None:
    tmp = tmp_path_factory.mktemp("random")
    path = text_table(tmp / "r.parquet", {n: [r[n] for r in rows] for n in CELLS_COLUMNS})
    sql, python = read_both(tmp, [path], Table.ENROLLMENT, CELLS_COLUMNS)
    assert_same(sql, python)


# --- what the SQL reading leaves to the Python readers ---------------------------------------


def fallback(tmp: Path, path: Path, columns: list[str] | None = None) -> str | None:
    """Read with the choice left to ingest; the note saying why the Python readers read it."""
    ing, _ = ingest(
        [path], Table.ENROLLMENT, columns or ENROLLMENT[:2], tmp / "e", tmp / "q", sql=None
    )
    assert ing.reader == "python"
    return ing.note


@pytest.fixture
def prefer_duckdb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(READER_ENV, "duckdb")


@pytest.mark.usefixtures("prefer_duckdb")
def test_text_inputs_are_read_by_the_python_readers(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("SUBMTG_STATE_CD,MSIS_IDENT_NUM,CTZNSHP_IND,IMGRTN_STUS_CD\n36,A,0,3\n")
    assert "csv" in str(fallback(tmp_path, path))
    with pytest.raises(UsageError, match="cannot read the enrollment input in SQL"):
        ingest([path], Table.ENROLLMENT, ENROLLMENT[:2], tmp_path / "e", tmp_path / "q", sql=True)


@pytest.mark.usefixtures("prefer_duckdb")
@pytest.mark.parametrize(
    "array",
    [
        pa.array([1.0, 2.5]),
        pa.array([dt.datetime(2020, 1, 1), None], pa.timestamp("us")),
        pa.array([b"1", b"\xff"], pa.binary()),
        pa.array([True, False]),
    ],
    ids=["float", "timestamp", "binary", "boolean"],
)
def test_unusual_column_types_are_read_by_the_python_readers(
    tmp_path: Path, array: pa.Array
) -> None:
    path = tmp_path / "in.parquet"
    pq.write_table(
        pa.table({**minimal(SUBMTG_STATE_CD=["36", "06"]), "MSIS_IDENT_NUM": array}), path
    )
    assert "MSIS_IDENT_NUM has type" in str(fallback(tmp_path, path))


@pytest.mark.usefixtures("prefer_duckdb")
def test_invalid_utf8_is_refused_by_duckdb_and_left_to_the_python_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = pa.Array.from_buffers(
        pa.string(), 2, [None, pa.py_buffer(bytes([0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0])),
                         pa.py_buffer(b"ok\xff\xfe")]
    )  # fmt: skip
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({**minimal(SUBMTG_STATE_CD=["36", "06"]), "MSIS_IDENT_NUM": bad}), path)
    seen: list[str] = []

    def python_readers(*args: Any, **kwargs: Any) -> Any:
        seen.append("called")
        raise DataError("stop here")

    monkeypatch.setattr(ingest_module, "_ingest_python", python_readers)
    with pytest.raises(DataError, match="stop here"):
        ingest([path], Table.ENROLLMENT, ENROLLMENT_KEYS, tmp_path / "e", tmp_path / "q")
    assert seen == ["called"]
    assert not (tmp_path / "e").exists()
    assert not list(tmp_path.glob(".e.*"))  # the SQL reading's temporary file is gone


@pytest.mark.usefixtures("prefer_duckdb")
def test_a_column_left_out_is_never_read(tmp_path: Path) -> None:
    """Projection pushdown: invalid UTF-8 and an unusual type in columns the plan does not read
    change nothing (DuckDB never decodes them)."""
    bad = pa.Array.from_buffers(
        pa.string(), 1, [None, pa.py_buffer(bytes([0, 0, 0, 0, 1, 0, 0, 0])), pa.py_buffer(b"\xff")]
    )
    path = tmp_path / "in.parquet"
    pq.write_table(
        pa.table({**minimal(), "HIV_AIDS_HH_CHRNC_COND_FLAG": bad, "EXTRA": pa.array([1.5])}),
        path,
    )
    ing, _ = ingest([path], Table.ENROLLMENT, ENROLLMENT[:2], tmp_path / "e", tmp_path / "q")
    assert ing.reader == "duckdb"
    assert ing.counts.rows_accepted == 1
    assert pq.read_schema(tmp_path / "e").names[:2] == ENROLLMENT[:2]


@pytest.mark.usefixtures("prefer_duckdb")
@pytest.mark.parametrize("name", ["in[1].parquet", "in*.parquet", "in{a}.parquet"])
def test_a_path_duckdb_would_read_as_a_glob_is_read_by_the_python_readers(
    tmp_path: Path, name: str
) -> None:
    path = text_table(tmp_path / name, minimal())
    assert "glob" in str(fallback(tmp_path, path))


@pytest.mark.usefixtures("prefer_duckdb")
def test_a_column_named_like_duckdbs_row_number_is_read_by_the_python_readers(
    tmp_path: Path,
) -> None:
    path = text_table(
        tmp_path / "in.parquet",
        minimal(File_Row_Number=["7"]),
    )
    assert "row number" in str(fallback(tmp_path, path))


def test_two_duckdb_threads_choose_the_python_readers_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = text_table(tmp_path / "in.parquet", minimal())
    monkeypatch.setenv("MINSHARE_DUCKDB_THREADS", "2")
    monkeypatch.delenv(READER_ENV, raising=False)
    assert "2 DuckDB thread(s)" in str(fallback(tmp_path, path))
    monkeypatch.setenv("MINSHARE_DUCKDB_THREADS", "4")
    ing, _ = ingest([path], Table.ENROLLMENT, ENROLLMENT[:2], tmp_path / "e", tmp_path / "q")
    assert ing.reader == "duckdb"
    monkeypatch.setenv(READER_ENV, "python")
    assert fallback(tmp_path, path) == f"{READER_ENV}=python"
    monkeypatch.setenv(READER_ENV, "spark")
    with pytest.raises(UsageError, match=READER_ENV):
        ingest([path], Table.ENROLLMENT, ENROLLMENT[:2], tmp_path / "e", tmp_path / "q")


# --- the same errors, and the run-time cross-check -------------------------------------------


@pytest.mark.parametrize("sql", [True, False])
def test_a_missing_column_stops_both_readings(tmp_path: Path, sql: bool) -> None:
    path = text_table(tmp_path / "in.parquet", minimal())
    with pytest.raises(MissingColumnError, match="BIRTH_DT"):
        ingest([path], Table.ENROLLMENT, ["BIRTH_DT"], tmp_path / "e", tmp_path / "q", sql=sql)
    assert not (tmp_path / "e").exists()


@pytest.mark.parametrize("sql", [True, False])
def test_a_lineage_column_in_the_input_stops_both_readings(tmp_path: Path, sql: bool) -> None:
    path = text_table(
        tmp_path / "in.parquet",
        minimal(_MS_ROW=["1"]),
    )
    with pytest.raises(DataError, match="_MS_"):
        ingest([path], Table.ENROLLMENT, ENROLLMENT[:2], tmp_path / "e", tmp_path / "q", sql=sql)


def test_sql_and_the_reference_cleaner_must_agree_on_every_quarantined_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quarantine's messages come from the reference cleaner, run on the rows SQL
    condemned: a cleaner that would keep one of them stops the run (a minshare bug)."""

    class Lenient(fastread.Cleaner):
        def clean(self, sb: Any) -> Any:
            sb.columns = {k: pc.fill_null(v, "36") for k, v in sb.columns.items()}
            return super().clean(sb)

    monkeypatch.setattr(fastread, "Cleaner", Lenient)
    path = text_table(tmp_path / "in.parquet", minimal(SUBMTG_STATE_CD=[None]))
    with pytest.raises(DataError, match="disagree on row"):
        ingest([path], Table.ENROLLMENT, ENROLLMENT[:2], tmp_path / "e", tmp_path / "q", sql=True)
    assert not (tmp_path / "e").exists()
