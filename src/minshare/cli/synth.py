"""``minshare synth``: write synthetic enrollment data with planted adversarial cases."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minshare.data.synth import SynthResult, synthesize


def register(app: typer.Typer) -> None:
    """Attach the top-level ``synth`` command."""
    app.command("synth")(synth)


def synth(
    rows: int = typer.Option(100_000, "--rows", help="Enrollment rows to write."),
    seed: int = typer.Option(
        0, "--seed", help="Random seed; the same seed and rows give the same bytes."
    ),
    out: Path = typer.Option(..., "--out", help="Output directory (created if missing)."),
    fmt: str = typer.Option(
        "parquet", "--format", help="Enrollment and determinations format: parquet, csv or psv."
    ),
) -> None:
    """Write synthetic enrollment, determinations, a facility registry and the truth labels."""
    with Progress(
        TextColumn("[bold]synth[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("rows", total=rows)
        result = synthesize(
            out,
            rows=rows,
            seed=seed,
            fmt=fmt,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    _render(result)


def _size(n_bytes: int) -> str:
    if n_bytes < 1_000_000:
        return f"{n_bytes / 1000:,.0f} kB"
    return f"{n_bytes / 1e6:,.1f} MB"


def _render(result: SynthResult) -> None:
    console = Console()
    files = Table(title=f"Written to {result.out_dir} (seed {result.seed})")
    files.add_column("table")
    files.add_column("file")
    files.add_column("rows", justify="right")
    files.add_column("size", justify="right")
    for name, path in result.paths.items():
        files.add_row(name, path.name, f"{result.rows[name]:,}", _size(path.stat().st_size))
    console.print(files)

    cases = Table(title="Planted cases (enrollment rows labelled in truth.parquet)")
    cases.add_column("label")
    cases.add_column("rows", justify="right")
    for label, count in result.cases.items():
        cases.add_row(label, f"{count:,}")
    console.print(cases)
