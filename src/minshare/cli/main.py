"""Entry point of the ``minshare`` command and the one place errors become exit codes."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.markup import escape

from minshare import __version__
from minshare.cli import data as data_cmd
from minshare.cli import demo as demo_cmd
from minshare.cli import disclose as disclose_cmd
from minshare.cli import guard as guard_cmd
from minshare.cli import keys as keys_cmd
from minshare.cli import ledger as ledger_cmd
from minshare.cli import model as model_cmd
from minshare.cli import orders as orders_cmd
from minshare.cli import package as package_cmd
from minshare.cli import report as report_cmd
from minshare.cli import review as review_cmd
from minshare.cli import serve as serve_cmd
from minshare.cli import synth as synth_cmd
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
app.add_typer(orders_cmd.app, name="orders")
data_cmd.register(app)
demo_cmd.register(app)
disclose_cmd.register(app)
synth_cmd.register(app)
keys_cmd.register(app)
package_cmd.register(app)
ledger_cmd.register(app)
guard_cmd.register(app)
serve_cmd.register(app)
report_cmd.register(app)
review_cmd.register(app)


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
        # Standalone mode lets the parser render its own usage errors; it ends with SystemExit.
        app(args=args, prog_name="minshare", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except MinshareError as exc:
        if as_json:
            sys.stderr.write(json.dumps(exc.to_dict()) + "\n")
        else:
            Console(stderr=True).print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
