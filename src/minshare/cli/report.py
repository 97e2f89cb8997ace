"""``minshare report``: the compliance report of a disclosure, as HTML or PDF (docs/report.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from minshare.errors import UsageError
from minshare.report import write_report


def register(app: typer.Typer) -> None:
    """Attach the top-level ``report`` command."""
    app.command("report")(report_cmd)


def report_cmd(
    workspace: Path = typer.Option(..., "--workspace", help="The disclosure's workspace."),
    out: list[Path] = typer.Option(
        ..., "--out", help="report.html or report.pdf (repeatable: both from one build)."
    ),
    package: Path | None = typer.Option(
        None, "--package", help="The package (default: the one the workspace's run published)."
    ),
    ledger: str | None = typer.Option(
        None, "--ledger", help="Ledger URL (default: the workspace's ledger.sqlite)."
    ),
    key: Path | None = typer.Option(
        None, "--key", help="The discloser's public key (default: the workspace's)."
    ),
    compare: tuple[str, str] | None = typer.Option(
        None,
        "--compare",
        metavar="ORDER_A ORDER_B",
        help="Add the transition matrix of two orders (ids or files) on the run's rows.",
    ),
    enrollment: Path | None = typer.Option(
        None, "--enrollment", help="For --compare: the enrollment input (default: the run's)."
    ),
    determinations: Path | None = typer.Option(
        None, "--determinations", help="For --compare: the determinations input."
    ),
    orders: list[Path] | None = typer.Option(
        None, "--orders", help="An order file or directory (repeatable) besides the built-in."
    ),
) -> None:
    """Write the compliance report: aggregate counts only, cells of 1 to 10 suppressed."""
    if (enrollment or determinations) and not compare:
        raise UsageError("--enrollment and --determinations go with --compare")
    written = write_report(
        workspace,
        out,
        package=package,
        ledger=ledger,
        public_key=key,
        compare=compare,
        enrollment=enrollment,
        determinations=determinations,
        orders=orders or [],
    )
    for path in written.paths:
        typer.echo(str(path))
