"""The HTTP API under ``/api``. Each route parses its input, calls one library function and
returns its result; who may call it is the ``allow(...)`` in its signature (the route table
the role-matrix test reads)."""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from minshare.ledger.account_requests import AccountingRequest, RequestStatus
from minshare.ledger.accounting import Accounting
from minshare.service import access, account_requests, intake, packages, report
from minshare.service.app import SESSION_COOKIE, allow
from minshare.service.auth import ROLES, Auth, Principal
from minshare.service.errors import InvalidInput, NotFound, error_responses
from minshare.service.jobs import JobRunner, Kind

# Every route may answer these, in the one error shape; the OpenAPI document says so.
router = APIRouter(prefix="/api", responses=error_responses(400, 401, 403, 404, 409, 422))
ANY = allow(*ROLES)
Text = Annotated[str, Field(min_length=1, max_length=10_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignIn(_In):
    name: Text
    password: Text


class RequestIn(_In):
    yaml: Annotated[str, Field(min_length=1, max_length=65_536)] = Field(
        description="The written request, as YAML (minshare request schema)"
    )


class RequestDecisionIn(_In):
    approve: bool
    note: Text


class JobIn(_In):
    kind: Kind
    request: Text = Field(description="The id of a filed request")


class ReviewIn(_In):
    decision: Literal["disclose", "withhold"]
    reason: Text
    answered: list[Text] | None = Field(
        None, description="Rule ids and findings answered; default all of the item's"
    )


class UserIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")]
    role: Literal["requester", "steward", "reviewer", "auditor", "admin"]
    agency: str | None = None
    password: Annotated[str, Field(min_length=12, max_length=1000)] | None = None


class TokenIn(_In):
    user: Text
    label: str | None = None


def _s(request: Request) -> Any:
    return request.app.state.settings


def _db(request: Request) -> Any:
    return request.app.state.db


def _auth(request: Request) -> Auth:
    auth: Auth = request.app.state.auth
    return auth


def _jobs(request: Request) -> JobRunner:
    jobs: JobRunner = request.app.state.jobs
    return jobs


# --- session --------------------------------------------------------------------------------


@router.post("/session", tags=["session"], responses=error_responses(429))
def sign_in(body: SignIn, request: Request) -> JSONResponse:
    """Sign in (browser): sets the session cookie; returns the CSRF token for writes."""
    client = request.client.host if request.client else "?"
    session, who = _auth(request).sign_in(body.name, body.password, client)
    request.state.principal = who
    response = JSONResponse({"name": who.name, "role": who.role, "csrf": who.csrf})
    set_session_cookie(response, session, _s(request).secure_cookies)
    return response


def set_session_cookie(response: Response, session: str, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE, session, httponly=True, secure=secure, samesite="strict", path="/"
    )


@router.get("/me", tags=["session"])
def me(who: Principal = ANY) -> dict[str, Any]:
    return {"name": who.name, "role": who.role, "agency": who.agency, "via": who.via}


# --- orders ---------------------------------------------------------------------------------


def _catalog(request: Request) -> Any:
    from minshare.orders.catalog import Catalog

    return Catalog.load(_s(request).orders)


@router.get("/orders", tags=["orders"])
def list_orders(request: Request, who: Principal = ANY) -> list[dict[str, Any]]:
    return [
        {"id": o.id, "title": o.title, "effective": o.effective.model_dump(mode="json")}
        for o in _catalog(request)
    ]


@router.get("/orders/in-force", tags=["orders"])
def orders_in_force(
    request: Request, on: date = Query(description="The day"), who: Principal = ANY
) -> dict[str, list[str]]:
    from minshare.orders.resolve import in_force

    return {k: list(v) for k, v in in_force(_catalog(request).orders, on).items()}


@router.get("/orders/diff", tags=["orders"])
def orders_diff(request: Request, a: str, b: str, who: Principal = ANY) -> dict[str, Any]:
    from minshare.orders.diff import diff_orders

    cat = _catalog(request)
    if Path(a).suffix or Path(b).suffix:
        raise InvalidInput("orders are named by id here, not by file")
    result = diff_orders(cat.get(a), cat.get(b))
    return {"a": result.a, "b": result.b, "changes": [asdict(c) for c in result.changes]}


@router.get("/orders/{order_id}", tags=["orders"])
def show_order(request: Request, order_id: str, who: Principal = ANY) -> dict[str, Any]:
    if Path(order_id).suffix:
        raise NotFound(f"no order {order_id}")
    order = _catalog(request).get(order_id)
    out: dict[str, Any] = order.model_dump(mode="json", by_alias=True)
    return out


# --- requests -------------------------------------------------------------------------------


@router.get("/requests", tags=["requests"])
def list_requests(
    request: Request, who: Principal = allow("requester", "steward", "auditor", "admin")
) -> list[dict[str, Any]]:
    return intake.listing(_db(request), who)


@router.post("/requests", tags=["requests"], status_code=201)
def submit_request(
    body: RequestIn, request: Request, who: Principal = allow("requester")
) -> dict[str, Any]:
    """File a written request; it is checked at once against the orders in force: ``pending``
    (for a steward) or ``refused`` with every reason and the clause it fails."""
    return intake.submit(_db(request), _s(request), who, body.yaml)


@router.get("/requests/{record_id}", tags=["requests"])
def show_request(
    record_id: str,
    request: Request,
    who: Principal = allow("requester", "steward", "auditor", "admin"),
) -> dict[str, Any]:
    return intake.get(_db(request), who, record_id)


@router.post("/requests/{record_id}/decision", tags=["requests"])
def decide_request(
    record_id: str, body: RequestDecisionIn, request: Request, who: Principal = allow("steward")
) -> dict[str, Any]:
    return intake.decide(_db(request), _s(request), who, record_id, body.approve, body.note)


# --- jobs -----------------------------------------------------------------------------------


@router.get("/jobs", tags=["jobs"])
def list_jobs(request: Request, who: Principal = allow("steward", "auditor")) -> list[Any]:
    return _jobs(request).listing()


@router.post("/jobs", tags=["jobs"], status_code=202)
def start_job(body: JobIn, request: Request, who: Principal = allow("steward")) -> dict[str, Any]:
    """Start a dry run or a disclosure of a request in the background; poll its status."""
    return _jobs(request).start(who, body.kind, body.request)


@router.get("/jobs/{job_id}", tags=["jobs"])
def show_job(
    job_id: str, request: Request, who: Principal = allow("steward", "auditor")
) -> dict[str, Any]:
    return _jobs(request).get(job_id)


@router.get(
    "/jobs/{job_id}/report",
    tags=["jobs"],
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}},
)
def job_report(
    job_id: str, request: Request, who: Principal = allow("steward", "auditor")
) -> HTMLResponse:
    """The compliance report of a finished disclosure (aggregate counts only; small cells
    suppressed), as one self-contained HTML document."""
    return HTMLResponse(report.html(_s(request), _jobs(request), job_id))


@router.get(
    "/jobs/{job_id}/report.pdf",
    tags=["jobs"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **error_responses(503)},
)
def job_report_pdf(
    job_id: str, request: Request, who: Principal = allow("steward", "auditor")
) -> Response:
    """The compliance report as a paged PDF."""
    data = report.pdf(_s(request), _jobs(request), job_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="report-{job_id}.pdf"'},
    )


# --- packages -------------------------------------------------------------------------------


@router.get("/packages", tags=["packages"])
def list_packages(
    request: Request, who: Principal = allow("requester", "steward", "auditor")
) -> list[dict[str, Any]]:
    return packages.listing(_db(request), who)


@router.get("/packages/{package}", tags=["packages"])
def show_package(
    package: str, request: Request, who: Principal = allow("requester", "steward", "auditor")
) -> dict[str, Any]:
    return packages.show(_db(request), _s(request), who, package)


@router.get(
    "/packages/{package}/download",
    tags=["packages"],
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_package(
    package: str, request: Request, who: Principal = allow("requester")
) -> Response:
    """The package (zip), for the recipient agency it names, and no one else."""
    data = packages.download(_db(request), _s(request), who, package)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{package}.zip"'},
    )


# --- review ---------------------------------------------------------------------------------


def _item(item: Any) -> dict[str, Any]:
    out = asdict(item)
    out["votes"] = [v.model_dump(mode="json") for v in item.votes]
    out["decision"] = item.decision.model_dump(mode="json") if item.decision else None
    return out


@router.get("/review", tags=["review"])
def review_queue(
    request: Request, who: Principal = allow("reviewer", "steward")
) -> list[dict[str, Any]]:
    from minshare.review import build_queue

    return [_item(i) for i in build_queue(_s(request).workspace)]


@router.get("/review/next", tags=["review"])
def review_next(request: Request, who: Principal = allow("reviewer")) -> dict[str, Any] | None:
    """The next item this reviewer can decide (undecided, not voted on by them), or null."""
    from minshare.review import next_item

    item = next_item(_s(request).workspace, who.name)
    return _item(item) if item else None


@router.get("/review/{state}/{msis_id}", tags=["review"])
def review_show(
    state: str, msis_id: str, request: Request, who: Principal = allow("reviewer", "steward")
) -> dict[str, Any]:
    from minshare.review import review_item

    return _item(review_item(_s(request).workspace, state, msis_id))


@router.post("/review/{state}/{msis_id}", tags=["review"])
def review_decide(
    state: str, msis_id: str, body: ReviewIn, request: Request, who: Principal = allow("reviewer")
) -> dict[str, Any]:
    """Vote ``disclose`` or ``withhold`` with a written reason. A withhold decides; a release
    needs a second ``disclose`` by a different reviewer (two-person rule)."""
    from minshare.review import decide

    result = decide(
        _s(request).workspace,
        state,
        msis_id,
        body.decision,
        reviewer=who.name,
        reason=body.reason,
        answered=body.answered,
    )
    return {
        "outcome": result.outcome,
        "vote": result.vote.model_dump(mode="json"),
        "decision": result.decision.model_dump(mode="json") if result.decision else None,
    }


@router.get("/decisions", tags=["review"])
def decisions(request: Request, who: Principal = allow("reviewer", "steward")) -> list[Any]:
    """Every review decision, as the engine re-applies them (review_decisions.jsonl)."""
    from minshare.engines.workspace import Workspace
    from minshare.review import read_decisions

    ws = Workspace(_s(request).workspace)
    return [d.model_dump(mode="json") for d in read_decisions(ws)]


# --- ledger ---------------------------------------------------------------------------------


def _ledger(request: Request) -> Any:
    from minshare.ledger import ledger_session

    s = _s(request)
    return ledger_session(s.workspace, s.ledger)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


@router.get("/ledger/checkpoint", tags=["ledger"], response_class=PlainTextResponse)
def ledger_checkpoint(request: Request, who: Principal = ANY) -> PlainTextResponse:
    """The latest signed checkpoint (a C2SP signed note)."""
    with _ledger(request) as led:
        return PlainTextResponse(led.checkpoint().decode("utf-8"))


@router.get("/ledger/entries", tags=["ledger"])
def ledger_entries(
    request: Request,
    start: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
    who: Principal = ANY,
) -> dict[str, Any]:
    from minshare.ledger.log import entry_summary

    with _ledger(request) as led:
        size = led.size()
        end = min(size, start + limit)
        rows = [{"index": i, **entry_summary(led.entry(i))} for i in range(start, end)]
        return {"size": size, "vkey": led.vkey, "origin": led.origin, "entries": rows}


def _check_index(index: int, size: int, what: str) -> None:
    if not 0 <= index < size:
        raise NotFound(f"{what} {index} is not in the ledger (size {size})")


@router.get("/ledger/entries/{index}", tags=["ledger"])
def ledger_entry(index: int, request: Request, who: Principal = ANY) -> dict[str, Any]:
    import json

    with _ledger(request) as led:
        _check_index(index, led.size(), "entry")
        data = led.entry(index)
        return {"index": index, "manifest": json.loads(data), "sha256_b64": _b64(data)}


@router.get("/ledger/proof/inclusion", tags=["ledger"])
def inclusion_proof(
    request: Request,
    index: int = Query(ge=0),
    size: int | None = Query(None, ge=1),
    who: Principal = ANY,
) -> dict[str, Any]:
    """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` (default: latest)."""
    with _ledger(request) as led:
        current = led.size()
        tree = current if size is None else size
        if tree > current:
            raise NotFound(f"the ledger has {current} entries, not {tree}")
        _check_index(index, tree, "entry")
        proof = led.inclusion_proof(index, tree)
        return {
            "index": index,
            "size": tree,
            "leaf_hash": _b64(led.leaf_hash(index)),
            "root": _b64(led.root(tree)),
            "proof": [_b64(p) for p in proof],
        }


@router.get("/ledger/proof/consistency", tags=["ledger"])
def consistency_proof(
    request: Request,
    first: int = Query(ge=1),
    second: int | None = Query(None, ge=1),
    who: Principal = ANY,
) -> dict[str, Any]:
    with _ledger(request) as led:
        current = led.size()
        end = current if second is None else second
        if not first <= end <= current:
            raise NotFound(f"need 1 <= first <= second <= {current}")
        proof = led.consistency_proof(first, end)
        return {
            "first": first,
            "second": end,
            "first_root": _b64(led.root(first)),
            "second_root": _b64(led.root(end)),
            "proof": [_b64(p) for p in proof],
        }


@router.get("/ledger/tile/{path:path}", tags=["ledger"], response_class=Response)
def ledger_tile(path: str, request: Request, who: Principal = ANY) -> Response:
    """C2SP tlog-tiles: ``checkpoint``, ``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>``."""
    from minshare.ledger.checkpoint import open_checkpoint
    from minshare.ledger.tiles import export_tiles

    if ".." in path.split("/"):
        raise NotFound(f"no tile {path}")
    root = _s(request).workspace / ".tiles"
    with _ledger(request) as led:
        note = led.checkpoint()
        size = open_checkpoint(note, led.verifier).checkpoint.size
        out = root / str(size)
        if not (out / "checkpoint").exists():
            export_tiles(led, out)
    file = out / path
    if not file.is_file():
        raise NotFound(f"no tile {path}")
    media = "text/plain; charset=utf-8" if path == "checkpoint" else "application/octet-stream"
    return Response(file.read_bytes(), media_type=media)


# --- accounting -----------------------------------------------------------------------------


@router.get("/accounting/{state}/{msis_id}", tags=["accounting"])
def accounting(
    state: str,
    msis_id: str,
    request: Request,
    view: Literal["individual", "auditor"] = "individual",
    who: Principal = allow("auditor", "steward"),
) -> dict[str, Any]:
    """The person's accounting of disclosures (552a(c), 164.528); the individual view leaves
    out suspended recipients and (b)(7) entries as the ledger library decides."""
    from minshare.ledger import accounting_for

    with _ledger(request) as led:
        result = accounting_for(led, _s(request).workspace, state, msis_id, view=view)
        out: dict[str, Any] = result.model_dump(mode="json")
        return out


@router.get("/accounting/{state}/{msis_id}/bundle", tags=["accounting"])
def accounting_bundle(
    state: str,
    msis_id: str,
    request: Request,
    view: Literal["individual", "auditor"] = "individual",
    who: Principal = allow("auditor", "steward"),
) -> dict[str, Any]:
    """A self-contained proof bundle for the person, against the latest checkpoint."""
    from minshare.ledger import prove_person

    with _ledger(request) as led:
        bundle = prove_person(led, _s(request).workspace, state, msis_id, view=view)
        out: dict[str, Any] = bundle.model_dump(mode="json")
        return out


# --- accounting requests (164.528(c)) --------------------------------------------------------


class AccountingRequestIn(_In):
    state: Annotated[str, Field(min_length=1, max_length=8)] = Field(
        description="FIPS or USPS code"
    )
    msis_id: Annotated[str, Field(min_length=1, max_length=100)]
    requester: Text = Field(description="Who asked and how to reach them (a reference)")
    received_at: AwareDatetime = Field(description="When the request was received (not later)")


class ExtensionIn(_In):
    reason: Text = Field(description="The written reasons for the delay, given to the individual")
    until: AwareDatetime | None = Field(None, description="Default: 30 days after the due date")


class PersonIn(_In):
    state: Annotated[str, Field(min_length=1, max_length=8)]
    msis_id: Annotated[str, Field(min_length=1, max_length=100)]


class AnswerOut(BaseModel):
    accounting: Accounting
    request: AccountingRequest


STEWARD_AUDITOR = allow("steward", "auditor")


@router.get("/accounting-requests", tags=["accounting"], response_model=list[RequestStatus])
def list_accounting_requests(request: Request, who: Principal = STEWARD_AUDITOR) -> Any:
    """Individuals' requests for an accounting, earliest deadline first: ``open``,
    ``extended``, ``overdue``, ``fulfilled``, ``fulfilled late``; days left; fee or free."""
    return account_requests.listing(_s(request))


@router.post(
    "/accounting-requests",
    tags=["accounting"],
    status_code=201,
    response_model=AccountingRequest,
)
def record_accounting_request(
    body: AccountingRequestIn, request: Request, who: Principal = allow("steward")
) -> Any:
    """Record an individual's request for an accounting; it is due 60 days after receipt. Only
    the person key is stored, never the Medicaid ID."""
    return account_requests.record(
        _s(request),
        body.state,
        body.msis_id,
        requester=body.requester,
        received_at=body.received_at,
    )


@router.get("/accounting-requests/{request_id}", tags=["accounting"], response_model=RequestStatus)
def show_accounting_request(
    request_id: str, request: Request, who: Principal = STEWARD_AUDITOR
) -> Any:
    return account_requests.status(_s(request), request_id)


@router.post(
    "/accounting-requests/{request_id}/extension",
    tags=["accounting"],
    response_model=AccountingRequest,
)
def extend_accounting_request(
    request_id: str, body: ExtensionIn, request: Request, who: Principal = allow("steward")
) -> Any:
    """The one extension (at most 30 days, within the first 60, with the written reasons)."""
    return account_requests.extend(_s(request), request_id, reason=body.reason, until=body.until)


@router.post(
    "/accounting-requests/{request_id}/answer", tags=["accounting"], response_model=AnswerOut
)
def answer_accounting_request(
    request_id: str, body: PersonIn, request: Request, who: Principal = allow("steward")
) -> Any:
    """Answer with the individual's accounting (the individual view); the request is marked
    fulfilled, on time or late. The person is named in the body, never in the path."""
    result, done = account_requests.answer(_s(request), request_id, body.state, body.msis_id)
    return AnswerOut(accounting=result, request=done)


# --- access log and administration ---------------------------------------------------------


@router.get("/access-log", tags=["admin"])
def access_log(
    request: Request,
    after: int = Query(0, ge=0),
    limit: int = Query(200, ge=1, le=1000),
    who: Principal = allow("admin", "auditor"),
) -> list[dict[str, Any]]:
    """Who did what, when, with what result. Append-only: no route changes it."""
    return access.read(_db(request), after=after, limit=limit)


@router.get("/users", tags=["admin"])
def list_users(request: Request, who: Principal = allow("admin")) -> list[dict[str, Any]]:
    return _auth(request).users()


@router.post("/users", tags=["admin"], status_code=201)
def add_user(body: UserIn, request: Request, who: Principal = allow("admin")) -> dict[str, Any]:
    _auth(request).add_user(body.name, body.role, agency=body.agency, password=body.password)
    return {"name": body.name, "role": body.role, "agency": body.agency}


@router.get("/tokens", tags=["admin"])
def list_tokens(request: Request, who: Principal = allow("admin")) -> list[dict[str, Any]]:
    return _auth(request).tokens()


@router.post("/tokens", tags=["admin"], status_code=201)
def issue_token(body: TokenIn, request: Request, who: Principal = allow("admin")) -> dict[str, Any]:
    """A new API token; shown once, stored only as an argon2 hash."""
    token_id, token = _auth(request).issue_token(body.user, body.label)
    return {"id": token_id, "token": token}


@router.delete("/tokens/{token_id}", tags=["admin"], status_code=204)
def revoke_token(token_id: str, request: Request, who: Principal = allow("admin")) -> Response:
    _auth(request).revoke_token(token_id)
    return Response(status_code=204)
