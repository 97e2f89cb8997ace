"""Proof bundles: a disclosed person's bundle verifies offline, one changed byte is rejected,
and a person never disclosed gets a non-inclusion proof for every package."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger_support import disclose
from minshare.ledger.log import open_ledger
from minshare.ledger.proofs import ProofBundle, bundle_bytes, prove_person, verify_bundle
from minshare.ledger.records import ledger_secret, person_key


@pytest.fixture(scope="module")
def ledger_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three packages: A2 is in the first two; an empty package; keys on both sides of M."""
    ws = tmp_path_factory.mktemp("ws")
    disclose(ws, ["A1", "A2", "A3", "A4"], name="p1", request_id="R-1")
    disclose(ws, ["A2", "B7"], name="p2", request_id="R-2", recipient="state-monitor")
    disclose(ws, [], name="p3", request_id="R-3")
    return ws


@pytest.fixture(scope="module")
def disclosed_bundle(ledger_ws: Path) -> tuple[bytes, str]:
    with open_ledger(ledger_ws) as ledger:
        return bundle_bytes(prove_person(ledger, ledger_ws, "06", "A2")), ledger.vkey


def test_a_disclosed_persons_bundle_verifies_with_the_public_key_alone(
    disclosed_bundle: tuple[bytes, str],
) -> None:
    data, vkey = disclosed_bundle
    report = verify_bundle(data, vkey)
    assert report.ok, report.problems
    assert [d.entry_index for d in report.disclosures] == [0, 1]
    assert report.not_included == [2]
    assert report.complete
    first = report.disclosures[0]
    assert first.values["MSIS_IDENT_NUM"] == "A2"
    assert first.recipient_address.startswith("500 12th St SW")
    assert first.request_id == "R-1"
    assert first.fields[0] == "SUBMTG_STATE_CD"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_changed_byte_of_a_bundle_is_rejected(
    disclosed_bundle: tuple[bytes, str], data: st.DataObject
) -> None:
    raw, vkey = disclosed_bundle
    at = data.draw(st.integers(0, len(raw) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[at]))
    changed = raw[:at] + bytes([new]) + raw[at + 1 :]
    assert not verify_bundle(changed, vkey).ok


def test_a_person_never_disclosed_is_proven_absent_from_every_package(ledger_ws: Path) -> None:
    secret = ledger_secret(ledger_ws)
    keys = sorted(person_key(secret, "06", i) for i in ["A1", "A2", "A3", "A4"])
    probes = {"middle": None, "below": None, "above": None}
    for n in range(2000):  # find ids whose keys fall before, between and after package 1's
        key = person_key(secret, "06", f"Z{n}")
        slot = "below" if key < keys[0] else "above" if key > keys[-1] else "middle"
        probes[slot] = probes[slot] or f"Z{n}"
        if all(probes.values()):
            break
    with open_ledger(ledger_ws) as ledger:
        for msis in probes.values():
            assert msis is not None
            bundle = prove_person(ledger, ledger_ws, "06", msis)
            report = verify_bundle(bundle_bytes(bundle), ledger.vkey)
            assert report.ok, report.problems
            assert report.not_included == [0, 1, 2]
            assert report.disclosures == []
            first = bundle.packages[0]
            if msis == probes["below"]:
                assert first.left is None
                assert first.right
                assert first.right.leaf_index == 0
            if msis == probes["above"]:
                assert first.right is None
                assert first.left
                assert first.left.leaf_index == 3


def test_a_bundle_is_rejected_with_another_ledgers_key(
    disclosed_bundle: tuple[bytes, str], tmp_path: Path
) -> None:
    data, _ = disclosed_bundle
    with open_ledger(tmp_path, origin=None) as other:
        assert not verify_bundle(data, other.vkey).ok


def test_dropping_a_package_from_the_bundle_breaks_completeness(
    disclosed_bundle: tuple[bytes, str],
) -> None:
    data, vkey = disclosed_bundle
    bundle = ProofBundle.model_validate_json(data)
    shorter = bundle.model_copy(update={"packages": bundle.packages[1:]})
    report = verify_bundle(bundle_bytes(shorter), vkey)
    assert not report.ok
    assert any("exactly the entries" in p for p in report.problems)


def test_swapping_in_another_persons_record_is_rejected(ledger_ws: Path) -> None:
    with open_ledger(ledger_ws) as ledger:
        a2 = prove_person(ledger, ledger_ws, "06", "A2")
        a1 = prove_person(ledger, ledger_ws, "06", "A1")
        forged = a2.model_copy(update={"packages": [a1.packages[0], *a2.packages[1:]]})
        report = verify_bundle(bundle_bytes(forged), ledger.vkey)
    assert not report.ok
    assert any("person key" in p for p in report.problems)


def test_a_package_whose_record_tree_is_gone_is_reported_not_proven(tmp_path: Path) -> None:
    import shutil

    disclose(tmp_path, ["A1"])
    shutil.rmtree(tmp_path / "ledger" / "records")
    with open_ledger(tmp_path) as ledger:
        report = verify_bundle(
            bundle_bytes(prove_person(ledger, tmp_path, "06", "A1")), ledger.vkey
        )
    assert not report.ok
    assert report.unavailable == [0]
