"""Small helpers for the ledger tests: a hand-built package (records, record tree, manifest,
publish, append), a throwaway PostgreSQL server shared by the whole test session, the
``backend`` fixture that runs a test on both stores, and ways to change stored rows past the
append-only triggers."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minshare.ledger.log import Appended, append_manifest
from minshare.ledger.records import RecordTree, build_record_tree
from minshare.package.keys import default_signing_key
from minshare.package.manifest import Manifest, RecordTreeRef
from minshare.package.publish import PublishedPackage, publish_package

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["SUBMTG_STATE_CD", "MSIS_IDENT_NUM", "BIRTH_DT", "ELGBL_LINE_1_ADR_HOME"]


def people(ids: list[str], state: str = "06") -> pa.Table:
    """Synthetic disclosed records, one per Medicaid ID."""
    return pa.table(
        {
            "SUBMTG_STATE_CD": [state] * len(ids),
            "MSIS_IDENT_NUM": ids,
            "BIRTH_DT": pa.array([dt.date(1990, 1, 2)] * len(ids), pa.date32()),
            "ELGBL_LINE_1_ADR_HOME": [f"{i} Synthetic St" for i in range(len(ids))],
        }
    )


def manifest(
    disclosed: int,
    *,
    extra: dict[str, Any] | None = None,
    record_tree: RecordTreeRef | None = None,
    request_id: str = "R-1",
    recipient: str = "dhs-ice",
    created_at: str = "2026-02-01T12:00:00Z",
    columns: list[str] = COLUMNS,
    legal_basis: list[str] | None = None,
    purpose: str = "p",
) -> Manifest:
    basis = {} if legal_basis is None else {"legal_basis": legal_basis}
    return Manifest.model_validate(
        {
            "engine": {"name": "test", "version": "0"},
            "created_at": created_at,
            "request": {
                "request_id": request_id,
                "recipient": {
                    "id": recipient,
                    "name": f"Agency {recipient}",
                    "address": "500 12th St SW, Washington, DC 20536",
                },
                "purpose": purpose,
                "activity": "a",
                "requested_by": {"name": "A", "title": "T", "agency": "X", "address": "DC"},
                "signed_on": "2026-01-20",
                "as_of": "2026-02-01",
                "sha256": "a" * 64,
                **basis,
            },
            "orders": [{"id": "o", "sha256": "b" * 64, "file": "o.yaml"}],
            "inputs": [{"role": "enrollment", "name": "e.csv", "sha256": "c" * 64, "rows": 99}],
            "counts": {
                "input_rows": disclosed + 1,
                "disclosed": disclosed,
                "withheld": 1,
                "review": 0,
                "quarantined": 0,
            },
            "columns": columns,
            "record_tree": record_tree,
            "extra": extra or {},
        }
    )


def publish(
    ws: Path, ids: list[str], out: Path, *, key: Ed25519PrivateKey | None = None, **kw: Any
) -> tuple[PublishedPackage, RecordTree]:
    """What the engine does: record tree, manifest, publish (no ledger step)."""
    records = people(ids)
    tree = build_record_tree(records, columns=COLUMNS, workspace=ws)
    m = manifest(len(ids), record_tree=tree.ref(), **kw)
    pub = publish_package(
        out,
        records.select(COLUMNS).to_reader(),
        manifest=m,
        signing_key=key or default_signing_key(ws),
    )
    return pub, tree


def disclose(
    ws: Path, ids: list[str], *, url: str | None = None, name: str = "pkg", **kw: Any
) -> Appended:
    out = ws / "packages" / name
    publish(ws, ids, out, **kw)
    return append_manifest(ws, (out / "manifest.json").read_bytes(), url=url)


# --- PostgreSQL -----------------------------------------------------------------------------------


@cache
def postgres_server() -> str | None:
    """Start one throwaway PostgreSQL for the session (``scripts/postgres.sh``); its base URL,
    or None with the reason in ``POSTGRES_SKIP``. Stopped when the test process exits."""
    script = ROOT / "scripts" / "postgres.sh"
    proc = subprocess.run(
        ["sh", str(script), "start"], capture_output=True, text=True, timeout=300, check=False
    )
    if proc.returncode == 3:
        os.environ["POSTGRES_SKIP"] = proc.stderr.strip()
        return None
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/postgres.sh failed:\n{proc.stdout}\n{proc.stderr}")
    values = dict(line.split("=", 1) for line in proc.stdout.strip().splitlines() if "=" in line)
    directory = values["PGDIR"]
    atexit.register(
        lambda: subprocess.run(
            ["sh", str(script), "stop", directory], capture_output=True, check=False
        )
    )
    return values["URL"]


_counter = [0]


def new_database(base: str) -> str:
    """A fresh, empty database on the server: one per test."""
    import psycopg

    _counter[0] += 1
    name = f"t{os.getpid()}_{_counter[0]}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def backend_url(kind: str) -> str | None:
    """For a ``backend`` fixture parametrized over ``sqlite`` and ``postgresql``: None for the
    workspace's SQLite file, or the URL of a fresh PostgreSQL database (skips without one)."""
    if kind == "sqlite":
        return None
    base = postgres_server()
    if base is None:
        pytest.skip(f"PostgreSQL unavailable: {os.environ.get('POSTGRES_SKIP')}")
    return new_database(base)


def tamper(ws: Path, url: str | None, sql_select: str, sql_update: str, key: Any, at: int) -> None:
    """Flip one bit of one stored value, past the append-only triggers."""
    if url is None:
        con = sqlite3.connect(ws / "ledger.sqlite", isolation_level=None)
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            con.execute(f"DROP TRIGGER {name}")
        value = bytearray(con.execute(sql_select, (key,)).fetchone()[0])
        value[at] ^= 0x01
        con.execute(sql_update, (bytes(value), key))
        con.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("SET session_replication_role = replica")  # triggers off for this session
        value = bytearray(con.execute(sql_select.replace("?", "%s"), (key,)).fetchone()[0])
        value[at] ^= 0x01
        con.execute(sql_update.replace("?", "%s"), (bytes(value), key))


def raw_sql(ws: Path, url: str | None, *statements: str) -> None:
    """Run statements on the ledger's database past the append-only triggers (what an old
    version, or an attacker with database access, could do)."""
    if url is None:
        con = sqlite3.connect(ws / "ledger.sqlite", isolation_level=None)
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            con.execute(f"DROP TRIGGER {name}")
        for sql in statements:
            con.execute(sql)
        con.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("SET session_replication_role = replica")
        for sql in statements:
            con.execute(sql)


def copy_workspace(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
