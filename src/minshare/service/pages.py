"""The web pages: server-rendered Jinja templates over the same library calls as the API. Forms
carry the session's CSRF token; every page works without a mouse and on a narrow screen."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from minshare.service import account_requests, intake, packages
from minshare.service.app import SESSION_COOKIE, allow
from minshare.service.auth import ROLES, Auth, Principal, csrf_ok
from minshare.service.errors import AuthRequired, CsrfFailed, InvalidInput, RateLimited
from minshare.service.jobs import JobRunner

router = APIRouter(include_in_schema=False)
ANY = allow(*ROLES)
STAFF = allow("requester", "steward", "auditor", "admin")


def _render(
    request: Request, template: str, who: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request,
        template,
        {"who": who, "csrf": who.csrf if who else None, **context},
        status_code=status,
    )
    return response


def _csrf(who: Principal, sent: str) -> None:
    if who.via == "session" and not csrf_ok(who, sent):
        raise CsrfFailed("the form is stale or not from this site; reload the page")


def _go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _db(request: Request) -> Any:
    return request.app.state.db


def _jobs(request: Request) -> JobRunner:
    jobs: JobRunner = request.app.state.jobs
    return jobs


# --- sign-in ------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return _render(request, "login.html", None)


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form("")) -> Response:
    auth: Auth = request.app.state.auth
    client = request.client.host if request.client else "?"
    try:
        session, who = auth.sign_in(name, password, client)
    except (AuthRequired, RateLimited) as exc:
        return _render(
            request, "login.html", None, status=exc.http_status, error=exc.message, user=name
        )
    request.state.principal = who
    response = _go("/")
    response.set_cookie(
        SESSION_COOKIE,
        session,
        httponly=True,
        secure=request.app.state.settings.secure_cookies,
        samesite="strict",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form(""), who: Principal = ANY) -> Response:
    _csrf(who, csrf)
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        request.app.state.auth.sign_out(session)
    response = _go("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- dashboard ----------------------------------------------------------------------------


def _checkpoint(request: Request) -> str | None:
    from minshare.ledger import ledger_session

    s = request.app.state.settings
    with ledger_session(s.workspace, s.ledger) as led:
        return str(led.checkpoint().decode("utf-8"))


@router.get("/")
def dashboard(request: Request, who: Principal = ANY) -> HTMLResponse:
    from minshare.review import build_queue

    db = _db(request)
    ctx: dict[str, Any] = {"checkpoint": _checkpoint(request)}
    if who.role in ("requester", "steward", "auditor", "admin"):
        ctx["requests"] = intake.listing(db, who)
    if who.role in ("steward", "auditor"):
        ctx["jobs"] = _jobs(request).listing()
    if who.role in ("requester", "steward", "auditor"):
        ctx["packages"] = packages.listing(db, who)
    if who.role in ("reviewer", "steward"):
        queue = build_queue(request.app.state.settings.workspace)
        ctx["review_open"] = sum(1 for i in queue if i.status != "decided")
        ctx["review_total"] = len(queue)
    return _render(request, "dashboard.html", who, **ctx)


# --- requests -----------------------------------------------------------------------------


@router.get("/requests/new")
def request_form(request: Request, who: Principal = allow("requester")) -> HTMLResponse:
    return _render(request, "request_new.html", who)


@router.post("/requests")
def request_submit(
    request: Request,
    yaml: str = Form(""),
    csrf: str = Form(""),
    who: Principal = allow("requester"),
) -> Response:
    _csrf(who, csrf)
    record = intake.submit(_db(request), request.app.state.settings, who, yaml)
    return _go(f"/requests/{record['id']}")


@router.get("/requests/{record_id}")
def request_page(record_id: str, request: Request, who: Principal = STAFF) -> HTMLResponse:
    record = intake.get(_db(request), who, record_id)
    jobs = []
    if who.role in ("steward", "auditor"):
        jobs = [j for j in _jobs(request).listing() if j["request"] == record_id]
    return _render(request, "request.html", who, r=record, jobs=jobs)


@router.post("/requests/{record_id}/decision")
def request_decide(
    record_id: str,
    request: Request,
    action: Literal["approve", "refuse"] = Form(...),
    note: str = Form(""),
    csrf: str = Form(""),
    who: Principal = allow("steward"),
) -> Response:
    _csrf(who, csrf)
    settings = request.app.state.settings
    intake.decide(_db(request), settings, who, record_id, action == "approve", note or action)
    return _go(f"/requests/{record_id}")


@router.post("/requests/{record_id}/jobs")
def request_run(
    record_id: str,
    request: Request,
    kind: Literal["dry_run", "disclose"] = Form(...),
    csrf: str = Form(""),
    who: Principal = allow("steward"),
) -> Response:
    _csrf(who, csrf)
    job = _jobs(request).start(who, kind, record_id)
    return _go(f"/jobs/{job['id']}")


@router.get("/jobs/{job_id}")
def job_page(job_id: str, request: Request, who: Principal = allow("steward", "auditor")) -> Any:
    return _render(request, "job.html", who, job=_jobs(request).get(job_id))


@router.get("/jobs/{job_id}/report")
def job_report_page(
    job_id: str, request: Request, who: Principal = allow("steward", "auditor")
) -> HTMLResponse:
    """The report itself: a standalone document (it links back with the browser's back)."""
    from minshare.service import report

    return HTMLResponse(report.html(request.app.state.settings, _jobs(request), job_id))


@router.get("/jobs/{job_id}/report.pdf")
def job_report_pdf(
    job_id: str, request: Request, who: Principal = allow("steward", "auditor")
) -> Response:
    from minshare.service import report

    data = report.pdf(request.app.state.settings, _jobs(request), job_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="report-{job_id}.pdf"'},
    )


# --- review desk --------------------------------------------------------------------------


@router.get("/review")
def review_page(
    request: Request, last: str | None = None, who: Principal = allow("reviewer")
) -> HTMLResponse:
    from minshare.review import next_item

    item = next_item(request.app.state.settings.workspace, who.name)
    return _render(request, "review.html", who, item=item, last=last)


@router.post("/review/{state}/{msis_id}")
def review_decide(
    state: str,
    msis_id: str,
    request: Request,
    decision: Literal["disclose", "withhold"] = Form(...),
    reason: str = Form(""),
    csrf: str = Form(""),
    who: Principal = allow("reviewer"),
) -> Response:
    from minshare.review import decide

    _csrf(who, csrf)
    result = decide(
        request.app.state.settings.workspace,
        state,
        msis_id,
        decision,
        reviewer=who.name,
        reason=reason,
    )
    return _go(f"/review?last={result.outcome}")


# --- packages -----------------------------------------------------------------------------


@router.get("/packages/{package}")
def package_page(
    package: str, request: Request, who: Principal = allow("requester", "steward", "auditor")
) -> HTMLResponse:
    shown = packages.show(_db(request), request.app.state.settings, who, package)
    return _render(request, "package.html", who, p=shown)


@router.get("/packages/{package}/download")
def package_download(
    package: str, request: Request, who: Principal = allow("requester")
) -> Response:
    data = packages.download(_db(request), request.app.state.settings, who, package)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{package}.zip"'},
    )


# --- ledger and accounting ----------------------------------------------------------------


@router.get("/ledger")
def ledger_page(request: Request, index: int | None = None, who: Principal = ANY) -> HTMLResponse:
    import base64

    from minshare.ledger import ledger_session
    from minshare.ledger.log import entry_summary

    s = request.app.state.settings
    proof = None
    with ledger_session(s.workspace, s.ledger) as led:
        size = led.size()
        entries = [
            {"index": i, **entry_summary(led.entry(i))} for i in range(max(0, size - 50), size)
        ]
        checkpoint = led.checkpoint().decode("utf-8")
        if index is not None and 0 <= index < size:
            proof = {
                "index": index,
                "size": size,
                "root": base64.b64encode(led.root(size)).decode(),
                "leaf": base64.b64encode(led.leaf_hash(index)).decode(),
                "path": [base64.b64encode(p).decode() for p in led.inclusion_proof(index, size)],
            }
    return _render(
        request,
        "ledger.html",
        who,
        size=size,
        entries=list(reversed(entries)),
        checkpoint=checkpoint,
        proof=proof,
        index=index,
    )


@router.get("/accounting")
def accounting_page(
    request: Request,
    state: str | None = None,
    msis_id: str | None = None,
    view: Literal["individual", "auditor"] = "individual",
    who: Principal = allow("auditor", "steward"),
) -> HTMLResponse:
    from minshare.ledger import accounting_for, ledger_session

    result = None
    if state and msis_id:
        s = request.app.state.settings
        with ledger_session(s.workspace, s.ledger) as led:
            result = accounting_for(led, s.workspace, state.strip(), msis_id.strip(), view=view)
    return _render(
        request,
        "accounting.html",
        who,
        result=result,
        state=state or "",
        msis_id=msis_id or "",
        view=view,
    )


def _day(value: str, what: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError as exc:
        raise InvalidInput(f"{what}: a date, YYYY-MM-DD") from exc


@router.get("/accounting/requests")
def account_requests_page(
    request: Request, who: Principal = allow("steward", "auditor")
) -> HTMLResponse:
    statuses = account_requests.listing(request.app.state.settings)
    today = datetime.now(UTC).date().isoformat()
    return _render(request, "accounting_requests.html", who, statuses=statuses, today=today)


@router.post("/accounting/requests")
def account_request_record(
    request: Request,
    state: str = Form(""),
    msis_id: str = Form(""),
    requester: str = Form(""),
    received: str = Form(""),
    csrf: str = Form(""),
    who: Principal = allow("steward"),
) -> Response:
    _csrf(who, csrf)
    received_at = _day(received, "received on")
    # A request received today counts from now, not from midnight (never in the future).
    received_at = min(datetime.now(UTC), received_at)
    r = account_requests.record(
        request.app.state.settings, state, msis_id, requester=requester, received_at=received_at
    )
    return _go(f"/accounting/requests/{r.id}")


@router.get("/accounting/requests/{request_id}")
def account_request_page(
    request_id: str, request: Request, who: Principal = allow("steward", "auditor")
) -> HTMLResponse:
    s = account_requests.status(request.app.state.settings, request_id)
    return _render(request, "accounting_request.html", who, s=s, result=None)


@router.post("/accounting/requests/{request_id}/extension")
def account_request_extend(
    request_id: str,
    request: Request,
    reason: str = Form(""),
    until: str = Form(""),
    csrf: str = Form(""),
    who: Principal = allow("steward"),
) -> Response:
    _csrf(who, csrf)
    end = _day(until, "until") if until else None
    account_requests.extend(request.app.state.settings, request_id, reason=reason, until=end)
    return _go(f"/accounting/requests/{request_id}")


@router.post("/accounting/requests/{request_id}/answer")
def account_request_answer(
    request_id: str,
    request: Request,
    state: str = Form(""),
    msis_id: str = Form(""),
    csrf: str = Form(""),
    who: Principal = allow("steward"),
) -> HTMLResponse:
    """The answer is shown once (the individual's accounting), not stored."""
    _csrf(who, csrf)
    settings = request.app.state.settings
    result, _ = account_requests.answer(settings, request_id, state, msis_id)
    s = account_requests.status(settings, request_id)
    return _render(request, "accounting_request.html", who, s=s, result=result)


@router.get("/access-log")
def access_log_page(request: Request, who: Principal = allow("admin", "auditor")) -> HTMLResponse:
    from minshare.service import access

    rows = access.read(_db(request), limit=1000)
    return _render(request, "access_log.html", who, rows=list(reversed(rows))[:300])
