"""``disclose`` and ``dry_run``: a written request and the input tables → every row decided, the
workspace written, and (for ``disclose``) the signed package published.

The steps, each logged to ``WS/run.log`` with its time and counts:

1. load the orders and the request; refuse the request (nothing runs) or accept it;
2. compile the plan and its SQL (a construct the engine cannot express stops here);
3. read the inputs through minshare's readers, only the columns the plan needs;
4. decide every row on the engine, write ``decisions.parquet`` and ``review.parquet``;
5. check the count identity (input rows = disclosed + withheld + review + quarantined) and that
   no person would leave twice;
6. publish the package (``disclose`` only): exactly the permitted columns of the disclosed rows,
   sorted by state and Medicaid ID, with a manifest (carrying the root of the record tree over
   the disclosed records) and its signature;
7. record the manifest in the ledger (``disclose`` only), the last step: a package that is not
   in the ledger is not published, so a failed append withdraws it.

Any failure raises a :class:`~minshare.errors.MinshareError`; no package is left behind.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from minshare.compile import compile_plan
from minshare.compile.plan import Plan, order_file
from minshare.data.files import sha256_file as _sha256
from minshare.data.model import KEY, Table
from minshare.engines import duckdb as duck
from minshare.engines import spark as sparkeng
from minshare.engines.errors import EngineError
from minshare.engines.ingest import Ingested, ingest, write_quarantine
from minshare.engines.workspace import (
    ReviewDecision,
    RunLog,
    Workspace,
    load_review_decisions,
    replace,
)
from minshare.errors import MinshareError, UsageError
from minshare.ledger.errors import LedgerError
from minshare.orders.catalog import Catalog
from minshare.orders.model import Order
from minshare.orders.requests import Authorization, check_request, load_request
from minshare.package.manifest import (
    MANIFEST,
    Counts,
    Engine,
    InputRef,
    InputRole,
    Manifest,
    OrderRef,
    Recipient,
    RequestedBy,
    RequestInfo,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from minshare.ledger import Appended

Step = Callable[[str], None]
Progress = Callable[[int, int], None]  # bytes read so far, total bytes

ENGINES = ("duckdb", "spark")
UNUSED_REGISTRY_NOTE = (
    "no order in force uses the health-information guard's findings: the registries are "
    "recorded in the manifest, the guard did not run"
)


@dataclass(frozen=True)
class ReasonCount:
    state: str
    decision: str
    reason: str  # the first id that decided the row
    rows: int


@dataclass(frozen=True)
class DryRunResult:
    """What a run decided. ``counts`` holds the identity by construction."""

    workspace: Path
    request_id: str
    as_of: str
    orders: tuple[str, ...]
    columns: tuple[str, ...]
    counts: Counts
    by_reason: tuple[ReasonCount, ...]
    quarantined_by_table: dict[str, int]
    timings: dict[str, float]
    notes: tuple[str, ...] = ()
    # What the health-information guard did (rows scanned and flagged, findings by category,
    # the fields it read); None when no order in force uses its findings.
    guard: dict[str, Any] | None = None

    def by_decision_reason(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for rc in self.by_reason:
            out[rc.decision][rc.reason] = out[rc.decision].get(rc.reason, 0) + rc.rows
        return {d: dict(sorted(r.items(), key=lambda kv: -kv[1])) for d, r in out.items()}


@dataclass(frozen=True)
class DisclosureResult(DryRunResult):
    package: Path | None = None  # None when the orders permit no column (nothing can leave)
    manifest: Manifest | None = None
    key_id: str | None = None
    records: int = 0
    ledger_index: int | None = None  # the package's entry in the ledger
    checkpoint: str | None = None  # the signed checkpoint that includes it (a C2SP note)


@dataclass
class _Inputs:
    enrollment: Ingested
    determinations: Ingested
    quarantine: list[pa.Table] = field(default_factory=list)


def _paths(value: Path | str | Sequence[Path | str]) -> list[Path]:
    if isinstance(value, (str, Path)):
        return [Path(value)]
    return [Path(p) for p in value]


def _authorize(request_path: Path, orders: Sequence[Path]) -> tuple[Authorization, str]:
    if not request_path.is_file():
        raise UsageError("no such request file", file=str(request_path))
    catalog = Catalog.load(orders)
    request, source = load_request(request_path)
    return check_request(request, catalog.orders, source=source), _sha256(request_path)


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}: available: {', '.join(ENGINES)}")


def _engine_ref(engine: str) -> Engine:
    if engine == sparkeng.NAME:
        return Engine(name=sparkeng.NAME, version=sparkeng.version())
    return Engine(name=duck.NAME, version=duck.VERSION)


@contextmanager
def _spark_session(
    engine: str, settings: sparkeng.SparkSettings | None, scratch: Path
) -> Iterator[SparkSession | None]:
    """The Spark session of a Spark run (None for DuckDB); its scratch files removed after."""
    if engine != sparkeng.NAME:
        yield None
        return
    try:
        with sparkeng.session(settings) as spark:
            yield spark
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _stage_plan(ws: Workspace, plan: Plan, orders: Sequence[Order]) -> tuple[Path, Path]:
    """``plan.json`` and byte copies of the orders, written aside (``explain`` reads these); a
    file that changed since its order was loaded stops the run before anything is read."""
    tmp_dir = ws.root / f".orders.{uuid.uuid4().hex}.tmp"
    tmp_dir.mkdir()
    try:
        for order in orders:
            if order.id not in {o.id for o in plan.orders}:
                continue
            src = order_file(order)
            expected = plan.order(order.id).sha256
            if src is None or _sha256(src) != expected:
                raise EngineError(
                    f"the file of order {order.id} changed since it was loaded (or is unknown); "
                    "run again",
                    file=str(src) if src else None,
                )
            shutil.copyfile(src, tmp_dir / f"{order.id}.yaml")
        tmp_plan = ws.temp(ws.plan)
        tmp_plan.write_text(json.dumps(plan.to_dict(), indent=2, sort_keys=True) + "\n")
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    return tmp_dir, tmp_plan


def _commit_plan(ws: Workspace, staged: tuple[Path, Path]) -> None:
    tmp_dir, tmp_plan = staged
    if ws.orders.exists():
        shutil.rmtree(ws.orders)
    tmp_dir.rename(ws.orders)
    replace(tmp_plan, ws.plan)


def _drop_plan(staged: tuple[Path, Path]) -> None:
    shutil.rmtree(staged[0], ignore_errors=True)
    staged[1].unlink(missing_ok=True)


def _ingest(
    ws: Workspace,
    plan: Plan,
    enrollment: list[Path],
    determinations: list[Path],
    delimiter: str | None,
    progress: Progress | None,
) -> _Inputs:
    total = sum(p.stat().st_size for p in [*enrollment, *determinations] if p.is_file())
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    enr, enr_q = ingest(
        enrollment,
        Table.ENROLLMENT,
        plan.read_columns,  # the decision's columns and the guard's
        ws.enrollment,
        ws.enrollment_quarantine,
        delimiter=delimiter,
        progress=advance,
    )
    det, det_q = ingest(
        determinations,
        Table.DETERMINATIONS,
        plan.determination_columns,
        ws.determinations,
        ws.determinations_quarantine,
        delimiter=delimiter,
        progress=advance,
    )
    return _Inputs(enr, det, [enr_q, det_q])


def _unreadable(quarantine: Sequence[pa.Table]) -> pa.Table:
    keys: set[tuple[str, str]] = set()
    for q in quarantine:
        for s, m in zip(
            q.column("SUBMTG_STATE_CD").to_pylist(),
            q.column("MSIS_IDENT_NUM").to_pylist(),
            strict=True,
        ):
            if s and m:
                keys.add((s, m))
    ordered = sorted(keys)
    return pa.table(
        {"SUBMTG_STATE_CD": [k[0] for k in ordered], "MSIS_IDENT_NUM": [k[1] for k in ordered]},
        schema=duck.UNREADABLE_SCHEMA,
    )


def _review_table(decisions: dict[tuple[str, str], ReviewDecision]) -> pa.Table:
    items = sorted(decisions.items())
    return pa.table(
        {
            "SUBMTG_STATE_CD": [k[0] for k, _ in items],
            "MSIS_IDENT_NUM": [k[1] for k, _ in items],
            "decision": [d.decision for _, d in items],
        },
        schema=duck.REVIEW_DECISIONS_SCHEMA,
    )


def _registry(ws: Workspace, paths: Sequence[Path]) -> tuple[Any, list[InputRef]]:
    """The facility registry: a registry directory, or registry files built into WS/registry."""
    from minshare.guard import build_registry, open_registry
    from minshare.guard.registry import Registry

    if not paths:
        return Registry.empty(), []
    if len(paths) == 1 and paths[0].is_dir():
        registry = open_registry(paths[0])
    else:
        for p in paths:
            if p.is_dir():
                raise UsageError(
                    "give one registry directory, or registry files to build one from",
                    file=str(p),
                )
        build_registry(list(paths), ws.registry, replace=True)
        registry = open_registry(ws.registry)
    refs = [
        InputRef(role=InputRole.REGISTRY, name=sf.name, sha256=sf.sha256, rows=sf.rows)
        for sf in registry.manifest.sources
    ]
    return registry, refs


def _guard(
    run: duck.Run | sparkeng.Run, ws: Workspace, registry: Any
) -> tuple[pa.Table, dict[str, Any]]:
    """Run the health-information guard over the values that may leave, on the rows whose
    decision its findings can change (``compile.sql.guard_candidate``); the ``guard_facts``
    input of the plan and a summary for the log. Findings go to ``findings.parquet``. On Spark
    the scan runs on the executors (``mapInArrow``), the findings come back to the driver."""
    from minshare.guard import FINDINGS_SCHEMA, GUARD_FIELDS, Scanner, row_facts
    from minshare.guard.scan import SSN

    plan = run.plan
    # What may leave, the Medicaid ID always (an SSN-valued ID is a finding), and the home and
    # mailing contact columns whether or not they leave (plan.guard_columns): reading a column
    # to decide is not disclosing it.
    fields = [
        c
        for c in GUARD_FIELDS
        if c in plan.columns or c in plan.guard_columns or c == "MSIS_IDENT_NUM"
    ]
    wanted = [*fields, *([SSN] if SSN in plan.enrollment_columns else [])]
    scanned = 0
    found: list[pa.Table] = []
    tmp = ws.temp(ws.findings)
    try:
        if isinstance(run, sparkeng.Run):
            findings, scanned = run.guard_findings(wanted, fields, registry)
            pq.write_table(findings, tmp, compression="zstd")
            found.append(findings.filter(findings["decisive"]))
        else:
            scanner = Scanner(registry, fields=fields, as_of=plan.as_of)
            with pq.ParquetWriter(tmp, FINDINGS_SCHEMA, compression="zstd") as writer:
                for batch in run.guard_input(wanted):
                    scanned += batch.num_rows
                    findings = scanner.scan(batch)
                    if findings.num_rows:
                        writer.write_table(findings)
                        found.append(findings.filter(findings["decisive"]))
        replace(tmp, ws.findings)
    finally:
        tmp.unlink(missing_ok=True)
    decisive = pa.concat_tables(found) if found else FINDINGS_SCHEMA.empty_table()
    facts = row_facts(decisive)
    schema = duck.guard_facts_schema(plan.guard_facts)
    renamed = facts.rename_columns([c.replace(".", "_") for c in facts.column_names])
    summary = {
        "rows_scanned": scanned,
        "rows_flagged": facts.num_rows,
        "findings": decisive.num_rows,
        "by_category": dict(Counter(decisive["category"].to_pylist())),
        "fields": fields,
        "registry": registry.manifest.registry_id,
    }
    return renamed.select(schema.names).cast(schema), summary


def _counts(inputs: _Inputs, decided: dict[str, int]) -> Counts:
    enr = inputs.enrollment.counts
    unknown = set(decided) - {"disclose", "withhold", "review"}
    if unknown:
        raise EngineError(f"the engine produced unknown decisions: {sorted(unknown)}")
    try:
        counts = Counts(
            input_rows=enr.rows_read,
            disclosed=decided.get("disclose", 0),
            withheld=decided.get("withhold", 0),
            review=decided.get("review", 0),
            quarantined=enr.rows_quarantined,
        )
    except ValueError as exc:
        raise EngineError(f"row accounting failed, nothing is published: {exc}") from exc
    return counts


@dataclass
class _Decided:
    counts: Counts
    by_reason: list[tuple[str, str, str, int]]
    review_rows: int
    guard: dict[str, Any] | None = None


def _decide(
    ws: Workspace,
    plan: Plan,
    inputs: _Inputs,
    reviews: dict[tuple[str, str], ReviewDecision],
    registry: Any,
    settings: duck.Settings,
    log: RunLog,
    publish: Callable[[duck.Run, Counts, list[tuple[str, str, str, int]]], Any] | None,
    say: Step,
    engine: str = duck.NAME,
    spark: sparkeng.SparkSettings | None = None,
) -> tuple[_Decided, Any]:
    # On Spark, the guard and the decision run in Spark; the steps over the decisions file
    # (counts, review, one row per person, the package's records) run in DuckDB either way.
    scratch = ws.root / ".spark"
    with (
        duck.connect(settings, ws.spill) as con,
        _spark_session(engine, spark, scratch) as session,
    ):
        run = duck.Run(con, plan)
        runner: duck.Run | sparkeng.Run = (
            run if session is None else sparkeng.Run(session, plan, scratch)
        )
        runner.register(ws.enrollment, ws.determinations)
        guard_facts, guard_summary = None, None
        if plan.guard_facts:
            say("scanning the permitted fields for health information (the guard)")
            guard_facts, guard_summary = _guard(runner, ws, registry)
            log.write("guard", **guard_summary)
        say("deciding every row")
        runner.register(
            ws.enrollment,
            ws.determinations,
            unreadable=_unreadable(inputs.quarantine),
            review_decisions=_review_table(reviews),
            guard_facts=guard_facts,
        )
        tmp = ws.temp(ws.decisions)
        try:
            if isinstance(runner, sparkeng.Run):
                runner.decide_to(tmp, {duck.HITS_METADATA: duck.hits_json(plan)})
            else:
                run.decide_to(tmp)
            replace(tmp, ws.decisions)
        finally:
            tmp.unlink(missing_ok=True)
        decided = run.counts(ws.decisions)
        counts = _counts(inputs, decided)
        log.write("decide", decisions=decided)
        tmp = ws.temp(ws.review)
        try:
            review_rows = run.write_review(ws.decisions, tmp)
            replace(tmp, ws.review)
        finally:
            tmp.unlink(missing_ok=True)
        twice = run.people_twice(ws.decisions)
        if twice:
            shown = ", ".join(f"{s}/{m}" for s, m in twice)
            raise EngineError(
                f"more than one row would leave for a person ({shown}); one row per person "
                "leaves, so nothing is published (this is a minshare bug, please report it)"
            )
        by_reason = run.by_reason(ws.decisions)
        log.write("review", review_rows=review_rows)
        published = publish(run, counts, by_reason) if publish is not None else None
    return _Decided(counts, by_reason, review_rows, guard_summary), published


def _run(
    request: Path,
    enrollment: Path | str | Sequence[Path | str],
    determinations: Path | str | Sequence[Path | str],
    *,
    workspace: Path,
    registries: Sequence[Path | str],
    engine: str,
    orders: Sequence[Path | str],
    delimiter: str | None,
    progress: Progress | None,
    step: Step | None,
    publish_to: Path | None,
    settings: duck.Settings | None,
    ledger_url: str | None = None,
    spark: sparkeng.SparkSettings | None = None,
) -> DryRunResult | DisclosureResult:
    say = step or (lambda _m: None)
    _check_engine(engine)
    ws = Workspace(Path(workspace))
    enr_paths, det_paths = _paths(enrollment), _paths(determinations)
    reg_paths = [Path(r) for r in registries]
    for p in [*enr_paths, *det_paths]:
        if not p.is_file():
            raise UsageError("no such input file", file=str(p))
    for p in reg_paths:
        if not p.exists():
            raise UsageError(
                "no such registry (a registry directory or registry files)", file=str(p)
            )
    if publish_to is not None and (publish_to.exists() or publish_to.is_symlink()):
        raise UsageError(
            "already exists; a published package is never overwritten", file=str(publish_to)
        )
    say("checking the request against the orders")
    auth, request_sha = _authorize(Path(request), [Path(o) for o in orders])
    plan = compile_plan(auth)
    duck.Run.check(plan)
    if engine == sparkeng.NAME:
        sparkeng.Run.check(plan)
        sparkeng.check_available()  # pyspark and a Java runtime, before anything is read
    if plan.guard_facts and not reg_paths:
        raise UsageError(
            f"the orders in force decide on the health-information guard's findings "
            f"({', '.join(plan.guard_facts)}), and the guard needs a facility registry: give "
            "--registry (a registry directory from `minshare registry load`, or registry files)"
        )
    settings = settings or duck.Settings.from_env()
    with ws.locked():
        log = RunLog(ws.run_log, uuid.uuid4().hex[:12])
        log.write(
            "start",
            request_id=auth.request.request_id,
            as_of=plan.as_of,
            orders=[o.id for o in plan.orders],
            plan_sha256=plan.fingerprint(),
            publish=publish_to is not None,
            engine=engine,
        )
        try:
            if publish_to is not None and plan.columns:
                _check_ledger(ws, ledger_url)
            job = _Job(
                ws, log, auth, plan, request_sha, enr_paths, det_paths, reg_paths, delimiter,
                progress, say, publish_to, settings, ledger_url, engine, spark,
            )  # fmt: skip
            return _steps(job)
        except MinshareError as exc:
            log.write("failed", error=exc.to_dict())
            raise
        except Exception as exc:
            log.write("failed", error=repr(exc))
            raise EngineError(f"the run failed: {exc!r}; nothing was published") from exc


@dataclass
class _Job:
    """One run: what was asked, where it goes, how it reports."""

    ws: Workspace
    log: RunLog
    auth: Authorization
    plan: Plan
    request_sha: str
    enrollment: list[Path]
    determinations: list[Path]
    registries: list[Path]
    delimiter: str | None
    progress: Progress | None
    say: Step
    publish_to: Path | None
    settings: duck.Settings
    ledger_url: str | None = None
    engine: str = duck.NAME
    spark: sparkeng.SparkSettings | None = None


def _check_ledger(ws: Workspace, url: str | None) -> None:
    """Open the ledger before anything is read: a ledger that cannot record the package (an
    unreachable database, another workspace's key) stops the run at once, not after it."""
    from minshare.ledger import ledger_session

    with ledger_session(ws.root, url):
        pass


def _withdraw(package: Path, log: RunLog) -> None:
    """Take a published package back: renamed away in one step (a reader sees the whole package
    or nothing), then deleted."""
    gone = package.parent / f".{package.name}.withdrawn-{uuid.uuid4().hex[:12]}"
    try:
        package.rename(gone)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise EngineError(
            f"the package is not in the ledger and could not be withdrawn ({exc.strerror}): "
            "delete it by hand; it must not be handed over",
            file=str(package),
        ) from exc
    shutil.rmtree(gone, ignore_errors=True)
    log.write("withdrawn", package=str(package))


def _record(ws: Workspace, package: Path, url: str | None, log: RunLog) -> Appended:
    """Append the published manifest's bytes to the ledger (the last step of a disclosure)."""
    from minshare.ledger import append_manifest

    try:
        appended = append_manifest(ws.root, (package / MANIFEST).read_bytes(), url=url)
    except MinshareError as exc:
        raise LedgerError(
            f"the package could not be recorded in the ledger ({exc.message}); a package that "
            "is not in the ledger is not published, so it was withdrawn",
            file=str(package),
            details=[exc],
        ) from exc
    log.write(
        "ledger",
        index=appended.index,
        size=appended.size,
        leaf_hash=appended.leaf_hash.hex(),
        checkpoint=appended.checkpoint.decode("utf-8"),
    )
    return appended


def _steps(job: _Job) -> DryRunResult | DisclosureResult:
    ws = job.ws
    # A failed run must not leave the last run's decisions beside this run's inputs.
    for stale in (ws.plan, ws.decisions, ws.review, ws.summary, ws.findings):
        stale.unlink(missing_ok=True)
    staged = _stage_plan(ws, job.plan, job.auth.orders)
    try:
        return _decide_and_publish(job, staged)
    finally:
        _drop_plan(staged)


def _notes(job: _Job, reviews: dict[tuple[str, str], ReviewDecision]) -> list[str]:
    notes: list[str] = []
    if job.registries and not job.plan.guard_facts:
        notes.append(UNUSED_REGISTRY_NOTE)
    if reviews:
        notes.append(f"{len(reviews)} earlier review decision(s) re-applied to rows in review")
    if not job.plan.columns:
        notes.append(
            "the orders in force permit no column for this request: nothing can leave, and no "
            "package is written"
        )
    return notes


def _decide_and_publish(job: _Job, staged: tuple[Path, Path]) -> DryRunResult | DisclosureResult:
    ws, plan, log = job.ws, job.plan, job.log
    reviews = load_review_decisions(ws.review_decisions)
    registry, registry_refs = _registry(ws, job.registries)
    log.write(
        "plan",
        columns=list(plan.columns),
        reads=list(plan.read_columns),
        guard_only=list(plan.guard_columns),
    )
    job.say("reading the inputs (only the columns the plan needs)")
    inputs = _ingest(ws, plan, job.enrollment, job.determinations, job.delimiter, job.progress)
    q_tmp = ws.temp(ws.quarantine)
    try:
        write_quarantine(inputs.quarantine, ws.quarantine, q_tmp)
        replace(q_tmp, ws.quarantine)
    finally:
        q_tmp.unlink(missing_ok=True)
    log.write(
        "read",
        enrollment=inputs.enrollment.counts.to_dict(),
        determinations=inputs.determinations.counts.to_dict(),
    )
    notes = _notes(job, reviews)
    published: dict[str, Any] = {}

    def publish(run: duck.Run, counts: Counts, by_reason: list[tuple[str, str, str, int]]) -> None:
        if job.publish_to is None or not plan.columns:
            return
        from minshare.ledger import build_record_tree
        from minshare.package import default_signing_key, publish_package

        job.say("building the record tree (who was disclosed, for the ledger)")
        # The person key needs the state and the Medicaid ID even when they do not leave.
        keyed = [*plan.columns, *(k for k in KEY if k not in plan.columns)]
        tree = build_record_tree(
            run.records(ws.decisions, keyed), columns=plan.columns, workspace=ws.root
        )
        if tree.size != counts.disclosed:
            raise EngineError(
                f"the record tree has {tree.size} records but {counts.disclosed} rows are "
                "disclosed; nothing is published (this is a minshare bug, please report it)"
            )
        log.write("record_tree", size=tree.size, root=tree.ref().root, backend=tree.backend)
        job.say("publishing the package")
        manifest = _manifest(
            job.auth, plan, job.request_sha, inputs, registry, registry_refs, counts, by_reason,
            log, notes, job.engine,
        ).model_copy(update={"record_tree": tree.ref()})  # fmt: skip
        records = run.records(ws.decisions, plan.columns)
        package = publish_package(
            job.publish_to, records, manifest=manifest, signing_key=default_signing_key(ws.root)
        )
        published.update(package=package)
        log.write(
            "publish",
            package=str(package.path),
            records=package.manifest.record_count,
            manifest_sha256=package.manifest_sha256,
            key_id=package.key_id,
        )

    try:
        return _finish(job, staged, inputs, reviews, registry, notes, publish, published)
    except BaseException:
        # Not in the ledger, not published: whatever failed after publishing, take it back.
        package = published.get("package")
        if package is not None and "appended" not in published:
            _withdraw(package.path, log)
        raise


def _finish(
    job: _Job,
    staged: tuple[Path, Path],
    inputs: _Inputs,
    reviews: dict[tuple[str, str], ReviewDecision],
    registry: Any,
    notes: list[str],
    publish: Callable[[duck.Run, Counts, list[tuple[str, str, str, int]]], Any],
    published: dict[str, Any],
) -> DryRunResult | DisclosureResult:
    ws, plan, log = job.ws, job.plan, job.log
    decided, _ = _decide(
        ws, plan, inputs, reviews, registry, job.settings, log, publish, job.say, job.engine,
        job.spark,
    )  # fmt: skip
    _commit_plan(ws, staged)  # explain reads a plan only beside its decisions
    base: dict[str, Any] = dict(
        workspace=ws.root,
        request_id=job.auth.request.request_id,
        as_of=plan.as_of.isoformat(),
        orders=tuple(o.id for o in plan.orders),
        columns=plan.columns,
        counts=decided.counts,
        by_reason=tuple(ReasonCount(*r) for r in decided.by_reason),
        quarantined_by_table={
            "enrollment": inputs.enrollment.counts.rows_quarantined,
            "determinations": inputs.determinations.counts.rows_quarantined,
        },
        timings=dict(log.timings),
        notes=tuple(notes),
        guard=decided.guard,
    )
    summary = {
        **{k: v for k, v in base.items() if k not in ("workspace", "counts", "by_reason")},
        "counts": decided.counts.model_dump(),
        "by_reason": [rc.__dict__ for rc in base["by_reason"]],
    }
    tmp = ws.temp(ws.summary)
    tmp.write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
    replace(tmp, ws.summary)
    package = published.get("package")
    appended = None
    if package is not None:
        job.say("recording the package in the ledger")
        appended = _record(ws, package.path, job.ledger_url, log)  # the last step
        published["appended"] = appended
    log.write("done", counts=decided.counts.model_dump(), total_seconds=log.total)
    if job.publish_to is None:
        return DryRunResult(**base)
    return DisclosureResult(
        **base,
        package=package.path if package else None,
        manifest=package.manifest if package else None,
        key_id=package.key_id if package else None,
        records=package.manifest.record_count if package else 0,
        ledger_index=appended.index if appended else None,
        checkpoint=appended.checkpoint.decode("utf-8") if appended else None,
    )


def _manifest(
    auth: Authorization,
    plan: Plan,
    request_sha: str,
    inputs: _Inputs,
    registry: Any,
    registries: list[InputRef],
    counts: Counts,
    by_reason_rows: list[tuple[str, str, str, int]],
    log: RunLog,
    notes: list[str],
    engine: str = duck.NAME,
) -> Manifest:
    req = auth.request
    recipient = next(
        (r for o in auth.orders if (r := o.recipient(req.recipient)) is not None), None
    )
    if recipient is None:  # check_request refuses this; never publish without it
        raise EngineError(f"no governing order names recipient {req.recipient}")
    by_reason: dict[str, dict[str, int]] = defaultdict(dict)
    for _state, decision, reason, n in by_reason_rows:
        by_reason[decision][reason] = by_reason[decision].get(reason, 0) + n
    inputs_refs = [
        InputRef(role=InputRole(role), name=f.path.name, sha256=f.sha256, rows=f.counts.rows_read)
        for role, ing in (
            ("enrollment", inputs.enrollment),
            ("determinations", inputs.determinations),
        )
        for f in ing.files
    ]
    return Manifest(
        engine=_engine_ref(engine),
        timings=dict(log.timings),
        request=RequestInfo(
            request_id=req.request_id,
            recipient=Recipient(id=recipient.id, name=recipient.name, address=recipient.address),
            purpose=req.purpose,
            activity=req.activity,
            requested_by=RequestedBy(**req.requested_by.model_dump()),
            signed_on=req.signed_on,
            as_of=req.as_of,
            sha256=request_sha,
            legal_basis=req.authority_cited or None,
        ),
        orders=[OrderRef(id=o.id, sha256=o.sha256, file=Path(o.file).name) for o in plan.orders],
        inputs=[*inputs_refs, *registries],
        counts=counts,
        columns=list(plan.columns),
        extra={
            "plan_sha256": plan.fingerprint(),
            "states": {o.id: list(o.states) for o in plan.orders},
            "determinations": inputs.determinations.counts.to_dict(),
            "quarantine_by_reason": {
                "enrollment": inputs.enrollment.quarantine_by_reason,
                "determinations": inputs.determinations.quarantine_by_reason,
            },
            "decisions_by_reason": {
                d: dict(sorted(r.items())) for d, r in sorted(by_reason.items())
            },
            "notes": notes,
            **(
                {"registry": registry.manifest.model_dump(mode="json")}
                if plan.guard_facts or registries
                else {}
            ),
        },
    )


def dry_run(
    request: Path | str,
    enrollment: Path | str | Sequence[Path | str],
    determinations: Path | str | Sequence[Path | str],
    *,
    workspace: Path | str,
    registries: Sequence[Path | str] = (),
    engine: str = "duckdb",
    orders: Sequence[Path | str] = (),
    delimiter: str | None = None,
    progress: Progress | None = None,
    step: Step | None = None,
    settings: duck.Settings | None = None,
    spark: sparkeng.SparkSettings | None = None,
) -> DryRunResult:
    """Decide every row and write the workspace; publish nothing. ``engine="spark"`` runs the
    guard and the decision on Spark (``spark``: master and configuration; default local)."""
    result = _run(
        Path(request),
        enrollment,
        determinations,
        workspace=Path(workspace),
        registries=registries,
        engine=engine,
        orders=orders,
        delimiter=delimiter,
        progress=progress,
        step=step,
        publish_to=None,
        settings=settings,
        spark=spark,
    )
    return result


def disclose(
    request: Path | str,
    enrollment: Path | str | Sequence[Path | str],
    determinations: Path | str | Sequence[Path | str],
    *,
    out: Path | str,
    workspace: Path | str,
    registries: Sequence[Path | str] = (),
    engine: str = "duckdb",
    orders: Sequence[Path | str] = (),
    delimiter: str | None = None,
    progress: Progress | None = None,
    step: Step | None = None,
    settings: duck.Settings | None = None,
    ledger: str | None = None,
    spark: sparkeng.SparkSettings | None = None,
) -> DisclosureResult:
    """Decide every row, write the workspace, publish the signed package to ``out`` and record
    it in the ledger (``ledger``: a SQLite file or ``postgresql://…``; default
    ``WS/ledger.sqlite``). If the ledger refuses it, the package is withdrawn and the error
    raised: a package that is not in the ledger is not published. ``engine="spark"`` runs the
    guard and the decision on Spark (``spark``: master and configuration; default local)."""
    result = _run(
        Path(request),
        enrollment,
        determinations,
        workspace=Path(workspace),
        registries=registries,
        engine=engine,
        orders=orders,
        delimiter=delimiter,
        progress=progress,
        step=step,
        publish_to=Path(out),
        settings=settings,
        ledger_url=ledger,
        spark=spark,
    )
    assert isinstance(result, DisclosureResult)
    return result


__all__ = [
    "ENGINES",
    "DisclosureResult",
    "DryRunResult",
    "ReasonCount",
    "disclose",
    "dry_run",
]
