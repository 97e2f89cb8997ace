"""``minshare disclose``, ``dry-run``, ``explain`` and ``compile-sql``.

Each command parses its options, calls one library function (``minshare.engines.disclose``,
``dry_run``, ``explain``; ``minshare.compile.compile_request``) and renders the result in plain
words. Errors are ``MinshareError``s and become exit codes in ``cli/main.py``; a failed run
leaves no package.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from minshare.compile import TARGETS, compile_request
from minshare.engines import (
    DisclosureResult,
    DryRunResult,
    Explanation,
    disclose,
    dry_run,
    explain,
)
from minshare.engines.run import Progress as ProgressFn
from minshare.engines.run import Step
from minshare.engines.spark import SparkSettings
from minshare.errors import UsageError

REQUEST = typer.Option(..., "--request", help="The written request (YAML).")
ENROLLMENT = typer.Option(
    ..., "--enrollment", help="Enrollment input (Parquet, CSV, PSV, .gz); repeatable."
)
DETERMINATIONS = typer.Option(
    ..., "--determinations", help="Status determinations input; repeatable."
)
REGISTRY = typer.Option(
    None,
    "--registry",
    help="A facility registry directory (minshare registry load) or registry files, for the "
    "health-information guard; repeatable.",
)
WORKSPACE = typer.Option(..., "--workspace", help="The discloser's workspace directory.")
ENGINE = typer.Option("duckdb", "--engine", help="The engine that runs the plan: duckdb or spark.")
SPARK_MASTER = typer.Option(
    None,
    "--spark-master",
    help="With --engine spark: the Spark master URL (default local[*]).",
    envvar="MINSHARE_SPARK_MASTER",
)
SPARK_CONF = typer.Option(
    None,
    "--spark-conf",
    help="With --engine spark: a Spark setting KEY=VALUE over minshare's defaults; repeatable.",
)
ORDERS = typer.Option(
    None, "--orders", help="An extra order file or directory (repeatable), besides the built-in."
)
DELIMITER = typer.Option(
    None, "--delimiter", help="Read text inputs with this delimiter, e.g. '|'."
)
JSON = typer.Option(False, "--json", help="Print a machine-readable summary.")
LEDGER = typer.Option(
    None,
    "--ledger",
    help="The ledger the package is recorded in: postgresql://… or a SQLite file; default "
    "WS/ledger.sqlite.",
    envvar="MINSHARE_LEDGER",
)

WORDS = {"disclose": "disclosed", "withhold": "withheld", "review": "in review"}


def register(app: typer.Typer) -> None:
    app.command("disclose")(disclose_cmd)
    app.command("dry-run")(dry_run_cmd)
    app.command("explain")(explain_cmd)
    app.command("compile-sql")(compile_sql_cmd)


@contextmanager
def _progress(enabled: bool) -> Iterator[tuple[Step, ProgressFn]]:
    err = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not (enabled and err.is_terminal),
    ) as bar:
        task = bar.add_task("starting", total=None)

        def step(message: str) -> None:
            bar.update(task, description=message)
            if enabled:
                err.print(f"[dim]·[/] {escape(message)}", highlight=False)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield step, progress


def _spark(engine: str, master: str | None, conf: list[str] | None) -> SparkSettings | None:
    if engine != "spark":
        if master or conf:
            raise UsageError("--spark-master and --spark-conf apply only to --engine spark")
        return None
    return SparkSettings.parse(master, conf or [])


def disclose_cmd(
    request: Path = REQUEST,
    enrollment: list[Path] = ENROLLMENT,
    determinations: list[Path] = DETERMINATIONS,
    registry: list[Path] | None = REGISTRY,
    out: Path = typer.Option(..., "--out", help="The package directory to create."),
    workspace: Path = WORKSPACE,
    engine: str = ENGINE,
    orders: list[Path] | None = ORDERS,
    delimiter: str | None = DELIMITER,
    ledger: str | None = LEDGER,
    spark_master: str | None = SPARK_MASTER,
    spark_conf: list[str] | None = SPARK_CONF,
    as_json: bool = JSON,
) -> None:
    """Decide every record, keep every decision in the workspace, publish the signed package
    and record it in the ledger."""
    spark = _spark(engine, spark_master, spark_conf)
    with _progress(not as_json) as (step, progress):
        result = disclose(
            request,
            enrollment,
            determinations,
            out=out,
            workspace=workspace,
            registries=registry or [],
            engine=engine,
            orders=orders or [],
            delimiter=delimiter,
            progress=progress,
            step=step,
            ledger=ledger,
            spark=spark,
        )
    if as_json:
        typer.echo(json.dumps(_result_dict(result), indent=2, default=str))
        return
    _render_result(Console(highlight=False, soft_wrap=True), result)


def dry_run_cmd(
    request: Path = REQUEST,
    enrollment: list[Path] = ENROLLMENT,
    determinations: list[Path] = DETERMINATIONS,
    registry: list[Path] | None = REGISTRY,
    workspace: Path = WORKSPACE,
    engine: str = ENGINE,
    orders: list[Path] | None = ORDERS,
    delimiter: str | None = DELIMITER,
    spark_master: str | None = SPARK_MASTER,
    spark_conf: list[str] | None = SPARK_CONF,
    as_json: bool = JSON,
) -> None:
    """Decide every record and count by state × decision × reason; publish nothing."""
    spark = _spark(engine, spark_master, spark_conf)
    with _progress(not as_json) as (step, progress):
        result = dry_run(
            request,
            enrollment,
            determinations,
            workspace=workspace,
            registries=registry or [],
            engine=engine,
            orders=orders or [],
            delimiter=delimiter,
            progress=progress,
            step=step,
            spark=spark,
        )
    if as_json:
        typer.echo(json.dumps(_result_dict(result), indent=2, default=str))
        return
    console = Console(highlight=False, soft_wrap=True)
    _render_result(console, result)
    table = Table(title="by state × decision × reason", title_justify="left")
    for name in ("state", "decision", "reason", "rows"):
        table.add_column(name, justify="right" if name == "rows" else "left", no_wrap=True)
    for rc in sorted(result.by_reason, key=lambda r: (r.state, r.decision, -r.rows)):
        table.add_row(rc.state, rc.decision, rc.reason, f"{rc.rows:,}")
    console.print(table)


def explain_cmd(
    workspace: Path = WORKSPACE,
    state: str = typer.Option(..., "--state", help="State: FIPS code or USPS abbreviation."),
    msis_id: str = typer.Option(..., "--id", help="The Medicaid ID (MSIS_IDENT_NUM)."),
    as_json: bool = JSON,
) -> None:
    """Why one person's records were disclosed, withheld or sent to review."""
    result = explain(workspace, state, msis_id)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, default=str))
        return
    _render_explanation(Console(highlight=False, soft_wrap=True), result)


def compile_sql_cmd(
    request: Path = REQUEST,
    dialect: str = typer.Option("duckdb", "--dialect", help=f"SQL dialect: {', '.join(TARGETS)}."),
    orders: list[Path] | None = ORDERS,
) -> None:
    """Print the decision SQL a request compiles to (nothing is read or run)."""
    typer.echo(compile_request(request, dialect=dialect, orders=orders or []))


# --- rendering ---------------------------------------------------------------------------------


def _result_dict(result: DryRunResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "workspace": str(result.workspace),
        "request_id": result.request_id,
        "as_of": result.as_of,
        "orders": list(result.orders),
        "columns": list(result.columns),
        "counts": result.counts.model_dump(),
        "by_decision_reason": result.by_decision_reason(),
        "by_state_decision_reason": [asdict(rc) for rc in result.by_reason],
        "quarantined_by_table": result.quarantined_by_table,
        "timings": result.timings,
        "notes": list(result.notes),
        "guard": result.guard,
    }
    if isinstance(result, DisclosureResult):
        data["package"] = str(result.package) if result.package else None
        data["records"] = result.records
        data["key_id"] = result.key_id
        data["ledger_index"] = result.ledger_index
        data["checkpoint"] = result.checkpoint
    return data


def _render_result(console: Console, result: DryRunResult) -> None:
    c = result.counts
    console.print(
        f"[bold]{c.input_rows:,}[/] enrollment rows read for request "
        f"[bold]{escape(result.request_id)}[/] (as of {result.as_of}; orders: "
        f"{escape(', '.join(result.orders)) or 'none in force'}):"
    )
    console.print(
        f"  [bold green]{c.disclosed:,} disclosed[/], [bold]{c.withheld:,} withheld[/], "
        f"[bold yellow]{c.review:,} in review[/], [bold red]{c.quarantined:,} quarantined[/] "
        f"(the four add up to the rows read)"
    )
    table = Table(title="why", title_justify="left")
    table.add_column("decision", no_wrap=True)
    table.add_column("reason", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    for decision, reasons in result.by_decision_reason().items():
        for reason, n in reasons.items():
            table.add_row(WORDS.get(decision, decision), reason, f"{n:,}")
    console.print(table)
    if result.guard is not None:
        console.print(guard_line(result.guard))
    q = result.quarantined_by_table
    if any(q.values()):
        console.print(
            f"quarantined (could not be read): {q.get('enrollment', 0):,} enrollment and "
            f"{q.get('determinations', 0):,} determination rows, in "
            f"{escape(str(result.workspace / 'quarantine.parquet'))}"
        )
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    ws = escape(str(result.workspace))
    if isinstance(result, DisclosureResult):
        if result.package is not None:
            console.print(
                f"package: [bold]{escape(str(result.package))}[/] — {result.records:,} records, "
                f"{len(result.columns)} columns, signed by key {result.key_id} "
                f"(check it: minshare verify-package {escape(str(result.package))})"
            )
        if result.ledger_index is not None and result.checkpoint is not None:
            console.print(
                f"ledger: recorded as entry [bold]{result.ledger_index}[/]; signed checkpoint:"
            )
            for line in result.checkpoint.rstrip("\n").split("\n"):
                console.print(f"  {escape(line)}")
            console.print(
                f"  (check the ledger: minshare ledger verify --workspace {ws}; prove the entry: "
                f"minshare ledger prove-inclusion --index {result.ledger_index} --workspace {ws})"
            )
        else:
            console.print("no package was written: nothing may leave under this request")
    else:
        console.print("dry run: nothing was published")
    console.print(
        f"workspace: {ws} (decisions.parquet: every row with its reasons; review.parquet; "
        f"run.log). Explain a row: minshare explain --workspace {ws} --state ST --id ID"
    )


def guard_line(guard: dict[str, Any]) -> str:
    """The guard's work in one line of plain words."""
    mail = any(str(f).endswith("_MAIL") for f in guard.get("fields", []))
    found = ", ".join(f"{k} {v:,}" for k, v in sorted(guard.get("by_category", {}).items()))
    return (
        f"guard: scanned {guard.get('rows_scanned', 0):,} rows whose decision its findings could "
        f"change ({'home and mailing' if mail else 'home'} addresses, phones, IDs); "
        f"{guard.get('rows_flagged', 0):,} flagged" + (f" ({escape(found)})" if found else "")
    )


def _render_explanation(console: Console, e: Explanation) -> None:
    console.print(escape(e.summary))
    console.print(f"\n[dim]as of {e.as_of}, request {escape(str(e.request_id))}[/]")
    for r in e.rows:
        console.print(
            f"\n[bold]row {r.row}[/] of {escape(r.source_file)}"
            + (f" (line {r.line})" if r.line else "")
            + f": [bold]{r.decision}[/]"
            + (f" (the rules said {r.rule_decision})" if r.rule_decision != r.decision else "")
        )
        for reason, cite in zip(r.reasons, r.cites, strict=False):
            console.print(f"  because: {escape(reason)}")
            console.print(f"  cites:   {escape(cite)}", style="dim")
        for step in r.steps:
            console.print(f"  step:    {escape(step)}")
        for o in r.orders:
            if not o.governs:
                console.print(f"  {escape(o.order_id)}: does not govern ({escape(o.why)})")
                continue
            console.print(f"  {escape(o.order_id)} governs: {escape(o.why)}")
            table = Table(show_header=True, box=None, padding=(0, 1))
            table.add_column("result", no_wrap=True)
            table.add_column("effect", no_wrap=True)
            table.add_column("rule", no_wrap=True)
            table.add_column("condition", overflow="fold")
            for t in o.rules:
                mark = {"true": "[green]true[/]", "false": "false", "unknown": "[yellow]unknown[/]"}
                table.add_row(mark[t.result], t.effect, t.rule_id, escape(t.condition))
            console.print(table)
        console.print("  facts used:")
        for name, value in r.facts.items():
            console.print(f"    {escape(name)} = {escape(repr(value))}")
    if e.determinations:
        console.print("\ndeterminations on file:")
        for d in e.determinations:
            console.print(
                f"  {d.get('DETERMINED_ON')} {d.get('STATUS_CATEGORY')} "
                f"({d.get('DETERMINATION_SOURCE')})"
            )
    for q in e.quarantined:
        console.print(
            f"\n[red]quarantined[/] {escape(str(q.get('table')))} row {q.get('row')} of "
            f"{escape(str(q.get('source_file')))}: {escape(str(q.get('reason')))}"
        )
