"""The health-information guard inside a disclosure: scanned where its findings can change the
decision, required by the December order, recorded in the manifest."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from enginekit import determination, person, registry_of, rows_of, write_inputs, write_request
from minshare.engines import disclose, explain
from minshare.errors import UsageError

DIALYSIS = {"ELGBL_LINE_1_ADR_HOME": "500 Renal Way", "ELGBL_ZIP_CD_HOME": "12207"}


def test_a_facility_address_sends_a_disclosable_record_to_review(tmp_path: Path) -> None:
    people = [person("NY1", **DIALYSIS), person("NY2"), person("NY3", CTZNSHP_IND="1", **DIALYSIS)]
    dets = [determination(i) for i in ("NY1", "NY2", "NY3")]
    e, d = write_inputs(tmp_path / "in", people, dets)
    result = disclose(
        write_request(tmp_path / "req.yaml"), e, d, out=tmp_path / "pkg",
        workspace=tmp_path / "ws", registries=registry_of(e),
    )  # fmt: skip
    rows = {r["MSIS_IDENT_NUM"]: r for r in rows_of(tmp_path / "ws" / "decisions.parquet")}
    assert rows["NY1"]["decision"] == "review"
    assert "review-guard-finding" in rows["NY1"]["reason_ids"]
    assert rows["NY1"]["fact_guard_finding"] is True
    assert rows["NY2"]["fact_guard_finding"] is False  # scanned, nothing found
    # A citizen is withheld by a rule on columns alone: the guard does not look (unknown).
    assert rows["NY3"]["fact_guard_finding"] is None
    assert rows["NY3"]["decision"] == "withhold"
    package = pq.read_table(tmp_path / "pkg" / "records.parquet").to_pylist()
    assert [r["MSIS_IDENT_NUM"] for r in package] == ["NY2"]
    assert result.manifest is not None
    assert result.manifest.extra["registry"]["counts"]["entries"] == 1
    assert [i.role.value for i in result.manifest.inputs] == [
        "enrollment", "determinations", "registry",
    ]  # fmt: skip
    findings = pq.read_table(tmp_path / "ws" / "findings.parquet")
    assert set(findings.column("MSIS_IDENT_NUM").to_pylist()) == {"NY1"}
    traced = explain(tmp_path / "ws", "36", "NY1").rows[0].orders[0].rules
    assert {t.rule_id: t.result for t in traced}["review-guard-finding"] == "true"


def test_the_december_order_needs_a_registry(tmp_path: Path) -> None:
    e, d = write_inputs(tmp_path / "in", [person("NY1")], [determination("NY1")])
    with pytest.raises(UsageError, match="facility registry"):
        disclose(write_request(tmp_path / "req.yaml"), e, d, out=tmp_path / "pkg",
                 workspace=tmp_path / "ws")  # fmt: skip
    assert not (tmp_path / "pkg").exists()


def test_a_care_of_renal_unit_mailing_line_sends_an_ordinary_home_address_to_review(
    tmp_path: Path,
) -> None:
    mail = {
        "ELGBL_LINE_1_ADR_MAIL": "12 Example St",
        "ELGBL_LINE_2_ADR_MAIL": "c/o Renal Unit",
        "ELGBL_CITY_NAME_MAIL": "Albany",
        "ELGBL_ZIP_CD_MAIL": "12207",
    }
    people = [person("NY1", **mail), person("NY2")]  # the same ordinary home address
    e, d = write_inputs(tmp_path / "in", people, [determination("NY1"), determination("NY2")])
    result = disclose(
        write_request(tmp_path / "req.yaml"), e, d, out=tmp_path / "pkg",
        workspace=tmp_path / "ws", registries=registry_of(e),
    )  # fmt: skip
    rows = {r["MSIS_IDENT_NUM"]: r for r in rows_of(tmp_path / "ws" / "decisions.parquet")}
    assert rows["NY1"]["decision"] == "review"
    assert "review-guard-finding" in rows["NY1"]["reason_ids"]
    assert rows["NY2"]["decision"] == "disclose"
    findings = pq.read_table(tmp_path / "ws" / "findings.parquet").to_pylist()
    assert {(f["MSIS_IDENT_NUM"], f["field"]) for f in findings if f["decisive"]} == {
        ("NY1", "ELGBL_LINE_2_ADR_MAIL")
    }
    # Read to decide, never disclosed: not in the decisions, the package or the manifest.
    assert not any(c.endswith("_MAIL") for c in rows["NY1"])
    assert result.manifest is not None
    assert not any(c.endswith("_MAIL") for c in result.manifest.columns)
    package = pq.read_table(tmp_path / "pkg" / "records.parquet")
    assert not any(c.endswith("_MAIL") for c in package.column_names)
    assert "Renal" not in (tmp_path / "pkg" / "records.csv").read_text()


def test_an_input_without_the_mailing_columns_stops_a_guarded_disclosure(tmp_path: Path) -> None:
    from minshare.errors import MissingColumnError

    e, d = write_inputs(
        tmp_path / "in", [person("NY1")], [determination("NY1")], drop=["ELGBL_LINE_2_ADR_MAIL"]
    )
    with pytest.raises(MissingColumnError, match="ELGBL_LINE_2_ADR_MAIL"):
        disclose(write_request(tmp_path / "req.yaml"), e, d, out=tmp_path / "pkg",
                 workspace=tmp_path / "ws", registries=registry_of(e))  # fmt: skip
    assert not (tmp_path / "pkg").exists()
