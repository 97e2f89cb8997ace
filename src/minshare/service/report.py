"""The compliance report of a finished disclosure job, as HTML or PDF: one call into
:mod:`minshare.report`. The report is built from the workspace's last run, so it is offered
only for the job that run was (a later dry run or disclosure replaces it: 409)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from minshare.report import build_report
from minshare.report.build import render_html, render_pdf
from minshare.report.collect import find_package, read_artifacts
from minshare.report.errors import ReportError
from minshare.service import packages
from minshare.service.errors import Conflict, ServiceError
from minshare.service.jobs import JobRunner


class ReportUnavailable(ServiceError):
    """The PDF renderer's system libraries are missing on the server."""

    code = "report_unavailable"
    http_status = 503


def _html(settings: Any, jobs: JobRunner, job_id: str) -> str:
    job = jobs.get(job_id)
    if job["kind"] != "disclose" or job["status"] != "done" or not job.get("package"):
        raise Conflict(
            f"the compliance report is made for a finished disclosure; job {job_id} is a "
            f"{job['kind']} ({job['status']})"
        )
    package = packages.directory(settings, job["package"])
    published = find_package(read_artifacts(settings.workspace))
    if published is None or published.resolve() != package.resolve():
        raise Conflict(
            f"the workspace's last run is not job {job_id}: the report is made from the last "
            "run only (run the disclosure again for a fresh report)"
        )
    report = build_report(
        settings.workspace, package=package, ledger=settings.ledger, orders=settings.orders
    )
    return render_html(report)


def html(settings: Any, jobs: JobRunner, job_id: str) -> str:
    """The report as one self-contained HTML document (inline CSS and SVG)."""
    return _html(settings, jobs, job_id)


def pdf(settings: Any, jobs: JobRunner, job_id: str) -> bytes:
    """The report as a paged PDF (WeasyPrint)."""
    document = _html(settings, jobs, job_id)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.pdf"
        try:
            render_pdf(document, out)
        except ReportError as exc:
            raise ReportUnavailable(exc.message) from exc
        return out.read_bytes()


__all__ = ["ReportUnavailable", "html", "pdf"]
