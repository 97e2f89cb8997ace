"""``minshare demo``: the whole pipeline on synthetic data (what ``make demo`` calls)."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from minshare.cli.disclose import guard_line
from minshare.demo import DEFAULT_ROWS, DEFAULT_SEED, DemoResult, run_demo
from minshare.engines import DryRunResult

WORDS = {"disclose": "disclosed", "withhold": "withheld", "review": "in review"}
TOP_REASONS = 4


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    out: Path = typer.Option(Path("demo"), "--out", help="Directory for everything it writes."),
    rows: int = typer.Option(DEFAULT_ROWS, "--rows", min=1, help="Synthetic enrollment rows."),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="Seed of the synthetic data."),
) -> None:
    """Synthesize data, load the facility registry, disclose the example request, verify the
    package and the ledger, show the injunction's dry run and a refused request."""
    console = Console(highlight=False, soft_wrap=True)
    with console.status("working…") as status:

        def step(msg: str) -> None:
            status.update(msg)
            console.print(f"[dim]· {escape(msg)}[/]")

        result = run_demo(out, rows=rows, seed=seed, step=step)
    render(console, result)


def _q(path: Path | str) -> str:
    return escape(shlex.quote(str(path)))


def _reasons(console: Console, result: DryRunResult) -> None:
    """Counts by decision, each with its top reasons (the first id that decided the row)."""
    c = result.counts
    totals = {"disclose": c.disclosed, "withhold": c.withheld, "review": c.review}
    by_reason = result.by_decision_reason()
    for decision, total in totals.items():
        reasons = list(by_reason.get(decision, {}).items())
        shown = ", ".join(f"{escape(r)} {n:,}" for r, n in reasons[:TOP_REASONS]) or "—"
        rest = reasons[TOP_REASONS:]
        if rest:
            shown += f", and {len(rest)} more reasons ({sum(n for _, n in rest):,} rows)"
        console.print(f"    {WORDS[decision]:<11} {total:>7,}   {shown}")
    console.print(
        f"    {'quarantined':<11} {c.quarantined:>7,}   unreadable rows, each with its reason"
    )


def _identity(result: DryRunResult) -> str:
    c = result.counts
    holds = c.input_rows == c.disclosed + c.withheld + c.review + c.quarantined
    return (
        f"{c.input_rows:,} rows read = {c.disclosed:,} disclosed + {c.withheld:,} withheld + "
        f"{c.review:,} in review + {c.quarantined:,} quarantined"
        + (" (every row accounted for)" if holds else " [bold red](DOES NOT ADD UP)[/]")
    )


def render(console: Console, r: DemoResult) -> None:
    d = r.disclosure
    console.print()
    console.print(f"[bold]Synthetic input[/] in {escape(str(r.synth.out_dir))}:")
    for name, path in r.synth.paths.items():
        rows = r.synth.rows.get(name)
        console.print(f"  {escape(path.name):<24} {f'{rows:,} rows' if rows is not None else ''}")
    entries = r.registry.counts.get("entries", 0)
    sources = ", ".join(s.name for s in r.registry.sources)
    console.print(
        f"[bold]Facility registry[/] {escape(str(r.registry_dir))}: {entries:,} facilities from "
        f"{escape(sources)} ({r.registry.registry_id[:23]}…)"
    )

    m = d.manifest
    recipient = m.request.recipient.name if m is not None else "the recipient"
    console.print()
    console.print(
        f"[bold]1. Disclosure[/] of request {escape(d.request_id)} to {escape(recipient)}, as of "
        f"{d.as_of}, under {escape(', '.join(d.orders)) or 'no order'}:"
    )
    console.print(f"  {_identity(d)}")
    console.print("  by decision, with the top reasons:")
    _reasons(console, d)
    if d.guard is not None:
        console.print(f"  {guard_line(d.guard)}")
    if d.package is None or m is None:
        console.print("  no package: nothing may leave under this request")
    else:
        console.print(
            f"  package: [bold]{escape(str(d.package))}[/] — {d.records:,} records, "
            f"{len(d.columns)} columns ({escape(', '.join(d.columns))})"
        )
    if r.verify is not None:
        passed = sum(c.ok for c in r.verify.checks)
        console.print(
            f"  verify-package: [bold green]verified[/], {passed} of {len(r.verify.checks)} checks "
            f"passed; signed by key {r.verify.key_id}, origin proven with "
            f"{escape(str(r.public_key))}; every column permitted by the orders it names"
        )
    if d.ledger_index is not None:
        first = r.ledger.checkpoint.split("\n", 1)[0]
        size = r.ledger.report.size
        console.print(
            f"  ledger: recorded as entry [bold]{d.ledger_index}[/] of {size} in "
            f"{escape(r.ledger.location)}; ledger verified ({r.ledger.report.record_trees} record "
            f"tree{'s' if r.ledger.report.record_trees != 1 else ''} checked)"
        )
        console.print(f"  checkpoint: {escape(first)} (tree size {size}, signed)")

    inj = r.injunction
    console.print()
    console.print(
        f"[bold]2. Dry run under the injunction[/] (request {escape(inj.request_id)}, as of "
        f"{inj.as_of}, {escape(', '.join(inj.orders)) or 'no order'}):"
    )
    console.print(f"  {_identity(inj)}")
    _reasons(console, inj)
    if inj.counts.disclosed or inj.columns:
        console.print("  [bold red]SOMETHING WOULD LEAVE[/]")
    else:
        console.print(
            "  nothing leaves: the injunction permits no column, so no package is written"
        )
    console.print(
        "  (only the keys are read, so only rows whose keys cannot be read are quarantined)"
    )

    ref = r.refusal
    console.print()
    console.print(
        f"[bold]3. A refused request[/] ({escape(ref.request.name)}): {escape(ref.message)} "
        f"(exit status {ref.exit_code} on the command line)"
    )
    for reason in ref.reasons:
        console.print(f"  - {escape(reason)}")

    ws = r.workspace
    console.print()
    console.print("[bold]Check it yourself[/]:")
    if d.package is not None:
        console.print(f"  minshare verify-package {_q(d.package)} --key {_q(r.public_key)}")
    console.print(f"  minshare ledger verify --workspace {_q(ws)} --key {_q(r.ledger.vkey)}")
    console.print(f"  minshare ledger checkpoint --workspace {_q(ws)}")
    if r.example_person is not None:
        state, msis = r.example_person
        console.print(f"  minshare explain --workspace {_q(ws)} --state {state} --id {_q(msis)}")
        console.print(
            f"  minshare accounting --workspace {_q(ws)} --state {state} --id {_q(msis)} "
            "--proof proof.json"
        )
        console.print(f"  minshare verify-proof proof.json --key {_q(r.ledger.vkey)}")
    console.print()
    console.print("[bold]Compliance report[/] (aggregate counts only, 1–10 suppressed):")
    for path in r.report.paths:
        pages = f" ({r.report.pages} pages)" if path.suffix == ".pdf" and r.report.pages else ""
        console.print(f"  {escape(str(path))}{pages}")
    if r.report.note:
        console.print(f"  [yellow]{escape(r.report.note)}[/]")
    console.print()
    for item in r.further:
        console.print(f"[bold]next:[/] {escape(item.format(ws=r.workspace))}")
    console.print(f"done in {r.total_seconds:.1f} s; everything is in {escape(str(r.out_dir))}")
