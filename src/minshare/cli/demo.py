"""``minshare demo``: the reference run on embedded defaults (what ``make demo`` calls)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable

from minshare.demo import DEFAULT_AS_OF, DEFAULT_ROWS, DEFAULT_SEED, DemoResult, run_demo


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    out: Path = typer.Option(Path("demo"), "--out", help="Directory for inputs and workspace."),
    rows: int = typer.Option(DEFAULT_ROWS, "--rows", min=1, help="Synthetic enrollment rows."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Seed of the synthetic data."),
    as_of: dt.datetime = typer.Option(
        dt.datetime.combine(DEFAULT_AS_OF, dt.time()),
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Disclosure date.",
    ),
) -> None:
    """Synthesize data, validate it, resolve the orders in force, and show what exists so far."""
    console = Console()
    with console.status("working…") as status:

        def step(msg: str) -> None:
            status.update(msg)
            console.print(f"[dim]·[/] {msg}")

        result = run_demo(out, rows=rows, seed=seed, as_of=as_of.date(), step=step)
    render(console, result)


def render(console: Console, r: DemoResult) -> None:
    files = RichTable(title="Synthetic input", title_justify="left")
    files.add_column("file")
    files.add_column("rows", justify="right")
    for name, path in r.synth.paths.items():
        files.add_row(str(path), f"{r.synth.rows.get(name, 0):,}" if name in r.synth.rows else "")
    console.print(files)

    counts = RichTable(
        title="Read and validated (rows read = accepted + quarantined)", title_justify="left"
    )
    for col in ("table", "read", "accepted", "quarantined", "flagged values"):
        counts.add_column(col, justify="right" if col != "table" else "left")
    for name, lr in (("enrollment", r.enrollment), ("determinations", r.determinations)):
        c = lr.counts
        counts.add_row(
            name,
            f"{c.rows_read:,}",
            f"{c.rows_accepted:,}",
            f"{c.rows_quarantined:,}",
            f"{sum(lr.flags_by_column.values()):,}",
        )
    console.print(counts)
    if r.enrollment.quarantine_by_reason:
        reasons = ", ".join(
            f"{k} {v:,}" for k, v in sorted(r.enrollment.quarantine_by_reason.items())
        )
        console.print(f"enrollment quarantine by reason: {reasons}")

    by_orders: dict[tuple[str, ...], list[str]] = {}
    for state, order_ids in r.orders_by_state.items():
        by_orders.setdefault(tuple(order_ids), []).append(state)
    gov = RichTable(title=f"Orders in force on {r.as_of.isoformat()}", title_justify="left")
    gov.add_column("orders")
    gov.add_column("states (FIPS)")
    for ids, sts in sorted(by_orders.items()):
        gov.add_row(", ".join(ids) or "none: every record withheld (default deny)", " ".join(sts))
    console.print(gov)

    for item in r.not_yet_available:
        console.print(f"[yellow]not yet available:[/] {item}")
    console.print(f"\ninputs:    {r.out_dir / 'input'}")
    console.print(f"workspace: {r.out_dir / 'workspace'} (accepted rows and quarantine)")
