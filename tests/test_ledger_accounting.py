"""The accounting of disclosures: the elements the law requires, suspensions enforced, and
retention: nothing younger than six years is purged, ledger entries never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger_support import disclose
from minshare.errors import UsageError
from minshare.ledger.accounting import (
    accounting_for,
    end_suspension,
    link_written_statement,
    purge,
    suspend,
    suspensions,
)
from minshare.ledger.errors import RetentionError
from minshare.ledger.log import open_ledger
from minshare.ledger.proofs import bundle_bytes, prove_person, verify_bundle
from minshare.ledger.records import ledger_secret, person_key

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    disclose(tmp_path, ["M1", "M2"], name="p1", request_id="R-1", recipient="dhs-ice")
    disclose(tmp_path, ["M2"], name="p2", request_id="R-2", recipient="state-monitor")
    disclose(tmp_path, ["M3"], name="p3", request_id="R-3", recipient="dhs-ice")
    return tmp_path


def test_the_accounting_lists_each_disclosure_with_what_the_law_requires(ws: Path) -> None:
    with open_ledger(ws) as ledger:
        result = accounting_for(ledger, ws, "CA", "M2", now=NOW)
    assert [d.entry_index for d in result.disclosures] == [0, 1]
    assert result.not_included == [2]
    first = result.disclosures[0]
    assert first.disclosed_at == datetime(2026, 2, 1, 12, tzinfo=UTC)
    assert (first.recipient.name, first.recipient.address) == (
        "Agency dhs-ice",
        "500 12th St SW, Washington, DC 20536",
    )
    assert first.fields == [
        "SUBMTG_STATE_CD",
        "MSIS_IDENT_NUM",
        "BIRTH_DT",
        "ELGBL_LINE_1_ADR_HOME",
    ]
    assert (first.purpose, first.request_id, first.request_sha256) == ("p", "R-1", "a" * 64)
    assert first.orders == [{"id": "o", "sha256": "b" * 64, "file": "o.yaml"}]
    assert len(first.manifest_sha256) == 64


def test_state_may_be_fips_or_usps_and_bad_ones_are_refused(ws: Path) -> None:
    with open_ledger(ws) as ledger:
        a = accounting_for(ledger, ws, "06", "M1", now=NOW)
        b = accounting_for(ledger, ws, "ca", "M1", now=NOW)
        assert a.person == b.person
        with pytest.raises(UsageError):
            accounting_for(ledger, ws, "XX", "M1", now=NOW)


def test_an_oral_suspension_lasts_at_most_thirty_days(ws: Path) -> None:
    with open_ledger(ws) as ledger:
        s = suspend(
            ledger,
            recipient_id="dhs-ice",
            official="J. Doe, SAC",
            agency="ICE",
            form="oral",
            statement_ref="call log 17",
            received_at=NOW,
            now=NOW,
        )
        assert s.expires_at == NOW + timedelta(days=30)
        with pytest.raises(UsageError, match="30 days"):
            suspend(
                ledger,
                recipient_id="dhs-ice",
                official="J. Doe",
                agency="ICE",
                form="oral",
                statement_ref="x",
                received_at=NOW,
                until=NOW + timedelta(days=31),
                now=NOW,
            )
        with pytest.raises(UsageError, match="--until"):
            suspend(
                ledger,
                recipient_id="dhs-ice",
                official="J. Doe",
                agency="ICE",
                form="written",
                statement_ref="x",
                received_at=NOW,
                now=NOW,
            )


def test_a_suspension_hides_the_recipient_from_the_individual_not_the_auditor(ws: Path) -> None:
    with open_ledger(ws) as ledger:
        s = suspend(
            ledger,
            recipient_id="dhs-ice",
            official="J. Doe",
            agency="ICE",
            form="oral",
            statement_ref="call",
            received_at=NOW,
            now=NOW,
        )
        during = NOW + timedelta(days=10)
        individual = accounting_for(ledger, ws, "06", "M2", now=during)
        auditor = accounting_for(ledger, ws, "06", "M2", now=during, view="auditor")
        after = accounting_for(ledger, ws, "06", "M2", now=NOW + timedelta(days=31))
        assert [d.entry_index for d in individual.disclosures] == [1]
        # Entries 0 and 2 go to dhs-ice; M2 is only in 0, and the count must not tell which.
        assert individual.withheld == 2
        assert individual.not_included == []
        assert [d.hidden_from_individual for d in auditor.disclosures] == [True, False]
        assert auditor.disclosures[0].suspension_id == s.id
        assert [d.entry_index for d in after.disclosures] == [0, 1]
        bundle = prove_person(ledger, ws, "06", "M2", now=during)
        report = verify_bundle(bundle_bytes(bundle), ledger.vkey)
        assert report.ok
        assert report.withheld == [0, 2]
        assert [d.entry_index for d in report.disclosures] == [1]


def test_a_written_statement_extends_an_oral_suspension_and_ending_it_is_logged(ws: Path) -> None:
    with open_ledger(ws) as ledger:
        s = suspend(
            ledger,
            recipient_id="dhs-ice",
            official="J. Doe",
            agency="ICE",
            form="oral",
            statement_ref="call",
            received_at=NOW,
            now=NOW,
        )
        later = NOW + timedelta(days=90)
        s = link_written_statement(
            ledger, s.id, written_ref="letter 4", until=later, now=NOW + timedelta(days=20)
        )
        assert s.expires_at == later
        assert s.active(NOW + timedelta(days=60))
        end_suspension(ledger, s.id, now=NOW + timedelta(days=61))
        assert not suspensions(ledger)[0].active(NOW + timedelta(days=62))
        events = [e for (e,) in ledger.store.query("SELECT event FROM accounting_events")]
    assert events[:3] == ["suspension.created", "suspension.written", "suspension.ended"]


def test_a_suspension_for_one_person_leaves_others_alone(ws: Path) -> None:
    with open_ledger(ws) as ledger:
        key = person_key(ledger_secret(ws), "06", "M1")
        suspend(
            ledger,
            recipient_id="dhs-ice",
            official="J. Doe",
            agency="ICE",
            form="oral",
            statement_ref="call",
            received_at=NOW,
            key=key,
            now=NOW,
        )
        assert accounting_for(ledger, ws, "06", "M1", now=NOW).withheld == 2  # entries 0, 2
        assert accounting_for(ledger, ws, "06", "M2", now=NOW).withheld == 0


def test_a_purge_of_anything_younger_than_six_years_is_refused(ws: Path) -> None:
    with open_ledger(ws) as ledger, pytest.raises(RetentionError, match="6 years"):
        purge(ledger, ws, before=NOW - timedelta(days=365 * 6 - 2), now=NOW)


def test_a_purge_after_six_years_keeps_every_ledger_entry(ws: Path) -> None:
    with open_ledger(ws) as ledger:
        later = datetime(2032, 6, 1, tzinfo=UTC)
        result = purge(ledger, ws, before=datetime(2026, 5, 1, tzinfo=UTC), now=later)
        assert result.record_trees == 3
        assert ledger.size() == 3
        gone = accounting_for(ledger, ws, "06", "M2", now=later)
        assert gone.unavailable == [0, 1, 2]
