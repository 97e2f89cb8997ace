"""Errors of the report stage."""

from __future__ import annotations

from minshare.errors import MinshareError


class ReportError(MinshareError):
    """A report cannot be made: missing or inconsistent artifacts, or a renderer that failed."""

    code = "report_error"
    exit_code = 8
    http_status = 500


__all__ = ["ReportError"]
