"""docs/package.md runs: its schema is the code's, its verification recipes work on a package."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from minshare.package import keys
from minshare.package.manifest import Manifest, manifest_schema
from minshare.package.publish import publish_package

DOC = Path(__file__).resolve().parents[1] / "docs" / "package.md"


def block(lang: str, after: str) -> str:
    text = DOC.read_text()
    start = text.index(after)
    match = re.compile(rf"```{lang}\n(.*?)```", re.S).search(text, start)
    assert match is not None
    return match.group(1)


@pytest.fixture
def package(tmp_path: Path) -> tuple[Path, Path]:
    paths = keys.generate_keypair(tmp_path / "k", "signer")
    m = Manifest.model_validate(
        {
            "engine": {"name": "test", "version": "0"},
            "request": {
                "request_id": "R-1",
                "recipient": {"id": "dhs-ice", "name": "ICE", "address": "DC"},
                "purpose": "p",
                "activity": "a",
                "requested_by": {"name": "A", "title": "T", "agency": "ICE", "address": "DC"},
                "signed_on": "2026-01-20",
                "as_of": "2026-02-01",
                "sha256": "a" * 64,
            },
            "orders": [],
            "inputs": [],
            "counts": {
                "input_rows": 1,
                "disclosed": 1,
                "withheld": 0,
                "review": 0,
                "quarantined": 0,
            },
            "columns": ["MSIS_IDENT_NUM", "BIRTH_DT"],
        }
    )
    table = pa.table({"MSIS_IDENT_NUM": ["=A1"], "BIRTH_DT": [dt.date(1990, 1, 2)]})
    pkg = tmp_path / "pkg"
    publish_package(
        pkg, table.to_reader(), manifest=m, signing_key=keys.load_private_key(paths.private)
    )
    return pkg, paths.public


def test_the_documented_schema_is_the_manifest_schema() -> None:
    assert json.loads(block("json", "## Appendix")) == manifest_schema()


def test_the_python_recipe_verifies_a_package_and_rejects_a_changed_one(
    package: tuple[Path, Path], tmp_path: Path
) -> None:
    pkg, pub = package
    script = tmp_path / "verify.py"
    script.write_text(block("python", "ten lines of Python"))
    ok = subprocess.run([sys.executable, script, pkg, pub], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "package intact" in ok.stdout
    csv_path = pkg / "records.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace(b"1990", b"1991"))
    bad = subprocess.run([sys.executable, script, pkg, pub], capture_output=True, text=True)
    assert bad.returncode != 0


@pytest.mark.skipif(
    not (shutil.which("openssl") and shutil.which("sha256sum") and shutil.which("base64")),
    reason="needs openssl, sha256sum and base64",
)
def test_the_shell_recipe_verifies_a_package(package: tuple[Path, Path], tmp_path: Path) -> None:
    pkg, pub = package
    shutil.copy(pub, pkg.parent / "signer.pub")
    script = "set -e\n" + block("sh", "With standard tools only").replace(
        "signer.pub", str(pkg.parent / "signer.pub")
    ).replace("/tmp/manifest.sig.bin", str(tmp_path / "sig.bin"))
    ok = subprocess.run(["sh", "-c", script], cwd=pkg, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "Signature Verified Successfully" in ok.stdout
    assert "records.csv: OK" in ok.stdout
    (pkg / "manifest.json").write_bytes((pkg / "manifest.json").read_bytes() + b" ")
    bad = subprocess.run(["sh", "-c", script], cwd=pkg, capture_output=True, text=True)
    assert bad.returncode != 0


def test_the_documented_key_id_command_matches(package: tuple[Path, Path]) -> None:
    if not shutil.which("openssl"):
        pytest.skip("needs openssl")
    _, pub = package
    command = block("sh", "as 16 lower-case").strip().replace("signer.pub", str(pub))
    out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == keys.key_id(keys.load_public_key(pub))
