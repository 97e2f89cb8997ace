"""The JSON Schemas users write against, and the list/show commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minshare.cli.main import main
from minshare.errors import UsageError
from minshare.orders.schema import json_schema, schema_text

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_published_order_schema_matches_the_model() -> None:
    assert (DOCS / "order.schema.json").read_text(encoding="utf-8") == schema_text("order")


def test_the_order_schema_describes_rules_and_predicates() -> None:
    schema = json_schema("order")
    assert {"id", "authority", "effective", "jurisdiction", "fields", "rules"} <= set(
        schema["properties"]
    )
    assert {"All", "AnyOf", "Not", "Always", "Compare", "Rule"} <= set(schema["$defs"])
    assert schema["$defs"]["Compare"]["maxProperties"] == 2
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("kind", ["request", "policy-test"])
def test_requests_and_policy_tests_have_schemas_too(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["orders", "schema", kind]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("minshare")


def test_an_unknown_schema_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        json_schema("nope")


def test_cli_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["orders", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [o["id"] for o in listed] == ["ca-v-hhs-2025-08-12", "ca-v-hhs-2025-12-29"]
    assert all(len(o["sha256"]) == 64 for o in listed)
    assert main(["orders", "show", "ca-v-hhs-2025-12-29"]) == 0
    out = capsys.readouterr().out
    assert "[disclose] disclose-unlawfully-present-verified" in out
    assert "recipient dhs-ice" in out
    assert main(["orders", "show", "ca-v-hhs-2025-12-29", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["effective"] == {"from": "2026-01-06"}
    assert main(["orders", "show", "no-such-order"]) == 4
