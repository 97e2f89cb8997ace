"""The accounting of disclosures per person (5 U.S.C. 552a(c), 45 CFR 164.528), suspensions of it
at a law-enforcement official's request (164.528(a)(2)), and retention (164.530(j)).

An accounting is generated from the ledger, never edited: for one person (state + Medicaid ID,
turned into their person key with the workspace's secret), every ledger entry whose record tree
holds that key is a disclosure of that person, and the entry (the package manifest) says when, to
whom (name and postal address), what (the columns), why (purpose, activity), in answer to which
written request (its id and SHA-256) and under which orders.

Suspensions: while one is active for a recipient (for one person, or for everyone), that
recipient's entries are left out of the *individual's* view (they stay in the auditor's view and
in the ledger). An oral statement suspends for at most 30 days from the statement unless a
written one is linked within that time; a written one for the period it states. Every change is
written to ``accounting_events``.

Retention: ledger entries are never deleted. Accounting data (suspensions, events, the record
trees kept in the workspace) is purged only when older than six years; anything younger is
refused with :class:`RetentionError`.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from minshare.data.states import BY_ABBR, STATES, normalize_state_code
from minshare.errors import MinshareError, UsageError
from minshare.ledger.basis import B7, is_b7
from minshare.ledger.checkpoint import open_checkpoint
from minshare.ledger.errors import LedgerError, RetentionError
from minshare.ledger.log import Ledger, now_text
from minshare.ledger.records import (
    StoredRecordTree,
    ledger_secret,
    person_key,
    record_tree_ref,
    records_dir,
)
from minshare.package.manifest import Manifest, parse_manifest

RETENTION_YEARS = 6
ORAL_MAX = timedelta(days=30)
Text = Annotated[StrictStr, Field(min_length=1)]
View = Literal["individual", "auditor"]

LIMITATIONS = [
    "Complete for this ledger: every entry up to the checkpoint size was checked for this "
    "person. Disclosures never recorded in this ledger cannot appear here.",
    "The person key is an HMAC of the state and Medicaid ID under the discloser's secret; a "
    "verifier relies on the discloser's signed statement that this key is this person's.",
]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise UsageError("times need a time zone (UTC)")
    return value.astimezone(UTC)


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def state_code(value: str) -> str:
    """A 2-digit FIPS code from ``06``, ``6`` or ``CA``."""
    raw = value.strip()
    if raw.upper() in BY_ABBR:
        return BY_ABBR[raw.upper()].fips
    if raw.isdigit():
        code = normalize_state_code(raw)
        if code in STATES:
            return code
    raise UsageError(f"state {value!r}: give a 2-digit FIPS code (06) or a USPS code (CA)")


def check_id(msis_id: str) -> str:
    if not msis_id or any(ord(c) < 0x20 or c.isspace() for c in msis_id):
        raise UsageError("a Medicaid ID is non-empty, with no spaces or control characters")
    return msis_id


# --- suspensions --------------------------------------------------------------------------------


class Suspension(BaseModel):
    """A suspension of the individual's right to an accounting of disclosures to one agency."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Text
    person_key: str | None = Field(None, description="hex; None = every person")
    recipient_id: Text
    official: Text = Field(description="Name and title of the official who asked")
    agency: Text
    form: Literal["written", "oral"]
    received_at: datetime
    expires_at: datetime
    statement_ref: Text = Field(description="The statement (written) or the note of it (oral)")
    written_ref: str | None = None
    created_at: datetime
    ended_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        if self.ended_at is not None and at >= self.ended_at:
            return False
        return self.received_at <= at < self.expires_at

    def applies(self, recipient_id: str, key: bytes) -> bool:
        return self.recipient_id == recipient_id and (
            self.person_key is None or self.person_key == key.hex()
        )


def _event(ledger: Ledger, event: str, detail: dict[str, Any], now: datetime) -> None:
    with ledger.store.transaction() as tx:
        tx.execute(
            "INSERT INTO accounting_events (at, event, detail) VALUES (?, ?, ?)",
            (now_text(now), event, json.dumps(detail, sort_keys=True, default=str)),
        )


_COLUMNS = (
    "id, person_key, recipient_id, official, agency, form, received_at, expires_at, "
    "statement_ref, written_ref, created_at, ended_at"
)


def _row(row: tuple[Any, ...]) -> Suspension:
    keys = [c.strip() for c in _COLUMNS.split(",")]
    data = dict(zip(keys, row, strict=True))
    if data["person_key"] is not None:
        data["person_key"] = bytes(data["person_key"]).hex()
    return Suspension.model_validate(data)


def suspensions(ledger: Ledger) -> list[Suspension]:
    rows = ledger.store.query(f"SELECT {_COLUMNS} FROM accounting_suspensions ORDER BY created_at")
    return [_row(r) for r in rows]


def suspend(
    ledger: Ledger,
    *,
    recipient_id: str,
    official: str,
    agency: str,
    form: Literal["written", "oral"],
    statement_ref: str,
    received_at: datetime,
    until: datetime | None = None,
    key: bytes | None = None,
    now: datetime | None = None,
) -> Suspension:
    """Record a suspension (164.528(a)(2)). Oral: at most 30 days from the statement (the
    default); written: ``until`` is the period the statement gives, and is required."""
    now = _utc(now or datetime.now(UTC))
    received_at = _utc(received_at)
    if received_at > now:
        raise UsageError("the statement cannot be received in the future")
    if form == "oral":
        limit = received_at + ORAL_MAX
        expires = _utc(until) if until is not None else limit
        if expires > limit:
            raise UsageError(
                "an oral statement suspends for at most 30 days (45 CFR 164.528(a)(2)(ii)); "
                f"until {limit.isoformat()} at the latest, unless a written statement is linked"
            )
    else:
        if until is None:
            raise UsageError("a written statement gives the time required: pass --until")
        expires = _utc(until)
    if expires <= received_at:
        raise UsageError("a suspension must end after it starts")
    s = Suspension(
        id=str(uuid.uuid4()),
        person_key=key.hex() if key is not None else None,
        recipient_id=recipient_id,
        official=official,
        agency=agency,
        form=form,
        received_at=received_at,
        expires_at=expires,
        statement_ref=statement_ref,
        created_at=now,
    )
    with ledger.store.transaction() as tx:
        tx.execute(
            f"INSERT INTO accounting_suspensions ({_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                s.id,
                key,
                s.recipient_id,
                s.official,
                s.agency,
                s.form,
                s.received_at.isoformat(),
                s.expires_at.isoformat(),
                s.statement_ref,
                None,
                s.created_at.isoformat(),
                None,
            ),
        )
    _event(ledger, "suspension.created", s.model_dump(mode="json"), now)
    return s


def _get(ledger: Ledger, suspension_id: str) -> Suspension:
    rows = ledger.store.query(
        f"SELECT {_COLUMNS} FROM accounting_suspensions WHERE id = ?", (suspension_id,)
    )
    if not rows:
        raise UsageError(f"no suspension {suspension_id}")
    return _row(rows[0])


def link_written_statement(
    ledger: Ledger,
    suspension_id: str,
    *,
    written_ref: str,
    until: datetime,
    now: datetime | None = None,
) -> Suspension:
    """An oral suspension confirmed in writing within its 30 days runs for the written period."""
    now = _utc(now or datetime.now(UTC))
    s = _get(ledger, suspension_id)
    if s.form != "oral":
        raise UsageError("only an oral suspension takes a written statement")
    if not s.active(now):
        raise UsageError("the oral suspension has ended; record a new written one")
    until = _utc(until)
    with ledger.store.transaction() as tx:
        tx.execute(
            "UPDATE accounting_suspensions SET written_ref = ?, expires_at = ? WHERE id = ?",
            (written_ref, until.isoformat(), suspension_id),
        )
    _event(
        ledger,
        "suspension.written",
        {"id": suspension_id, "written_ref": written_ref, "until": until.isoformat()},
        now,
    )
    return _get(ledger, suspension_id)


def end_suspension(
    ledger: Ledger, suspension_id: str, *, now: datetime | None = None
) -> Suspension:
    now = _utc(now or datetime.now(UTC))
    _get(ledger, suspension_id)
    with ledger.store.transaction() as tx:
        tx.execute(
            "UPDATE accounting_suspensions SET ended_at = ? WHERE id = ?",
            (now.isoformat(), suspension_id),
        )
    _event(ledger, "suspension.ended", {"id": suspension_id}, now)
    return _get(ledger, suspension_id)


# --- the accounting -----------------------------------------------------------------------------


class PersonRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: str
    msis_id: str
    person_key: str = Field(description="hex")


class RecipientInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    address: str


class AccountingEntry(BaseModel):
    """One disclosure of the person: the elements 552a(c)(1) and 164.528(b)(2) require."""

    model_config = ConfigDict(frozen=True)

    entry_index: int
    disclosed_at: datetime
    nature: str = "bulk extract (a disclosure package)"
    recipient: RecipientInfo
    fields: list[str]
    purpose: str
    activity: str
    request_id: str
    request_sha256: str
    requested_by: str
    orders: list[dict[str, str]]
    manifest_sha256: str
    record_leaf_index: int
    legal_basis: list[str] = Field(
        default_factory=list,
        description="The authorities the request cited; empty when the manifest records none",
    )
    hidden_from_individual: bool = False
    hidden_because: str | None = Field(
        None, description="Why the individual's view leaves this entry out"
    )
    suspension_id: str | None = None


class SummaryEntry(BaseModel):
    """Repeated disclosures to one recipient for one purpose under one protocol, summarized as
    45 CFR 164.528(b)(3) allows: the first disclosure in full, how many, how often, and the
    date of the last. A view of the entries, never a replacement: each stays in the ledger."""

    model_config = ConfigDict(frozen=True)

    recipient_id: str
    purpose: str
    orders: list[str] = Field(description="The protocol: ids of the orders the disclosures used")
    legal_basis: list[str]
    first: AccountingEntry
    count: int
    last_disclosed_at: datetime
    periodicity: str = Field(description="How often, in words")
    entry_indices: list[int]


class Accounting(BaseModel):
    model_config = ConfigDict(frozen=True)

    person: PersonRef
    view: View
    as_of: datetime
    window_from: datetime
    checkpoint_size: int
    origin: str
    disclosures: list[AccountingEntry]
    not_included: list[int] = Field(description="Entries proven not to include the person")
    withheld: int = Field(
        0,
        description="Entries left out of the individual's view (a suspension, or a 552a(b)(7) "
        "disclosure), whether or not they included the person",
    )
    unavailable: list[int] = Field(
        default_factory=list, description="Entries whose record tree is not in the workspace"
    )
    outside_window: int = 0
    summaries: list[SummaryEntry] = Field(
        default_factory=list, description="The disclosures grouped per 164.528(b)(3)"
    )
    limitations: list[str] = Field(default_factory=lambda: list(LIMITATIONS))


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def accounting_entry(index: int, manifest: Manifest, entry: bytes, leaf: int) -> AccountingEntry:
    r = manifest.request
    by = r.requested_by
    return AccountingEntry(
        entry_index=index,
        disclosed_at=manifest.created_at,
        recipient=RecipientInfo(
            id=r.recipient.id, name=r.recipient.name, address=r.recipient.address
        ),
        fields=list(manifest.columns),
        purpose=r.purpose,
        activity=r.activity,
        request_id=r.request_id,
        request_sha256=r.sha256,
        requested_by=f"{by.name}, {by.title}, {by.agency}",
        orders=[{"id": o.id, "sha256": o.sha256, "file": o.file} for o in manifest.orders],
        manifest_sha256=_sha256(entry),
        record_leaf_index=leaf,
        legal_basis=list(r.legal_basis or ()),
    )


B7_REASON = (
    f"a disclosure under {B7}: 5 U.S.C. 552a(c)(3) does not make it available to the individual"
)


def hidden_because(
    manifest: Manifest, key: bytes, active: list[Suspension]
) -> tuple[str, str | None] | None:
    """(reason, suspension id) when the individual's view leaves this entry out, else None.

    Decided from the entry alone, never from whether it included the person, so that what the
    individual is shown does not reveal that either."""
    if is_b7(manifest.request.legal_basis):
        return B7_REASON, None
    recipient = manifest.request.recipient.id
    blocking = [s for s in active if s.applies(recipient, key)]
    if blocking:
        s = blocking[0]
        return (
            f"accounting suspended at the request of {s.official}, {s.agency} "
            f"(45 CFR 164.528(a)(2)) until {s.expires_at.date().isoformat()}",
            s.id,
        )
    return None


def _periodicity(dates: list[datetime]) -> str:
    if len(dates) == 1:
        return "once"
    days = (dates[-1] - dates[0]).total_seconds() / 86400
    mean = days / (len(dates) - 1)
    return (
        f"{len(dates)} disclosures from {dates[0].date().isoformat()} to "
        f"{dates[-1].date().isoformat()}, about every {mean:.0f} days"
    )


def summarize(disclosures: list[AccountingEntry]) -> list[SummaryEntry]:
    """Group disclosures by (recipient, purpose, orders, legal basis), in order of first
    disclosure (164.528(b)(3); R-ACCT-3)."""
    groups: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], list[AccountingEntry]] = {}
    for d in sorted(disclosures, key=lambda d: (d.disclosed_at, d.entry_index)):
        orders = tuple(sorted(o["id"] for o in d.orders))
        groups.setdefault((d.recipient.id, d.purpose, orders, tuple(d.legal_basis)), []).append(d)
    return [
        SummaryEntry(
            recipient_id=recipient,
            purpose=purpose,
            orders=list(orders),
            legal_basis=list(basis),
            first=items[0],
            count=len(items),
            last_disclosed_at=items[-1].disclosed_at,
            periodicity=_periodicity([d.disclosed_at for d in items]),
            entry_indices=[d.entry_index for d in items],
        )
        for (recipient, purpose, orders, basis), items in groups.items()
    ]


def person(workspace: Path, state: str, msis_id: str) -> tuple[PersonRef, bytes]:
    code = state_code(state)
    check_id(msis_id)
    key = person_key(ledger_secret(workspace), code, msis_id)
    return PersonRef(state=code, msis_id=msis_id, person_key=key.hex()), key


def accounting_for(
    ledger: Ledger,
    workspace: Path,
    state: str,
    msis_id: str,
    *,
    view: View = "individual",
    now: datetime | None = None,
    since: datetime | None = None,
) -> Accounting:
    """The person's accounting: every disclosure in the window (default: six years before now),
    with suspended recipients left out of the individual view."""
    now = _utc(now or datetime.now(UTC))
    window = _utc(since) if since is not None else years_before(now, RETENTION_YEARS)
    ref, key = person(workspace, state, msis_id)
    opened = open_checkpoint(ledger.checkpoint(), ledger.verifier).checkpoint
    active = [s for s in suspensions(ledger) if s.active(now)]
    disclosures: list[AccountingEntry] = []
    not_included: list[int] = []
    unavailable: list[int] = []
    withheld = outside = 0
    for stored in ledger.store.entries(0, opened.size):
        manifest = parse_manifest(stored.data, file=f"entry {stored.index}")
        hidden = hidden_because(manifest, key, active)
        if hidden is not None and view == "individual":
            # Whether or not it included the person: the count must not tell.
            withheld += 1
            continue
        tree_ref = record_tree_ref(manifest, file=f"entry {stored.index}")
        tree = StoredRecordTree.open(workspace, tree_ref.root_bytes)
        if tree is None:
            unavailable.append(stored.index)
            continue
        found = tree.find(key)
        if found.index is None:
            not_included.append(stored.index)
            continue
        if manifest.created_at < window:
            outside += 1
            continue
        item = accounting_entry(stored.index, manifest, stored.data, found.index)
        if hidden is not None:
            item = item.model_copy(
                update={
                    "hidden_from_individual": True,
                    "hidden_because": hidden[0],
                    "suspension_id": hidden[1],
                }
            )
        disclosures.append(item)
    _event(
        ledger,
        "accounting.provided",
        {"person_key": key.hex(), "view": view, "size": opened.size},
        now,
    )
    return Accounting(
        person=ref,
        view=view,
        as_of=now,
        window_from=window,
        checkpoint_size=opened.size,
        origin=opened.origin,
        disclosures=disclosures,
        not_included=not_included,
        withheld=withheld,
        unavailable=unavailable,
        outside_window=outside,
        summaries=summarize(disclosures),
    )


# --- retention ----------------------------------------------------------------------------------


class PurgeResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    before: datetime
    suspensions: int
    events: int
    record_trees: int
    requests: int = 0


def purge(
    ledger: Ledger, workspace: Path, *, before: datetime | date, now: datetime | None = None
) -> PurgeResult:
    """Delete accounting data older than ``before``, which must be at least six years ago.

    Ledger entries and checkpoints are never deleted. Removed: suspensions that ended before
    ``before``, accounting requests answered before it, accounting events before it, and the
    workspace record trees of packages made before it (after which those packages can no longer
    be proven for a person).
    """
    now = _utc(now or datetime.now(UTC))
    if isinstance(before, datetime):
        cutoff = _utc(before)
    else:
        cutoff = datetime(before.year, before.month, before.day, tzinfo=UTC)
    floor = years_before(now, RETENTION_YEARS)
    if cutoff > floor:
        raise RetentionError(
            f"accounting data is kept for {RETENTION_YEARS} years (45 CFR 164.528, 164.530(j); "
            f"5 U.S.C. 552a(c)(2)); nothing after {floor.date().isoformat()} may be purged, "
            f"and {cutoff.date().isoformat()} is later"
        )
    removed_s = 0
    for s in suspensions(ledger):
        end = min(s.expires_at, s.ended_at or s.expires_at)
        if end < cutoff:
            with ledger.store.transaction() as tx:
                tx.execute("DELETE FROM accounting_suspensions WHERE id = ?", (s.id,))
            removed_s += 1
    from minshare.ledger.account_requests import purge_requests  # it imports this module

    removed_r = purge_requests(ledger, cutoff)
    old_events = ledger.store.query(
        "SELECT COUNT(*) FROM accounting_events WHERE at < ?", (now_text(cutoff),)
    )
    with ledger.store.transaction() as tx:
        tx.execute("DELETE FROM accounting_events WHERE at < ?", (now_text(cutoff),))
    trees = 0
    for stored in ledger.store.entries():
        try:
            manifest = parse_manifest(stored.data)
            ref = record_tree_ref(manifest)
        except MinshareError:
            continue
        if manifest.created_at < cutoff:
            directory = records_dir(workspace) / ref.root_bytes.hex()
            if directory.is_dir():
                shutil.rmtree(directory)
                trees += 1
    result = PurgeResult(
        before=cutoff,
        suspensions=removed_s,
        events=int(old_events[0][0]),
        record_trees=trees,
        requests=removed_r,
    )
    _event(ledger, "retention.purged", result.model_dump(mode="json"), now)
    return result


__all__ = [
    "LIMITATIONS",
    "ORAL_MAX",
    "RETENTION_YEARS",
    "Accounting",
    "AccountingEntry",
    "LedgerError",
    "PurgeResult",
    "SummaryEntry",
    "Suspension",
    "accounting_for",
    "end_suspension",
    "hidden_because",
    "link_written_statement",
    "purge",
    "state_code",
    "summarize",
    "suspend",
    "suspensions",
]
