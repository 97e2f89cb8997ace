"""The reference evaluator and the fixed combination rule, with properties over random records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from minshare.data.codes import DeterminationSource, StatusCategory
from minshare.data.states import ALTERNATE_SUBMITTER, STATES
from minshare.orders.catalog import Catalog
from minshare.orders.decide import Decider
from minshare.orders.evaluate import DEFAULT_DENY, NO_ORDER, evaluate
from minshare.orders.load import recheck
from minshare.orders.model import Effect, Order, Rule
from minshare.orders.predicates import Always

DEC = Catalog.builtin().get("ca-v-hhs-2025-12-29")
AUG = Catalog.builtin().get("ca-v-hhs-2025-08-12")
PLAINTIFFS = {j.state for j in DEC.jurisdiction}
AS_OF = date(2026, 2, 1)


def with_rules(order: Order, *rules: dict[str, Any]) -> Order:
    extra = tuple(Rule.model_validate(r) for r in rules)
    return recheck(order.model_copy(update={"rules": order.rules + extra}))


def rule(rid: str, effect: str, when: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": rid,
        "effect": effect,
        "when": when,
        "reason": f"because {rid}",
        "cite": f"p. {rid}",
    }


BASE = {"SUBMTG_STATE_CD": "36", "MSIS_IDENT_NUM": "NY1", "CTZNSHP_IND": "0", "IMGRTN_STUS_CD": "3"}
UP_SAVE = [
    {
        "STATUS_CATEGORY": "UNLAWFULLY_PRESENT",
        "DETERMINATION_SOURCE": "SAVE",
        "DETERMINED_ON": date(2025, 12, 1),
    }
]


def test_nothing_matched_is_withhold_by_default_deny() -> None:
    decision = evaluate(DEC, BASE, [{**UP_SAVE[0], "DETERMINATION_SOURCE": None}], AS_OF)
    assert decision.effect is Effect.WITHHOLD
    assert decision.matched_rule_ids == (DEFAULT_DENY,)
    assert "default deny" in decision.reasons[0]
    assert decision.cites


def test_withhold_beats_review_beats_disclose_and_reasons_are_the_winners() -> None:
    order = with_rules(
        DEC,
        rule("extra-review", "review", {"always": True}),
    )
    d = evaluate(order, BASE, UP_SAVE, AS_OF)
    assert d.effect is Effect.REVIEW
    assert set(d.matched_rule_ids) == {"extra-review", "disclose-unlawfully-present-verified"}
    assert d.reasons == ("because extra-review",)
    assert d.cites == ("p. extra-review",)
    order = with_rules(order, rule("extra-withhold", "withhold", {"always": True}))
    assert evaluate(order, BASE, UP_SAVE, AS_OF).effect is Effect.WITHHOLD


def test_the_december_order_discloses_a_verified_unlawfully_present_person() -> None:
    d = evaluate(DEC, BASE, UP_SAVE, AS_OF)
    assert (d.effect, d.matched_rule_ids, d.orders) == (
        Effect.DISCLOSE,
        ("disclose-unlawfully-present-verified",),
        ("ca-v-hhs-2025-12-29",),
    )


def test_a_record_of_a_state_no_order_covers_is_withheld_with_that_reason() -> None:
    d = Decider(Catalog.builtin(), AS_OF).decide({**BASE, "SUBMTG_STATE_CD": "48"}, UP_SAVE)
    assert d.effect is Effect.WITHHOLD
    assert d.matched_rule_ids == (NO_ORDER,)
    assert d.reasons == ("no order in force authorizes this disclosure",)


# --- properties ---------------------------------------------------------------------------------

codes = st.sampled_from(["0", "1", "2", "3", "4", "9", None])
dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
determinations = st.lists(
    st.fixed_dictionaries(
        {
            "STATUS_CATEGORY": st.sampled_from([*(c.value for c in StatusCategory), "ZZZ", None]),
            "DETERMINATION_SOURCE": st.sampled_from(
                [*(s.value for s in DeterminationSource), None]
            ),
            "DETERMINED_ON": dates,
        }
    ),
    max_size=3,
)
records = st.fixed_dictionaries(
    {
        "SUBMTG_STATE_CD": st.sampled_from(sorted({*STATES, *ALTERNATE_SUBMITTER})),
        "MSIS_IDENT_NUM": st.sampled_from(["NY1", "123456789", "000123456", "123-45-6789"]),
        "SSN_NUM": st.sampled_from([None, "900-12-3456", "123456789"]),
        "CTZNSHP_IND": st.sampled_from(["0", "1", "2", "7", None]),
        "IMGRTN_STUS_CD": codes,
        "ELGBL_PHNE_NUM_HOME": st.sampled_from(["5185550142", None]),
    }
)
as_of_dates = st.sampled_from(
    [
        date(2025, 8, 11),
        date(2025, 8, 12),
        date(2025, 10, 1),
        date(2026, 1, 5),
        date(2026, 1, 6),
        AS_OF,
    ]
)
pool = st.sampled_from(
    [
        {"column": "CTZNSHP_IND", "eq": "0"},
        {"column": "IMGRTN_STUS_CD", "in": ["1", "2"]},
        {"column": "IMGRTN_STUS_CD", "unknown_code": True},
        {"fact": "msis_id_is_ssn", "eq": True},
        {"fact": "determination.category", "eq": "UNLAWFULLY_PRESENT"},
        {"fact": "determination.age_days", "gt": 100},
        {"not": {"fact": "determination.present", "eq": True}},
    ]
)
rules = st.lists(st.tuples(st.sampled_from(["disclose", "review", "withhold"]), pool), max_size=5)


NEVER = Rule(id="never", effect=Effect.DISCLOSE, when=Always(always=False), reason="r", cite="c")


@settings(max_examples=150, deadline=None)
@given(records, determinations, rules)
def test_adding_a_matching_withhold_rule_never_lets_a_record_out(
    record: dict[str, Any], dets: list[dict[str, Any]], extra: list[Any]
) -> None:
    made = tuple(Rule.model_validate(rule(f"r{i}", e, w)) for i, (e, w) in enumerate(extra))
    base = AUG.model_copy(update={"rules": made or (NEVER,)})
    before = evaluate(base, record, dets, AS_OF)
    # A withhold rule that matches this record: the condition of a rule that held, or always.
    held = next((r for r in base.rules if r.id in before.matched_rule_ids), None)
    when = held.when if held is not None else Always(always=True)
    added = Rule(id="w", effect=Effect.WITHHOLD, when=when, reason="r", cite="c")
    after = evaluate(base.model_copy(update={"rules": (*base.rules, added)}), record, dets, AS_OF)
    assert after.effect is Effect.WITHHOLD
    assert set(before.matched_rule_ids) - {DEFAULT_DENY} <= set(after.matched_rule_ids)


@settings(max_examples=200, deadline=None)
@given(records, determinations, as_of_dates)
def test_a_record_outside_every_jurisdiction_is_never_disclosed(
    record: dict[str, Any], dets: list[dict[str, Any]], as_of: date
) -> None:
    decision = Decider(
        Catalog.builtin(), as_of, recipient="dhs-ice", purpose="civil-immigration-enforcement"
    ).decide(record, dets)
    state = record["SUBMTG_STATE_CD"]
    state = ALTERNATE_SUBMITTER.get(state, state)
    if state not in PLAINTIFFS or as_of < date(2025, 8, 12):
        assert decision.effect is Effect.WITHHOLD
        assert decision.matched_rule_ids == (NO_ORDER,)
    if as_of < date(2026, 1, 6):
        assert decision.effect is Effect.WITHHOLD


@settings(max_examples=300, deadline=None)
@given(records, determinations)
def test_the_december_order_discloses_only_what_it_permits(
    record: dict[str, Any], dets: list[dict[str, Any]]
) -> None:
    decision = Decider(
        Catalog.builtin(),
        AS_OF,
        recipient="dhs-ice",
        purpose="civil-immigration-enforcement",
        keep_facts=True,
    ).decide(record, dets)
    if decision.effect is not Effect.DISCLOSE:
        return
    f = decision.facts
    assert f["state"] in PLAINTIFFS
    assert f["determination.category"] == "UNLAWFULLY_PRESENT"
    assert not f["determination.conflict"]
    assert f["determination.source"] in {"SAVE", "USCIS_DOCUMENT", "STATE_RECORD"}
    assert 0 <= f["determination.age_days"] <= 365
    assert (record["CTZNSHP_IND"], record["IMGRTN_STUS_CD"]) == ("0", "3")
    assert not f["msis_id_is_ssn"]
    latest = max(d["DETERMINED_ON"] for d in dets if d["DETERMINED_ON"] <= AS_OF)
    assert AS_OF - latest <= timedelta(days=365)
