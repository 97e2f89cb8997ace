"""``minshare synth``: determinism, the data model, planted cases and their exact labels."""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import minshare.data.synth as synth
from minshare.data import model
from minshare.data.states import normalize_state_code
from minshare.data.synth import LABELS, synthesize
from minshare.data.synth.facilities import NPPES_HEADER, npi_check_digit
from minshare.errors import UsageError

FILES = ("enrollment.parquet", "determinations.parquet", "facilities_nppes.csv", "truth.parquet")

# facility-registries.md §1: the NPPES main-file headers minshare relies on, verbatim.
DOCUMENTED_HEADERS = [
    "NPI",
    "Entity Type Code",
    "Provider Organization Name (Legal Business Name)",
    "Provider Other Organization Name",
    "Provider First Line Business Practice Location Address",
    "Provider Second Line Business Practice Location Address",
    "Provider Business Practice Location Address City Name",
    "Provider Business Practice Location Address State Name",
    "Provider Business Practice Location Address Postal Code",
    "Provider Business Practice Location Address Country Code (If outside U.S.)",
    "Provider Business Practice Location Address Telephone Number",
    "Provider Business Practice Location Address Fax Number",
    "Provider First Line Business Mailing Address",
    "Provider Second Line Business Mailing Address",
    "Provider Business Mailing Address City Name",
    "Provider Business Mailing Address State Name",
    "Provider Business Mailing Address Postal Code",
    "Provider Business Mailing Address Country Code (If outside U.S.)",
    "Provider Business Mailing Address Telephone Number",
    "Provider Business Mailing Address Fax Number",
    "Authorized Official Telephone Number",
    *(f"Healthcare Provider Taxonomy Code_{i}" for i in range(1, 16)),
    *(f"Healthcare Provider Primary Taxonomy Switch_{i}" for i in range(1, 16)),
    "Healthcare Provider Taxonomy Group_1",
    "Other Provider Identifier_1",
    "Other Provider Identifier Type Code_1",
    "NPI Deactivation Date",
    "NPI Reactivation Date",
    "Last Update Date",
    "Provider Enumeration Date",
    "Is Organization Subpart",
    "Parent Organization LBN",
]


def _digests(directory: Path) -> dict[str, str]:
    return {name: hashlib.sha256((directory / name).read_bytes()).hexdigest() for name in FILES}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    synthesize(out, rows=20_000, seed=11)
    return out


@pytest.fixture(scope="module")
def tables(run: Path) -> dict[str, Any]:
    return {
        "enrollment": pq.read_table(run / "enrollment.parquet"),
        "determinations": pq.read_table(run / "determinations.parquet"),
        "truth": pq.read_table(run / "truth.parquet"),
    }


def _has(tables: dict[str, Any], label: str) -> list[bool]:
    return [label in c for c in tables["truth"]["cases"].to_pylist()]


def _rows(tables: dict[str, Any], label: str) -> list[dict[str, Any]]:
    mask = _has(tables, label)
    return [r for r, m in zip(tables["enrollment"].to_pylist(), mask, strict=True) if m]


def _normal_rows(tables: dict[str, Any]) -> list[dict[str, Any]]:
    cases = tables["truth"]["cases"].to_pylist()
    return [r for r, c in zip(tables["enrollment"].to_pylist(), cases, strict=True) if not c]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _registry(run: Path) -> list[dict[str, str]]:
    with (run / "facilities_nppes.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _active_orgs(run: Path) -> list[dict[str, str]]:
    return [
        r for r in _registry(run) if r["Entity Type Code"] == "2" and not r["NPI Deactivation Date"]
    ]


def _address_key(line1: str, zip_code: str) -> tuple[str, str]:
    return " ".join(line1.upper().split()), zip_code[:5]


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_and_rows_give_byte_identical_files(run: Path, tmp_path: Path) -> None:
    synthesize(tmp_path, rows=20_000, seed=11)
    assert _digests(tmp_path) == _digests(run)


def test_different_seeds_give_different_files(run: Path, tmp_path: Path) -> None:
    synthesize(tmp_path, rows=20_000, seed=12)
    theirs, ours = _digests(tmp_path), _digests(run)
    assert all(theirs[name] != ours[name] for name in FILES)


def test_worker_processes_write_the_same_bytes_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(synth, "CHUNK_ROWS", 4_000)
    synthesize(tmp_path / "workers", rows=10_000, seed=3)
    monkeypatch.setattr(synth, "_workers", lambda n_chunks: 0)
    synthesize(tmp_path / "inline", rows=10_000, seed=3)
    assert _digests(tmp_path / "workers") == _digests(tmp_path / "inline")
    assert pq.ParquetFile(tmp_path / "workers" / "enrollment.parquet").metadata.num_rows == 10_000


# --- shape ---------------------------------------------------------------------------------------


def test_enrollment_and_determination_columns_are_the_model(tables: dict[str, Any]) -> None:
    assert tables["enrollment"].column_names == model.column_names(model.Table.ENROLLMENT)
    assert tables["determinations"].column_names == model.column_names(model.Table.DETERMINATIONS)
    assert all(pa.types.is_string(t) for t in tables["enrollment"].schema.types)


def test_truth_has_one_row_per_enrollment_row_with_its_key(tables: dict[str, Any]) -> None:
    truth, enrollment = tables["truth"], tables["enrollment"]
    assert truth["row"].to_pylist() == list(range(enrollment.num_rows))
    assert truth["SUBMTG_STATE_CD"].equals(enrollment["SUBMTG_STATE_CD"])
    assert truth["MSIS_IDENT_NUM"].equals(enrollment["MSIS_IDENT_NUM"])
    assert set(truth["status_category"].to_pylist()) <= set(model.codes.STATUS_CATEGORY.codes)


@pytest.mark.parametrize("rows", [1, 7, 5_000])
def test_exactly_the_requested_rows_are_written(tmp_path: Path, rows: int) -> None:
    result = synthesize(tmp_path, rows=rows, seed=5)
    assert result.rows["enrollment"] == rows == result.rows["truth"]
    assert pq.ParquetFile(tmp_path / "enrollment.parquet").metadata.num_rows == rows


def test_raw_values_look_like_a_state_extract(tables: dict[str, Any]) -> None:
    enrollment = tables["enrollment"]
    imm = Counter(enrollment["IMGRTN_STUS_CD"].to_pylist())
    assert imm["8"] > imm["3"] > 0
    assert "0" not in imm
    births = [b for b in enrollment["BIRTH_DT"].to_pylist() if b]
    assert sum(bool(re.fullmatch(r"\d{8}", b)) for b in births) > 0.9 * len(births)
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", b) for b in births)
    states = set(enrollment["SUBMTG_STATE_CD"].to_pylist())
    assert {"06", "36"} <= states
    assert states & {"93", "94", "96", "97"}
    assert states & {"6", "1"}


def test_emergency_only_share_follows_the_state_figures(tables: dict[str, Any]) -> None:
    enrollment = tables["enrollment"]
    by_state: dict[str, Counter[str]] = {}
    for state, code in zip(
        enrollment["SUBMTG_STATE_CD"].to_pylist(),
        enrollment["IMGRTN_STUS_CD"].to_pylist(),
        strict=True,
    ):
        by_state.setdefault(state, Counter())[code] += 1
    ca = by_state["06"]
    share_ca = ca["3"] / sum(ca.values())
    everywhere = sum((c for c in by_state.values()), Counter())
    share_all = everywhere["3"] / sum(everywhere.values())
    assert 0.09 < share_ca < 0.17
    assert share_all < share_ca


# --- planted cases -------------------------------------------------------------------------------


def test_every_label_is_planted_in_five_thousand_rows(tmp_path: Path) -> None:
    result = synthesize(tmp_path, rows=5_000, seed=2)
    planted = {
        c for cases in pq.read_table(tmp_path / "truth.parquet")["cases"].to_pylist() for c in cases
    }
    assert planted == set(LABELS)
    assert all(result.cases[label] > 0 for label in LABELS)


def test_result_counts_match_the_truth_file(run: Path, tables: dict[str, Any]) -> None:
    result = synthesize(run, rows=20_000, seed=11)
    counts = Counter(c for cases in tables["truth"]["cases"].to_pylist() for c in cases)
    assert result.cases == {label: counts[label] for label in LABELS}


def test_planted_facility_addresses_match_registry_rows_and_normal_rows_never_do(
    run: Path, tables: dict[str, Any]
) -> None:
    registry = {
        _address_key(
            r["Provider First Line Business Practice Location Address"],
            r["Provider Business Practice Location Address Postal Code"],
        )
        for r in _active_orgs(run)
    }
    planted = _rows(tables, "facility_address_registry")
    assert planted
    assert all(
        _address_key(r["ELGBL_LINE_1_ADR_HOME"], r["ELGBL_ZIP_CD_HOME"]) in registry
        for r in planted
    )
    assert not any(
        _address_key(r["ELGBL_LINE_1_ADR_HOME"] or "", r["ELGBL_ZIP_CD_HOME"] or "") in registry
        for r in _normal_rows(tables)
    )


def test_planted_facility_phones_match_registry_phones_and_normal_phones_never_do(
    run: Path, tables: dict[str, Any]
) -> None:
    phones = {
        r["Provider Business Practice Location Address Telephone Number"] for r in _active_orgs(run)
    }
    planted = _rows(tables, "facility_phone")
    assert planted
    assert all(_digits(r["ELGBL_PHNE_NUM_HOME"]) in phones for r in planted)
    assert not any(_digits(r["ELGBL_PHNE_NUM_HOME"] or "") in phones for r in _normal_rows(tables))


def test_phones_of_normal_rows_are_nanp_valid(tables: dict[str, Any]) -> None:
    nanp = re.compile(r"[2-9]\d{2}[2-9]\d{6}")
    phones = [r["ELGBL_PHNE_NUM_HOME"] for r in _normal_rows(tables) if r["ELGBL_PHNE_NUM_HOME"]]
    assert phones
    assert any(not p.isdigit() for p in phones)
    for phone in phones:
        digits = _digits(phone)
        assert nanp.fullmatch(digits), phone
        assert digits[4:6] != "11", phone


def test_medicaid_id_labels_are_exact(tables: dict[str, Any]) -> None:
    is_ssn = _has(tables, "msis_id_is_ssn")
    shaped = _has(tables, "msis_id_ssn_shaped")
    ssn_like = re.compile(r"(?!000|666|9)\d{3}(?!00)\d{2}(?!0000)\d{4}")
    for row, a, b in zip(tables["enrollment"].to_pylist(), is_ssn, shaped, strict=True):
        msis = row["MSIS_IDENT_NUM"]
        assert a == (msis is not None and msis == row["SSN_NUM"])
        assert (a or b) == bool(msis and ssn_like.fullmatch(msis))
    missing = _has(tables, "missing_id")
    assert missing == [m is None for m in tables["enrollment"]["MSIS_IDENT_NUM"].to_pylist()]


def test_determination_labels_are_exact(tables: dict[str, Any]) -> None:
    by_person: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in tables["determinations"].to_pylist():
        day = row["DETERMINED_ON"].replace("-", "")
        key = (row["SUBMTG_STATE_CD"], row["MSIS_IDENT_NUM"])
        by_person.setdefault(key, []).append((day, row["STATUS_CATEGORY"]))
    conflict, stale = set(), set()
    for key, rows in by_person.items():
        latest = max(day for day, _ in rows)
        if len({c for day, c in rows if day == latest}) > 1:
            conflict.add(key)
        if latest < "20251101":
            stale.add(key)
    enrollment = tables["enrollment"].to_pylist()
    for label, people in (("determination_conflict", conflict), ("determination_stale", stale)):
        labelled = {
            (normalize_state_code(r["SUBMTG_STATE_CD"]), r["MSIS_IDENT_NUM"])
            for r, m in zip(enrollment, _has(tables, label), strict=True)
            if m
        }
        assert labelled == people, label


def test_duplicate_labels_are_exact(tables: dict[str, Any]) -> None:
    enrollment = tables["enrollment"].to_pylist()
    keys = Counter((r["SUBMTG_STATE_CD"], r["MSIS_IDENT_NUM"]) for r in enrollment)
    exact = _has(tables, "duplicate_exact")
    conflicting = _has(tables, "duplicate_conflicting")
    rows_by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in enrollment:
        rows_by_key.setdefault((r["SUBMTG_STATE_CD"], r["MSIS_IDENT_NUM"]), []).append(r)
    for r, e, c in zip(enrollment, exact, conflicting, strict=True):
        key = (r["SUBMTG_STATE_CD"], r["MSIS_IDENT_NUM"])
        if r["MSIS_IDENT_NUM"] is None:
            continue
        assert (e or c) == (keys[key] > 1)
        if e:
            assert all(other == r for other in rows_by_key[key])
        if c:
            homes = {o["ELGBL_LINE_1_ADR_HOME"] for o in rows_by_key[key]}
            assert len(homes) == 2


def test_text_and_code_cases_carry_what_their_label_says(tables: dict[str, Any]) -> None:
    def lines(r: dict[str, Any]) -> str:
        return " ".join(
            r[c] or ""
            for c in ("ELGBL_LINE_1_ADR_HOME", "ELGBL_LINE_2_ADR_HOME", "ELGBL_LINE_3_ADR_HOME")
        )

    icd = re.compile(r"\b[A-TV-Z]\d[0-9AB](\.\d{1,4})?\b")
    assert all(icd.search(lines(r)) for r in _rows(tables, "icd_in_address"))
    assert all(re.search(r"(^|\s)[=+@-]", lines(r)) for r in _rows(tables, "formula_text"))
    for r in _rows(tables, "unicode_lookalike"):
        assert not (r["ELGBL_LINE_1_ADR_HOME"] + r["ELGBL_ZIP_CD_HOME"]).isascii()
    for r in _rows(tables, "inconsistent_codes"):
        assert (r["CTZNSHP_IND"] in {"1", "2"}) != (r["IMGRTN_STUS_CD"] == "8")
    for r in _rows(tables, "unknown_code"):
        assert r["IMGRTN_STUS_CD"] in {"4", "9"} or r["ELGBLTY_GRP_CD"] == "77"
    for r in _rows(tables, "alternate_state_code"):
        assert r["SUBMTG_STATE_CD"] in {"93", "94", "96", "97"}
    for r in _normal_rows(tables):
        assert (r["CTZNSHP_IND"] in {"1", "2"}) == (r["IMGRTN_STUS_CD"] == "8")
        assert lines(r).isascii()


def test_mixed_status_households_hold_a_citizen_and_someone_not_clearly_lawful(
    tables: dict[str, Any],
) -> None:
    truth = tables["truth"].to_pylist()
    members: dict[str, set[str]] = {}
    for r, t in zip(tables["enrollment"].to_pylist(), truth, strict=True):
        members.setdefault(r["MSIS_CASE_NUM"], set()).add(t["status_category"])
    lawful = {c for c, cls in model.codes.STATUS_CLASS.items() if cls == "clearly lawful"}
    for r, t in zip(tables["enrollment"].to_pylist(), truth, strict=True):
        cats = members[r["MSIS_CASE_NUM"]]
        mixed = "CITIZEN" in cats and bool(cats - {c.value for c in lawful})
        assert ("mixed_status_household" in t["cases"]) == mixed


# --- registry ------------------------------------------------------------------------------------


def test_registry_header_is_the_nppes_main_file_layout(run: Path) -> None:
    with (run / "facilities_nppes.csv").open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == list(NPPES_HEADER)
    assert len(header) == 330
    assert set(DOCUMENTED_HEADERS) <= set(header)


def test_registry_has_facility_individual_and_deactivated_npis(run: Path) -> None:
    rows = _registry(run)
    assert all(r["NPI"][-1] == npi_check_digit(r["NPI"][:9]) for r in rows)
    orgs = [r for r in rows if r["Entity Type Code"] == "2"]
    assert {r["Healthcare Provider Taxonomy Code_1"] for r in orgs} >= {"261QE0700X", "261QM2800X"}
    assert any(r["Entity Type Code"] == "1" for r in rows)
    assert any(r["NPI Deactivation Date"] for r in rows)
    assert all(r["Healthcare Provider Primary Taxonomy Switch_1"] == "Y" for r in rows)


# --- formats and the CLI -------------------------------------------------------------------------


def _read_text(path: Path, delimiter: str) -> Any:
    names = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=delimiter)).column_names
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
        ),
    )


@pytest.mark.parametrize(("fmt", "delimiter"), [("psv", "|"), ("csv", ",")])
def test_text_formats_hold_the_same_rows_as_parquet(
    tables: dict[str, Any], tmp_path: Path, fmt: str, delimiter: str
) -> None:
    result = synthesize(tmp_path, rows=20_000, seed=11, fmt=fmt)
    assert result.paths["enrollment"].name == f"enrollment.{fmt}"
    first_line = result.paths["enrollment"].read_text(encoding="utf-8").splitlines()[0]
    assert first_line.split(delimiter)[0].strip('"') == "SUBMTG_STATE_CD"
    for table in ("enrollment", "determinations"):
        text = _read_text(result.paths[table], delimiter)
        assert text.equals(tables[table]), table
    assert (tmp_path / "truth.parquet").exists()
    assert (tmp_path / "facilities_nppes.csv").exists()


def test_cli_synth_writes_the_four_files(tmp_path: Path) -> None:
    from minshare.cli.main import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["synth", "--rows", "3000", "--seed", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert "facility_address_registry" in result.output


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows": 0}, "--rows"),
        ({"rows": 10, "fmt": "xlsx"}, "--format"),
        ({"rows": 10, "seed": -1}, "--seed"),
    ],
)
def test_bad_arguments_are_usage_errors(
    tmp_path: Path, kwargs: dict[str, Any], message: str
) -> None:
    args = {"seed": 0, **kwargs}
    with pytest.raises(UsageError, match=message):
        synthesize(tmp_path, **args)


def test_an_output_path_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(UsageError, match="not a directory"):
        synthesize(target, rows=10, seed=0)
