"""The service's own errors. Every error the service returns is a
:class:`~minshare.errors.MinshareError` rendered by one handler (``app.py``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from minshare.errors import MinshareError


class ServiceError(MinshareError):
    code = "service_error"
    http_status = 400


class AuthRequired(ServiceError):
    """No valid credentials: sign in, or send ``Authorization: Bearer <token>``."""

    code = "auth_required"
    http_status = 401


class Forbidden(ServiceError):
    """Signed in, but this role (or agency) may not do this."""

    code = "forbidden"
    http_status = 403


class NotFound(ServiceError):
    code = "not_found"
    http_status = 404


class Conflict(ServiceError):
    code = "conflict"
    http_status = 409


class InvalidInput(ServiceError):
    """The request's body or parameters do not validate."""

    code = "invalid_input"
    http_status = 422


class RateLimited(ServiceError):
    code = "rate_limited"
    http_status = 429


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class MethodNotAllowed(ServiceError):
    code = "method_not_allowed"
    http_status = 405


class LocationOut(BaseModel):
    """Where the problem is (a file, a line, a row, a field), as far as it is known."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None


class ErrorOut(BaseModel):
    """The one JSON shape of every error: :meth:`MinshareError.to_dict`."""

    error: str = Field(description="A stable code, e.g. not_found, forbidden, invalid_input")
    message: str
    location: LocationOut | None = None
    details: list[ErrorOut] | None = Field(None, description="Every problem, when several")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route may answer, all :class:`ErrorOut`."""
    described = {
        400: "The request cannot be carried out as asked",
        401: "No valid credentials: sign in, or send Authorization: Bearer <token>",
        403: "This role (or agency) may not do this; or a browser write without its CSRF token",
        404: "No such resource (or not one this caller may see)",
        405: "Method not allowed",
        409: "Conflicts with the current state (e.g. already decided, a job running)",
        422: "The body or parameters do not validate",
        429: "Too many failed sign-ins; wait for the window to pass",
        503: "A renderer this needs is not available on the server",
    }
    return {s: {"model": ErrorOut, "description": described[s]} for s in statuses}


__all__ = [
    "AuthRequired",
    "Conflict",
    "CsrfFailed",
    "ErrorOut",
    "Forbidden",
    "InvalidInput",
    "LocationOut",
    "MethodNotAllowed",
    "NotFound",
    "RateLimited",
    "ServiceError",
    "error_responses",
]
