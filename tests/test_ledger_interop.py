"""Independent code agrees with ours: Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
golang-go and golang-golang-x-mod-dev) open minshare's signed checkpoints and check its inclusion
and consistency proofs, and Go's own provers produce the same proof bytes."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from ledger_support import disclose
from minshare.ledger.log import open_ledger
from minshare.ledger.merkle import MemoryTree, TreeHasher, leaf_hash
from minshare.ledger.records import StoredRecordTree

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "interop" / "verify.go"
GOPATH = Path("/usr/share/gocode")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


@pytest.fixture(scope="module")
def go_verifier() -> Path:
    """Install Go from Debian if missing (scripts/install-go.sh) and build verify.go once; the
    binary is cached in the temp directory under the source's hash."""
    script = ROOT / "scripts" / "install-go.sh"
    proc = subprocess.run(
        ["sh", str(script)], capture_output=True, text=True, timeout=900, check=False
    )
    if proc.returncode == 3:
        pytest.skip(f"Go cannot be installed here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    go = shutil.which("go") or "/usr/lib/go/bin/go"
    version = subprocess.run([go, "version"], capture_output=True, text=True, check=True).stdout
    digest = hashlib.sha256(SOURCE.read_bytes() + version.encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"minshare-interop-{digest}"
    binary = cache / "verify"
    if not binary.exists():
        cache.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "GO111MODULE": "off",
            "GOPATH": str(GOPATH),
            "GOFLAGS": "",
            "GOCACHE": str(cache / "gocache"),
            "HOME": str(cache),
        }
        build = subprocess.run(
            [go, "build", "-o", str(binary) + ".tmp", str(SOURCE)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert build.returncode == 0, build.stderr
        os.replace(str(binary) + ".tmp", binary)
    return binary


def run_go(binary: Path, request: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [str(binary)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def flip(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[0] ^= 1
    return _b64(bytes(raw))


def test_go_accepts_minshare_checkpoints_and_proofs_and_rejects_tampered_ones(
    tmp_path: Path, go_verifier: Path
) -> None:
    for i in range(11):
        disclose(tmp_path, [f"M{i}", f"X{i}", f"Y{i}"], name=f"p{i}", request_id=f"R-{i}")
    with open_ledger(tmp_path) as ledger:
        size = ledger.size()
        entries = [e.data for e in ledger.store.entries()]
        notes = [ledger.checkpoint(s).decode() for s in range(1, size + 1)]
        hasher = ledger.hasher()
        inclusion = [
            {
                "index": i,
                "size": n,
                "leaf": _b64(entries[i]),
                "path": [_b64(h) for h in hasher.inclusion_proof(i, n)],
                "root": _b64(hasher.root(n)),
            }
            for n in range(1, size + 1)
            for i in range(n)
        ]
        consistency = [
            {
                "first": m,
                "second": n,
                "first_root": _b64(hasher.root(m)),
                "second_root": _b64(hasher.root(n)),
                "path": [_b64(h) for h in hasher.consistency_proof(m, n)],
            }
            for n in range(1, size + 1)
            for m in range(1, n + 1)
        ]
        request = {
            "vkey": ledger.vkey,
            "origin": ledger.origin,
            "notes": notes,
            "entries": [_b64(e) for e in entries],
            "inclusion": inclusion,
            "consistency": consistency,
        }
        root = hasher.root()

    result = run_go(go_verifier, request)
    assert result["tree_root"] == _b64(root)
    assert result["notes"] == [
        f"ok size {n} root {_b64(hasher.root(n))}" for n in range(1, size + 1)
    ]
    assert set(result["inclusion"]) == {"ok"}
    assert set(result["consistency"]) == {"ok"}
    assert all(result["same_record_proofs"])
    assert all(result["same_tree_proofs"])

    tampered_notes = [notes[-1].replace("\n", "\n ", 1), notes[-1][:-3] + "AA\n"]
    bad_inclusion = [
        {**inclusion[-1], "root": flip(inclusion[-1]["root"])},
        {**inclusion[-1], "index": (inclusion[-1]["index"] + 1) % size},
        {**inclusion[-1], "path": [flip(inclusion[-1]["path"][0]), *inclusion[-1]["path"][1:]]},
    ]
    bad_consistency = [
        {**consistency[-2], "first_root": flip(consistency[-2]["first_root"])},
        {**consistency[-2], "path": consistency[-2]["path"][:-1]},
    ]
    rejected = run_go(
        go_verifier,
        {
            **request,
            "notes": tampered_notes,
            "inclusion": bad_inclusion,
            "consistency": bad_consistency,
        },
    )
    assert not any(r.startswith("ok") for r in rejected["notes"])
    assert "ok" not in rejected["inclusion"]
    assert "ok" not in rejected["consistency"]


def test_go_checks_record_tree_proofs_and_the_accounting_statement(
    tmp_path: Path, go_verifier: Path
) -> None:
    from minshare.ledger.proofs import prove_person

    ids = [f"P{i:03d}" for i in range(37)]
    disclose(tmp_path, ids)
    with open_ledger(tmp_path) as ledger:
        entry = ledger.store.entry(0).data
        root = base64.b64decode(json.loads(entry)["record_tree"]["root"])
        tree = StoredRecordTree.open(tmp_path, root)
        assert tree is not None
        leaves = [tree.leaf(i) for i in range(tree.size)]
        inclusion = [
            {
                "index": i,
                "size": tree.size,
                "leaf": _b64(leaf),
                "path": [_b64(h) for h in tree.inclusion_proof(i)],
                "root": _b64(root),
            }
            for i, leaf in enumerate(leaves)
        ]
        statement = prove_person(ledger, tmp_path, "06", "P005").statement
        request = {
            "vkey": ledger.vkey,
            "origin": ledger.origin,
            "notes": [statement],
            "entries": [_b64(leaf) for leaf in leaves],
            "inclusion": inclusion,
            "consistency": [],
        }
    result = run_go(go_verifier, request)
    assert result["notes"] == ["ok note"]
    assert set(result["inclusion"]) == {"ok"}
    assert all(result["same_record_proofs"])
    assert result["tree_root"] == _b64(root)
    assert TreeHasher(MemoryTree([leaf_hash(x) for x in leaves])).root() == root
