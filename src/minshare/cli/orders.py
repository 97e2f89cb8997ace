"""``minshare orders``: the orders that authorize (or bar) every disclosure.

Each command parses its options, calls one library function of ``minshare.orders`` and renders
the result; errors are raised as ``MinshareError`` and become exit codes in ``cli/main.py``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from minshare.errors import UsageError
from minshare.orders import diff as diff_mod
from minshare.orders.catalog import Catalog, builtin_test_paths, validate_files
from minshare.orders.datadiff import DataDiff, data_diff
from minshare.orders.load import origin
from minshare.orders.model import Effect, Order
from minshare.orders.policytest import Report, run_files
from minshare.orders.predicates import render
from minshare.orders.requests import Authorization, check_request_file
from minshare.orders.resolve import NO_ORDER_REASON, Resolution, in_force, label, parse_state
from minshare.orders.resolve import resolve as resolve_state
from minshare.orders.schema import schema_text

app = typer.Typer(
    help="Orders: the only authority for a disclosure (list, show, validate, in-force, diff, "
    "test).",
    no_args_is_help=True,
)

ORDERS = typer.Option(
    None,
    "--orders",
    help="An extra order file or directory (repeatable); a file with a built-in id replaces it.",
)
JSON = typer.Option(False, "--json", help="Print JSON instead of text.")


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _day(text: str, option: str = "--as-of") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from exc


def _catalog(extra: list[Path] | None) -> Catalog:
    catalog = Catalog.load(extra or [])
    for oid in catalog.overridden:
        Console(stderr=True).print(f"note: using your file for {oid} (replaces the built-in)")
    return catalog


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


# --- list / show / validate / schema ------------------------------------------------------------


@app.command("list")
def list_orders(orders: list[Path] | None = ORDERS, as_json: bool = JSON) -> None:
    """List the orders minshare knows."""
    catalog = _catalog(orders)
    if as_json:
        _json([_summary(o) for o in catalog])
        return
    out = _out()
    for o in catalog:
        supersedes = f"; supersedes {', '.join(o.supersedes)}" if o.supersedes else ""
        out.print(
            f"[bold]{o.id}[/]  in force {o.effective}; {len(o.jurisdiction)} states; "
            f"{len(o.rules)} rules{supersedes}"
        )
        out.print(f"  {escape(o.title)}")


def _summary(o: Order) -> dict[str, Any]:
    where = origin(o)
    return {
        "id": o.id,
        "title": o.title,
        "effective": o.effective.model_dump(mode="json", by_alias=True),
        "states": [j.state for j in o.jurisdiction],
        "supersedes": list(o.supersedes),
        "rules": len(o.rules),
        "file": where.file if where else None,
        "sha256": where.sha256 if where else None,
    }


@app.command("show")
def show(
    ref: str = typer.Argument(..., help="An order id or the path of an order file."),
    orders: list[Path] | None = ORDERS,
    as_json: bool = JSON,
) -> None:
    """Show one order: its authority, window, jurisdiction, fields and rules."""
    order = _catalog(orders).get(ref)
    if as_json:
        _json(order.model_dump(mode="json", by_alias=True, exclude_none=True))
        return
    out = _out()
    a = order.authority
    where = origin(order)
    out.print(f"[bold]{order.id}[/]  {escape(order.title)}")
    out.print(f"  {a.caption}, {a.court}, No. {a.docket}")
    out.print(f"  {escape(a.document)}; issued {a.issued}; text known from: {a.evidence}")
    if where:
        out.print(f"  file {where.file} (sha256 {where.sha256[:16]}…)")
    out.print(
        f"  in force {order.effective}; supersedes {', '.join(order.supersedes) or 'nothing'}"
    )
    states = ", ".join(
        label(j.state) + (f" from {j.from_}" if j.from_ else "") for j in order.jurisdiction
    )
    out.print(f"  jurisdiction ({len(order.jurisdiction)}): {states}")
    for rcp in order.recipients:
        out.print(f"  recipient {rcp.id}: {escape(rcp.name)}, {escape(rcp.address)}")
    for pur in order.purposes:
        out.print(f"  purpose {pur.id}: {escape(pur.description)}")
    fields = ", ".join(f"{f.column} ({f.category})" for f in order.fields) or "none"
    out.print(f"  permitted fields: {fields}")
    for name, p in order.params.items():
        out.print(f"  param {name} = {p.value} ({p.type}): {escape(p.description)}")
    out.print("  rules (any withhold > review > disclose; no match: withhold):")
    for r in order.rules:
        out.print(f"    {escape(f'[{r.effect}]')} {r.id}: {escape(render(r.when))}")
        out.print(f"        because {escape(r.reason)}; cite: {escape(r.cite)}")


@app.command("validate")
def validate(files: list[Path] = typer.Argument(..., help="Order files to check.")) -> None:
    """Check order files: every problem is reported with file, line and column."""
    loaded = validate_files(files)
    for order in loaded:
        where = origin(order)
        typer.echo(f"ok  {order.id}  ({where.file if where else ''}, {len(order.rules)} rules)")


@app.command("schema")
def schema(
    kind: str = typer.Argument("order", help="order, request or policy-test"),
    out: Path | None = typer.Option(None, "--out", help="Write here instead of stdout."),
) -> None:
    """Print the JSON Schema of order files (or of requests, or of policy tests)."""
    text = schema_text(kind)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


# --- in-force ------------------------------------------------------------------------------------


@app.command("in-force")
def in_force_cmd(
    as_of: str = typer.Option(..., "--as-of", help="The disclosure date (YYYY-MM-DD)."),
    state: str | None = typer.Option(None, "--state", help="FIPS code or USPS abbreviation."),
    orders: list[Path] | None = ORDERS,
    as_json: bool = JSON,
) -> None:
    """Which orders govern on a date (for one state: which, and why)."""
    day = _day(as_of)
    catalog = _catalog(orders)
    if state is not None:
        _render_resolution(resolve_state(catalog.orders, parse_state(state), day), as_json)
        return
    governing = in_force(catalog.orders, day)
    if as_json:
        _json({"as_of": day, "orders": {k: list(v) for k, v in governing.items()}})
        return
    out = _out()
    if not governing:
        out.print(f"{NO_ORDER_REASON}: no order is in force anywhere on {day}")
    for oid, states in governing.items():
        out.print(f"{oid} governs {len(states)} states on {day}: {', '.join(states)}")
    if governing:
        out.print(f"every other state: {NO_ORDER_REASON}")


def _render_resolution(res: Resolution, as_json: bool) -> None:
    if as_json:
        _json(
            {
                "state": res.state,
                "as_of": res.as_of,
                "governing": [o.id for o in res.governing],
                "standings": [
                    {"order": s.order.id, "governs": s.governs, "why": s.why} for s in res.standings
                ],
            }
        )
        return
    out = _out()
    if res.governing:
        for order in res.governing:
            out.print(f"[bold]{order.id}[/] governs state {label(res.state)} on {res.as_of}")
            out.print(f"  {escape(order.title)}")
    else:
        out.print(
            f"[bold]nothing[/]: {NO_ORDER_REASON} for state {label(res.state)} on {res.as_of}"
        )
    out.print("why:")
    for s in res.standings:
        out.print(f"  {s.order.id}: {'governs' if s.governs else 'does not govern'}; {s.why}")


# --- diff ----------------------------------------------------------------------------------------


@app.command("diff")
def diff(
    a: str = typer.Argument(..., help="The earlier order (id or file)."),
    b: str = typer.Argument(..., help="The later order (id or file)."),
    enrollment: Path | None = typer.Option(None, "--enrollment", help="Enrollment table."),
    determinations: Path | None = typer.Option(
        None, "--determinations", help="Status determination table."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Decide as of this date."),
    recipient: str | None = typer.Option(None, "--recipient"),
    purpose: str | None = typer.Option(None, "--purpose"),
    show_all: bool = typer.Option(False, "--all", help="List every reason combination."),
    orders: list[Path] | None = ORDERS,
    as_json: bool = JSON,
) -> None:
    """What changed from order A to order B; with data, how many records move and why."""
    catalog = _catalog(orders)
    order_a, order_b = catalog.get(a), catalog.get(b)
    data = (enrollment, determinations, as_of)
    if any(x is not None for x in data):
        if enrollment is None or determinations is None or as_of is None:
            raise UsageError("a data diff needs --enrollment, --determinations and --as-of")
        result = data_diff(
            order_a,
            order_b,
            enrollment,
            determinations,
            _day(as_of),
            recipient=recipient,
            purpose=purpose,
        )
        _render_data_diff(result, as_json, None if show_all else 20)
        return
    _render_diff(diff_mod.diff_orders(order_a, order_b), as_json)


def _render_diff(d: diff_mod.OrderDiff, as_json: bool) -> None:
    if as_json:
        _json(
            {
                "a": d.a,
                "b": d.b,
                "changes": [c.__dict__ for c in d.changes],
            }
        )
        return
    out = _out()
    out.print(f"[bold]{d.a}[/] -> [bold]{d.b}[/]")
    if d.empty:
        out.print("no change in meaning")
    for area in diff_mod.AREAS:
        changes = d.area(area)
        if changes:
            out.print(f"{area} ({len(changes)}):")
            for c in changes:
                out.print(f"  {escape(str(c))}")


_EFFECTS = (Effect.DISCLOSE, Effect.REVIEW, Effect.WITHHOLD)


def _render_data_diff(d: DataDiff, as_json: bool, limit: int | None) -> None:
    if as_json:
        _json(
            {
                "a": d.a,
                "b": d.b,
                "as_of": d.as_of,
                "rows": d.rows,
                "quarantined": d.quarantined,
                "matrix": {f"{x}->{y}": n for (x, y), n in d.matrix.items()},
                "transitions": [t.__dict__ for t in d.transitions],
                "rows_per_second": round(d.rows_per_second),
            }
        )
        return
    out = _out()
    out.print(
        f"[bold]{d.a}[/] -> [bold]{d.b}[/] on {d.as_of}: {d.rows:,} rows decided under both "
        f"(each order as if in force); quarantined by the reader: "
        + (", ".join(f"{k} {v:,}" for k, v in d.quarantined.items()) or "none")
    )
    matrix = Table(title="transition matrix (rows: under A; columns: under B)")
    matrix.add_column(f"{d.a} \\ {d.b}")
    for e in _EFFECTS:
        matrix.add_column(str(e), justify="right")
    matrix.add_column("total", justify="right")
    for x in _EFFECTS:
        counts = [d.matrix.get((x, y), 0) for y in _EFFECTS]
        matrix.add_row(str(x), *(f"{n:,}" for n in counts), f"{sum(counts):,}")
    matrix.add_row(
        "total", *(f"{d.total(y, after=True):,}" for y in _EFFECTS), f"{d.rows:,}", style="bold"
    )
    out.print(matrix)
    out.print("by reason (rows: decision and deciding rules under A -> under B):")
    width = len(f"{d.transitions[0].count:,}") if d.transitions else 1
    for t in d.transitions[:limit] if limit else d.transitions:
        out.print(
            f"  {t.count:>{width},}  {t.before} ({t.before_rules}) -> {t.after} ({t.after_rules})"
        )
    hidden = len(d.transitions) - limit if limit else 0
    if hidden > 0:
        out.print(f"  … {hidden} more combinations (--all shows them)")
    out.print(
        f"read {d.read_seconds:.2f} s; decided in {d.decide_seconds:.2f} s "
        f"({d.rows_per_second:,.0f} rows/s, both orders)"
    )


# --- test ----------------------------------------------------------------------------------------


@app.command("test")
def run_policy_tests(
    files: list[Path] | None = typer.Argument(
        None, help="Policy-test files (default: the reference cases of the built-in orders)."
    ),
    orders: list[Path] | None = ORDERS,
    verbose: bool = typer.Option(False, "-v", "--verbose", help="List every case."),
    as_json: bool = JSON,
) -> None:
    """Run policy tests: records with the decision and rules an order must produce."""
    report = run_files(files or builtin_test_paths(), _catalog(orders).orders)
    _render_report(report, verbose, as_json)
    report.raise_for_failures()


def _render_report(report: Report, verbose: bool, as_json: bool) -> None:
    if as_json:
        _json(
            {
                "cases": len(report.results),
                "passed": report.passed,
                "failed": [
                    {"file": r.file, "line": r.line, "name": r.name, "failures": list(r.failures)}
                    for r in report.failed
                ],
            }
        )
        return
    out = _out()
    for r in report.results:
        if verbose or not r.passed:
            mark = "[green]pass[/]" if r.passed else "[red]FAIL[/]"
            out.print(f"{mark} {r.file}:{r.line}  {escape(r.name)}  -> {r.decision.effect}")
            for f in r.failures:
                out.print(f"       {escape(f)}")
    out.print(f"{len(report.results)} cases: {report.passed} passed, {len(report.failed)} failed")


# --- requests -----------------------------------------------------------------------------------


@app.command("check-request")
def check_request(
    file: Path = typer.Argument(..., help="A written request (YAML)."),
    orders: list[Path] | None = ORDERS,
    as_json: bool = JSON,
) -> None:
    """Check a written request against the orders in force on its as-of date."""
    auth = check_request_file(file, _catalog(orders).orders)
    _render_authorization(auth, as_json)


def _render_authorization(auth: Authorization, as_json: bool) -> None:
    req = auth.request
    if as_json:
        _json(
            {
                "request_id": req.request_id,
                "accepted": True,
                "as_of": auth.as_of,
                "orders": [o.id for o in auth.orders],
                "fields": list(auth.fields),
                "states": {s: [o.id for o in r.governing] for s, r in auth.resolutions.items()},
            }
        )
        return
    out = _out()
    out.print(f"[bold]accepted[/]: request {req.request_id} from {req.recipient} for {req.purpose}")
    out.print(f"  as of {auth.as_of}, under {', '.join(o.id for o in auth.orders)}")
    out.print(f"  fields that may leave: {', '.join(auth.fields) or 'none'}")
    covered = [s for s in auth.resolutions if s not in auth.uncovered]
    out.print(
        f"  states governed: {len(covered)}; withheld, no order in force: {len(auth.uncovered)}"
    )
