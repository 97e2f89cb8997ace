"""The data model is the single source of truth; docs are generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from minshare.data import codes, model, states
from minshare.data.docs import render_markdown
from minshare.data.model import ColumnClass, OrderCategory, Table

ROOT = Path(__file__).resolve().parents[1]


def test_docs_data_model_md_is_generated_from_the_module() -> None:
    on_disk = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert on_disk == render_markdown(), "run: minshare model docs --out docs/data-model.md"


def test_every_issue_column_is_in_the_enrollment_table() -> None:
    names = set(model.column_names(Table.ENROLLMENT))
    for suffix in ("HOME", "MAIL"):
        for stem in (
            "LINE_1_ADR",
            "LINE_2_ADR",
            "LINE_3_ADR",
            "CITY_NAME",
            "ZIP_CD",
            "CNTY_CD",
            "STATE_CD",
            "PHNE_NUM",
        ):
            assert f"ELGBL_{stem}_{suffix}" in names
    for name in (
        "SSN_NUM",
        "BIRTH_DT",
        "CTZNSHP_IND",
        "IMGRTN_STUS_CD",
        "MSIS_CASE_NUM",
        "HIV_AIDS_HH_CHRNC_COND_FLAG",
        "MDCD_ENRLMT_END_DT_1",
        "PRGNT_IND",
    ):
        assert name in names


def test_health_columns_can_never_be_tagged_with_an_order_category() -> None:
    for table in Table:
        for col in model.columns(table):
            if col.cls in (ColumnClass.HEALTH, ColumnClass.UNCLASSIFIED, ColumnClass.HOUSEHOLD):
                assert col.category is None, col.name


def test_the_six_order_categories_each_have_a_column() -> None:
    tagged = {c.category for c in model.ENROLLMENT if c.category is not None}
    assert tagged == set(OrderCategory)


def test_names_are_case_insensitive_and_unknown_names_are_unclassified() -> None:
    assert model.column("enrollment", " birth_dt ").name == "BIRTH_DT"
    extra = model.column("enrollment", "favourite_colour")
    assert extra.cls is ColumnClass.UNCLASSIFIED
    assert extra.category is None


def test_sensitive_eligibility_groups_include_pregnancy_and_cancer() -> None:
    assert codes.ELGBLTY_GRP_CD.sensitive["05"] == "P"
    assert codes.ELGBLTY_GRP_CD.sensitive["34"] == "C"
    assert "07" not in codes.ELGBLTY_GRP_CD.sensitive
    assert {"10", "57", "58"}.isdisjoint(codes.ELGBLTY_GRP_CD.codes)


def test_there_is_no_undocumented_immigration_code() -> None:
    assert set(codes.IMGRTN_STUS_CD.codes) == {"0", "1", "2", "3"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6", "06"),
        (" 36", "36"),
        ("93", "56"),
        ("94", "30"),
        ("96", "19"),
        ("97", "42"),
        ("48", "48"),
    ],
)
def test_state_codes_are_padded_and_alternate_submitters_remapped(raw: str, expected: str) -> None:
    assert states.normalize_state_code(raw) == expected


def test_state_weights_sum_to_the_published_national_total() -> None:
    assert sum(s.enrollment_dec_2025 for s in states.STATES.values()) == 76_206_537


def test_every_status_category_has_a_class() -> None:
    assert set(codes.STATUS_CLASS) == set(codes.StatusCategory)
