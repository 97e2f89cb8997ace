"""Entry point of the ``minshare`` command and the one place errors become exit codes."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

from minshare import __version__
from minshare.cli import data as data_cmd
from minshare.cli import model as model_cmd
from minshare.errors import MinshareError

app = typer.Typer(
    name="minshare",
    help="Enforce a legal order on a disclosure of Medicaid enrollment records, and prove it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(model_cmd.app, name="model")
app.add_typer(data_cmd.app, name="data")
data_cmd.register(app)


@app.command()
def version() -> None:
    """Print the minshare version."""
    typer.echo(__version__)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map any MinshareError to its exit code and a message (or JSON with --json)."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json-errors" in args
    if as_json:
        args.remove("--json-errors")
    try:
        app(args=args, prog_name="minshare", standalone_mode=False)
    except MinshareError as exc:
        if as_json:
            sys.stderr.write(json.dumps(exc.to_dict()) + "\n")
        else:
            Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        Console(stderr=True).print("aborted")
        return 130
    except Exception as exc:  # click usage errors arrive as click exceptions
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
