"""``minshare review``: the review desk without the service — list the people a run sent to
review, show one with what a reviewer needs to decide, and record a decision. Thin commands
over :mod:`minshare.review`; the same two-person rule and written reasons as the web desk."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(
    help="The review desk: people in review, and reviewers' decisions on them.",
    no_args_is_help=True,
)

WORKSPACE = typer.Option(..., "--workspace", help="The discloser's workspace directory.")
STATE = typer.Option(..., "--state", help="SUBMTG_STATE_CD (2-digit FIPS).")
ID = typer.Option(..., "--id", help="MSIS_IDENT_NUM.")
JSON = typer.Option(False, "--json", help="Print JSON instead of text.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="review")


def _item_json(item: Any) -> dict[str, Any]:
    out = asdict(item)
    out["votes"] = [v.model_dump(mode="json") for v in item.votes]
    out["decision"] = item.decision.model_dump(mode="json") if item.decision else None
    return out


@app.command("list")
def list_cmd(workspace: Path = WORKSPACE, as_json: bool = JSON) -> None:
    """Everyone the last run sent to review, with the status of each."""
    from minshare.review import build_queue

    items = build_queue(workspace)
    if as_json:
        typer.echo(json.dumps([_item_json(i) for i in items], indent=2, default=str))
        return
    if not items:
        typer.echo("nobody is in review")
        return
    for i in items:
        rules = ", ".join(r.rule_id for r in i.rules) or "-"
        findings = ", ".join(f.id for f in i.findings) or "-"
        votes = f", {len(i.votes)} vote(s)" if i.votes else ""
        typer.echo(
            f"{i.state} {i.msis_id}  {i.status}{votes}  rules: {rules}  findings: {findings}"
        )


@app.command("show")
def show_cmd(
    workspace: Path = WORKSPACE, state: str = STATE, msis_id: str = ID, as_json: bool = JSON
) -> None:
    """One person in review: the rules that matched, the guard's findings, the determination."""
    from minshare.review import review_item

    item = review_item(workspace, state, msis_id)
    if as_json:
        typer.echo(json.dumps(_item_json(item), indent=2, default=str))
        return
    typer.echo(f"{item.state} {item.msis_id}: {item.status}")
    for r in item.rules:
        typer.echo(f"  rule {r.rule_id}: {r.reason} [{r.cite}]")
    for f in item.findings:
        shown = f" ({f.value})" if f.value else ""
        typer.echo(f"  finding {f.id}{shown}: {f.detail} [{f.sensitivity}, {f.strength}]")
    for d in item.determinations:
        typer.echo(f"  determination: {d.status} by {d.source} on {d.determined_on}")
    for v in item.votes:
        typer.echo(
            f"  vote: {v.reviewer} {v.decision} at {v.decided_at:%Y-%m-%d %H:%M}: {v.reason}"
        )


@app.command("decide")
def decide_cmd(
    workspace: Path = WORKSPACE,
    state: str = STATE,
    msis_id: str = ID,
    decision: str = typer.Option(..., "--decision", help="disclose or withhold."),
    reviewer: str = typer.Option(..., "--reviewer", help="Who decides (recorded)."),
    reason: str = typer.Option(..., "--reason", help="The written reason (required)."),
    as_json: bool = JSON,
) -> None:
    """Record a decision: a withhold decides at once; a release needs a second reviewer."""
    from minshare.errors import UsageError
    from minshare.review import decide

    if decision not in ("disclose", "withhold"):
        raise UsageError(f"--decision is disclose or withhold, not {decision!r}")
    result = decide(
        workspace,
        state,
        msis_id,
        "disclose" if decision == "disclose" else "withhold",
        reviewer=reviewer,
        reason=reason,
    )
    if as_json:
        typer.echo(json.dumps({"outcome": result.outcome, "final": result.final}))
        return
    said = {
        "withheld": "withheld; the next run of the request applies it",
        "released": "released by two reviewers; the next run of the request applies it",
        "awaiting_second": "recorded; a release needs a second, different reviewer",
    }[result.outcome]
    typer.echo(f"{state} {msis_id}: {said}")
