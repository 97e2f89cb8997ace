"""The guard's facts are part of the orders vocabulary, and the December order reviews findings."""

from __future__ import annotations

import datetime as dt

from minshare.guard.facts import GUARD_FACTS
from minshare.orders import facts
from minshare.orders.catalog import Catalog
from minshare.orders.evaluate import evaluate


def test_every_guard_fact_is_registered_as_a_supplied_bool_never_null() -> None:
    for spec in GUARD_FACTS:
        fact = facts.lookup(spec.name)
        assert fact is not None
        assert fact.derivation is facts.Derivation.SUPPLIED
        assert fact.type.kind is facts.Kind.BOOL
        assert not fact.nullable


def test_the_december_order_sends_a_guard_finding_to_review() -> None:
    order = next(o for o in Catalog.builtin() if o.id == "ca-v-hhs-2025-12-29")
    record = {
        "SUBMTG_STATE_CD": "36",
        "MSIS_IDENT_NUM": "NY7A20931",
        "CTZNSHP_IND": "0",
        "IMGRTN_STUS_CD": "3",
    }
    dets = [
        {
            "STATUS_CATEGORY": "UNLAWFULLY_PRESENT",
            "DETERMINATION_SOURCE": "SAVE",
            "DETERMINED_ON": "2025-12-01",
        }
    ]
    as_of = dt.date(2026, 2, 1)
    clean = {"guard.finding": False, "guard.health": False, "guard.shape": False}
    assert evaluate(order, record, dets, as_of, supplied=clean).effect == "disclose"
    flagged = {**clean, "guard.finding": True, "guard.health": True}
    decision = evaluate(order, record, dets, as_of, supplied=flagged)
    assert decision.effect == "review"
    assert "review-guard-finding" in decision.matched_rule_ids


def test_the_documented_findings_columns_are_the_schema() -> None:
    import re
    from pathlib import Path

    from minshare.guard import FINDINGS_SCHEMA

    text = (Path(__file__).resolve().parents[1] / "docs" / "guard.md").read_text(encoding="utf-8")
    section = text.split("## The findings table", 1)[1].split("\n## ", 1)[0]
    documented = []
    for line in section.splitlines():
        m = re.match(r"\| `([^`]+)`(?:, `([^`]+)`)? \|", line)
        if m:
            documented += [g for g in m.groups() if g]
    assert documented == FINDINGS_SCHEMA.names
