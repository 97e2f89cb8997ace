"""Written requests: accepted under the orders in force, or refused naming each clause failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from minshare.cli.main import main
from minshare.orders.catalog import Catalog, builtin_request_paths
from minshare.orders.errors import RequestInvalid, RequestRefused
from minshare.orders.model import Effect
from minshare.orders.requests import check_request, check_request_file, load_request

ORDERS = Catalog.builtin().orders
EXAMPLES = {p.stem: p for p in builtin_request_paths()}

REQUEST = """\
schema_version: 1
request_id: T-1
recipient: dhs-ice
purpose: civil-immigration-enforcement
activity: Civil immigration enforcement actions
requested_by: {{name: A. Person, title: Director, agency: DHS, address: "1 Main St"}}
signed_on: 2026-01-20
as_of: {as_of}
states: {states}
{extra}"""


def refused(text: str) -> list[str]:
    request, source = load_request(text, name="req.yaml")
    with pytest.raises(RequestRefused) as info:
        check_request(request, ORDERS, source=source)
    assert all(d.location.line for d in info.value.details)
    return [d.message for d in info.value.details]


def test_the_example_request_is_accepted_under_the_december_order() -> None:
    auth = check_request_file(EXAMPLES["ice-2026-02-01"], ORDERS)
    assert [o.id for o in auth.orders] == ["ca-v-hhs-2025-12-29"]
    assert auth.fields == Catalog.builtin().get("ca-v-hhs-2025-12-29").field_names
    assert "48" in auth.uncovered
    assert "36" not in auth.uncovered


def test_a_request_under_the_injunction_runs_and_withholds_everything() -> None:
    auth = check_request_file(EXAMPLES["ice-2025-10-01"], ORDERS)
    assert auth.fields == ()
    decision = auth.decider().decide(
        {
            "SUBMTG_STATE_CD": "06",
            "MSIS_IDENT_NUM": "CA1",
            "CTZNSHP_IND": "0",
            "IMGRTN_STUS_CD": "3",
        },
        [
            {
                "STATUS_CATEGORY": "UNLAWFULLY_PRESENT",
                "DETERMINATION_SOURCE": "SAVE",
                "DETERMINED_ON": "2025-09-01",
            }
        ],
    )
    assert decision.effect is Effect.WITHHOLD
    assert decision.matched_rule_ids == ("withhold-injunction",)


def test_the_refused_example_names_every_clause_it_fails() -> None:
    with pytest.raises(RequestRefused) as info:
        check_request_file(EXAMPLES["refused-2026-02-01"], ORDERS)
    messages = " | ".join(d.message for d in info.value.details)
    assert len(info.value.details) == 4
    assert "ca-v-hhs-2025-12-29 § purposes" in messages
    assert "ELGBL_LAST_NAME is not permitted by ca-v-hhs-2025-12-29 § fields" in messages
    assert "state 48 (TX)" in messages
    assert "552a(b)(7)" in messages


def test_a_recipient_the_order_does_not_name_is_refused() -> None:
    text = REQUEST.format(as_of="2026-02-01", states='["36"]', extra="").replace("dhs-ice", "fbi")
    (message,) = refused(text)
    assert "recipient fbi is not named in ca-v-hhs-2025-12-29 § recipients" in message


def test_a_request_when_no_order_is_in_force_anywhere_is_refused() -> None:
    text = REQUEST.format(as_of="2026-02-01", states="all", extra="").replace(
        "signed_on: 2026-01-20", "signed_on: 2025-01-01"
    )
    text = text.replace("as_of: 2026-02-01", "as_of: 2025-06-01")
    (message,) = refused(text)
    assert "no order in force authorizes this disclosure" in message


def test_the_requested_portion_narrows_what_leaves() -> None:
    text = REQUEST.format(
        as_of="2026-02-01", states='["36"]', extra="fields: [birth_dt, MSIS_IDENT_NUM]\n"
    )
    request, source = load_request(text)
    assert check_request(request, ORDERS, source=source).fields == ("MSIS_IDENT_NUM", "BIRTH_DT")


def test_a_malformed_request_is_invalid_with_locations() -> None:
    text = REQUEST.format(as_of="soon", states='["36"]', extra="color: blue\n")
    with pytest.raises(RequestInvalid) as info:
        load_request(text)
    assert {d.location.field for d in info.value.details} == {"as_of", "color"}


def test_cli_check_request_accepts_and_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orders", "check-request", str(EXAMPLES["ice-2026-02-01"])]) == 0
    assert "accepted" in capsys.readouterr().out
    assert main(["orders", "check-request", str(EXAMPLES["refused-2026-02-01"])]) == 4
    assert "refused (4 reasons)" in capsys.readouterr().err


def test_request_paths_exist() -> None:
    assert set(EXAMPLES) == {"ice-2025-10-01", "ice-2026-02-01", "refused-2026-02-01"}
    assert all(isinstance(p, Path) for p in EXAMPLES.values())
