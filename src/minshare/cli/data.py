"""``minshare data``: placeholder, replaced by the readers work."""

from __future__ import annotations

import typer

app = typer.Typer(help="Read and validate input tables.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Attach top-level data commands (none yet)."""
