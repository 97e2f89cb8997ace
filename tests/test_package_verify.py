"""Verification: a fresh package passes; any changed byte, extra file, wrong key or unpermitted
column fails; every check is reported."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minshare.errors import OrderError
from minshare.orders.catalog import Catalog
from minshare.orders.load import origin
from minshare.package import keys
from minshare.package.manifest import Manifest, OrderRef, manifest_bytes, parse_manifest
from minshare.package.orders import order_permissions
from minshare.package.publish import publish_package
from minshare.package.verify import VerifyReport, verify_package

COLUMNS = ["MSIS_IDENT_NUM", "BIRTH_DT", "ELGBL_LINE_1_ADR_HOME"]
FILES = ["manifest.json", "manifest.sig", "records.parquet", "records.csv"]
DEC = "ca-v-hhs-2025-12-29"


def dec_order_ref() -> dict[str, str]:
    order = next(o for o in Catalog.builtin() if o.id == DEC)
    where = origin(order)
    assert where is not None
    return {"id": DEC, "sha256": where.sha256, "file": f"{DEC}.yaml"}


def manifest(columns: list[str] = COLUMNS, **changes: Any) -> Manifest:
    return Manifest.model_validate(
        {
            "engine": {"name": "test", "version": "0"},
            "created_at": "2026-02-01T12:00:00Z",
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
            "orders": [dec_order_ref()],
            "inputs": [{"role": "enrollment", "name": "e.csv", "sha256": "c" * 64, "rows": 5}],
            "counts": {
                "input_rows": 5,
                "disclosed": 3,
                "withheld": 1,
                "review": 1,
                "quarantined": 0,
            },
            "columns": columns,
            **changes,
        }
    )


def records(columns: list[str] = COLUMNS) -> pa.Table:
    values: dict[str, list[Any]] = {
        "MSIS_IDENT_NUM": ["A1", "=A2", "A3"],
        "BIRTH_DT": [dt.date(1990, 1, 2), None, dt.date(2001, 12, 31)],
        "ELGBL_LINE_1_ADR_HOME": ["1 Main St", '2 "Oak", Apt 3', None],
        "SSN_NUM": ["123-45-6789", "987-65-4321", "000-00-0000"],
    }
    return pa.table({c: values[c] for c in columns})


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def pub(tmp_path_factory: pytest.TempPathFactory, key: Ed25519PrivateKey) -> Path:
    path = tmp_path_factory.mktemp("keys") / "signer.pub"
    path.write_text(keys.public_key_b64(key.public_key()) + "\n")
    return path


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory, key: Ed25519PrivateKey) -> Path:
    """One published package; tests copy it before changing anything."""
    out = tmp_path_factory.mktemp("published") / "pkg"
    publish_package(out, records().to_reader(), manifest=manifest(), signing_key=key)
    return out


@pytest.fixture
def pkg(fresh: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(fresh, tmp_path / "pkg"))


def failed(report: VerifyReport) -> set[str]:
    return {c.name for c in report.failed()}


def resign(pkg: Path, key: Ed25519PrivateKey, **changes: Any) -> None:
    """Rewrite the manifest with ``changes`` and sign it properly: a forger with a key."""
    data = json.loads((pkg / "manifest.json").read_bytes())
    data.update(changes)
    data["signing_key"] = {
        "algorithm": "ed25519",
        "key_id": keys.key_id(key.public_key()),
        "public_key": keys.public_key_b64(key.public_key()),
    }
    body = manifest_bytes(Manifest.model_validate(data))
    (pkg / "manifest.json").write_bytes(body)
    (pkg / "manifest.sig").write_bytes(base64.b64encode(key.sign(body)) + b"\n")


def test_a_fresh_package_passes_every_check_with_the_signers_key(pkg: Path, pub: Path) -> None:
    report = verify_package(pkg, public_key=pub, permitted_columns=order_permissions())
    assert report.ok, report.failed()
    assert report.origin_proven
    names = [c.name for c in report.checks]
    for expected in (
        "manifest",
        "manifest-canonical",
        "signature",
        "signing-key",
        "sha256:records.parquet",
        "sha256:records.csv",
        "no-extra-files",
        "parquet-columns",
        "parquet-rows",
        "csv-header",
        "csv-rows",
        "csv-neutralized",
        "counts",
        "permitted-columns",
    ):
        assert expected in names
    assert report.manifest is not None
    assert report.manifest.record_count == 3


def test_without_a_key_the_report_says_only_integrity_is_proven(pkg: Path) -> None:
    report = verify_package(pkg)
    assert report.ok
    assert not report.origin_proven
    assert any("not who made it" in n for n in report.notes)
    assert any("not checked against the orders" in n for n in report.notes)


def test_another_public_key_fails(pkg: Path, tmp_path: Path) -> None:
    other = keys.generate_keypair(tmp_path / "k", "other").public
    report = verify_package(pkg, public_key=other)
    assert not report.ok
    assert {"signature", "signing-key"} <= failed(report)


def test_a_manifest_re_signed_by_another_key_passes_alone_but_not_with_the_true_key(
    pkg: Path, pub: Path
) -> None:
    forger = Ed25519PrivateKey.generate()
    resign(pkg, forger, extra={"note": "forged"})
    assert verify_package(pkg).ok  # the embedded key only proves integrity
    assert "signature" in failed(verify_package(pkg, public_key=pub))


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("where", [0, 1, 0.5, -2, -1])
def test_changing_any_byte_of_any_file_fails(pkg: Path, pub: Path, name: str, where: float) -> None:
    path = pkg / name
    data = bytearray(path.read_bytes())
    offset = int(len(data) * where) if isinstance(where, float) else where % len(data)
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    assert not verify_package(pkg, public_key=pub).ok
    assert not verify_package(pkg).ok


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_flipping_a_random_bit_anywhere_fails(fresh: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(FILES))
    path = fresh / name
    original = path.read_bytes()
    offset = data.draw(st.integers(0, len(original) - 1))
    bit = data.draw(st.integers(0, 7))
    changed = bytearray(original)
    changed[offset] ^= 1 << bit
    path.write_bytes(bytes(changed))
    try:
        assert not verify_package(fresh).ok
    finally:
        path.write_bytes(original)
    assert verify_package(fresh).ok


@pytest.mark.parametrize("extra", ["notes.txt", ".hidden", "sub/records.csv"])
def test_a_file_not_named_in_the_manifest_fails(pkg: Path, extra: str) -> None:
    (pkg / extra).parent.mkdir(exist_ok=True)
    (pkg / extra).write_text("x")
    report = verify_package(pkg)
    assert failed(report) == {"no-extra-files"}


def test_a_missing_file_fails_and_every_other_check_still_runs(pkg: Path) -> None:
    complete = [c.name for c in verify_package(pkg).checks]
    (pkg / "manifest.json").unlink()
    report = verify_package(pkg)
    assert [c.name for c in report.checks] == complete
    assert {"manifest", "signature", "parquet-rows", "csv-rows"} <= failed(report)
    (pkg / "records.csv").unlink()
    assert "sha256:records.csv" in failed(verify_package(pkg))


def test_a_column_the_orders_do_not_permit_fails(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    columns = [*COLUMNS, "SSN_NUM"]
    out = tmp_path / "pkg"
    publish_package(out, records(columns).to_reader(), manifest=manifest(columns), signing_key=key)
    report = verify_package(out, permitted_columns=order_permissions())
    assert failed(report) == {"permitted-columns"}
    detail = next(c.detail for c in report.checks if c.name == "permitted-columns")
    assert "SSN_NUM" in detail
    assert "MSIS_IDENT_NUM" not in detail


def test_a_lookup_function_decides_what_is_permitted(pkg: Path) -> None:
    seen: list[list[OrderRef]] = []

    def lookup(refs: list[OrderRef]) -> set[str]:
        seen.append(refs)
        return {"MSIS_IDENT_NUM", "BIRTH_DT"}

    assert failed(verify_package(pkg, permitted_columns=lookup)) == {"permitted-columns"}
    assert [r.id for r in seen[0]] == [DEC]


def test_orders_pinned_to_another_file_version_fail(pkg: Path, key: Ed25519PrivateKey) -> None:
    resign(pkg, key, orders=[{**dec_order_ref(), "sha256": "f" * 64}])
    report = verify_package(pkg, permitted_columns=order_permissions())
    assert failed(report) == {"permitted-columns"}


def test_no_order_permits_nothing() -> None:
    with pytest.raises(OrderError, match="names no order"):
        order_permissions()([])
    with pytest.raises(OrderError, match="not known"):
        order_permissions()([OrderRef(id="nope", sha256="0" * 64, file="nope.yaml")])


def test_a_signed_manifest_that_lies_about_the_records_fails(
    pkg: Path, key: Ed25519PrivateKey
) -> None:
    resign(
        pkg,
        key,
        record_count=4,
        counts={"input_rows": 5, "disclosed": 4, "withheld": 1, "review": 0, "quarantined": 0},
    )
    assert failed(verify_package(pkg)) == {"parquet-rows", "csv-rows"}


def test_a_signed_but_not_canonical_manifest_fails(pkg: Path, key: Ed25519PrivateKey) -> None:
    m = parse_manifest((pkg / "manifest.json").read_bytes())
    body = json.dumps(m.model_dump(mode="json")).encode()  # one line, keys unsorted
    (pkg / "manifest.json").write_bytes(body)
    (pkg / "manifest.sig").write_bytes(base64.b64encode(key.sign(body)) + b"\n")
    assert failed(verify_package(pkg)) == {"manifest-canonical"}


def test_a_csv_whose_cells_start_formulas_fails_even_when_signed(
    pkg: Path, key: Ed25519PrivateKey
) -> None:
    csv_path = pkg / "records.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace(b'"\'=A2"', b'"=A2"'))
    import hashlib

    files = json.loads((pkg / "manifest.json").read_bytes())["files"]
    files["records.csv"] = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    resign(pkg, key, files=files)
    assert failed(verify_package(pkg)) == {"csv-neutralized"}


def test_a_path_that_is_not_a_directory_fails(tmp_path: Path) -> None:
    report = verify_package(tmp_path / "nothing")
    assert not report.ok
    assert failed(report) == {"package"}


def test_a_signature_with_the_spare_base64_bits_changed_fails(pkg: Path) -> None:
    text = (pkg / "manifest.sig").read_bytes()
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    # 64 bytes are 86 base64 digits and "=="; the last digit carries 2 bits and 4 spare ones.
    last = alphabet.index(text[85])
    twin = alphabet[last ^ 0b0001 : (last ^ 0b0001) + 1]
    changed = text[:85] + twin + text[86:]
    assert base64.b64decode(changed) == base64.b64decode(text)  # same signature bytes
    (pkg / "manifest.sig").write_bytes(changed)
    assert failed(verify_package(pkg)) == {"signature"}
