"""Debian packages some tests need (Chromium, poppler-utils), installed by the project's own
scripts on a clean machine; a test skips, saying why, only where they cannot be installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# What this machine's closed network needs: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def install(script: str) -> None:
    """Run ``scripts/<script>`` (idempotent); skip the test when it exits 3 (no apt here)."""
    proc = subprocess.run(
        ["sh", str(ROOT / "scripts" / script)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode == 3:
        pytest.skip(f"{script}: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
