"""JSON Schemas of the files users write about orders: the order, the request, policy tests.

``docs/order.schema.json`` is ``schema_text("order")``; a test keeps the two equal.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from minshare.errors import UsageError
from minshare.orders.model import Order
from minshare.orders.policytest import PolicyTestFile
from minshare.orders.requests import Request

SCHEMAS: dict[str, type[BaseModel]] = {
    "order": Order,
    "request": Request,
    "policy-test": PolicyTestFile,
}


def json_schema(kind: str = "order") -> dict[str, Any]:
    if kind not in SCHEMAS:
        raise UsageError(f"no schema {kind!r}; choose one of {', '.join(SCHEMAS)}")
    schema = SCHEMAS[kind].model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_text(kind: str = "order") -> str:
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


__all__ = ["SCHEMAS", "json_schema", "schema_text"]
