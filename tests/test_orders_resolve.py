"""Which order is in force, per state and date, and the catalog that holds the orders."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from minshare.cli.main import main
from minshare.errors import UsageError
from minshare.orders.catalog import Catalog
from minshare.orders.errors import OrderInvalid, UnknownOrder
from minshare.orders.load import load_order
from minshare.orders.resolve import in_force, parse_state, resolve

CATALOG = Catalog.builtin()


def order_yaml(
    oid: str, start: str, *, until: str | None = None, supersedes: str = "[]", states: str = '"36"'
) -> str:
    window = f"{{from: {start}{', until: ' + until if until else ''}}}"
    entries = ", ".join(f"{{state: {s.strip()}, source: s}}" for s in states.split(","))
    return f"""\
id: {oid}
title: t
authority: {{court: c, caption: c, docket: d, document: d, issued: 2025-01-01, evidence: press,
            sources: [{{id: s, title: t, evidence: press}}]}}
effective: {window}
supersedes: {supersedes}
jurisdiction: [{entries}]
rules: [{{id: r, effect: withhold, when: {{always: true}}, reason: r, cite: c}}]
"""


@pytest.mark.parametrize(
    ("as_of", "state", "expected"),
    [
        (date(2025, 10, 1), "36", ("ca-v-hhs-2025-08-12",)),
        (date(2026, 2, 1), "36", ("ca-v-hhs-2025-12-29",)),
        (date(2026, 2, 1), "48", ()),
        (date(2025, 8, 11), "36", ()),
        (date(2026, 1, 5), "36", ("ca-v-hhs-2025-08-12",)),
        (date(2026, 1, 6), "36", ("ca-v-hhs-2025-12-29",)),
        (date(2025, 8, 27), "55", ()),
        (date(2025, 8, 28), "55", ("ca-v-hhs-2025-08-12",)),
    ],
)
def test_the_reference_orders_govern_on_their_dates_and_states(
    as_of: date, state: str, expected: tuple[str, ...]
) -> None:
    assert tuple(o.id for o in resolve(CATALOG.orders, state, as_of).governing) == expected


def test_every_standing_says_why() -> None:
    res = resolve(CATALOG.orders, "48", date(2026, 2, 1))
    whys = {s.order.id: s.why for s in res.standings}
    assert "not in force on 2026-02-01" in whys["ca-v-hhs-2025-08-12"]
    assert "48 (TX) is not in its jurisdiction" in whys["ca-v-hhs-2025-12-29"]
    assert "no order in force authorizes this disclosure" in res.summary


def test_a_superseding_order_displaces_the_older_one_only_where_both_apply() -> None:
    old = load_order(order_yaml("old", "2025-01-01", states='"36", "06"'))
    new = load_order(order_yaml("new", "2025-06-01", supersedes="[old]", states='"36"'))
    assert [o.id for o in resolve([old, new], "36", date(2025, 7, 1)).governing] == ["new"]
    assert [o.id for o in resolve([old, new], "06", date(2025, 7, 1)).governing] == ["old"]
    assert [o.id for o in resolve([old, new], "36", date(2025, 5, 1)).governing] == ["old"]
    standing = {s.order.id: s.why for s in resolve([old, new], "36", date(2025, 7, 1)).standings}
    assert standing["old"] == "superseded by new"


def test_overlapping_orders_without_supersession_both_govern() -> None:
    a = load_order(order_yaml("a", "2025-01-01"))
    b = load_order(order_yaml("b", "2025-01-01"))
    assert {o.id for o in resolve([a, b], "36", date(2025, 7, 1)).governing} == {"a", "b"}


def test_in_force_lists_the_states_each_order_governs() -> None:
    governing = in_force(CATALOG.orders, date(2026, 2, 1))
    assert list(governing) == ["ca-v-hhs-2025-12-29"]
    assert len(governing["ca-v-hhs-2025-12-29"]) == 21
    assert "48" not in governing["ca-v-hhs-2025-12-29"]


@pytest.mark.parametrize(
    ("text", "fips"), [("36", "36"), ("NY", "36"), ("ny", "36"), ("6", "06"), ("97", "42")]
)
def test_states_are_typed_as_users_type_them(text: str, fips: str) -> None:
    assert parse_state(text) == fips


def test_an_unknown_state_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        parse_state("99")


def test_the_catalog_rejects_unknown_supersession_and_cycles(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(order_yaml("a", "2025-01-01", supersedes="[nope]"))
    with pytest.raises(OrderInvalid, match="inconsistent") as info:
        Catalog.load([tmp_path / "a.yaml"])
    assert "supersedes nope, which is not a known order" in str(info.value)
    (tmp_path / "a.yaml").write_text(order_yaml("a", "2025-01-01", supersedes="[b]"))
    (tmp_path / "b.yaml").write_text(order_yaml("b", "2025-01-01", supersedes="[a]"))
    with pytest.raises(OrderInvalid) as info:
        Catalog.load([tmp_path])
    assert "cycle" in str(info.value)


def test_a_user_file_with_a_builtin_id_replaces_it_and_two_user_files_cannot_share_an_id(
    tmp_path: Path,
) -> None:
    (tmp_path / "x.yaml").write_text(order_yaml("ca-v-hhs-2025-08-12", "2025-01-01"))
    catalog = Catalog.load([tmp_path / "x.yaml"])
    assert catalog.overridden == ("ca-v-hhs-2025-08-12",)
    assert catalog.get("ca-v-hhs-2025-08-12").effective.until is None
    (tmp_path / "y.yaml").write_text(order_yaml("ca-v-hhs-2025-08-12", "2025-02-01"))
    with pytest.raises(OrderInvalid, match="defined twice"):
        Catalog.load([tmp_path])


def test_an_unknown_order_id_names_the_known_ones() -> None:
    with pytest.raises(UnknownOrder, match="ca-v-hhs-2025-12-29"):
        CATALOG.get("no-such-order")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--as-of", "2025-10-01", "--state", "36"], "ca-v-hhs-2025-08-12 governs state 36 (NY)"),
        (["--as-of", "2026-02-01", "--state", "36"], "ca-v-hhs-2025-12-29 governs state 36 (NY)"),
        (
            ["--as-of", "2026-02-01", "--state", "48"],
            "nothing: no order in force authorizes this disclosure",
        ),
    ],
)
def test_cli_in_force_names_the_governing_order(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["orders", "in-force", *args]) == 0
    assert expected in capsys.readouterr().out


def test_cli_in_force_json_and_bad_dates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orders", "in-force", "--as-of", "2026-02-01", "--state", "TX", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["governing"] == []
    assert main(["orders", "in-force", "--as-of", "2026-13-01"]) == 2
