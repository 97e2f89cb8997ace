"""The plan: what governs where, what may leave, and exactly what is read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from minshare.compile import CompileError, compile_plan, plan_for
from minshare.data import model
from minshare.orders import load_builtin_orders
from minshare.orders.catalog import Catalog
from minshare.orders.requests import check_request_file

DEC = "ca-v-hhs-2025-12-29"
INJUNCTION = "ca-v-hhs-2025-08-12"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _plan(name: str):  # type: ignore[no-untyped-def]
    return compile_plan(check_request_file(EXAMPLES / name, load_builtin_orders()))


def test_december_request_discloses_the_order_fields_and_reads_no_health_or_name_column() -> None:
    plan = _plan("ice-2026-02-01.yaml")
    order = Catalog.builtin().get(DEC)
    assert plan.columns == order.field_names
    never = {*model.health_columns(), "ELGBL_1ST_NAME", "ELGBL_LAST_NAME", "ELGBLTY_GRP_CD"}
    assert not never & set(plan.enrollment_columns)
    assert "SSN_NUM" in plan.enrollment_columns  # the SSN check reads it; it never leaves
    assert "SSN_NUM" not in plan.columns


def test_december_plan_reads_both_addresses_for_the_guard_only() -> None:
    from minshare.engines.duckdb import Run
    from minshare.guard import GUARD_FIELDS

    plan = _plan("ice-2026-02-01.yaml")
    mail = [c for c in plan.guard_columns if c.endswith("_MAIL")]
    assert mail == [
        "ELGBL_LINE_1_ADR_MAIL", "ELGBL_LINE_2_ADR_MAIL", "ELGBL_LINE_3_ADR_MAIL",
        "ELGBL_CITY_NAME_MAIL", "ELGBL_ZIP_CD_MAIL", "ELGBL_PHNE_NUM_MAIL",
    ]  # fmt: skip
    assert "ELGBL_LINE_1_ADR_HOME" in plan.guard_columns
    assert set(plan.guard_columns) <= set(GUARD_FIELDS)  # the guard can scan every one
    assert set(mail) <= set(plan.read_columns)
    assert not set(mail) & {*plan.enrollment_columns, *plan.columns}
    assert "_MAIL" not in Run.check(plan)  # the decision query never selects them


def test_december_plan_governs_exactly_the_plaintiff_states() -> None:
    plan = _plan("ice-2026-02-01.yaml")
    (order,) = plan.orders
    assert order.id == DEC
    assert "36" in order.states
    assert "06" in order.states
    assert "55" in order.states
    assert "48" not in order.states
    assert "11" not in order.states
    assert plan.requested_states is None


def test_injunction_plan_permits_nothing_and_reads_only_the_keys() -> None:
    plan = _plan("ice-2025-10-01.yaml")
    assert [o.id for o in plan.orders] == [INJUNCTION]
    assert plan.columns == ()
    assert plan.enrollment_columns == model.KEY
    assert plan.read_columns == model.KEY  # no guard, no address read
    assert plan.determination_columns == model.KEY
    assert plan.facts == ()
    assert plan.requested_states == ("06", "36")


def test_facts_are_those_the_rules_use_with_duplicate_conflict_per_order() -> None:
    plan = _plan("ice-2026-02-01.yaml")
    names = [u.name for u in plan.facts]
    assert "determination.category" in names
    assert "msis_id_is_ssn" in names
    assert "determination.determined_on" not in names  # no rule of the order uses it
    (dup,) = [u for u in plan.facts if u.name == "duplicate_conflict"]
    assert dup.order_id == DEC


def test_requested_fields_narrow_the_columns_that_leave() -> None:
    orders = load_builtin_orders()
    plan = plan_for(orders, dt.date(2026, 2, 1), fields=["BIRTH_DT", "MSIS_IDENT_NUM"])
    assert plan.columns == ("MSIS_IDENT_NUM", "BIRTH_DT")  # the order's order, not the request's
    # Duplicates are still compared on every field of the order.
    assert "ELGBL_PHNE_NUM_HOME" in plan.enrollment_columns


def test_a_field_no_order_permits_is_a_compile_error() -> None:
    with pytest.raises(CompileError, match="ELGBL_LAST_NAME"):
        plan_for(load_builtin_orders(), dt.date(2026, 2, 1), fields=["ELGBL_LAST_NAME"])


def test_guard_facts_the_rules_use_make_the_engine_run_the_guard() -> None:
    plan = _plan("ice-2026-02-01.yaml")
    assert plan.guard_facts == ("guard.finding",)
    assert plan.fact_column("guard.finding") == "fact_guard_finding"
    injunction = _plan("ice-2025-10-01.yaml")
    assert injunction.guard_facts == ()


def test_the_plan_fingerprint_changes_with_the_as_of_date() -> None:
    orders = load_builtin_orders()
    a = plan_for(orders, dt.date(2026, 2, 1))
    b = plan_for(orders, dt.date(2026, 2, 2))
    assert a.fingerprint() != b.fingerprint()
    assert a.fingerprint() == plan_for(orders, dt.date(2026, 2, 1)).fingerprint()
