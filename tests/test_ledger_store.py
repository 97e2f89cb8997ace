"""The ledger on both stores (SQLite and PostgreSQL): appends, checkpoints, append-only tables,
`ledger verify` locating a flipped byte, and crash safety under SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ledger_support import backend_url, disclose, publish, tamper
from minshare.ledger.checkpoint import open_checkpoint
from minshare.ledger.errors import LedgerError
from minshare.ledger.log import append_manifest, open_ledger
from minshare.ledger.merkle import verify_consistency, verify_inclusion
from minshare.ledger.store import FAULT_ENV
from minshare.ledger.verify import verify_ledger

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str | None:
    """None for the workspace's SQLite file, or the URL of a fresh PostgreSQL database."""
    return backend_url(request.param)


def test_every_append_signs_a_checkpoint_and_proofs_hold(
    tmp_path: Path, backend: str | None
) -> None:
    for i in range(5):
        disclose(tmp_path, [f"M{i}", f"N{i}"], url=backend, name=f"p{i}", request_id=f"R-{i}")
    with open_ledger(tmp_path, backend) as ledger:
        assert ledger.size() == 5
        assert [c.size for c in ledger.store.checkpoints()] == [1, 2, 3, 4, 5]
        cp = open_checkpoint(ledger.checkpoint(), ledger.verifier).checkpoint
        assert (cp.size, cp.origin) == (5, ledger.origin)
        old = open_checkpoint(ledger.checkpoint(2), ledger.verifier).checkpoint
        verify_consistency(2, old.root, 5, cp.root, ledger.consistency_proof(2, 5))
        for i in range(5):
            entry = ledger.store.entry(i)
            verify_inclusion(i, 5, entry.leaf_hash, ledger.inclusion_proof(i, 5), cp.root)
        assert verify_ledger(ledger, workspace=tmp_path).ok


def test_a_package_is_recorded_once(tmp_path: Path, backend: str | None) -> None:
    publish(tmp_path, ["M1"], tmp_path / "pkg")
    body = (tmp_path / "pkg" / "manifest.json").read_bytes()
    append_manifest(tmp_path, body, url=backend)
    with pytest.raises(LedgerError, match="already in the ledger at index 0"):
        append_manifest(tmp_path, body, url=backend)


def test_a_manifest_without_a_record_tree_is_not_recorded(
    tmp_path: Path, backend: str | None
) -> None:
    from ledger_support import COLUMNS, manifest, people
    from minshare.errors import DataError
    from minshare.package.keys import default_signing_key
    from minshare.package.publish import publish_package

    publish_package(
        tmp_path / "pkg",
        people(["M1"]).to_reader(),
        manifest=manifest(1, columns=COLUMNS),
        signing_key=default_signing_key(tmp_path),
    )
    with pytest.raises(DataError, match="record tree"):
        append_manifest(tmp_path, (tmp_path / "pkg" / "manifest.json").read_bytes(), url=backend)


def test_a_manifest_with_a_record_tree_in_extra_is_not_recorded(tmp_path: Path) -> None:
    from ledger_support import COLUMNS, manifest, people
    from minshare.errors import DataError
    from minshare.ledger.records import build_record_tree
    from minshare.package.keys import default_signing_key
    from minshare.package.publish import publish_package

    tree = build_record_tree(people(["M1"]), columns=COLUMNS, workspace=tmp_path)
    publish_package(
        tmp_path / "pkg",
        people(["M1"]).to_reader(),
        manifest=manifest(
            1, record_tree=tree.ref(), extra={"record_tree": tree.ref().model_dump(mode="json")}
        ),
        signing_key=default_signing_key(tmp_path),
    )
    with pytest.raises(DataError, match=r"extra\.record_tree"):
        append_manifest(tmp_path, (tmp_path / "pkg" / "manifest.json").read_bytes())


def test_ledger_rows_are_never_updated_or_deleted(tmp_path: Path, backend: str | None) -> None:
    disclose(tmp_path, ["M1"], url=backend)
    with open_ledger(tmp_path, backend) as ledger:
        for sql in ("UPDATE ledger_entries SET data = ?", "DELETE FROM ledger_entries WHERE 1=?"):
            with (
                pytest.raises(LedgerError, match="never changed"),
                ledger.store.transaction() as tx,
            ):
                tx.execute(sql, (b"x",) if "UPDATE" in sql else (1,))
        assert ledger.size() == 1


def test_a_ledger_keeps_its_origin_and_its_key(tmp_path: Path, backend: str | None) -> None:
    with open_ledger(tmp_path, backend, origin="state.example/ledger") as ledger:
        assert ledger.origin == "state.example/ledger"
    with pytest.raises(LedgerError, match="origin"):
        open_ledger(tmp_path, backend, origin="other.example/ledger")
    other = tmp_path / "other-ws"
    if backend is not None:  # a second workspace (another key) on the same database
        with pytest.raises(LedgerError, match="not the key"):
            open_ledger(other, backend)


@pytest.mark.parametrize(
    ("select", "update", "key", "at", "row", "field"),
    [
        (
            "SELECT data FROM ledger_entries WHERE idx = ?",
            "UPDATE ledger_entries SET data = ? WHERE idx = ?",
            1,
            40,
            1,
            "data",
        ),
        (
            "SELECT leaf_hash FROM ledger_entries WHERE idx = ?",
            "UPDATE ledger_entries SET leaf_hash = ? WHERE idx = ?",
            2,
            7,
            2,
            "leaf_hash",
        ),
        (
            "SELECT note FROM ledger_checkpoints WHERE size = ?",
            "UPDATE ledger_checkpoints SET note = ? WHERE size = ?",
            2,
            -10,
            2,
            "note",
        ),
        (
            "SELECT note FROM ledger_checkpoints WHERE size = ?",
            "UPDATE ledger_checkpoints SET note = ? WHERE size = ?",
            3,
            5,
            3,
            "note",
        ),
    ],
)
def test_verify_reports_a_flipped_byte_with_its_location(
    tmp_path: Path,
    backend: str | None,
    select: str,
    update: str,
    key: int,
    at: int,
    row: int,
    field: str,
) -> None:
    for i in range(3):
        disclose(tmp_path, [f"M{i}"], url=backend, name=f"p{i}", request_id=f"R-{i}")
    tamper(tmp_path, backend, select, update, key, at)
    with open_ledger(tmp_path, backend) as ledger:
        report = verify_ledger(ledger, workspace=tmp_path)
    assert not report.ok
    located = [f.location for f in report.findings]
    assert any(loc.get("row") == row and loc.get("field") == field for loc in located), located


def test_verify_reports_a_flipped_byte_in_a_workspace_record_tree(tmp_path: Path) -> None:
    # 300 records: tree.bin keeps levels 8 and up, so it needs at least 256 leaves to hold any.
    result = disclose(tmp_path, [f"M{i}" for i in range(300)])
    with open_ledger(tmp_path) as ledger:
        assert verify_ledger(ledger, workspace=tmp_path).ok
        trees = list((tmp_path / "ledger" / "records").iterdir())
        for name in ("leaves.arrow", "order.bin", "tree.bin"):
            path = trees[0] / name
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0x10
            path.write_bytes(bytes(data))
            findings = verify_ledger(ledger, workspace=tmp_path).findings
            assert any(name in f.location.get("file", "") for f in findings), findings
            data[len(data) // 2] ^= 0x10
            path.write_bytes(bytes(data))
    assert result.index == 0


def test_verify_with_a_foreign_key_fails(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from minshare.ledger.note import Ed25519Signer

    disclose(tmp_path, ["M1"])
    with open_ledger(tmp_path) as ledger:
        foreign = Ed25519Signer(ledger.origin, Ed25519PrivateKey.generate()).verifier
        report = verify_ledger(ledger, public_key=foreign)
        assert not report.ok
        assert verify_ledger(ledger, public_key=ledger.vkey).ok


# --- crash safety -------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from minshare.ledger.log import append_manifest
    ws, url = Path(sys.argv[1]), (sys.argv[2] or None)
    for path in sys.argv[3:]:
        append_manifest(ws, Path(path).read_bytes(), url=url)
    """
)


def _child(
    ws: Path, url: str | None, manifests: list[Path], fault: str | None
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ws), url or "", *map(str, manifests)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _entire_or_absent(ws: Path, url: str | None, before: int) -> int:
    with open_ledger(ws, url) as ledger:
        report = verify_ledger(ledger, workspace=ws)
        assert report.ok, [str(f) for f in report.findings]
        size = ledger.size()
        assert size in (before, before + 1)
        assert [c.size for c in ledger.store.checkpoints()] == list(range(1, size + 1))
        return size


@pytest.mark.parametrize(
    ("point", "kept"),
    [
        ("append:begin", False),
        ("append:locked", False),
        ("append:entry-written", False),
        ("append:hashes-written", False),
        ("append:checkpoint-written", False),
        ("append:before-commit", False),
        ("append:committed", True),
    ],
)
def test_sigkill_mid_append_leaves_the_entry_entirely_or_not_at_all(
    tmp_path: Path, backend: str | None, point: str, kept: bool
) -> None:
    disclose(tmp_path, ["M0"], url=backend, name="first")
    publish(tmp_path, ["M1", "M2"], tmp_path / "second", request_id="R-2")
    proc = _child(tmp_path, backend, [tmp_path / "second" / "manifest.json"], point)
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    size = _entire_or_absent(tmp_path, backend, 1)
    assert size == (2 if kept else 1)
    # The ledger goes on: the same package can be appended after the crash (once).
    if not kept:
        append_manifest(tmp_path, (tmp_path / "second" / "manifest.json").read_bytes(), url=backend)
        assert _entire_or_absent(tmp_path, backend, 1) == 2


def test_sigkill_at_random_moments_of_a_stream_of_appends(
    tmp_path: Path, backend: str | None
) -> None:
    manifests = []
    for i in range(8):
        publish(tmp_path, [f"M{i}"], tmp_path / f"p{i}", request_id=f"R-{i}")
        manifests.append(tmp_path / f"p{i}" / "manifest.json")
    rng = random.Random(7)
    done = 0
    for _ in range(2):
        proc = _child(tmp_path, backend, manifests[done:], None)
        time.sleep(rng.uniform(0.7, 1.0))  # imports take most of it; then appends run
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        with open_ledger(tmp_path, backend) as ledger:
            report = verify_ledger(ledger, workspace=tmp_path)
            assert report.ok, [str(f) for f in report.findings]
            done = ledger.size()
            assert [c.size for c in ledger.store.checkpoints()] == list(range(1, done + 1))
            assert [e.data for e in ledger.store.entries()] == [
                m.read_bytes() for m in manifests[:done]
            ]
        if done == len(manifests):
            break
