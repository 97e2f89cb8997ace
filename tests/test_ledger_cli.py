"""The ledger commands: thin, and every one ends in a check a user can run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger_support import disclose, publish
from minshare.cli.main import main
from minshare.ledger.merkle import verify_consistency, verify_inclusion

B64 = __import__("base64").b64decode


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_append_checkpoint_prove_and_verify_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path)
    for i in range(3):
        publish(tmp_path, [f"M{i}"], tmp_path / f"p{i}", request_id=f"R-{i}")
        code, out = run(capsys, "ledger", "append", str(tmp_path / f"p{i}"), "--workspace", ws)
        assert code == 0
        assert f"entry {i} recorded" in out
    code, out = run(capsys, "ledger", "checkpoint", "--workspace", ws)
    assert code == 0
    assert out.splitlines()[1] == "3"
    assert "\n\n— " in out
    code, out = run(
        capsys, "ledger", "prove-inclusion", "--index", "1", "--size", "2", "--workspace", ws
    )
    p = json.loads(out)
    verify_inclusion(1, 2, B64(p["leaf_hash"]), [B64(h) for h in p["path"]], B64(p["root"]))
    code, out = run(
        capsys, "ledger", "prove-consistency", "--from", "1", "--to", "3", "--workspace", ws
    )
    c = json.loads(out)
    verify_consistency(
        1, B64(c["first_root"]), 3, B64(c["second_root"]), [B64(h) for h in c["path"]]
    )
    code, vkey = run(capsys, "ledger", "key", "--workspace", ws)
    code, out = run(capsys, "ledger", "verify", "--workspace", ws, "--key", vkey.strip())
    assert code == 0
    assert "verified" in out
    code, out = run(capsys, "ledger", "export-tiles", str(tmp_path / "tiles"), "--workspace", ws)
    assert code == 0
    assert (tmp_path / "tiles" / "checkpoint").exists()


def test_accounting_writes_a_bundle_that_verify_proof_accepts_and_a_changed_one_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path)
    disclose(tmp_path, ["M1", "M2"])
    code, vkey = run(capsys, "ledger", "key", "--workspace", ws)
    (tmp_path / "ledger.vkey").write_text(vkey)
    bundle = tmp_path / "proof.json"
    code, out = run(
        capsys,
        "accounting",
        "--workspace",
        ws,
        "--state",
        "CA",
        "--id",
        "M1",
        "--proof",
        str(bundle),
        "--json",
    )
    assert code == 0
    assert json.loads(out)["disclosures"][0]["recipient"]["name"] == "Agency dhs-ice"
    code, out = run(capsys, "verify-proof", str(bundle), "--key", str(tmp_path / "ledger.vkey"))
    assert code == 0
    assert "disclosed in entry 0" in out
    data = bytearray(bundle.read_bytes())
    data[200] ^= 0x01
    bundle.write_bytes(bytes(data))
    code, out = run(capsys, "verify-proof", str(bundle), "--key", vkey.strip())
    assert code == 1
    assert "NOT verified" in out


def test_suspend_then_accounting_hides_the_recipient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = str(tmp_path)
    disclose(tmp_path, ["M1"])
    code, out = run(
        capsys,
        "accounting",
        "suspend",
        "--workspace",
        ws,
        "--recipient",
        "dhs-ice",
        "--official",
        "J. Doe, SAC",
        "--agency",
        "ICE",
        "--form",
        "oral",
        "--statement",
        "call log 17",
        "--received",
        "2026-02-02T10:00:00+00:00",
    )
    assert code == 0
    assert "suspension" in out
    code, out = run(
        capsys, "accounting", "--workspace", ws, "--state", "06", "--id", "M1", "--json"
    )
    # The oral suspension ended 30 days after 2026-02-02, long before now: nothing is withheld.
    assert json.loads(out)["withheld"] == 0


def test_a_tampered_ledger_fails_verify_with_exit_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    disclose(tmp_path, ["M1"])
    con = sqlite3.connect(tmp_path / "ledger.sqlite", isolation_level=None)
    con.execute("DROP TRIGGER ledger_entries_no_update")
    con.execute(
        "UPDATE ledger_entries SET data = CAST(replace(CAST(data AS TEXT), 'M', 'N') AS BLOB)"
    )
    con.close()
    code, out = run(capsys, "ledger", "verify", "--workspace", str(tmp_path))
    assert code == 1
    assert "NOT verified" in out
    assert "row 0" in out


def test_an_accounting_request_is_recorded_extended_listed_and_answered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, timedelta

    monkeypatch.setenv("COLUMNS", "400")  # one table row per line
    ws = str(tmp_path)
    disclose(tmp_path, ["M1"], name="a", request_id="R-1", created_at="2026-01-10T09:00:00Z")
    disclose(tmp_path, ["M1"], name="b", request_id="R-2", created_at="2026-02-09T09:00:00Z")
    received = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    code, out = run(
        capsys, "accounting", "request", "--workspace", ws, "--state", "CA", "--id", "M1",
        "--requester", "letter of the 3rd", "--received", received,
    )  # fmt: skip
    assert code == 0
    request_id = out.split()[2].rstrip(":")
    code, out = run(
        capsys, "accounting", "extend", request_id, "--workspace", ws, "--reason", "archive"
    )
    assert code == 0
    assert "extended to" in out
    code, out = run(capsys, "accounting", "requests", "--workspace", ws, "--json")
    [listed] = json.loads(out)
    assert (listed["request"]["id"], listed["status"], listed["free"]) == (
        request_id,
        "extended",
        True,
    )
    code, out = run(
        capsys, "accounting", "--workspace", ws, "--state", "06", "--id", "M1",
        "--answers", request_id, "--summary",
    )  # fmt: skip
    assert code == 0
    assert "about every 30 days" in out
    assert f"request {request_id}: fulfilled" in out
    code, out = run(
        capsys, "accounting", "--workspace", ws, "--state", "06", "--id", "M1",
        "--answers", request_id,
    )  # fmt: skip
    assert code == 2  # answered already


def test_suspensions_are_listed_and_ended_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    ws = str(tmp_path)
    disclose(tmp_path, ["M1"])
    received = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    code, out = run(
        capsys, "accounting", "suspend", "--workspace", ws, "--recipient", "dhs-ice",
        "--official", "J. Doe, SAC", "--agency", "ICE", "--form", "oral",
        "--statement", "call log 17", "--received", received,
    )  # fmt: skip
    assert code == 0
    suspension_id = out.split()[1].rstrip(":")
    code, out = run(
        capsys, "accounting", "--workspace", ws, "--state", "06", "--id", "M1", "--json"
    )
    assert json.loads(out)["withheld"] == 1
    code, out = run(capsys, "accounting", "suspensions", "--workspace", ws)
    assert f"{suspension_id}  active" in out
    code, out = run(capsys, "accounting", "end-suspension", suspension_id, "--workspace", ws)
    assert code == 0
    code, out = run(
        capsys, "accounting", "--workspace", ws, "--state", "06", "--id", "M1", "--json"
    )
    assert json.loads(out)["withheld"] == 0
    assert [d["entry_index"] for d in json.loads(out)["disclosures"]] == [0]
