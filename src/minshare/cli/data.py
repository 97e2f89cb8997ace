"""``minshare data``: read and validate input tables."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table as RichTable

from minshare.data.model import Table
from minshare.data.read import LoadResult, load_table

app = typer.Typer(help="Read and validate input tables.", no_args_is_help=True)

# Below this the whole check takes about a second; a bar would only flicker.
_PROGRESS_MIN_BYTES = 32 << 20


def register(root: typer.Typer) -> None:
    """Attach top-level data commands (none: everything lives under ``minshare data``)."""


@app.command("check")
def check(
    files: list[Path] = typer.Argument(
        ..., help="Input files of one table (CSV, PSV, Parquet, .gz)."
    ),
    table: Table = typer.Option(..., "--table", "-t", case_sensitive=False, help="Which table."),
    delimiter: str | None = typer.Option(
        None, "--delimiter", "-d", help="Read as delimited text with this delimiter, e.g. '|'."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Keep <table>.parquet and <table>_quarantine.parquet here."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a machine-readable summary."),
) -> None:
    """Read FILES as TABLE: count, clean, and quarantine what cannot be read.

    Quarantined rows are normal and the exit status is 0; only a file that cannot be read at
    all (missing required column, unknown format, ...) fails.
    """
    err = Console(stderr=True)
    total = sum(p.stat().st_size for p in files if p.is_file())
    show_bar = not as_json and total >= _PROGRESS_MIN_BYTES and err.is_terminal
    with tempfile.TemporaryDirectory(prefix="minshare-check-") as tmp:
        out_dir = out if out is not None else Path(tmp)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=not show_bar,
        ) as bar:
            task = bar.add_task(f"reading {table.value}", total=total)
            result = load_table(
                files,
                table,
                out_dir,
                delimiter=delimiter,
                progress=lambda n: bar.advance(task, n),
            )
        if as_json:
            data = result.to_dict()
            if out is None:  # the outputs are in a temporary directory deleted on return
                data.pop("accepted_path")
                data.pop("quarantine_path")
            typer.echo(json.dumps(data, indent=2))
        else:
            _summary(Console(), result, kept=out is not None)


def _summary(console: Console, result: LoadResult, *, kept: bool) -> None:
    # Plain lines for the counts: a table squeezed into a narrow terminal elides digits.
    console.print(f"[bold]{result.table.value}[/]: {len(result.per_file)} file(s)")
    for name, fc in result.per_file.items():
        console.print(
            f"  {name} ({result.formats[name]}, sha256 {result.input_sha256[name][:12]}…): "
            f"read {fc.rows_read:,} = accepted {fc.rows_accepted:,} "
            f"+ quarantined {fc.rows_quarantined:,}",
            highlight=False,
        )
    c = result.counts
    console.print(
        f"rows read [bold]{c.rows_read:,}[/] = accepted [bold green]{c.rows_accepted:,}[/] "
        f"+ quarantined [bold yellow]{c.rows_quarantined:,}[/]"
        + (f"   ({c.blank_lines:,} blank line(s), not rows)" if c.blank_lines else ""),
        highlight=False,
    )
    if result.quarantine_by_reason:
        q = RichTable(title="quarantine by reason", title_justify="left")
        q.add_column("reason", no_wrap=True)
        q.add_column("rows", justify="right", no_wrap=True)
        q.add_column("first locations", overflow="fold")
        for code, n in result.quarantine_by_reason.items():
            q.add_row(code, f"{n:,}", ", ".join(result.quarantine_examples.get(code, [])))
        console.print(q)
    if result.flags_by_column:
        f = RichTable(
            title="values outside their code list (kept and flagged in _MS_FLAGS)",
            title_justify="left",
        )
        f.add_column("column", no_wrap=True)
        f.add_column("rows", justify="right", no_wrap=True)
        for col, n in result.flags_by_column.items():
            f.add_row(col, f"{n:,}")
        console.print(f)
    if kept:
        console.print(f"accepted rows:    {result.accepted_path}", highlight=False)
        console.print(f"quarantined rows: {result.quarantine_path}", highlight=False)
