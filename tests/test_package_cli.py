"""``minshare keys`` and ``minshare verify-package``: thin commands, exit codes that mean
something."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest

from minshare.cli.main import main
from minshare.orders.catalog import BUILTIN_DIR, Catalog
from minshare.orders.load import origin
from minshare.package import keys
from minshare.package.manifest import Manifest
from minshare.package.publish import publish_package


def dec_order() -> dict[str, str]:
    order = next(o for o in Catalog.builtin() if o.id == "ca-v-hhs-2025-12-29")
    where = origin(order)
    assert where is not None
    return {"id": order.id, "sha256": where.sha256, "file": "ca-v-hhs-2025-12-29.yaml"}


def publish(out: Path, private_key: Path, columns: list[str], order: dict[str, str]) -> None:
    values = {
        "MSIS_IDENT_NUM": ["A1", "A2"],
        "BIRTH_DT": [dt.date(1990, 1, 2), dt.date(1991, 3, 4)],
        "SSN_NUM": ["1", "2"],
    }
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
            "orders": [order],
            "inputs": [],
            "counts": {
                "input_rows": 2,
                "disclosed": 2,
                "withheld": 0,
                "review": 0,
                "quarantined": 0,
            },
            "columns": columns,
        }
    )
    table = pa.table({c: values[c] for c in columns})
    publish_package(
        out, table.to_reader(), manifest=m, signing_key=keys.load_private_key(private_key)
    )


def test_keys_generate_writes_a_usable_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate", "--out", str(tmp_path), "--name", "agency", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    private = keys.load_private_key(Path(out["private"]))
    public = keys.load_public_key(Path(out["public"]))
    assert keys.signature_valid(public, private.sign(b"x"), b"x")
    assert out["key_id"] == keys.key_id(public)


def test_keys_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    assert main(["keys", "generate", "--out", str(tmp_path)]) == 0
    assert main(["keys", "generate", "--out", str(tmp_path)]) == 2


def test_keys_show_prints_the_id_of_a_private_or_public_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = keys.generate_keypair(tmp_path)
    capsys.readouterr()
    assert main(["keys", "show", str(paths.private)]) == 0
    assert paths.key_id in capsys.readouterr().out
    assert main(["keys", "show", str(paths.public), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["key_id"] == paths.key_id
    assert shown["kind"] == "public"
    assert "PRIVATE" not in json.dumps(shown)


def test_verify_package_exits_0_on_a_good_package_and_lists_every_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    paths = keys.generate_keypair(tmp_path / "k")
    publish(tmp_path / "pkg", paths.private, ["MSIS_IDENT_NUM", "BIRTH_DT"], dec_order())
    assert main(["verify-package", str(tmp_path / "pkg"), "--key", str(paths.public)]) == 0
    text = capsys.readouterr().out
    for check in ("signature", "sha256:records.csv", "no-extra-files", "permitted-columns"):
        assert check in text
    assert "verified" in text
    assert "FAIL" not in text


def test_verify_package_fails_a_column_the_orders_do_not_permit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    paths = keys.generate_keypair(tmp_path / "k")
    publish(tmp_path / "pkg", paths.private, ["MSIS_IDENT_NUM", "SSN_NUM"], dec_order())
    assert main(["verify-package", str(tmp_path / "pkg"), "--key", str(paths.public)]) == 1
    text = capsys.readouterr().out
    assert "SSN_NUM" in text
    assert "NOT verified" in text


def test_verify_package_finds_an_order_file_given_with_orders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = keys.generate_keypair(tmp_path / "k")
    draft = tmp_path / "draft.yaml"
    body = (BUILTIN_DIR / "ca-v-hhs-2025-12-29.yaml").read_bytes() + b"# a local copy\n"
    draft.write_bytes(body)
    pinned = {**dec_order(), "sha256": hashlib.sha256(body).hexdigest(), "file": "draft.yaml"}
    publish(tmp_path / "pkg", paths.private, ["MSIS_IDENT_NUM"], pinned)
    # The built-in file has other bytes: the manifest's order is not one we know.
    assert main(["verify-package", str(tmp_path / "pkg"), "--json"]) == 1
    detail = next(
        c["detail"]
        for c in json.loads(capsys.readouterr().out)["checks"]
        if c["name"] == "permitted-columns"
    )
    assert "pass the exact file with --orders" in detail
    assert main(["verify-package", str(tmp_path / "pkg"), "--orders", str(draft)]) == 0


def test_verify_package_json_report_and_nonzero_exit_after_a_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = keys.generate_keypair(tmp_path / "k")
    pkg = tmp_path / "pkg"
    publish(pkg, paths.private, ["MSIS_IDENT_NUM", "BIRTH_DT"], dec_order())
    data = bytearray((pkg / "records.csv").read_bytes())
    data[-3] ^= 0x01
    (pkg / "records.csv").write_bytes(bytes(data))
    assert main(["verify-package", str(pkg), "--key", str(paths.public), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    failed = {c["name"] for c in report["checks"] if not c["ok"]}
    assert "sha256:records.csv" in failed


def test_verify_package_with_a_bad_key_file_is_a_usage_error(tmp_path: Path) -> None:
    paths = keys.generate_keypair(tmp_path / "k")
    publish(tmp_path / "pkg", paths.private, ["MSIS_IDENT_NUM"], dec_order())
    bad = tmp_path / "bad.pub"
    bad.write_text("nope")
    assert main(["verify-package", str(tmp_path / "pkg"), "--key", str(bad)]) == 2
