"""Loading an order: all or nothing, and every problem reported with its line and column."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from minshare.cli.main import main
from minshare.orders.catalog import Catalog, builtin_order_paths
from minshare.orders.errors import OrderInvalid
from minshare.orders.load import load_order, origin, recheck
from minshare.orders.model import Effect

HEAD = """\
schema_version: 1
id: test-order
title: A test order
authority:
  court: Test Court
  caption: A v. B
  docket: "1:00-cv-1"
  document: Order
  issued: 2026-01-01
  evidence: primary
  sources: [{id: s1, title: Source, evidence: primary}]
effective: {from: 2026-01-01}
jurisdiction: [{state: "36", source: s1}]
recipients: [{id: dhs-ice, name: ICE, address: "1 Main St"}]
purposes: [{id: enforcement, description: Enforcement}]
fields: [{column: BIRTH_DT, category: date_of_birth}]
params: {days: {type: int, value: 30, description: A window}}
"""


def order_text(rules: str, head: str = HEAD) -> str:
    return head + "rules:\n" + textwrap.indent(textwrap.dedent(rules), "  ")


def problems(text: str) -> list[tuple[int | None, int | None, str]]:
    with pytest.raises(OrderInvalid) as info:
        load_order(text, name="o.yaml")
    return [(d.location.line, d.location.column, d.message) for d in info.value.details]


def test_both_reference_orders_load_and_are_addressable_by_id() -> None:
    catalog = Catalog.builtin()
    assert {p.stem for p in builtin_order_paths()} == {"ca-v-hhs-2025-08-12", "ca-v-hhs-2025-12-29"}
    dec = catalog.get("ca-v-hhs-2025-12-29")
    assert dec.supersedes == ("ca-v-hhs-2025-08-12",)
    assert len(dec.jurisdiction) == 21
    assert catalog.get("ca-v-hhs-2025-08-12").rules[0].effect is Effect.WITHHOLD


def test_a_valid_order_loads_and_remembers_its_exact_bytes(tmp_path: Path) -> None:
    path = tmp_path / "o.yaml"
    path.write_text(
        order_text("- {id: r1, effect: withhold, when: {always: true}, reason: r, cite: c}")
    )
    order = load_order(path)
    where = origin(order)
    assert where is not None
    assert where.file == str(path)
    import hashlib

    assert where.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_broken_order_reports_every_problem_with_line_and_column() -> None:
    text = order_text(
        """\
        - id: r1
          effect: disclose
          when:
            all:
              - {column: CTZNSHP_IND, eq: 0}
              - {column: IMGRTN_STUS_CD, eq: "9"}
              - {fact: determination.categry, eq: LPR}
              - {fact: determination.age_days, le: {param: dayz}}
          reason: r
          cite: c
        - id: r2
          effect: allow
          when: {always: true}
          reason: r
          cite: c
        """
    ).replace(
        "fields: [{column: BIRTH_DT, category: date_of_birth}]",
        "fields: [{column: PRGNT_IND, category: citizenship}]",
    )
    found = problems(text)
    located = {(line, col) for line, col, _ in found}
    messages = " | ".join(m for _, _, m in found)
    assert len(found) == 6, messages
    assert None not in {line for line, _ in located}
    assert None not in {c for _, c in located}
    assert "PRGNT_IND is health-classified" in messages
    assert "codes are quoted strings" in messages
    assert "unknown code '9' for IMGRTN_STUS_CD" in messages
    assert "unknown fact determination.categry (did you mean determination.category" in messages
    assert "unknown param dayz" in messages
    assert "'disclose', 'review' or 'withhold'" in messages
    # Positions point at the offending value itself: the `0` of `eq: 0`.
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if "eq: 0}" in line)
    assert (row + 1, lines[row].index("eq: 0}") + len("eq: ") + 1) in located


def test_problems_found_by_schema_and_by_type_checker_come_together() -> None:
    # A schema error in one rule must not hide an unknown column in another.
    text = order_text(
        """\
        - {id: r1, effect: withhold, when: {column: NOPE, eq: "x"}, reason: r, cite: c}
        - {id: r2, effect: withhold, when: {always: true}, reason: "", cite: c}
        """
    )
    messages = [m for _, _, m in problems(text)]
    assert any("unknown column NOPE" in m for m in messages)
    assert any("at least 1 character" in m for m in messages)


def test_yaml_syntax_errors_have_a_position() -> None:
    found = problems("id: [unclosed\n")
    assert found[0][0] is not None
    assert "YAML syntax" in found[0][2]


def test_duplicate_keys_are_an_error_not_silently_the_last() -> None:
    text = order_text("- {id: r1, effect: withhold, when: {always: true}, reason: r, cite: c}")
    text = text.replace("title: A test order\n", "title: A test order\ntitle: Again\n")
    assert any("duplicate key 'title'" in m for _, _, m in problems(text))


def test_unquoted_state_codes_are_refused_with_a_hint() -> None:
    text = order_text("- {id: r1, effect: withhold, when: {always: true}, reason: r, cite: c}")
    text = text.replace('state: "36"', "state: 06")
    assert any("quote state codes" in m for _, _, m in problems(text))


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("{column: STATUS_CATEGORY, eq: LPR}", "use the fact determination.category"),
        ("{fact: guard.facility, eq: true}", "no guard fact guard.facility is registered"),
        ("{column: BIRTH_DT, lt: 5}", "BIRTH_DT is date"),
        ('{column: CTZNSHP_IND, lt: "1"}', "lt compares dates and integers"),
        ("{column: ELGBL_ZIP_CD_HOME, unknown_code: true}", "not a code with a code list"),
        ("{fact: determination.present, is_null: true}", "is never null"),
        ("{fact: determination.age_days, gt: {param: nope}}", "unknown param nope"),
        ("{column: BIRTH_DT, ge: {param: days}}", "param days is int"),
        ('{column: CTZNSHP_IND, in: ["1", "1"]}', "listed twice"),
        ("{column: CTZNSHP_IND, eq: null}", "null is not a value"),
        ("{column: CTZNSHP_IND}", "exactly one operator"),
    ],
)
def test_type_errors_in_predicates_are_named(when: str, expected: str) -> None:
    text = order_text(f"- {{id: r1, effect: withhold, when: {when}, reason: r, cite: c}}")
    assert any(expected in m for _, _, m in problems(text)), problems(text)


def test_a_disclose_rule_may_not_depend_on_a_health_revealing_column() -> None:
    rule = '{id: r1, effect: %s, when: {column: ELGBLTY_GRP_CD, eq: "05"}, reason: r, cite: c}'
    assert any(
        "may not depend on ELGBLTY_GRP_CD" in m
        for _, _, m in problems(order_text("- " + rule % "disclose"))
    )
    assert load_order(order_text("- " + rule % "withhold")).rules[0].effect is Effect.WITHHOLD


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("{column: SSN_NUM, category: medicaid_id}", "in none of the order's six categories"),
        ("{column: BIRTH_DT, category: address}", "falls under date_of_birth, not address"),
        ("{column: FOO, category: phone}", "unknown column FOO"),
        ("{column: HIV_AIDS_HH_CHRNC_COND_FLAG, category: phone}", "health-classified"),
    ],
)
def test_permitted_fields_are_checked_against_the_data_model(field: str, expected: str) -> None:
    text = order_text("- {id: r1, effect: withhold, when: {always: true}, reason: r, cite: c}")
    text = text.replace("{column: BIRTH_DT, category: date_of_birth}", field)
    assert any(expected in m for _, _, m in problems(text))


def test_the_state_code_travels_with_the_medicaid_id() -> None:
    text = order_text("- {id: r1, effect: withhold, when: {always: true}, reason: r, cite: c}")
    text = text.replace(
        "{column: BIRTH_DT, category: date_of_birth}",
        "{column: SUBMTG_STATE_CD, category: medicaid_id}",
    )
    assert load_order(text).field_names == ("SUBMTG_STATE_CD",)


def test_an_order_that_discloses_must_say_to_whom() -> None:
    text = order_text(
        '- {id: r1, effect: disclose, when: {column: CTZNSHP_IND, eq: "0"}, reason: r, cite: c}'
    )
    text = text.replace('recipients: [{id: dhs-ice, name: ICE, address: "1 Main St"}]\n', "")
    assert any("must list its recipients" in m for _, _, m in problems(text))


def test_cli_validate_fails_with_every_location_and_nonzero_exit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        order_text(
            """\
            - {id: r1, effect: withhold, when: {column: NOPE, eq: "1"}, reason: r, cite: c}
            - {id: r1, effect: maybe, when: {always: true}, reason: r, cite: c}
            """
        )
    )
    rc = main(["--json-errors", "orders", "validate", str(bad)])
    assert rc == 4
    payload = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    locations = [d["location"] for d in payload["details"]]
    assert len(locations) == 3
    assert all(loc["file"] == str(bad) and loc["line"] and loc["column"] for loc in locations)


def test_cli_validate_accepts_the_reference_orders(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orders", "validate", *map(str, builtin_order_paths())]) == 0
    assert capsys.readouterr().out.count("ok ") == 2


def test_an_order_changed_in_code_does_not_keep_its_files_hash() -> None:
    order = Catalog.builtin().get("ca-v-hhs-2025-12-29")
    changed = recheck(order.model_copy(update={"title": "Changed"}))
    before, after = origin(order), origin(changed)
    assert before is not None
    assert after is not None
    assert after.sha256 != before.sha256
    assert "changed in code" in after.file
