"""``minshare registry`` and ``minshare guard``: facility registries and the health-information
guard. Each command parses, calls one library function and renders."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from minshare.guard import build_registry, evaluate, open_registry, scan_file
from minshare.guard.categories import TITLES, Category
from minshare.guard.registry import RegistryManifest

registry_app = typer.Typer(help="Build and inspect facility registries.", no_args_is_help=True)
guard_app = typer.Typer(help="The health-information guard.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach ``minshare registry ...`` and ``minshare guard ...``."""
    app.add_typer(registry_app, name="registry")
    app.add_typer(guard_app, name="guard")


@registry_app.command("load")
def registry_load(
    files: list[Path] = typer.Argument(
        ..., help="NPPES main / pl_pfile, CMS POS, NUCC taxonomy or plain CSV files."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Registry directory to write."),
    replace: bool = typer.Option(False, "--replace", help="Rebuild an existing registry."),
    as_json: bool = typer.Option(False, "--json", help="Print registry.json."),
) -> None:
    """Build an indexed registry of health facilities from FILES."""
    manifest = build_registry(files, out, replace=replace)
    _render_manifest(manifest, out, as_json)


@registry_app.command("show")
def registry_show(
    path: Path = typer.Argument(..., help="Registry directory."),
    as_json: bool = typer.Option(False, "--json", help="Print registry.json."),
) -> None:
    """Show what a registry was built from and what it holds."""
    _render_manifest(open_registry(path).manifest, path, as_json)


def _render_manifest(m: RegistryManifest, path: Path, as_json: bool) -> None:
    console = Console()
    if as_json:
        console.print_json(m.model_dump_json())
        return
    console.print(f"registry [bold]{path}[/]  {m.registry_id}")
    console.print(
        f"built {m.built_at.isoformat()} by minshare {m.minshare_version}; "
        f"{m.taxonomy_map}; {m.terms}; NUCC {m.nucc_version or 'not loaded'}"
    )
    files = Table(title="Source files")
    for col in ("file", "format", "snapshot", "rows", "kept", "skipped", "sha256"):
        files.add_column(col, justify="right" if col in ("rows", "kept") else "left")
    for s in m.sources:
        skipped = ", ".join(f"{k}: {v:,}" for k, v in s.skipped.items()) or "-"
        files.add_row(
            s.name,
            s.format,
            s.snapshot or "-",
            f"{s.rows:,}",
            f"{s.entries:,}",
            skipped,
            s.sha256[:16],
        )
    console.print(files)
    cats = Table(title="Facilities by category")
    cats.add_column("category")
    cats.add_column("what")
    cats.add_column("entries", justify="right")
    for code, n in m.by_category.items():
        cats.add_row(code, TITLES[Category(code)], f"{n:,}")
    console.print(cats)
    console.print(
        f"{m.counts['entries']:,} entries, {m.counts['addresses']:,} address keys, "
        f"{m.counts['phones']:,} phone keys"
    )


def _fields(fields: list[str] | None) -> list[str] | None:
    if not fields:
        return None
    return [f.strip().upper() for item in fields for f in item.split(",") if f.strip()]


@guard_app.command("scan")
def guard_scan(
    enrollment: Path = typer.Option(..., "--enrollment", "-e", help="Enrollment file."),
    registry: Path = typer.Option(..., "--registry", "-r", help="Registry directory."),
    out: Path = typer.Option(..., "--out", "-o", help="Findings Parquet file to write."),
    fields: list[str] | None = typer.Option(
        None, "--field", help="Scan only these columns (repeatable or comma-separated)."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Date of the disclosure (YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json", help="Print a machine-readable summary."),
) -> None:
    """Scan ENROLLMENT for health information in permitted fields; write the findings."""
    result = scan_file(
        enrollment,
        registry,
        out,
        fields=_fields(fields),
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
    )
    console = Console()
    if as_json:
        console.print_json(json.dumps(result.to_dict()))
        return
    console.print(
        f"scanned {result.rows_scanned:,} rows ({result.rows_quarantined:,} quarantined, not "
        f"scanned) in {result.seconds:.2f} s: {result.rows_flagged:,} flagged, "
        f"{result.findings:,} findings written to {out}"
    )
    table = Table(title="Decisive findings by category")
    table.add_column("category")
    table.add_column("what")
    table.add_column("findings", justify="right")
    for code, n in result.by_category.items():
        table.add_row(code, TITLES[Category(code)], f"{n:,}")
    console.print(table)


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.2f}%"


@guard_app.command("eval")
def guard_eval(
    enrollment: Path = typer.Option(..., "--enrollment", "-e", help="Enrollment file."),
    truth: Path = typer.Option(..., "--truth", "-t", help="Truth labels (truth.parquet)."),
    registry: Path = typer.Option(..., "--registry", "-r", help="Registry directory."),
    fields: list[str] | None = typer.Option(
        None, "--field", help="Scan only these columns (repeatable or comma-separated)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a machine-readable report."),
) -> None:
    """Precision and recall of the guard per label and category against truth labels."""
    report = evaluate(enrollment, truth, registry, fields=_fields(fields))
    console = Console()
    if as_json:
        console.print_json(json.dumps(report.to_dict(), default=lambda x: None))
        return
    labels = Table(title="Recall per planted label")
    for col in ("label", "rows", "caught", "recall", "by expected scanner"):
        labels.add_column(col, justify="left" if col == "label" else "right")
    for s in report.labels:
        labels.add_row(
            s.label, f"{s.rows:,}", f"{s.caught:,}", _pct(s.recall), f"{s.caught_by_expected:,}"
        )
    console.print(labels)
    cats = Table(title="Precision per category (rows flagged)")
    for col in ("category", "what", "flagged", "planted", "precision"):
        cats.add_column(col, justify="left" if col in ("category", "what") else "right")
    for c in report.categories:
        cats.add_row(
            c.category,
            TITLES[Category(c.category)],
            f"{c.flagged:,}",
            f"{c.planted:,}",
            _pct(c.precision),
        )
    console.print(cats)
    console.print(
        f"rows scanned {report.rows_scanned:,} (quarantined {report.rows_quarantined:,}); "
        f"precision {_pct(report.precision)}, recall {_pct(report.recall)}, F1 {report.f1:.4f}; "
        f"ordinary rows flagged {report.ordinary_flagged:,} of {report.ordinary:,} "
        f"({_pct(report.flag_rate)})"
    )
