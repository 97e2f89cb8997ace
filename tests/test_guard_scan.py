"""The scan: findings per row and field, decisive or not, never a copy of the value."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minshare.data.synth import synthesize
from minshare.guard import (
    FINDINGS_SCHEMA,
    Registry,
    build_registry,
    open_registry,
    row_facts,
    scan_table,
)
from minshare.guard.eval import evaluate
from minshare.guard.normalize import nanp_valid
from minshare.guard.scan import HOTLINES

HOME = "ELGBL_LINE_1_ADR_HOME"


def registry(tmp_path: Path, rows: list[dict[str, str]]) -> Registry:
    """A hand-written plain-CSV registry. Its numbers are deliberately not multiples of 50: the
    guard must not lean on the synthetic data's facility numbering."""
    path = tmp_path / "facilities.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(
            fh, fieldnames=["name", "address", "zip", "phone", "category", "strength"]
        )
        w.writeheader()
        w.writerows(rows)
    build_registry([path], tmp_path / "reg")
    return open_registry(tmp_path / "reg")


def batch(**cols: list[Any]) -> pa.Table:
    n = len(next(iter(cols.values())))
    base: dict[str, Any] = {
        "SUBMTG_STATE_CD": ["25"] * n,
        "MSIS_IDENT_NUM": [f"MA{i:08d}" for i in range(n)],
        "_MS_ROW": list(range(1, n + 1)),
    }
    base.update(cols)
    return pa.table(base)


@pytest.fixture
def reg(tmp_path: Path) -> Registry:
    return registry(
        tmp_path,
        [
            {
                "name": "Harbor Renal Care",
                "address": "1237 Canal Street",
                "zip": "02134",
                "phone": "6175550173",
                "category": "dialysis",
                "strength": "strong",
            },
            {
                "name": "Dr Office",
                "address": "811 Oak Ave Suite 3",
                "zip": "02139",
                "phone": "",
                "category": "mental_health",
                "strength": "weak",
            },
        ],
    )


def rows_flagged(findings: pa.Table) -> list[int]:
    return sorted(set(findings.filter(findings["decisive"])["_MS_ROW"].to_pylist()))


def test_a_home_address_that_is_a_facility_is_found_however_it_is_written(reg: Registry) -> None:
    t = batch(
        ELGBL_LINE_1_ADR_HOME=[
            "1237 CANAL ST",
            "1237 Cаnal Street",
            "1237 Canal St Rm 12",
            "1238 Canal St",
        ],
        ELGBL_ZIP_CD_HOME=["02134", "02134-0001", "02134", "02134"],
    )
    f = scan_table(t, reg)
    hits = f.filter(pa.compute.equal(f["scanner"], "registry_address"))
    assert hits["_MS_ROW"].to_pylist() == [1, 2, 3]
    assert set(hits["category"].to_pylist()) == {"F2"}
    assert rows_flagged(f) == [1, 2, 3]


def test_a_facility_phone_is_found_in_any_format(reg: Registry) -> None:
    t = batch(ELGBL_PHNE_NUM_HOME=["(617) 555-0173", "1-617-555-0173", "6175550174", None])
    f = scan_table(t, reg)
    assert f.filter(pa.compute.equal(f["scanner"], "registry_phone"))["_MS_ROW"].to_pylist() == [
        1,
        2,
    ]
    assert set(f["category"].to_pylist()) == {"P1"}


def test_an_individual_providers_office_is_weak_until_a_second_signal(reg: Registry) -> None:
    t = batch(
        ELGBL_LINE_1_ADR_HOME=["811 Oak Avenue", "811 Oak Ave"],
        ELGBL_LINE_2_ADR_HOME=[None, "Room 4"],
        ELGBL_ZIP_CD_HOME=["02139", "02139"],
    )
    f = scan_table(t, reg)
    assert f.num_rows == 3  # the weak address hit twice, and the unit word beside the second
    assert rows_flagged(f) == [2]
    same_suite = batch(ELGBL_LINE_1_ADR_HOME=["811 Oak Ave Ste 3"], ELGBL_ZIP_CD_HOME=["02139"])
    assert rows_flagged(scan_table(same_suite, reg)) == [1]


def test_clinical_words_codes_and_shapes_are_found_in_ordinary_looking_rows(reg: Registry) -> None:
    t = batch(
        ELGBL_LINE_1_ADR_HOME=[
            "12 Elm St",
            "14 Elm St",
            "16 Elm St",
            '=HYPERLINK("x")',
            "18 Elm St",
        ],
        ELGBL_LINE_2_ADR_HOME=["c/o Renal Unit", "Dx F20.9", "Apt B12", None, None],
        ELGBL_PHNE_NUM_HOME=[
            "6175550100",
            "6175550101",
            "6175550102",
            "6175550103",
            "1-800-662-4357",
        ],
    )
    f = scan_table(t, reg)
    by_row = {r: set() for r in range(1, 6)}
    for r, cat in zip(f["_MS_ROW"].to_pylist(), f["category"].to_pylist(), strict=True):
        by_row[r].add(cat)
    assert by_row[1] >= {"F2"}
    assert by_row[2] == {"C1"}
    assert by_row[3] == set()  # "Apt B12" is a unit, not a diagnosis
    assert by_row[4] == {"V1"}
    assert by_row[5] == {"P2"}


def test_a_medicaid_id_that_is_an_ssn_is_found() -> None:
    t = batch(SSN_NUM=["900-12-3456", None, None])
    t = t.set_column(1, "MSIS_IDENT_NUM", pa.array(["900123456", "123-45-6789", "NY7A20931"]))
    f = scan_table(t, Registry.empty())
    assert f["anchor"].to_pylist() == ["ssn:equals_ssn_num", "ssn:ssn_shaped"]


def test_findings_never_copy_the_value_they_found(reg: Registry) -> None:
    secret = "c/o Renal Unit Dx F20.9"
    f = scan_table(batch(ELGBL_LINE_2_ADR_HOME=[secret]), reg)
    assert f.num_rows >= 2
    for row in f.to_pylist():
        for key in ("anchor", "detail"):
            assert "F20.9" not in (row[key] or "")
            assert secret not in (row[key] or "")
    assert f.schema == FINDINGS_SCHEMA


def test_row_facts_are_one_row_per_flagged_record(reg: Registry) -> None:
    t = batch(
        ELGBL_LINE_2_ADR_HOME=["Dialysis Ctr", None, None], ELGBL_PHNE_NUM_HOME=[None, "555", None]
    )
    facts = row_facts(scan_table(t, reg)).to_pylist()
    assert [
        (r["_MS_ROW"], r["guard.finding"], r["guard.health"], r["guard.shape"]) for r in facts
    ] == [
        (1, True, True, False),
        (2, True, False, True),
    ]


def test_only_the_chosen_fields_are_read(reg: Registry) -> None:
    t = batch(ELGBL_LINE_2_ADR_HOME=["Dialysis Ctr"], ELGBL_LINE_2_ADR_MAIL=["c/o Hospice"])
    f = scan_table(t, reg, fields=["ELGBL_LINE_2_ADR_MAIL"])
    assert set(f["field"].to_pylist()) == {"ELGBL_LINE_2_ADR_MAIL"}


_residential = st.builds(
    lambda h, d, s, x, u: (f"{h} {d}{s} {x}", u),
    st.integers(1, 29_999),
    st.sampled_from(["", "N ", "E "]),
    st.sampled_from(
        ["Main", "Oak", "Mission", "Summit", "Center", "Park", "Riverside", "Hillcrest"]
    ),
    st.sampled_from(["St", "Ave", "Blvd", "Rd", "Way", "Ct", "Pkwy"]),
    st.one_of(
        st.none(),
        st.from_regex(r"\A(Apt|Unit|Ste|#|Fl|Bldg|Trlr|Lot) [A-F]?[0-9]{1,3}\Z", fullmatch=True),
    ),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(_residential, min_size=1, max_size=30),
    st.lists(st.integers(2_000_000_000, 9_999_999_999), min_size=30, max_size=30),
)
def test_ordinary_residential_rows_are_never_flagged(
    reg: Registry, rows: list[tuple[str, str | None]], phones: list[int]
) -> None:
    phones = [p for p in phones if nanp_valid(p) and p not in HOTLINES]
    n = min(len(rows), len(phones))
    if n == 0:
        return
    t = batch(
        ELGBL_LINE_1_ADR_HOME=[r[0] for r in rows[:n]],
        ELGBL_LINE_2_ADR_HOME=[r[1] for r in rows[:n]],
        ELGBL_ZIP_CD_HOME=["02134"] * n,
        ELGBL_STATE_CD_HOME=["MA"] * n,
        ELGBL_PHNE_NUM_HOME=[str(p) for p in phones[:n]],
    )
    t = t.filter(pa.compute.invert(pa.compute.match_substring(t[HOME], "1237 Canal")))
    assert rows_flagged(scan_table(t, reg)) == []


def test_on_synthetic_data_every_planted_case_is_caught_and_ordinary_rows_are_not(
    tmp_path: Path,
) -> None:
    out = synthesize(tmp_path / "s", rows=3_000, seed=11)
    build_registry([out.paths["facilities"]], tmp_path / "reg")
    report = evaluate(
        out.paths["enrollment"], out.paths["truth"], tmp_path / "reg", as_of=dt.date(2026, 12, 31)
    )
    assert {s.label for s in report.labels} == {
        "facility_address_registry",
        "facility_words",
        "facility_phone",
        "icd_in_address",
        "msis_id_is_ssn",
        "msis_id_ssn_shaped",
        "formula_text",
        "unicode_lookalike",
    }
    assert all(s.recall == 1.0 and s.caught_by_expected == s.rows for s in report.labels)
    assert report.ordinary > 2_500
    assert report.flag_rate < 0.005
