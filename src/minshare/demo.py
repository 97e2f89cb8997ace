"""The reference run behind ``make demo``: the whole pipeline on synthetic data, end to end.

1. synthesize a small national extract (enrollment, determinations, a facility registry file);
2. load the facility registry into the workspace (``minshare registry load``);
3. disclose the example ICE request for Feb 1, 2026 under the order of Dec 29, 2025: every row
   decided with a reason, the guard run, the signed package published and recorded in the ledger;
4. verify the package with the workspace's public key (integrity *and* origin);
5. verify the ledger and read its signed checkpoint;
6. dry-run the same request dated Oct 1, 2025, under the injunction: nothing may leave;
7. submit the refused example request: it is refused with every reason before anything is read;
8. write the compliance report of the disclosure (``report.html`` and ``report.pdf``), with the
   transition matrix from the injunction to the order of Dec 29, 2025.

Stages later issues add (the service, the Spark engine) are listed as not
yet available rather than pretended. Everything is written under one directory; a second run
there reuses the workspace, so its ledger grows by one entry (ledger entries are never deleted).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from minshare.data.synth import SynthResult
    from minshare.engines import DisclosureResult, DryRunResult
    from minshare.guard import RegistryManifest
    from minshare.ledger import LedgerReport
    from minshare.package import VerifyReport

DEFAULT_ROWS = 20_000
DEFAULT_SEED = 7
REQUEST = "ice-2026-02-01.yaml"  # the order of Dec 29, 2025 governs the plaintiff states
INJUNCTION_REQUEST = "ice-2025-10-01.yaml"  # the preliminary injunction: nothing may leave
REFUSED_REQUEST = "refused-2026-02-01.yaml"  # refused for four reasons at once

# What the demo does not run, and how to go on from it (printed at its end).
FURTHER = (
    "the service, review desk and pages: minshare serve --workspace {ws} (docs/service.md)",
    "the same disclosure on Spark: minshare disclose ... --engine spark (docs/engine.md)",
    "speed and memory against references: make bench-quick (docs/scaling.md)",
)

Step = Callable[[str], None]


def request_path(name: str) -> Path:
    """An example request shipped with minshare (``examples/`` holds the same files)."""
    from minshare.orders.catalog import BUILTIN_DIR

    return BUILTIN_DIR / "requests" / name


@dataclass(frozen=True)
class Refusal:
    """A request the orders refuse: the summary, every reason with its clause, the exit code."""

    request: Path
    message: str
    reasons: tuple[str, ...]
    exit_code: int


@dataclass(frozen=True)
class LedgerState:
    location: str
    vkey: str
    checkpoint: str
    report: LedgerReport


@dataclass(frozen=True)
class ReportFiles:
    """The compliance report the demo wrote: its files, the PDF's pages, or why no PDF."""

    paths: tuple[Path, ...]
    pages: int | None
    note: str | None = None


@dataclass(frozen=True)
class DemoResult:
    out_dir: Path
    workspace: Path
    synth: SynthResult
    registry_dir: Path
    registry: RegistryManifest
    request: Path
    disclosure: DisclosureResult
    public_key: Path
    verify: VerifyReport | None  # None when nothing could leave (no package)
    ledger: LedgerState
    injunction: DryRunResult
    injunction_workspace: Path
    refusal: Refusal
    example_person: tuple[str, str] | None  # (state, Medicaid ID) of one disclosed record
    report: ReportFiles
    seconds: dict[str, float] = field(default_factory=dict)
    further: tuple[str, ...] = FURTHER

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _fresh(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``… if taken: a published package is never overwritten."""
    if not (path.exists() or path.is_symlink()):
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.name}-{n}")
        if not (candidate.exists() or candidate.is_symlink()):
            return candidate
        n += 1


def _example_person(package: Path) -> tuple[str, str] | None:
    import pyarrow.parquet as pq

    records = pq.ParquetFile(package / "records.parquet")
    names = records.schema_arrow.names
    if "SUBMTG_STATE_CD" not in names or "MSIS_IDENT_NUM" not in names:
        return None
    first = records.read_row_group(0, columns=["SUBMTG_STATE_CD", "MSIS_IDENT_NUM"]).slice(0, 1)
    rows = first.to_pylist()
    return (str(rows[0]["SUBMTG_STATE_CD"]), str(rows[0]["MSIS_IDENT_NUM"])) if rows else None


def _refuse(request: Path, enrollment: Path, determinations: Path, workspace: Path) -> Refusal:
    from minshare.engines import EngineError, dry_run
    from minshare.orders.errors import RequestRefused

    try:
        dry_run(request, enrollment, determinations, workspace=workspace)
    except RequestRefused as exc:
        return Refusal(
            request=request,
            message=exc.message,
            reasons=tuple(d.message for d in exc.details),
            exit_code=exc.exit_code,
        )
    raise EngineError(
        "the example request that must be refused was accepted: the orders or the request "
        "checks have changed",
        file=str(request),
    )


DEPS_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "report-deps.sh"
COMPARE = ("ca-v-hhs-2025-08-12", "ca-v-hhs-2025-12-29")  # the injunction -> the December order


def _report(out_dir: Path, workspace: Path, package: Path | None, say: Step) -> ReportFiles:
    """``report.html`` and ``report.pdf``. WeasyPrint needs pango: on a machine without it the
    project's script installs it (a source checkout), and failing that the HTML is written
    alone, with the reason."""
    import subprocess

    from minshare.report import ReportError, write_report

    html, pdf = out_dir / "report.html", out_dir / "report.pdf"

    def write(outs: list[Path]) -> ReportFiles:
        written = write_report(workspace, outs, package=package, compare=COMPARE)
        return ReportFiles(written.paths, written.pages)

    try:
        return write([html, pdf])
    except ReportError as exc:
        if "system libraries" not in exc.message or not DEPS_SCRIPT.exists():
            raise
        say("installing the PDF's system libraries (scripts/report-deps.sh pdf)")
        proc = subprocess.run(
            ["sh", str(DEPS_SCRIPT), "pdf"], capture_output=True, text=True, check=False
        )
        if proc.returncode == 0:
            try:
                return write([html, pdf])
            except ReportError:
                pass
        return ReportFiles(
            write([html]).paths,
            None,
            f"no PDF: {exc.message} ({proc.stderr.strip() or 'scripts/report-deps.sh failed'})",
        )


def run_demo(
    out_dir: Path,
    *,
    rows: int = DEFAULT_ROWS,
    seed: int = DEFAULT_SEED,
    step: Step | None = None,
) -> DemoResult:
    """Run the reference pipeline into ``out_dir`` and return what each stage produced.

    Raises a :class:`~minshare.errors.MinshareError` if any stage fails, including a package
    that does not verify or a ledger that does not verify: the demo proves, it does not just
    show.
    """
    from minshare.data.synth import synthesize
    from minshare.engines import EngineError, disclose, dry_run
    from minshare.guard import build_registry
    from minshare.ledger import ledger_session, verify_ledger
    from minshare.package import verify_package
    from minshare.package.orders import order_permissions

    say = step or (lambda _msg: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    input_dir = out_dir / "input"
    workspace = out_dir / "workspace"
    registry_dir = workspace / "registry"
    # The dry runs get their own workspace: the disclosure's decisions stay there for explain.
    scratch = out_dir / "dry-run-workspace"
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    say(f"synthesizing {rows:,} enrollment rows (seed {seed})")
    synth = synthesize(input_dir, rows=rows, seed=seed)
    enrollment, determinations = synth.paths["enrollment"], synth.paths["determinations"]
    lap("synthesize")

    say("loading the facility registry into the workspace (minshare registry load)")
    registry = build_registry([synth.paths["facilities"]], registry_dir, replace=True)
    lap("registry")

    request = request_path(REQUEST)
    package = _fresh(out_dir / "package")
    disclosure = disclose(
        request,
        enrollment,
        determinations,
        out=package,
        workspace=workspace,
        registries=[registry_dir],
        step=say,
    )
    lap("disclose")

    public_key = workspace / "keys" / "minshare.pub"
    report = None
    if disclosure.package is not None:
        say("verifying the package with the workspace's public key")
        report = verify_package(
            disclosure.package, public_key=public_key, permitted_columns=order_permissions()
        )
        if not report.ok:
            failed = "; ".join(f"{c.name}: {c.detail}" for c in report.failed())
            raise EngineError(f"the package does not verify: {failed}", file=str(package))
    lap("verify-package")

    say("verifying the ledger and reading its signed checkpoint")
    with ledger_session(workspace) as log:
        ledger_report = verify_ledger(log, workspace=workspace)
        ledger = LedgerState(
            location=log.store.location,
            vkey=log.vkey,
            checkpoint=log.checkpoint().decode("utf-8"),
            report=ledger_report,
        )
    if not ledger_report.ok:
        shown = "; ".join(str(f) for f in ledger_report.findings[:3])
        raise EngineError(f"the ledger does not verify: {shown}", file=ledger.location)
    lap("ledger")

    say("dry run of the same request dated Oct 1, 2025 (under the injunction)")
    injunction = dry_run(request_path(INJUNCTION_REQUEST), enrollment, determinations,
                         workspace=scratch)  # fmt: skip
    if injunction.counts.disclosed or injunction.columns:
        raise EngineError("under the injunction something would leave: this is a minshare bug")
    lap("injunction")

    say("submitting the example request that must be refused")
    refusal = _refuse(request_path(REFUSED_REQUEST), enrollment, determinations, scratch)
    lap("refused")

    say("writing the compliance report (HTML and PDF)")
    report_files = _report(out_dir, workspace, disclosure.package, say)
    lap("report")

    return DemoResult(
        out_dir=out_dir,
        workspace=workspace,
        synth=synth,
        registry_dir=registry_dir,
        registry=registry,
        request=request,
        disclosure=disclosure,
        public_key=public_key,
        verify=report,
        ledger=ledger,
        injunction=injunction,
        injunction_workspace=scratch,
        refusal=refusal,
        example_person=_example_person(disclosure.package) if disclosure.package else None,
        report=report_files,
        seconds=seconds,
    )


__all__ = [
    "DEFAULT_ROWS",
    "DEFAULT_SEED",
    "FURTHER",
    "DemoResult",
    "LedgerState",
    "Refusal",
    "ReportFiles",
    "request_path",
    "run_demo",
]
