"""The compliance report: what a disclosure let out, what it kept and why, safe to publish.

Stages, each a module: :mod:`~minshare.report.collect` reads the workspace, the package and the
ledger into the typed :class:`~minshare.report.model.Report` (aggregates only, every count
suppressed by :mod:`~minshare.report.suppress`); :mod:`~minshare.report.charts` draws its
charts as SVG; :mod:`~minshare.report.build` renders HTML (Jinja2) and PDF (WeasyPrint).
See docs/report.md.
"""

from __future__ import annotations

from minshare.report.build import (
    FORMATS,
    Written,
    build_report,
    render_html,
    render_pdf,
    write_report,
)
from minshare.report.errors import ReportError
from minshare.report.model import Report

__all__ = [
    "FORMATS",
    "Report",
    "ReportError",
    "Written",
    "build_report",
    "render_html",
    "render_pdf",
    "write_report",
]
