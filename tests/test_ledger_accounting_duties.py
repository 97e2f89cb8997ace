"""The accounting's legal duties beyond listing: the legal basis of each disclosure, the
individual's view without 552a(b)(7) disclosures (552a(c)(3)), summary entries for repeated
disclosures (164.528(b)(3)), and requests tracked against 60 days plus one 30-day extension
(164.528(c))."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger_support import disclose, manifest
from minshare.errors import UsageError
from minshare.ledger.account_requests import (
    answer_request,
    extend_request,
    get_request,
    record_request,
    request_statuses,
)
from minshare.ledger.accounting import accounting_for, purge
from minshare.ledger.basis import B7, is_b7, recognise
from minshare.ledger.log import open_ledger
from minshare.ledger.proofs import bundle_bytes, prove_person, verify_bundle
from minshare.package.manifest import manifest_bytes, parse_manifest

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ICE_CITES = ["8 U.S.C. 1360(b)", "5 U.S.C. 552a(b)(7)"]


@pytest.mark.parametrize(
    ("cited", "basis"),
    [
        ("5 U.S.C. 552a(b)(7)", B7),
        ("552a (b) (7)", B7),
        ("b7", B7),
        ("5 U.S.C. 552a(b)(11)", "5 U.S.C. 552a(b)(11)"),
        ("8 USC 1360(b)", "8 U.S.C. 1360(b)"),
        ("45 CFR 164.512(f)(2)", "45 CFR 164.512(f)"),
        ("a state statute", None),
    ],
)
def test_cited_authorities_are_recognised_from_a_closed_list(cited: str, basis: str | None) -> None:
    found = recognise(cited)
    assert (found.id if found else None) == basis


def test_only_552a_b7_hides_an_entry_from_the_individual() -> None:
    assert is_b7(ICE_CITES)
    assert not is_b7(["5 U.S.C. 552a(b)(11)", "8 U.S.C. 1360(b)"])
    assert not is_b7(None)
    assert not is_b7([])


def test_a_manifest_without_a_legal_basis_keeps_its_bytes_and_one_with_it_records_it() -> None:
    old = manifest(1)
    raw = manifest_bytes(old)
    assert b"legal_basis" not in raw
    assert manifest_bytes(parse_manifest(raw)) == raw
    new = manifest(1, legal_basis=ICE_CITES)
    parsed = parse_manifest(manifest_bytes(new))
    assert parsed.request.legal_basis == tuple(ICE_CITES)
    assert json.loads(manifest_bytes(new))["request"]["legal_basis"] == ICE_CITES


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    # 0: a (b)(7) disclosure to ICE; 1: a court-ordered one to a monitor; 2: an old manifest
    # with no basis recorded.
    disclose(tmp_path, ["M1", "M2"], name="p0", request_id="R-0", legal_basis=ICE_CITES)
    disclose(
        tmp_path,
        ["M1"],
        name="p1",
        request_id="R-1",
        recipient="court-monitor",
        legal_basis=["5 U.S.C. 552a(b)(11)"],
        created_at="2026-02-02T12:00:00Z",
    )
    disclose(tmp_path, ["M1"], name="p2", request_id="R-2", created_at="2026-02-03T12:00:00Z")
    return tmp_path


def test_the_individual_view_leaves_out_b7_disclosures_and_the_auditor_sees_why(ws: Path) -> None:
    with open_ledger(ws) as ledger:
        individual = accounting_for(ledger, ws, "06", "M1", now=NOW)
        auditor = accounting_for(ledger, ws, "06", "M1", now=NOW, view="auditor")
        bundle = prove_person(ledger, ws, "06", "M1", now=NOW)
        report = verify_bundle(bundle_bytes(bundle), ledger.vkey)
    assert [d.entry_index for d in individual.disclosures] == [1, 2]
    assert individual.withheld == 1
    assert [d.legal_basis for d in individual.disclosures] == [["5 U.S.C. 552a(b)(11)"], []]
    first = auditor.disclosures[0]
    assert first.entry_index == 0
    assert first.legal_basis == ICE_CITES
    assert first.hidden_from_individual
    assert first.hidden_because is not None
    assert "552a(c)(3)" in first.hidden_because
    assert first.suspension_id is None
    assert [d.hidden_from_individual for d in auditor.disclosures[1:]] == [False, False]
    assert report.ok, report.problems
    assert report.withheld == [0]
    assert [d.entry_index for d in report.disclosures] == [1, 2]


def test_a_b7_entry_is_withheld_for_a_person_it_did_not_include_too(ws: Path) -> None:
    with open_ledger(ws) as ledger:
        never = accounting_for(ledger, ws, "06", "NOBODY", now=NOW)
    # The count is the same whether or not the person was in the (b)(7) package.
    assert never.withheld == 1
    assert never.not_included == [1, 2]


def test_repeated_disclosures_to_one_recipient_for_one_purpose_are_summarized(
    tmp_path: Path,
) -> None:
    for i, day in enumerate(["2026-01-10", "2026-02-09", "2026-03-11"]):
        disclose(tmp_path, ["M1"], name=f"m{i}", request_id=f"R-{i}", created_at=f"{day}T09:00:00Z")
    disclose(tmp_path, ["M1"], name="other", request_id="R-9", purpose="q")
    with open_ledger(tmp_path) as ledger:
        result = accounting_for(ledger, tmp_path, "06", "M1", now=NOW)
    assert len(result.disclosures) == 4  # every entry stays listed; the summary is a view
    by_purpose = {s.purpose: s for s in result.summaries}
    assert set(by_purpose) == {"p", "q"}
    monthly = by_purpose["p"]
    assert monthly.count == 3
    assert monthly.first.request_id == "R-0"
    assert monthly.first.disclosed_at == datetime(2026, 1, 10, 9, tzinfo=UTC)
    assert monthly.last_disclosed_at == datetime(2026, 3, 11, 9, tzinfo=UTC)
    assert monthly.entry_indices == [0, 1, 2]
    assert "about every 30 days" in monthly.periodicity
    assert by_purpose["q"].count == 1
    assert by_purpose["q"].periodicity == "once"


def test_a_request_is_due_in_60_days_and_may_be_extended_once_by_30_with_reasons(
    ws: Path,
) -> None:
    received = datetime(2026, 3, 1, 9, tzinfo=UTC)
    with open_ledger(ws) as ledger:
        r = record_request(
            ledger, ws, "CA", "M1", requester="letter of 2026-02-27", received_at=received, now=NOW
        )
        assert r.due_at == received + timedelta(days=60)
        assert r.status(received + timedelta(days=59)) == "open"
        assert r.status(received + timedelta(days=61)) == "overdue"
        with pytest.raises(UsageError, match="written reasons"):
            extend_request(ledger, r.id, reason="  ", now=received + timedelta(days=10))
        with pytest.raises(UsageError, match="at most 30 days"):
            extend_request(
                ledger,
                r.id,
                reason="records off site",
                until=received + timedelta(days=91),
                now=received + timedelta(days=10),
            )
        extended = extend_request(
            ledger, r.id, reason="records off site", now=received + timedelta(days=10)
        )
        assert extended.extended_to == received + timedelta(days=90)
        assert extended.status(received + timedelta(days=75)) == "extended"
        with pytest.raises(UsageError, match="once only"):
            extend_request(ledger, r.id, reason="again", now=received + timedelta(days=20))
        events = [e for (e,) in ledger.store.query("SELECT event FROM accounting_events")]
    assert events == ["request.received", "request.extended"]


def test_an_extension_after_the_60_days_is_refused(ws: Path) -> None:
    received = datetime(2026, 3, 1, tzinfo=UTC)
    with open_ledger(ws) as ledger:
        r = record_request(ledger, ws, "06", "M1", requester="x", received_at=received, now=NOW)
        with pytest.raises(UsageError, match="overdue"):
            extend_request(ledger, r.id, reason="late", now=received + timedelta(days=61))


def test_answering_a_request_gives_the_individual_view_and_records_when(ws: Path) -> None:
    received = datetime(2026, 3, 1, tzinfo=UTC)
    with open_ledger(ws) as ledger:
        r = record_request(ledger, ws, "06", "M1", requester="x", received_at=received, now=NOW)
        with pytest.raises(UsageError, match="not this person's"):
            answer_request(ledger, ws, r.id, "06", "M2", now=NOW)
        late = received + timedelta(days=70)
        result, done = answer_request(ledger, ws, r.id, "06", "M1", now=late)
        assert result.view == "individual"
        assert [d.entry_index for d in result.disclosures] == [1, 2]
        assert done.fulfilled_at == late
        assert done.status(late) == "fulfilled late"
        with pytest.raises(UsageError, match="answered"):
            answer_request(ledger, ws, r.id, "06", "M1", now=late)
        assert get_request(ledger, r.id).fulfilled_at == late


def test_the_request_list_flags_overdue_ones_and_the_second_in_a_year_may_carry_a_fee(
    ws: Path,
) -> None:
    with open_ledger(ws) as ledger:
        a = record_request(
            ledger, ws, "06", "M1", requester="a", received_at=NOW - timedelta(days=100), now=NOW
        )
        b = record_request(
            ledger, ws, "06", "M1", requester="b", received_at=NOW - timedelta(days=10), now=NOW
        )
        c = record_request(
            ledger, ws, "06", "M2", requester="c", received_at=NOW - timedelta(days=10), now=NOW
        )
        statuses = {s.request.id: s for s in request_statuses(ledger, now=NOW)}
    assert statuses[a.id].status == "overdue"
    assert statuses[a.id].days_left < 0
    assert statuses[a.id].free
    assert statuses[b.id].status == "open"
    assert statuses[b.id].days_left == 50  # received 10 days ago, due in 60
    assert not statuses[b.id].free
    assert statuses[c.id].free


def test_a_purge_removes_requests_answered_more_than_six_years_ago_only(ws: Path) -> None:
    received = datetime(2026, 3, 1, tzinfo=UTC)
    with open_ledger(ws) as ledger:
        old = record_request(ledger, ws, "06", "M1", requester="x", received_at=received, now=NOW)
        answer_request(ledger, ws, old.id, "06", "M1", now=received + timedelta(days=5))
        pending = record_request(
            ledger, ws, "06", "M2", requester="y", received_at=received, now=NOW
        )
        result = purge(ledger, ws, before=datetime(2026, 4, 1, tzinfo=UTC), now=NOW.replace(2032))
        assert result.requests == 1
        assert [s.request.id for s in request_statuses(ledger, now=NOW)] == [pending.id]
