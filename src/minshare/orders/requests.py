"""Written requests, and the checks that accept or refuse them before any data is read.

Privacy Act 5 U.S.C. 552a(b)(7) lets an agency disclose for law enforcement on the *written
request* of the requesting agency's head, naming the portion wanted and the activity. A request
here is such a document in YAML. It does not choose the order: minshare resolves, per requested
state, which orders are in force on ``as_of``. The request is refused, with every reason at once
and each naming the clause it fails, when

- ``as_of`` is before ``signed_on`` (the request must precede the disclosure);
- a listed state, or every state when ``all`` is asked, has no order in force;
- a governing order does not name the recipient or does not allow the purpose;
- a requested field is not permitted by a governing order.

With ``states: all``, states no order governs are not a refusal: their records are withheld
with "no order in force authorizes this disclosure".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from minshare.data import model
from minshare.data.states import STATES
from minshare.errors import MinshareError
from minshare.orders.decide import Decider
from minshare.orders.errors import RequestInvalid, RequestRefused
from minshare.orders.load import clause
from minshare.orders.model import Id, IsoDate, Order, StateCode, Text
from minshare.orders.resolve import NO_ORDER_REASON, Resolution, label, resolve
from minshare.orders.yamlsrc import PathT, Source, load_validated, pydantic_errors

B7 = "written request (Privacy Act 5 U.S.C. 552a(b)(7))"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Requester(_Model):
    name: Text
    title: Text
    agency: Text
    address: Text = Field(description="Postal address")


class Request(_Model):
    """A written request for a disclosure (the (b)(7) letter, as data)."""

    model_config = ConfigDict(
        title="minshare request",
        json_schema_extra={"$id": "https://minshare.invalid/schema/request.json"},
    )

    schema_version: Literal[1] = 1
    request_id: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    recipient: Id
    purpose: Id
    activity: Text = Field(description="The law-enforcement activity, in words")
    requested_by: Requester
    signed_on: IsoDate
    as_of: IsoDate = Field(description="The disclosure date")
    states: Literal["all"] | Annotated[tuple[StateCode, ...], Field(min_length=1)]
    fields: Annotated[tuple[Text, ...], Field(min_length=1)] | None = Field(
        None, description="The portion requested; default: every permitted field"
    )
    authority_cited: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Authorization:
    """An accepted request: what may run, under which orders, disclosing which columns."""

    request: Request
    resolutions: dict[str, Resolution]
    orders: tuple[Order, ...]
    fields: tuple[str, ...]

    @property
    def as_of(self) -> date:
        return self.request.as_of

    @property
    def uncovered(self) -> tuple[str, ...]:
        return tuple(s for s, r in self.resolutions.items() if not r.governing)

    def decider(self) -> Decider:
        return Decider(
            self.orders, self.as_of, recipient=self.request.recipient, purpose=self.request.purpose
        )


def _validate(source: Source) -> tuple[Request | None, list[MinshareError]]:
    if not isinstance(source.data, dict):
        return None, [source.error(RequestInvalid, (), "a request file is a YAML mapping")]
    try:
        return Request.model_validate(source.data), []
    except ValidationError as exc:
        return None, pydantic_errors(exc, source, RequestInvalid)


def load_request(path: Path | str, *, name: str | None = None) -> tuple[Request, Source]:
    request, source, _ = load_validated(path, RequestInvalid, _validate, name=name)
    assert isinstance(request, Request)
    return request, source


def _refusal(source: Source | None, path: PathT, message: str) -> MinshareError:
    if source is None:
        return RequestRefused(message, field=".".join(str(p) for p in path))
    return source.error(RequestRefused, path, message)


def check_request(
    request: Request, orders: Sequence[Order], *, source: Source | None = None
) -> Authorization:
    """Accept the request (an :class:`Authorization`) or raise :class:`RequestRefused`."""
    problems: list[MinshareError] = []

    def refuse(path: PathT, message: str) -> None:
        problems.append(_refusal(source, path, message))

    if request.as_of < request.signed_on:
        refuse(
            ("as_of",),
            f"as_of {request.as_of} is before the request was signed ({request.signed_on}): "
            f"the {B7} must precede the disclosure",
        )
    states = sorted(STATES) if request.states == "all" else list(request.states)
    resolutions: dict[str, Resolution] = {}
    for i, state in enumerate(states):
        if state not in STATES:
            refuse(("states", i), f"{state} is not a FIPS state code")
            continue
        res = resolve(orders, state, request.as_of)
        resolutions[state] = res
        if request.states != "all" and not res.governing:
            why = "; ".join(f"{s.order.id}: {s.why}" for s in res.standings)
            refuse(
                ("states", i),
                f"{NO_ORDER_REASON} for state {label(state)} on {request.as_of} ({why})",
            )
    governing: list[Order] = []
    for res in resolutions.values():
        governing += [o for o in res.governing if o not in governing]
    if not governing and request.states == "all":
        refuse(
            ("as_of",), f"{NO_ORDER_REASON}: no order is in force in any state on {request.as_of}"
        )
    for order in governing:
        if order.recipient(request.recipient) is None:
            named = ", ".join(r.id for r in order.recipients) or "none"
            refuse(
                ("recipient",),
                f"recipient {request.recipient} is not named in {clause(order, 'recipients')}; "
                f"it names: {named}",
            )
        if order.purpose(request.purpose) is None:
            allowed = ", ".join(p.id for p in order.purposes) or "none"
            refuse(
                ("purpose",),
                f"purpose {request.purpose} is not allowed by {clause(order, 'purposes')}; "
                f"it allows: {allowed}",
            )
    permitted = [f for f in (governing[0].field_names if governing else ())]
    for order in governing[1:]:
        permitted = [f for f in permitted if f in order.field_names]
    fields = tuple(permitted)
    if request.fields is not None:
        asked: list[str] = []
        for i, name in enumerate(request.fields):
            column = name.strip().upper()
            if model.column(model.Table.ENROLLMENT, column).cls is model.ColumnClass.UNCLASSIFIED:
                refuse(("fields", i), f"unknown column {name}")
                continue
            for order in governing:
                if column not in order.field_names:
                    refuse(("fields", i), f"{column} is not permitted by {clause(order, 'fields')}")
            asked.append(column)
        # R-REQ-2: what leaves is the requested portion, never more than the orders permit.
        fields = tuple(f for f in permitted if f in asked)
    if problems:
        problems.sort(key=lambda p: (p.location.line or 0, p.location.column or 0))
        n = len(problems)
        raise RequestRefused(
            f"request {request.request_id} is refused ({n} reason{'s' if n != 1 else ''}); "
            "nothing runs",
            file=source.file if source else None,
            details=problems,
        )
    return Authorization(request, resolutions, tuple(governing), fields)


def check_request_file(path: Path, orders: Sequence[Order]) -> Authorization:
    request, source = load_request(path)
    return check_request(request, orders, source=source)


__all__ = [
    "Authorization",
    "Request",
    "Requester",
    "check_request",
    "check_request_file",
    "load_request",
]
