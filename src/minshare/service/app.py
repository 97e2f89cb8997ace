"""The FastAPI application: :func:`create_app` wires the state database, authentication, the job
runner, the access log, the one error handler, the API (``/api``, OpenAPI at ``/openapi.json``)
and the web pages."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from minshare import __version__
from minshare.errors import MinshareError
from minshare.service import access
from minshare.service.auth import Auth, Principal, Role, csrf_ok
from minshare.service.db import StateDB
from minshare.service.errors import (
    AuthRequired,
    CsrfFailed,
    Forbidden,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    ServiceError,
)
from minshare.service.jobs import JobRunner
from minshare.service.settings import Settings

HERE = Path(__file__).parent
SESSION_COOKIE = "minshare_session"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Internal(MinshareError):
    code = "internal_error"
    http_status = 500


def current(request: Request) -> Principal:
    """Who is calling: a bearer token, else the session cookie. A cookie-authenticated write
    must carry the session's CSRF token (``X-CSRF-Token`` header or a ``csrf`` form field,
    which the page routes check)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    auth: Auth = request.app.state.auth
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        who = auth.check_token(header[7:].strip())
    elif session := request.cookies.get(SESSION_COOKIE):
        who = auth.check_session(session)
    else:
        raise AuthRequired("sign in, or send Authorization: Bearer <token>")
    request.state.principal = who
    is_api = request.url.path.startswith("/api/")
    if (
        is_api
        and who.via == "session"
        and request.method not in SAFE_METHODS
        and not csrf_ok(who, request.headers.get("x-csrf-token"))
    ):
        raise CsrfFailed("a signed-in browser write needs the X-CSRF-Token header")
    return who


def allow(*roles: Role) -> Any:
    """A dependency: the caller, who must have one of ``roles``."""

    def check(request: Request) -> Principal:
        who = current(request)
        if who.role not in roles:
            raise Forbidden(f"the {who.role} role may not do this (allowed: {', '.join(roles)})")
        return who

    check.roles = roles  # type: ignore[attr-defined]  # read by roles_of (the route table)
    return Depends(check)


def roles_of(route: APIRoute) -> tuple[str, ...] | None:
    """The roles a route allows (None: no sign-in needed)."""
    for dep in route.dependant.dependencies:
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            return tuple(roles)
    return None


def route_table() -> list[tuple[str, str, tuple[str, ...] | None]]:
    """(method, path, roles) of every API route: what the role matrix is checked against."""
    from minshare.service import api

    out: list[tuple[str, str, tuple[str, ...] | None]] = []
    for route in api.router.routes:
        if isinstance(route, APIRoute):
            out.extend((m, route.path, roles_of(route)) for m in sorted(route.methods or ()))
    return out


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and request.url.path != "/openapi.json"


def error_response(request: Request, exc: MinshareError) -> Response:
    """The one place an error becomes an HTTP response: the JSON of ``to_dict()`` with the
    error's ``http_status`` (pages: the same content in the error page, or sign-in)."""
    if wants_html(request):
        if isinstance(exc, AuthRequired):
            return RedirectResponse("/login", status_code=303)
        templates: Jinja2Templates = request.app.state.templates
        return templates.TemplateResponse(
            request,
            "error.html",
            {"error": exc.to_dict(), "who": getattr(request.state, "principal", None)},
            status_code=exc.http_status,
        )
    return JSONResponse(exc.to_dict(), status_code=exc.http_status)


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details: list[MinshareError] = [
        InvalidInput(
            str(e.get("msg", "invalid")),
            field=".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path"))
            or None,
        )
        for e in exc.errors()
    ]
    return error_response(request, InvalidInput("the request does not validate", details=details))


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    mapped: MinshareError
    if exc.status_code == 404:
        mapped = NotFound(f"no such resource: {request.url.path}")
    elif exc.status_code == 405:
        mapped = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    else:
        mapped = ServiceError(str(exc.detail))
    return error_response(request, mapped)


def _minshare(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MinshareError)
    return error_response(request, exc)


def _unexpected(request: Request, exc: Exception) -> Response:
    return error_response(request, Internal("internal error; it was logged"))


async def _access_log(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        return response
    finally:
        if not request.url.path.startswith("/static/"):
            who = getattr(request.state, "principal", None)
            route = request.scope.get("route")
            path = access.logged_path(
                request.url.path,
                dict(request.path_params),
                getattr(route, "path_format", None),
                request.app.state.settings.workspace,
            )
            await run_in_threadpool(
                access.record,
                request.app.state.db,
                principal=who.name if who else None,
                role=who.role if who else None,
                method=request.method,
                path=path,
                status=status,
                client=request.client.host if request.client else None,
            )


def _errors_as_json(app: FastAPI) -> None:
    """Errors are JSON on every route, also on those whose success is HTML, a PDF or a zip
    (FastAPI would document their errors in the route's own media type)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content") or {}
                        schemas = [c["schema"] for c in content.values() if "schema" in c]
                        if status[:1] in ("4", "5") and schemas:
                            response["content"] = {"application/json": {"schema": schemas[0]}}
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings, *, users: Sequence[tuple[str, str, str | None]] = ()) -> Any:
    """The minshare service for ``settings``. ``users``: (name, role, agency) to create if the
    state database has none yet (passwords and tokens: ``minshare serve`` or the admin API)."""
    from minshare.service import api, pages

    settings.workspace.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = StateDB(settings.db_url)
    auth = Auth(db, settings)
    jobs = JobRunner(db, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.close()
        db.close()

    app = FastAPI(
        title="minshare",
        version=__version__,
        description="Enforce a court order on a disclosure of Medicaid enrollment records, and "
        "prove it. Every error has one JSON shape: {error, message, location?, details?}.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.auth = auth
    app.state.jobs = jobs
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.add_exception_handler(MinshareError, _minshare)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
    app.middleware("http")(_access_log)
    app.include_router(api.router)
    _errors_as_json(app)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for name, role, agency in users:
        if not db.one("SELECT name FROM users WHERE name = ?", (name,)):
            auth.add_user(name, role, agency=agency)
    return app


__all__ = ["SESSION_COOKIE", "allow", "create_app", "current", "roles_of", "route_table"]
