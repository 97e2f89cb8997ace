"""The report's typed model: everything the templates show, aggregate only.

The collector (:mod:`minshare.report.collect`) fills it from a workspace, a package and the
ledger; the renderer (:mod:`minshare.report.render`) turns it into HTML and PDF. Every count a
reader sees is a :class:`~minshare.report.suppress.Cell` of a suppressed table; the model holds
no row of personal data, no Medicaid ID, name, date of birth, phone or address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from minshare.report.suppress import Cell, SuppressedTable


@dataclass(frozen=True)
class CountTable:
    """A suppressed table with its labels, ready to render (and to chart)."""

    key: str
    caption: str
    row_header: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    table: SuppressedTable
    total_label: str = "total"
    note: str | None = None
    row_notes: tuple[str, ...] = ()  # a plain-words line under each row label, or empty

    @property
    def has_row_totals(self) -> bool:
        return self.table.row_totals is not None

    @property
    def has_col_totals(self) -> bool:
        return self.table.col_totals is not None

    def column_total(self, column: str) -> Cell | None:
        if self.table.col_totals is None:
            return None
        return self.table.col_totals[self.columns.index(column)]


@dataclass(frozen=True)
class OpenQuestion:
    question: str
    treatment: str
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    name: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class RuleLine:
    id: str
    effect: str
    reason: str
    cite: str
    evidence: str | None


@dataclass(frozen=True)
class OrderSection:
    id: str
    title: str
    court: str
    caption: str
    docket: str
    document: str
    issued: date
    judge: str | None
    evidence: str
    effective_from: date
    effective_until: date | None
    states: tuple[str, ...]  # "06 California"
    categories: tuple[Category, ...]
    recipients: tuple[str, ...]
    purposes: tuple[str, ...]
    sources: tuple[str, ...]
    rules: tuple[RuleLine, ...]
    undefined: tuple[OpenQuestion, ...]
    sha256: str


@dataclass(frozen=True)
class RequestSection:
    request_id: str
    recipient: str
    recipient_address: str
    purpose: str
    activity: str
    requested_by: str  # the official who signed the written request, as the request names them
    signed_on: date
    as_of: date
    states: str
    within_order: bool
    checks: tuple[str, ...]
    sha256: str | None


@dataclass(frozen=True)
class GuardSection:
    ran: bool
    scanned: Cell | None
    flagged: Cell | None
    by_category: CountTable | None
    fields: tuple[str, ...]
    registry: str | None


@dataclass(frozen=True)
class ReviewSection:
    in_review: CountTable  # rows in review by reason
    by_reviewer: CountTable | None  # reviewer × release/withhold
    two_person_releases: Cell | None
    applied: CountTable | None  # decisions re-applied by this run: released / withheld


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class FieldsSection:
    package: str | None
    columns: tuple[tuple[str, str], ...]  # (column, category)
    verified: bool
    origin_proven: bool
    only_permitted: bool
    key_id: str | None
    checks: tuple[Check, ...]
    record_count: Cell | None


@dataclass(frozen=True)
class LedgerSection:
    location: str
    origin: str
    vkey: str
    index: int | None
    size: int
    checkpoint: str
    verified: bool
    findings: tuple[str, ...]
    commands: tuple[str, ...]


@dataclass(frozen=True)
class CompareSection:
    a: str
    b: str
    as_of: date
    matrix: CountTable
    rows: Cell


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    minshare_version: str
    run_as_of: date
    made_at: str  # when the package was made (manifest), or the run's date: never "now"
    orders: tuple[OrderSection, ...]
    request: RequestSection
    identity: CountTable  # one row: disclosed, withheld, review, quarantined | input
    identity_holds: bool
    reasons: CountTable
    states: CountTable
    categories: CountTable
    quarantine: CountTable | None
    guard: GuardSection
    review: ReviewSection
    fields: FieldsSection
    ledger: LedgerSection | None
    compare: CompareSection | None
    charts: dict[str, str] = field(default_factory=dict)  # name -> inline SVG
    notes: tuple[str, ...] = ()

    @property
    def sections(self) -> tuple[tuple[str, str], ...]:
        """(anchor, heading) of every section, in order: the table of contents and the tests
        read the same list."""
        out = [
            ("authority", "1. The authority"),
            ("request", "2. The request"),
            ("outcome", "3. The outcome"),
            ("fields", "4. The fields disclosed"),
            ("ledger", "5. The ledger and how to verify"),
        ]
        if self.compare is not None:
            out.append(("compare", "6. Order comparison"))
        out.append(("method", f"{len(out) + 1}. Method and suppression"))
        return tuple(out)


__all__ = [
    "Category",
    "Check",
    "CompareSection",
    "CountTable",
    "FieldsSection",
    "GuardSection",
    "LedgerSection",
    "OpenQuestion",
    "OrderSection",
    "Report",
    "RequestSection",
    "ReviewSection",
    "RuleLine",
]
