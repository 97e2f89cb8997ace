"""Read a disclosure's artifacts (workspace, package, ledger, orders) into the report model.

Only aggregates are read out of the workspace: counts by state, decision, reason, status
category, guard category, reviewer. The columns that hold personal data are never read here
(``decisions.parquet`` is read for its key-free decision columns only; ``quarantine.parquet``
for its table and reason code, never its ``reason`` text or ``raw`` value, which quote the
input). Every count goes through :mod:`minshare.report.suppress` before it reaches the model.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from minshare.data.states import STATES
from minshare.engines.workspace import Workspace, load_review_decisions
from minshare.errors import MinshareError
from minshare.orders.model import Order
from minshare.package.manifest import MANIFEST, Manifest, parse_manifest
from minshare.report.errors import ReportError
from minshare.report.model import (
    Category,
    Check,
    CompareSection,
    CountTable,
    FieldsSection,
    GuardSection,
    LedgerSection,
    OpenQuestion,
    OrderSection,
    RequestSection,
    ReviewSection,
    RuleLine,
)
from minshare.report.suppress import Pos, SuppressedTable, suppress_counts, suppress_grid

DECISIONS = ("disclose", "withhold", "review")
COLUMN_OF = {"disclose": "disclosed", "withhold": "withheld", "review": "in review"}
IDENTITY_COLUMNS = ("disclosed", "withheld", "in review", "quarantined")
NO_DETERMINATION = "no determination"


def state_label(code: str | None) -> str:
    if code is None:
        return "state unreadable"
    s = STATES.get(code)
    return f"{code} {s.abbr}" if s else code


def state_name(code: str) -> str:
    s = STATES.get(code)
    return f"{code} {s.name}" if s else code


# --- the workspace ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Artifacts:
    """What the workspace holds about its last run, as read."""

    ws: Workspace
    plan: dict[str, Any]
    summary: dict[str, Any]
    steps: list[dict[str, Any]]  # run.log lines of the last run

    def step(self, name: str) -> dict[str, Any] | None:
        found = [s for s in self.steps if s.get("step") == name]
        return found[-1] if found else None


def read_artifacts(workspace: Path) -> Artifacts:
    ws = Workspace(Path(workspace))
    if not ws.root.is_dir():
        raise ReportError("no such workspace", file=str(ws.root))
    missing = [p.name for p in (ws.plan, ws.summary, ws.decisions, ws.run_log) if not p.exists()]
    if missing:
        raise ReportError(
            f"the workspace has no completed run to report on (missing {', '.join(missing)}); "
            "run minshare disclose or dry-run first",
            file=str(ws.root),
        )
    plan = _json(ws.plan)
    summary = _json(ws.summary)
    lines = [json.loads(x) for x in ws.run_log.read_text("utf-8").splitlines() if x.strip()]
    run_id = next((x["run_id"] for x in reversed(lines) if x.get("step") == "done"), None)
    if run_id is None:
        raise ReportError("run.log records no finished run", file=str(ws.run_log))
    return Artifacts(ws, plan, summary, [x for x in lines if x.get("run_id") == run_id])


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise ReportError("expected a JSON object", file=str(path))
    return data


# --- tables -------------------------------------------------------------------------------------


def _table(
    key: str,
    caption: str,
    row_header: str,
    rows: Sequence[str],
    columns: Sequence[str],
    grid: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    preset: Iterable[Pos] = (),
    note: str | None = None,
    row_notes: Sequence[str] = (),
) -> CountTable:
    if not rows:
        rows, grid = ("(none)",), [[0] * len(columns)]
    table = suppress_grid(grid, row_totals=row_totals, col_totals=col_totals, preset=preset)
    return CountTable(
        key=key,
        caption=caption,
        row_header=row_header,
        rows=tuple(rows),
        columns=tuple(columns),
        table=table,
        note=note,
        row_notes=tuple(row_notes),
    )


def _hidden_margins(table: CountTable, n_rows: int) -> list[Pos]:
    """Totals another table hides stay hidden here (same columns, same column totals)."""
    out: list[Pos] = []
    if table.table.col_totals is not None:
        out = [(n_rows, j) for j, c in enumerate(table.table.col_totals) if c.suppressed]
    if table.table.total is not None and table.table.total.suppressed:
        out.append((n_rows, len(table.columns)))
    return out


@dataclass(frozen=True)
class Outcome:
    identity: CountTable
    identity_holds: bool
    reasons: CountTable
    states: CountTable
    categories: CountTable
    quarantine: CountTable | None


def _quarantine(art: Artifacts) -> tuple[Counter[str], Counter[str | None]]:
    """Enrollment rows quarantined, by reason code and by state (the code, never the text)."""
    by_reason: Counter[str] = Counter()
    by_state: Counter[str | None] = Counter()
    path = art.ws.quarantine
    if path.exists():
        t = pq.read_table(path, columns=["table", "reason_code", "SUBMTG_STATE_CD"])
        for table, code, state in zip(
            t.column("table").to_pylist(),
            t.column("reason_code").to_pylist(),
            t.column("SUBMTG_STATE_CD").to_pylist(),
            strict=True,
        ):
            if table == "enrollment":
                by_reason[str(code)] += 1
                by_state[state if state in STATES else None] += 1
    return by_reason, by_state


def outcome(art: Artifacts) -> Outcome:
    counts = art.summary["counts"]
    by_reason: dict[tuple[str, str], int] = Counter()
    by_state: dict[tuple[str | None, str], int] = Counter()
    for rc in art.summary.get("by_reason", []):
        by_reason[(rc["reason"], rc["decision"])] += int(rc["rows"])
        by_state[(rc["state"], rc["decision"])] += int(rc["rows"])
    q_reason, q_state = _quarantine(art)
    if sum(q_reason.values()) != counts["quarantined"]:  # older workspace: one line
        q_reason = Counter({"unreadable row": counts["quarantined"]})
        q_state = Counter({None: counts["quarantined"]})

    # Reasons × decision, quarantine reasons as rows of their own: the grand total is the input.
    rank = {d: i for i, d in enumerate(DECISIONS)}
    reasons = sorted(
        {r for r, _ in by_reason},
        key=lambda r: (min(rank[d] for (x, d) in by_reason if x == r), -_rows(by_reason, r), r),
    )
    grid = [[by_reason.get((r, d), 0) for d in DECISIONS] + [0] for r in reasons]
    q_rows = sorted(q_reason, key=lambda k: (-q_reason[k], k))
    grid += [[0, 0, 0, q_reason[k]] for k in q_rows]
    reason_table = _table(
        "reasons",
        "Decisions by reason (the rule or step that decided each row)",
        "reason",
        [*reasons, *(f"quarantined: {k}" for k in q_rows)],
        IDENTITY_COLUMNS,
        grid,
        note="Each row is counted once, under the first rule or step that carries its decision.",
    )
    assert reason_table.table.col_totals is not None
    assert reason_table.table.total is not None
    identity_cells = [*reason_table.table.col_totals, reason_table.table.total]
    # The identity shows the reason table's own totals, suppressed the way that table is.
    identity = CountTable(
        key="identity",
        caption="Every input row accounted for",
        row_header="",
        rows=("rows",),
        columns=IDENTITY_COLUMNS,
        total_label="input rows",
        table=SuppressedTable(
            cells=(tuple(identity_cells[:-1]),),
            row_totals=(identity_cells[-1],),
            col_totals=None,
            total=identity_cells[-1],
        ),
    )
    holds = (
        sum(c.value for c in identity_cells[:-1])
        == identity_cells[-1].value
        == int(counts["input_rows"])
    )

    states = sorted(
        {s for s, _ in by_state if s is not None} | {s for s in q_state if s is not None}
    )
    rows_s: list[str | None] = [*states, *([None] if None in q_state else [])]
    grid_s = [[by_state.get((s, d), 0) for d in DECISIONS] + [q_state.get(s, 0)] for s in rows_s]
    state_table = _table(
        "states",
        "Decisions by state (submitting state)",
        "state",
        [state_label(s) for s in rows_s],
        IDENTITY_COLUMNS,
        grid_s,
        preset=_hidden_margins(reason_table, len(rows_s)),
    )

    cats = _categories(art)
    cat_rows = sorted(cats, key=lambda c: (c == NO_DETERMINATION, -sum(cats[c].values()), c))
    grid_c = [[cats[c].get(d, 0) for d in DECISIONS] for c in cat_rows]
    hidden = [p for p in _hidden_margins(reason_table, len(cat_rows)) if p[1] < len(DECISIONS)]
    categories = _table(
        "categories",
        "Decisions by the state's status determination (as of the run's date)",
        "status category",
        cat_rows,
        [COLUMN_OF[d] for d in DECISIONS],
        grid_c,
        preset=hidden,
        note="Quarantined rows have no decision and are not counted here.",
    )
    quarantine = None
    if q_reason and counts["quarantined"]:
        quarantine = _table(
            "quarantine",
            "Quarantined input rows by reason",
            "reason code",
            q_rows,
            ("rows",),
            [[q_reason[k]] for k in q_rows],
            row_totals=False,
        )
    return Outcome(identity, holds, reason_table, state_table, categories, quarantine)


def _rows(by_reason: dict[tuple[str, str], int], reason: str) -> int:
    return sum(n for (r, _), n in by_reason.items() if r == reason)


def _categories(art: Artifacts) -> dict[str, Counter[str]]:
    """Decision counts per status category: two key-free columns of decisions.parquet."""
    path = art.ws.decisions
    names = pq.ParquetFile(path).schema_arrow.names
    if "fact_determination_category" not in names:
        t = pq.read_table(path, columns=["decision"])
        cats: list[Any] = [None] * t.num_rows
    else:
        t = pq.read_table(path, columns=["decision", "fact_determination_category"])
        cats = t.column("fact_determination_category").to_pylist()
    out: dict[str, Counter[str]] = {}
    for cat, decision in zip(cats, t.column("decision").to_pylist(), strict=True):
        out.setdefault(str(cat) if cat is not None else NO_DETERMINATION, Counter())[
            str(decision)
        ] += 1
    return out


# --- guard and review ---------------------------------------------------------------------------


def guard(art: Artifacts) -> GuardSection:
    from minshare.guard.categories import TITLES, Category

    g = art.summary.get("guard")
    if not g:
        return GuardSection(False, None, None, None, (), None)
    by_cat = {str(k): int(v) for k, v in (g.get("by_category") or {}).items()}
    keys = sorted(by_cat, key=lambda k: (-by_cat[k], k))
    notes = [TITLES[Category(k)] if k in Category._value2member_map_ else "" for k in keys]
    table = _table(
        "guard",
        "Guard findings by category (decisive and not)",
        "category",
        keys,
        ("findings",),
        [[by_cat[k]] for k in keys],
        row_totals=False,
        row_notes=notes,
    )
    flags = suppress_counts(
        [int(g.get("rows_flagged", 0)), int(g.get("rows_scanned", 0))], total=False
    )
    return GuardSection(
        ran=True,
        scanned=flags.cells[0][1],
        flagged=flags.cells[0][0],
        by_category=table,
        fields=tuple(g.get("fields") or ()),
        registry=g.get("registry"),
    )


def review(art: Artifacts) -> ReviewSection:
    ws = art.ws
    in_review: Counter[str] = Counter()
    for rc in art.summary.get("by_reason", []):
        if rc["decision"] == "review":
            in_review[rc["reason"]] += int(rc["rows"])
    keys = sorted(in_review, key=lambda k: (-in_review[k], k))
    in_table = _table(
        "review",
        "Rows in review by reason",
        "reason",
        keys,
        ("rows",),
        [[in_review[k]] for k in keys],
        row_totals=False,
    )
    decisions = load_review_decisions(ws.review_decisions)
    by_reviewer = None
    two_person = None
    if decisions:
        per: Counter[tuple[str, str]] = Counter()
        releases = 0
        for d in decisions.values():
            for who in sorted(set(d.decided_by)):
                per[(who, d.decision)] += 1
            if d.decision == "release" and len(set(d.decided_by)) >= 2:
                releases += 1
        people = sorted({w for w, _ in per})
        by_reviewer = _table(
            "reviewers",
            "Reviewer decisions (each person's latest decision; a release counts for both "
            "reviewers)",
            "reviewer",
            people,
            ("release", "withhold"),
            [[per.get((w, "release"), 0), per.get((w, "withhold"), 0)] for w in people],
            col_totals=False,
            note="Column totals are not given: a release is signed by two reviewers.",
        )
        two_person = suppress_counts([releases], total=False).cells[0][0]
    applied = _applied(art)
    return ReviewSection(in_table, by_reviewer, two_person, applied)


def _applied(art: Artifacts) -> CountTable | None:
    released = withheld = 0
    for rc in art.summary.get("by_reason", []):
        if rc["reason"] == "minshare:review-released":
            released += int(rc["rows"])
        elif rc["reason"] == "minshare:review-withheld":
            withheld += int(rc["rows"])
    if not (released or withheld):
        return None
    return _table(
        "applied",
        "Reviewer decisions applied in this run",
        "outcome",
        ("released (two-person rule)", "withheld by a reviewer"),
        ("rows",),
        [[released], [withheld]],
        row_totals=False,
    )


# --- orders and the request ---------------------------------------------------------------------


def _open_questions() -> dict[str, list[dict[str, Any]]]:
    text = resources.files("minshare.report").joinpath("undefined.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    return {str(k): list(v) for k, v in data.items()}


def load_orders(art: Artifacts) -> list[Order]:
    from minshare.orders.load import load_order

    out: list[Order] = []
    for ref in art.plan.get("orders", []):
        path = art.ws.orders / f"{ref['id']}.yaml"
        if not path.exists():
            raise ReportError(f"the workspace has no copy of order {ref['id']}", file=str(path))
        out.append(load_order(path))
    return out


def order_section(order: Order, sha256: str) -> OrderSection:
    questions = _open_questions().get(order.id, [])
    rule_ids = {r.id for r in order.rules}
    undefined = []
    for q in questions:
        rules = tuple(str(r) for r in q.get("rules", ()))
        unknown = [r for r in rules if r not in rule_ids]
        if unknown:
            raise ReportError(
                f"undefined.yaml names rules order {order.id} does not have: {', '.join(unknown)}"
            )
        undefined.append(OpenQuestion(str(q["question"]).strip(), str(q["treatment"]), rules))
    cats: dict[str, list[str]] = {}
    for f in order.fields:
        cats.setdefault(str(f.category), []).append(f.column)
    a = order.authority
    return OrderSection(
        id=order.id,
        title=order.title,
        court=a.court,
        caption=a.caption,
        docket=a.docket,
        document=a.document,
        issued=a.issued,
        judge=a.judge,
        evidence=str(a.evidence),
        effective_from=order.effective.from_,
        effective_until=order.effective.until,
        states=tuple(state_name(j.state) for j in order.jurisdiction),
        categories=tuple(Category(k, tuple(v)) for k, v in cats.items()),
        recipients=tuple(f"{r.name} ({r.id})" for r in order.recipients),
        purposes=tuple(f"{p.description} ({p.id})" for p in order.purposes),
        sources=tuple(f"{s.title} [{s.evidence}]" for s in a.sources),
        rules=tuple(
            RuleLine(
                r.id,
                str(r.effect),
                " ".join(r.reason.split()),
                " ".join(r.cite.split()),
                str(r.evidence) if r.evidence else None,
            )
            for r in order.rules
        ),
        undefined=tuple(undefined),
        sha256=sha256,
    )


def request_section(
    art: Artifacts, manifest: Manifest | None, orders: Sequence[Order]
) -> RequestSection:
    plan = art.plan
    as_of = date.fromisoformat(str(plan["as_of"]))
    states = plan.get("requested_states", "all")
    states_text = "all states" if states == "all" else ", ".join(state_label(s) for s in states)
    checks: list[str] = ["accepted by minshare's request check before anything was read"]
    purpose_id, recipient_id = str(plan.get("purpose")), str(plan.get("recipient"))
    for o in orders:
        if any(p.id == purpose_id for p in o.purposes):
            checks.append(f"purpose {purpose_id} is one {o.id} allows")
        if any(r.id == recipient_id for r in o.recipients):
            checks.append(f"recipient {recipient_id} is one {o.id} names")
        until = o.effective.until
        if o.effective.from_ <= as_of and (until is None or as_of <= until):
            checks.append(f"{o.id} is in force on {as_of}")
    if manifest is not None:
        r = manifest.request
        if r.signed_on <= r.as_of:
            checks.append(f"written request signed {r.signed_on}, before the disclosure's date")
        return RequestSection(
            request_id=r.request_id,
            recipient=r.recipient.name,
            recipient_address=r.recipient.address,
            purpose=r.purpose,
            activity=" ".join(r.activity.split()),
            requested_by=f"{r.requested_by.title}, {r.requested_by.agency}",
            signed_on=r.signed_on,
            as_of=r.as_of,
            states=states_text,
            within_order=True,
            checks=tuple(checks),
            sha256=r.sha256,
        )
    recipient = next((r for o in orders for r in o.recipients if r.id == recipient_id), None)
    return RequestSection(
        request_id=str(plan.get("request_id")),
        recipient=recipient.name if recipient else recipient_id,
        recipient_address=recipient.address if recipient else "",
        purpose=purpose_id,
        activity="(no package: the request's text is in the request file)",
        requested_by="(no package)",
        signed_on=as_of,
        as_of=as_of,
        states=states_text,
        within_order=True,
        checks=tuple(checks),
        sha256=None,
    )


# --- package and ledger -------------------------------------------------------------------------


def find_package(art: Artifacts) -> Path | None:
    publish = art.step("publish")
    if publish and publish.get("package"):
        return Path(str(publish["package"]))
    return None


def read_manifest(package: Path) -> Manifest:
    path = package / MANIFEST
    try:
        return parse_manifest(path.read_bytes(), file=str(path))
    except OSError as exc:
        raise ReportError(f"cannot read the package manifest: {exc}", file=str(path)) from exc


def fields_section(
    package: Path | None,
    public_key: Path,
    categories: dict[str, str],
    orders: Sequence[Path] = (),
) -> FieldsSection:
    from minshare.package import verify_package
    from minshare.package.orders import order_permissions

    if package is None:
        return FieldsSection(None, (), False, False, False, None, (), None)
    report = verify_package(
        package,
        public_key=public_key if public_key.exists() else None,
        permitted_columns=order_permissions(orders),
    )
    m = report.manifest
    columns = tuple((c, categories.get(c, "?")) for c in (m.columns if m else ()))
    only = any(c.name == "permitted-columns" and c.ok for c in report.checks) and any(
        c.name == "parquet-columns" and c.ok for c in report.checks
    )
    return FieldsSection(
        package=str(package),
        columns=columns,
        verified=report.ok,
        origin_proven=report.origin_proven,
        only_permitted=only,
        key_id=report.key_id,
        checks=tuple(Check(c.name, c.ok, c.detail) for c in report.checks),
        record_count=suppress_counts([m.record_count], total=False).cells[0][0] if m else None,
    )


def ledger_section(
    art: Artifacts, url: str | None, package: Path | None, public_key: Path
) -> LedgerSection | None:
    from minshare.ledger import ledger_session, verify_ledger

    ws = art.ws.root
    if url is None and not (ws / "ledger.sqlite").exists():
        return None
    manifest_bytes = (package / MANIFEST).read_bytes() if package is not None else None
    try:
        with ledger_session(ws, url) as log:
            size = log.size()
            index = None
            if manifest_bytes is not None:
                index = next((i for i in range(size) if log.entry(i) == manifest_bytes), None)
            report = verify_ledger(log, workspace=ws)
            checkpoint = log.checkpoint().decode("utf-8")
            vkey, origin, location = log.vkey, log.origin, log.store.location
    except MinshareError as exc:
        raise ReportError(f"cannot read the ledger: {exc.message}", file=str(ws)) from exc
    q = _quote
    commands = []
    if package is not None:
        commands.append(f"minshare verify-package {q(package)} --key {q(public_key)}")
    commands += [
        f"minshare ledger verify --workspace {q(ws)} --key {q(vkey)}",
        f"minshare ledger checkpoint --workspace {q(ws)}",
    ]
    if index is not None:
        commands.append(f"minshare ledger prove-inclusion --workspace {q(ws)} --index {index}")
    return LedgerSection(
        location=location,
        origin=origin,
        vkey=vkey,
        index=index,
        size=size,
        checkpoint=checkpoint,
        verified=report.ok,
        findings=tuple(str(f) for f in report.findings[:10]),
        commands=tuple(commands),
    )


def _quote(value: Path | str) -> str:
    import shlex

    return shlex.quote(str(value))


# --- the order comparison -----------------------------------------------------------------------


def _input_file(accepted: Path) -> Path:
    """The input file a workspace table was read from (its ``_MS_FILE`` lineage), when one."""
    import pyarrow.compute as pc

    files: list[Any] = []
    if accepted.exists() and "_MS_FILE" in pq.ParquetFile(accepted).schema_arrow.names:
        column = pq.read_table(accepted, columns=["_MS_FILE"]).column("_MS_FILE")
        files = pc.unique(column).to_pylist()
    if len(files) != 1 or not Path(str(files[0])).exists():
        raise ReportError(
            "the comparison needs the run's input file, and the workspace names "
            f"{len(files)} (or it is gone): give --enrollment and --determinations",
            file=str(accepted),
        )
    return Path(str(files[0]))


def compare_section(
    art: Artifacts,
    a: str,
    b: str,
    *,
    enrollment: Path | None = None,
    determinations: Path | None = None,
    as_of: date | None = None,
    orders: Sequence[Path] = (),
) -> CompareSection:
    from minshare.orders.catalog import Catalog
    from minshare.orders.datadiff import data_diff
    from minshare.orders.model import Effect

    catalog = Catalog.load(orders)
    order_a, order_b = catalog.get(a), catalog.get(b)
    day = as_of or date.fromisoformat(str(art.plan["as_of"]))
    enr = enrollment or _input_file(art.ws.enrollment)
    det = determinations or _input_file(art.ws.determinations)
    try:
        diff = data_diff(
            order_a,
            order_b,
            enr,
            det,
            day,
            recipient=art.plan.get("recipient"),
            purpose=art.plan.get("purpose"),
        )
    except MinshareError as exc:
        raise ReportError(
            f"cannot compare {a} and {b} on this workspace's data: {exc}; give the inputs "
            "(--enrollment, --determinations)",
            file=str(art.ws.root),
        ) from exc
    effects = (Effect.DISCLOSE, Effect.REVIEW, Effect.WITHHOLD)
    grid = [[diff.matrix.get((x, y), 0) for y in effects] for x in effects]
    matrix = _table(
        "transitions",
        f"Transition matrix: rows decided under {diff.a} (rows) and under {diff.b} (columns)",
        f"under {diff.a}",
        [str(e) for e in effects],
        [str(e) for e in effects],
        grid,
        note="Both orders applied as if in force on the same date, to the same rows.",
    )
    assert matrix.table.total is not None
    return CompareSection(diff.a, diff.b, day, matrix, matrix.table.total)


__all__ = [
    "Artifacts",
    "Outcome",
    "compare_section",
    "fields_section",
    "find_package",
    "guard",
    "ledger_section",
    "load_orders",
    "order_section",
    "outcome",
    "read_artifacts",
    "read_manifest",
    "request_section",
    "review",
]
