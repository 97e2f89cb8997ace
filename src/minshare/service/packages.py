"""Published packages as the service shows them: a disclosure job's output directory, its
manifest and its verification, and a zip for the named recipient agency only. A package holds
only disclosed records (the engine never writes a withheld or review record to one)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from minshare.service.auth import Principal
from minshare.service.db import StateDB
from minshare.service.errors import Forbidden, NotFound
from minshare.service.settings import Settings


def _visible(row: dict[str, Any], who: Principal) -> bool:
    return who.role != "requester" or row["recipient"] == who.agency


def listing(db: StateDB, who: Principal) -> list[dict[str, Any]]:
    rows = db.query(
        "SELECT id AS job, package, recipient, finished_at, request FROM jobs "
        "WHERE kind = 'disclose' AND status = 'done' AND package IS NOT NULL "
        "ORDER BY finished_at DESC"
    )
    return [r for r in rows if _visible(r, who)]


def _row(db: StateDB, who: Principal, package: str) -> dict[str, Any]:
    row = db.one(
        "SELECT id AS job, package, recipient, finished_at, request FROM jobs "
        "WHERE package = ? AND kind = 'disclose' AND status = 'done'",
        (package,),
    )
    # Another agency's package is indistinguishable from one that does not exist.
    if row is None or not _visible(row, who):
        raise NotFound(f"no package {package}")
    return row


def directory(settings: Settings, package: str) -> Path:
    return settings.package_dir / package


def show(db: StateDB, settings: Settings, who: Principal, package: str) -> dict[str, Any]:
    """The manifest and every verification check (signature against the workspace's key)."""
    from minshare.package.verify import verify_package

    row = _row(db, who, package)
    path = directory(settings, package)
    pub = settings.workspace / "keys" / "minshare.pub"
    report = verify_package(path, public_key=pub if pub.exists() else None)
    manifest = json.loads((path / "manifest.json").read_text())
    return {
        **row,
        "manifest": manifest,
        "verified": report.ok,
        "origin_proven": report.origin_proven,
        "checks": [c.model_dump() for c in report.checks],
        "files": sorted(p.name for p in path.iterdir() if p.is_file()),
    }


def download(db: StateDB, settings: Settings, who: Principal, package: str) -> bytes:
    """The package as a zip, for a requester of the recipient agency named in it."""
    row = _row(db, who, package)
    if who.role != "requester" or row["recipient"] != who.agency:
        raise Forbidden("only the recipient agency named in the package may download it")
    buf = io.BytesIO()
    path = directory(settings, package)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(path.iterdir()):
            if file.is_file():
                zf.write(file, f"{package}/{file.name}")
    return buf.getvalue()


__all__ = ["directory", "download", "listing", "show"]
