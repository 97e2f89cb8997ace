"""``minshare ledger …``, ``minshare accounting …`` and ``minshare verify-proof``: thin commands
over :mod:`minshare.ledger` (parse, call one library function, render)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from minshare.errors import UsageError
from minshare.ledger import account_requests as areq
from minshare.ledger import accounting as acct
from minshare.ledger.checkpoint import Cosigner, open_checkpoint, parse_cosigner_vkey
from minshare.ledger.log import append_manifest, entry_summary, ledger_session
from minshare.ledger.proofs import (
    BundleReport,
    load_verifier_key,
    prove_person,
    verify_bundle,
    write_bundle,
)
from minshare.ledger.tiles import export_tiles
from minshare.ledger.verify import LedgerReport, verify_ledger
from minshare.package.keys import load_private_key

app = typer.Typer(
    help="The disclosure ledger: checkpoints, proofs, verification, tiles.", no_args_is_help=True
)
accounting_app = typer.Typer(
    help="The accounting of disclosures for one person (5 U.S.C. 552a(c), 45 CFR 164.528).",
    invoke_without_command=True,
)

WORKSPACE = typer.Option(..., "--workspace", help="The discloser's workspace directory.")
LEDGER = typer.Option(
    None,
    "--ledger",
    help="postgresql://… or a SQLite file; default WS/ledger.sqlite.",
    envvar="MINSHARE_LEDGER",
)
JSON = typer.Option(False, "--json", help="Print JSON.")


def register(root: typer.Typer) -> None:
    """Attach ``ledger``, ``accounting`` and ``verify-proof``."""
    root.add_typer(app, name="ledger")
    root.add_typer(accounting_app, name="accounting")
    root.command("verify-proof")(verify_proof_cmd)


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _utc(text: str | None, what: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{what}: not an ISO date or time: {text!r}") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# --- ledger ---------------------------------------------------------------------------------------


@app.command("checkpoint")
def checkpoint_cmd(
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
    size: int | None = typer.Option(None, "--size", help="A past tree size (default: latest)."),
    as_json: bool = JSON,
) -> None:
    """Print the latest signed checkpoint (a C2SP signed note), with any cosignatures."""
    with ledger_session(workspace, ledger) as log:
        note = log.checkpoint(size)
        cp = open_checkpoint(note, log.verifier).checkpoint
        vkey = log.vkey
    if as_json:
        data = {
            "origin": cp.origin,
            "size": cp.size,
            "root": _b64(cp.root),
            "vkey": vkey,
            "note": note.decode("utf-8"),
        }
        typer.echo(json.dumps(data, indent=2))
    else:
        typer.echo(note.decode("utf-8"), nl=False)


@app.command("key")
def key_cmd(workspace: Path = WORKSPACE, ledger: str | None = LEDGER) -> None:
    """Print the ledger's verifier key (name+keyid+base64) to give to verifiers."""
    with ledger_session(workspace, ledger) as log:
        typer.echo(log.vkey)


@app.command("prove-inclusion")
def prove_inclusion_cmd(
    index: int = typer.Option(..., "--index", help="The entry index."),
    size: int | None = typer.Option(None, "--size", help="Tree size (default: latest)."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """Print an RFC 9162 inclusion proof of entry INDEX in the tree of SIZE, as JSON."""
    with ledger_session(workspace, ledger) as log:
        size = log.size() if size is None else size
        path = log.inclusion_proof(index, size)
        entry = log.store.entry(index)
        data: dict[str, Any] = {
            "index": index,
            "size": size,
            "leaf_hash": _b64(entry.leaf_hash),
            "path": [_b64(h) for h in path],
            "root": _b64(log.root(size)),
            "checkpoint": log.checkpoint(size).decode("utf-8"),
            "entry": entry_summary(entry.data),
        }
    typer.echo(json.dumps(data, indent=2))


@app.command("prove-consistency")
def prove_consistency_cmd(
    first: int = typer.Option(..., "--from", help="The older tree size."),
    second: int | None = typer.Option(None, "--to", help="The newer tree size (default: latest)."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """Print an RFC 9162 consistency proof between two tree sizes, as JSON."""
    with ledger_session(workspace, ledger) as log:
        second = log.size() if second is None else second
        data = {
            "first": first,
            "second": second,
            "first_root": _b64(log.root(first)),
            "second_root": _b64(log.root(second)),
            "path": [_b64(h) for h in log.consistency_proof(first, second)],
            "first_checkpoint": log.checkpoint(first).decode("utf-8"),
            "second_checkpoint": log.checkpoint(second).decode("utf-8"),
        }
    typer.echo(json.dumps(data, indent=2))


@app.command("verify")
def verify_cmd(
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
    key: str | None = typer.Option(
        None,
        "--key",
        help="The log's verifier key (or a file holding it); default: the stored one.",
    ),
    witness: list[str] | None = typer.Option(
        None, "--witness", help="A witness's cosignature key (name+keyid+base64), repeatable."
    ),
    as_json: bool = JSON,
) -> None:
    """Recompute the ledger from its entries; check every hash, checkpoint and signature.

    Exit status 0 only if nothing is wrong; every finding says where it is.
    """
    witnesses = tuple(parse_cosigner_vkey(w) for w in witness or [])
    verifier = load_verifier_key(key) if key else None
    with ledger_session(workspace, ledger) as log:
        report = verify_ledger(log, public_key=verifier, witnesses=witnesses, workspace=workspace)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _render_ledger(report)
    if not report.ok:
        raise typer.Exit(1)


def _render_ledger(report: LedgerReport) -> None:
    console = _console()
    checks = ", ".join(f"{name} {count}" for name, count in sorted(report.checks.items()))
    console.print(f"ledger {escape(report.store)} ({escape(report.origin)})")
    console.print(
        f"  {report.size} entries, {report.checkpoints} checkpoints, "
        f"{report.cosignatures} cosignatures, {report.record_trees} record trees"
    )
    console.print(f"  checked: {escape(checks)}")
    for finding in report.findings:
        console.print(f"[bold red]FAIL[/] {escape(finding.check)}: {escape(str(finding))}")
    if report.ok:
        proven = (
            ""
            if report.key_given
            else " (checked with the stored key; pass --key to prove whose ledger it is)"
        )
        console.print(f"[bold green]verified[/]{escape(proven)}")
    else:
        console.print(f"[bold red]NOT verified[/]: {len(report.findings)} findings")


@app.command("export-tiles")
def export_tiles_cmd(
    out: Path = typer.Argument(..., help="Directory to write checkpoint and tile/… into."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """Write the ledger as static C2SP tlog-tiles files (serve the directory over HTTP)."""
    with ledger_session(workspace, ledger) as log:
        result = export_tiles(log, out)
    typer.echo(
        f"{result.size} entries: {result.tiles} hash tiles, {result.bundles} entry "
        f"bundles and the checkpoint in {result.directory}"
    )


@app.command("append")
def append_cmd(
    manifest: Path = typer.Argument(..., help="A published package's manifest.json."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """Record a published package in the ledger and sign the new checkpoint."""
    if manifest.is_dir():
        manifest = manifest / "manifest.json"
    try:
        data = manifest.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror}", file=str(manifest)) from exc
    result = append_manifest(workspace, data, url=ledger)
    typer.echo(f"entry {result.index} recorded; tree size {result.size}")
    typer.echo(result.checkpoint.decode("utf-8"), nl=False)


@app.command("cosign")
def cosign_cmd(
    witness_key: Path = typer.Option(..., "--witness-key", help="The witness's Ed25519 .key."),
    name: str = typer.Option(..., "--name", help="The witness's key name (a URL-like name)."),
    size: int | None = typer.Option(None, "--size", help="Tree size (default: latest)."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """Cosign a checkpoint with a witness key held here (C2SP tlog-cosignature, type 0x04)."""
    witness = Cosigner(name, load_private_key(witness_key))
    with ledger_session(workspace, ledger) as log:
        note = log.add_cosignature(witness, size=size)
    typer.echo(f"witness key: {witness.key.vkey}")
    typer.echo(note.decode("utf-8"), nl=False)


# --- accounting -----------------------------------------------------------------------------------


@accounting_app.callback()
def accounting_cmd(
    ctx: typer.Context,
    state: str | None = typer.Option(None, "--state", help="State: FIPS (06) or USPS (CA)."),
    msis_id: str | None = typer.Option(None, "--id", help="The person's Medicaid ID."),
    proof: Path | None = typer.Option(None, "--proof", help="Also write a proof bundle (JSON)."),
    view: str = typer.Option(
        "individual", "--view", help="individual (suspensions applied) or auditor (all)."
    ),
    summary: bool = typer.Option(
        False, "--summary", help="Group repeated disclosures (45 CFR 164.528(b)(3))."
    ),
    answers: str | None = typer.Option(
        None, "--answers", help="The recorded request this answers (marked fulfilled)."
    ),
    workspace: Path | None = typer.Option(None, "--workspace", help="The discloser's workspace."),
    ledger: str | None = LEDGER,
    as_json: bool = JSON,
) -> None:
    """List every disclosure that included one person: date, recipient and address, fields,
    purpose, legal basis, the request (id and SHA-256) and the orders. Subcommands record
    accounting requests and their deadlines, and manage suspensions."""
    if ctx.invoked_subcommand is not None:
        return
    if state is None or msis_id is None or workspace is None:
        raise UsageError("give --workspace, --state and --id")
    if view not in ("individual", "auditor"):
        raise UsageError("--view is individual or auditor")
    chosen: Literal["individual", "auditor"] = "auditor" if view == "auditor" else "individual"
    if answers is not None and chosen != "individual":
        raise UsageError("an individual's request is answered with the individual view")
    done: areq.AccountingRequest | None = None
    with ledger_session(workspace, ledger) as log:
        if answers is not None:
            result, done = areq.answer_request(log, workspace, answers, state, msis_id)
        else:
            result = acct.accounting_for(log, workspace, state, msis_id, view=chosen)
        if proof is not None:
            write_bundle(prove_person(log, workspace, state, msis_id, view=chosen), proof)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        _render_accounting(result, proof, summary=summary)
        if done is not None:
            typer.echo(f"request {done.id}: {done.status(done.fulfilled_at or result.as_of)}")


def _render_accounting(result: acct.Accounting, proof: Path | None, *, summary: bool) -> None:
    console = _console()
    p = result.person
    console.print(
        f"accounting of disclosures: state {p.state}, Medicaid ID "
        f"{escape(p.msis_id)} ({result.view} view, ledger size {result.checkpoint_size})"
    )
    if not result.disclosures:
        console.print("  no disclosure in the window included this person")
    table = Table(show_lines=True)
    for col in ("date", "recipient", "fields", "purpose and basis", "request", "orders"):
        table.add_column(col, overflow="fold")
    if summary:
        table.add_column("how often", overflow="fold")
    rows = (
        [(s.first, s.periodicity) for s in result.summaries]
        if summary
        else [(d, None) for d in result.disclosures]
    )
    for d, often in rows:
        flag = (
            f" (hidden from the individual: {d.hidden_because})" if d.hidden_from_individual else ""
        )
        basis = "; ".join(d.legal_basis) or "basis not recorded"
        table.add_row(
            d.disclosed_at.date().isoformat(),
            escape(f"{d.recipient.name}, {d.recipient.address}{flag}"),
            escape(", ".join(d.fields)),
            escape(f"{d.purpose}; {d.activity}; under {basis}"),
            escape(f"{d.request_id} sha256 {d.request_sha256[:16]}…"),
            escape(", ".join(o["id"] for o in d.orders)),
            *([escape(often or "")] if summary else []),
        )
    if result.disclosures:
        console.print(table)
    console.print(f"  proven not included in {len(result.not_included)} packages")
    if result.withheld:
        console.print(
            f"  {result.withheld} ledger entries are not shown in this view (a suspension at a "
            "law-enforcement official's request, or a disclosure the Privacy Act exempts)"
        )
    if result.unavailable:
        console.print(
            f"  [yellow]cannot tell for entries {result.unavailable}[/] "
            "(their record trees are not in this workspace)"
        )
    for note in result.limitations:
        console.print(f"[yellow]note:[/] {escape(note)}")
    if proof is not None:
        console.print(f"proof bundle written to {escape(str(proof))}")


@accounting_app.command("suspend")
def suspend_cmd(
    recipient: str = typer.Option(..., "--recipient", help="Recipient id whose entries to hide."),
    official: str = typer.Option(..., "--official", help="Name and title of who asked."),
    agency: str = typer.Option(..., "--agency", help="Their agency."),
    form: str = typer.Option(..., "--form", help="written or oral."),
    statement: str = typer.Option(..., "--statement", help="The statement, or a note of it."),
    received: str = typer.Option(..., "--received", help="When it was received (ISO)."),
    until: str | None = typer.Option(None, "--until", help="End (ISO); oral: at most 30 days."),
    state: str | None = typer.Option(None, "--state", help="One person only: state."),
    msis_id: str | None = typer.Option(None, "--id", help="One person only: Medicaid ID."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """Suspend the accounting of disclosures to RECIPIENT (45 CFR 164.528(a)(2))."""
    if form not in ("written", "oral"):
        raise UsageError("--form is written or oral")
    if (state is None) != (msis_id is None):
        raise UsageError("give both --state and --id, or neither (everyone)")
    key = None
    if state is not None and msis_id is not None:
        _, key = acct.person(workspace, state, msis_id)
    received_at = _utc(received, "--received")
    assert received_at is not None
    with ledger_session(workspace, ledger) as log:
        s = acct.suspend(
            log,
            recipient_id=recipient,
            official=official,
            agency=agency,
            form="oral" if form == "oral" else "written",
            statement_ref=statement,
            received_at=received_at,
            until=_utc(until, "--until"),
            key=key,
        )
    typer.echo(f"suspension {s.id}: {s.form}, {s.recipient_id}, until {s.expires_at.isoformat()}")


@accounting_app.command("suspensions")
def suspensions_cmd(
    workspace: Path = WORKSPACE, ledger: str | None = LEDGER, as_json: bool = JSON
) -> None:
    """List suspensions (45 CFR 164.528(a)(2)) and whether each is active now."""
    now = datetime.now(UTC)
    with ledger_session(workspace, ledger) as log:
        items = acct.suspensions(log)
    if as_json:
        typer.echo(json.dumps([s.model_dump(mode="json") for s in items], indent=2))
        return
    for s in items:
        state = "active" if s.active(now) else "ended"
        typer.echo(
            f"{s.id}  {state}  {s.recipient_id}  {s.form}  {s.official}, {s.agency}  "
            f"{s.received_at.date().isoformat()} to {s.expires_at.date().isoformat()}"
        )


@accounting_app.command("link-written")
def link_written_cmd(
    suspension_id: str = typer.Argument(..., help="An oral suspension's id."),
    written: str = typer.Option(..., "--written", help="The written statement (a reference)."),
    until: str = typer.Option(..., "--until", help="The period it states: end (ISO)."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """Confirm an oral suspension in writing within its 30 days; it then runs until --until."""
    end = _utc(until, "--until")
    assert end is not None
    with ledger_session(workspace, ledger) as log:
        s = acct.link_written_statement(log, suspension_id, written_ref=written, until=end)
    typer.echo(f"suspension {s.id}: written {s.written_ref}, until {s.expires_at.isoformat()}")


@accounting_app.command("end-suspension")
def end_suspension_cmd(
    suspension_id: str = typer.Argument(..., help="The suspension's id."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """End a suspension now: the recipient's entries reappear in the individual's view."""
    with ledger_session(workspace, ledger) as log:
        s = acct.end_suspension(log, suspension_id)
    assert s.ended_at is not None
    typer.echo(f"suspension {s.id}: ended {s.ended_at.isoformat()}")


@accounting_app.command("request")
def request_cmd(
    state: str = typer.Option(..., "--state", help="State: FIPS (06) or USPS (CA)."),
    msis_id: str = typer.Option(..., "--id", help="The person's Medicaid ID."),
    requester: str = typer.Option(..., "--requester", help="Who asked (a name or reference)."),
    received: str = typer.Option(..., "--received", help="When it was received (ISO)."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """Record an individual's request for an accounting; it is due in 60 days (164.528(c))."""
    received_at = _utc(received, "--received")
    assert received_at is not None
    with ledger_session(workspace, ledger) as log:
        r = areq.record_request(
            log, workspace, state, msis_id, requester=requester, received_at=received_at
        )
    typer.echo(f"accounting request {r.id}: received {r.received_at.date().isoformat()}, due "
               f"{r.due_at.date().isoformat()}")  # fmt: skip


@accounting_app.command("extend")
def extend_cmd(
    request_id: str = typer.Argument(..., help="The accounting request's id."),
    reason: str = typer.Option(..., "--reason", help="The written reasons for the delay."),
    until: str | None = typer.Option(None, "--until", help="New date (ISO); at most +30 days."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """The one 30-day extension of a request, with written reasons (164.528(c)(1)(ii))."""
    with ledger_session(workspace, ledger) as log:
        r = areq.extend_request(log, request_id, reason=reason, until=_utc(until, "--until"))
    assert r.extended_to is not None
    typer.echo(f"accounting request {r.id}: extended to {r.extended_to.date().isoformat()}")


@accounting_app.command("requests")
def requests_cmd(
    workspace: Path = WORKSPACE, ledger: str | None = LEDGER, as_json: bool = JSON
) -> None:
    """Accounting requests by deadline: open, extended, overdue, fulfilled (late or not)."""
    with ledger_session(workspace, ledger) as log:
        items = areq.request_statuses(log)
    if as_json:
        typer.echo(json.dumps([s.model_dump(mode="json") for s in items], indent=2))
        return
    for s in items:
        fee = "free" if s.free else "fee may apply"
        typer.echo(
            f"{s.request.id}  {s.status}  due {s.deadline.date().isoformat()} "
            f"({s.days_left} days)  {fee}  {s.request.requester}"
        )


@accounting_app.command("purge")
def purge_cmd(
    before: str = typer.Option(..., "--before", help="Delete accounting data older than this."),
    workspace: Path = WORKSPACE,
    ledger: str | None = LEDGER,
) -> None:
    """Purge accounting data older than six years; ledger entries are never deleted."""
    cutoff = _utc(before, "--before")
    assert cutoff is not None
    with ledger_session(workspace, ledger) as log:
        result = acct.purge(log, workspace, before=cutoff)
    typer.echo(result.model_dump_json(indent=2))


# --- verify-proof ---------------------------------------------------------------------------------


def verify_proof_cmd(
    file: Path = typer.Argument(..., help="A proof bundle from accounting --proof."),
    key: str = typer.Option(..., "--key", help="The ledger's verifier key, or a file with it."),
    witness: list[str] | None = typer.Option(
        None, "--witness", help="A witness's cosignature key that must have cosigned."
    ),
    as_json: bool = JSON,
) -> None:
    """Check a proof bundle offline: no ledger, no workspace, only the ledger's public key."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror}", file=str(file)) from exc
    witnesses = tuple(parse_cosigner_vkey(w) for w in witness or [])
    report = verify_bundle(data, load_verifier_key(key), witnesses=witnesses)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _render_bundle(report)
    if not report.ok:
        raise typer.Exit(1)


def _render_bundle(report: BundleReport) -> None:
    console = _console()
    for problem in report.problems:
        console.print(f"[bold red]FAIL[/] {escape(problem)}")
    if not report.ok:
        console.print("[bold red]NOT verified[/]")
        return
    console.print(
        f"verified against {escape(report.origin or '')} at size {report.size}: "
        f"state {report.state}, Medicaid ID {escape(report.msis_id or '')}"
    )
    for d in report.disclosures:
        console.print(
            f"  disclosed in entry {d.entry_index} on {d.disclosed_at.date()} to "
            f"{escape(d.recipient)} ({escape(d.recipient_address)}): "
            f"{escape(', '.join(d.fields))}"
        )
    console.print(f"  proven NOT included in {len(report.not_included)} packages")
    if report.withheld:
        console.print(f"  {len(report.withheld)} entries withheld under a suspension")
    for sig in report.unverified_signatures:
        console.print(f"[yellow]note:[/] signature by {escape(sig)} not checked (no key given)")
    console.print("[bold green]verified[/]: complete for this ledger")
