"""``minshare model``: the data model, as documentation."""

from __future__ import annotations

from pathlib import Path

import typer

from minshare.data.docs import render_markdown

app = typer.Typer(
    help="The data model (T-MSIS/TAF columns, classes, code lists).", no_args_is_help=True
)


@app.command("docs")
def docs(
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
) -> None:
    """Render the data model as Markdown (the source of docs/data-model.md)."""
    text = render_markdown()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
