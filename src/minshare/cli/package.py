"""``minshare verify-package``: check a package and list every check."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from minshare.package.orders import order_permissions
from minshare.package.verify import VerifyReport, verify_package


def register(app: typer.Typer) -> None:
    """Attach the top-level ``verify-package`` command."""
    app.command("verify-package")(verify_package_cmd)


def verify_package_cmd(
    pkg: Path = typer.Argument(..., help="The package directory."),
    key: Path | None = typer.Option(
        None, "--key", help="The signer's public key (.pub); without it only integrity is proven."
    ),
    orders: list[Path] | None = typer.Option(
        None,
        "--orders",
        help="An order file or directory (repeatable) besides the built-in orders.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Recompute every hash, check the signature and the columns against the manifest's orders.

    Exit status 0 only if every check passes.
    """
    report = verify_package(pkg, public_key=key, permitted_columns=order_permissions(orders or []))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _render(report)
    if not report.ok:
        raise typer.Exit(1)


def _render(report: VerifyReport) -> None:
    console = Console(highlight=False, soft_wrap=True)
    table = Table(title=f"package {escape(report.package)}", title_justify="left")
    table.add_column("", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for check in report.checks:
        mark = "[green]ok[/]" if check.ok else "[bold red]FAIL[/]"
        table.add_row(mark, check.name, escape(check.detail))
    console.print(table)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    failed = report.failed()
    m = report.manifest
    if report.ok and m is not None:
        recipient = escape(m.request.recipient.name)
        console.print(
            f"[bold green]verified[/]: {m.record_count:,} records for {recipient}"
            f" (request {escape(m.request.request_id)}, as of {m.request.as_of}), "
            f"signed by key {report.key_id}"
        )
    else:
        console.print(
            f"[bold red]NOT verified[/]: {len(failed)} of {len(report.checks)} checks failed"
        )
