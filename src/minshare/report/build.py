"""The report's stages: artifacts → :class:`Report` → HTML (Jinja2) → PDF (WeasyPrint)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from minshare import __version__
from minshare.report import charts
from minshare.report import collect as c
from minshare.report.errors import ReportError
from minshare.report.model import Report

TITLE = "Disclosure of Medicaid enrollment records"
FORMATS = (".html", ".pdf")


def build_report(
    workspace: Path | str,
    *,
    package: Path | str | None = None,
    ledger: str | None = None,
    public_key: Path | str | None = None,
    compare: tuple[str, str] | None = None,
    enrollment: Path | None = None,
    determinations: Path | None = None,
    orders: Sequence[Path] = (),
) -> Report:
    """Read the workspace's last run, its package and the ledger into a :class:`Report`.

    ``package`` defaults to the package the run published (``run.log``); ``public_key`` to the
    workspace's key; ``ledger`` to the workspace's ``ledger.sqlite``. ``compare`` adds the
    transition matrix of two orders on the workspace's accepted rows (or on ``enrollment`` and
    ``determinations`` when given). Raises :class:`ReportError`.
    """
    art = c.read_artifacts(Path(workspace))
    pkg = Path(package) if package is not None else c.find_package(art)
    if pkg is not None and not (pkg / "manifest.json").exists():
        raise ReportError("no package here (no manifest.json)", file=str(pkg))
    key = Path(public_key) if public_key is not None else art.ws.keys / "minshare.pub"
    manifest = c.read_manifest(pkg) if pkg is not None else None

    orders_in_force = c.load_orders(art)
    shas = {o["id"]: o["sha256"] for o in art.plan.get("orders", [])}
    sections = tuple(c.order_section(o, shas.get(o.id, "")) for o in orders_in_force)
    categories = {col: cat.name for s in sections for cat in s.categories for col in cat.columns}
    out = c.outcome(art)
    as_of = date.fromisoformat(str(art.plan["as_of"]))
    made = manifest.created_at.strftime("%Y-%m-%d %H:%M UTC") if manifest else str(as_of)
    request = c.request_section(art, manifest, orders_in_force)
    report = Report(
        title=TITLE,
        subtitle=(
            f"What left, what stayed and why: request {request.request_id} from "
            f"{request.recipient}, as of {as_of}."
        ),
        minshare_version=__version__,
        run_as_of=as_of,
        made_at=made,
        orders=sections,
        request=request,
        identity=out.identity,
        identity_holds=out.identity_holds,
        reasons=out.reasons,
        states=out.states,
        categories=out.categories,
        quarantine=out.quarantine,
        guard=c.guard(art),
        review=c.review(art),
        fields=c.fields_section(pkg, key, categories, orders),
        ledger=c.ledger_section(art, ledger, pkg, key),
        compare=(
            c.compare_section(
                art,
                compare[0],
                compare[1],
                enrollment=enrollment,
                determinations=determinations,
                orders=orders,
            )
            if compare
            else None
        ),
    )
    governed = {s for o in art.plan.get("orders", []) for s in o.get("states", [])}
    return replace(report, charts=make_charts(report, governed))


def make_charts(report: Report, governed: set[str]) -> dict[str, str]:
    out = {
        "reasons": charts.bars(report.reasons, "reasons", title="Rows by deciding reason"),
        "states": charts.state_tiles(
            report.states, "states", title="Decisions by state", governed=governed
        ),
        "categories": charts.bars(
            report.categories, "categories", title="Rows by status determination (all decisions)"
        ),
    }
    if report.guard.by_category is not None:
        out["guard"] = charts.bars(report.guard.by_category, "guard", title="Guard findings")
    if report.compare is not None:
        m = report.compare.matrix
        out["transitions"] = charts.heatmap(
            m,
            "transitions",
            title=f"{report.compare.a} → {report.compare.b}",
            xlabel=f"under {report.compare.b}",
            ylabel=f"under {report.compare.a}",
        )
    return out


def render_html(report: Report) -> str:
    """One self-contained HTML document: inline CSS, inline SVG, nothing fetched."""
    from importlib import resources

    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("minshare.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    css = resources.files("minshare.report").joinpath("templates/report.css").read_text("utf-8")
    return env.get_template("report.html.j2").render(r=report, css=css)


def _no_fetch(url: str) -> dict[str, object]:
    raise ReportError(f"the report must not fetch anything, but it refers to {url}")


def render_pdf(html: str, out: Path) -> int:
    """Lay the HTML out as paged media with WeasyPrint; returns the number of pages."""
    try:
        import weasyprint
    except OSError as exc:  # pango or its friends are missing
        raise ReportError(
            f"the PDF needs WeasyPrint's system libraries (pango): {exc}; run "
            "scripts/report-deps.sh, or write the report as .html"
        ) from exc
    doc = weasyprint.HTML(string=html, url_fetcher=_no_fetch).render()
    # No creation date in the PDF: the same report gives the same bytes.
    doc.metadata.created = None
    doc.metadata.modified = None
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        doc.write_pdf(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return len(doc.pages)


@dataclass(frozen=True)
class Written:
    paths: tuple[Path, ...]
    pages: int | None  # of the PDF, when one was written
    seconds: dict[str, float] = field(default_factory=dict)


def write_report(
    workspace: Path | str,
    out: Path | str | Sequence[Path | str],
    *,
    package: Path | str | None = None,
    ledger: str | None = None,
    public_key: Path | str | None = None,
    compare: tuple[str, str] | None = None,
    enrollment: Path | None = None,
    determinations: Path | None = None,
    orders: Sequence[Path] = (),
) -> Written:
    """Build the report once (:func:`build_report`, same options) and write it to each ``out``
    (``.html`` or ``.pdf``)."""
    outs = [Path(out)] if isinstance(out, (str, Path)) else [Path(p) for p in out]
    bad = [str(p) for p in outs if p.suffix.lower() not in FORMATS]
    if bad or not outs:
        raise ReportError(
            f"the report is written as .html or .pdf, not {', '.join(bad) or 'nothing'}"
        )
    for p in outs:
        if not p.parent.is_dir():
            raise ReportError("no such directory for the report", file=str(p.parent))
    clock = time.perf_counter()
    report = build_report(
        workspace,
        package=package,
        ledger=ledger,
        public_key=public_key,
        compare=compare,
        enrollment=enrollment,
        determinations=determinations,
        orders=orders,
    )
    seconds = {"build": time.perf_counter() - clock}
    clock = time.perf_counter()
    html = render_html(report)
    seconds["html"] = time.perf_counter() - clock
    pages = None
    for p in outs:
        clock = time.perf_counter()
        if p.suffix.lower() == ".html":
            p.write_text(html, encoding="utf-8")
        else:
            pages = render_pdf(html, p)
            seconds["pdf"] = time.perf_counter() - clock
    return Written(tuple(outs), pages, seconds)


__all__ = ["FORMATS", "Written", "build_report", "render_html", "render_pdf", "write_report"]
