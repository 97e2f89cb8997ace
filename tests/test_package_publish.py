"""Publishing: exactly the manifest's columns, neutralized CSV, deterministic bytes, all or
nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minshare.errors import DataError, UsageError
from minshare.package import keys
from minshare.package.manifest import Manifest, manifest_bytes, parse_manifest
from minshare.package.publish import publish_package, sha256_file

COLUMNS = ["MSIS_IDENT_NUM", "BIRTH_DT", "ELGBL_LINE_1_ADR_HOME"]
FORMULAS = ['=HYPERLINK("http://evil","x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def manifest(disclosed: int, columns: list[str] = COLUMNS, **changes: Any) -> Manifest:
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
            "orders": [{"id": "o", "sha256": "b" * 64, "file": "o.yaml"}],
            "inputs": [{"role": "enrollment", "name": "e.csv", "sha256": "c" * 64, "rows": 9}],
            "counts": {
                "input_rows": disclosed + 2,
                "disclosed": disclosed,
                "withheld": 2,
                "review": 0,
                "quarantined": 0,
            },
            "columns": columns,
            **changes,
        }
    )


def records(ids: list[str], addresses: list[str | None] | None = None) -> pa.Table:
    return pa.table(
        {
            "MSIS_IDENT_NUM": ids,
            "BIRTH_DT": [dt.date(1990, 1, 2)] * len(ids),
            "ELGBL_LINE_1_ADR_HOME": addresses if addresses is not None else ["1 Main"] * len(ids),
        }
    )


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir())


def test_publish_writes_the_four_files_and_a_signed_manifest(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    out = tmp_path / "pkg"
    published = publish_package(
        out, records(["A1", "A2"]).to_reader(), manifest=manifest(2), signing_key=key
    )
    assert leftovers(out) == ["manifest.json", "manifest.sig", "records.csv", "records.parquet"]
    assert leftovers(tmp_path) == ["pkg"]
    m = parse_manifest((out / "manifest.json").read_bytes())
    assert (out / "manifest.json").read_bytes() == manifest_bytes(m)
    assert m == published.manifest
    assert m.record_count == 2
    assert m.files == {n: sha256_file(out / n) for n in ("records.parquet", "records.csv")}
    assert m.signing_key is not None
    assert m.signing_key.key_id == keys.key_id(key.public_key()) == published.key_id
    assert pq.read_table(out / "records.parquet").column_names == COLUMNS


def test_formula_cells_are_neutralized_in_csv_and_untouched_in_parquet(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    out = tmp_path / "pkg"
    ids = [f"P{i}" for i in range(len(FORMULAS))]
    publish_package(
        out, records(ids, list(FORMULAS)).to_reader(), manifest=manifest(6), signing_key=key
    )
    text = (out / "records.csv").read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == COLUMNS
    assert [r[2] for r in rows[1:]] == ["'" + f for f in FORMULAS]
    assert pq.read_table(out / "records.parquet").column("ELGBL_LINE_1_ADR_HOME").to_pylist() == (
        FORMULAS
    )


def test_csv_quotes_delimiters_and_writes_dates_iso(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    out = tmp_path / "pkg"
    tricky = ['1 "Main", Apt 2', "line\nbreak", None]
    publish_package(
        out, records(["A", "B", "C"], tricky).to_reader(), manifest=manifest(3), signing_key=key
    )
    text = (out / "records.csv").read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [r[2] for r in rows[1:]] == ['1 "Main", Apt 2', "line\nbreak", ""]
    assert [r[1] for r in rows[1:]] == ["1990-01-02"] * 3


def test_bytes_depend_on_the_records_not_on_batching_or_string_type(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    table = records([f"ID{i:04d}" for i in range(500)])
    one = publish_package(
        tmp_path / "a", table.to_reader(), manifest=manifest(500), signing_key=key
    )
    small = pa.Table.from_batches(table.to_batches(max_chunksize=7))
    large = small.cast(
        pa.schema(
            [
                pa.field(f.name, pa.large_string() if f.type == pa.string() else f.type)
                for f in small.schema
            ]
        )
    ).replace_schema_metadata({b"engine": b"something"})
    two = publish_package(
        tmp_path / "b", large.to_reader(), manifest=manifest(500), signing_key=key
    )
    for name in ("records.parquet", "records.csv", "manifest.json", "manifest.sig"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert one.manifest_sha256 == two.manifest_sha256


def test_an_empty_disclosure_is_a_valid_package(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    out = tmp_path / "pkg"
    publish_package(out, records([]).to_reader(), manifest=manifest(0), signing_key=key)
    assert (out / "records.csv").read_text().splitlines() == [",".join(f'"{c}"' for c in COLUMNS)]
    assert pq.read_metadata(out / "records.parquet").num_rows == 0


def test_existing_out_is_refused_and_left_unchanged(tmp_path: Path, key: Ed25519PrivateKey) -> None:
    out = tmp_path / "pkg"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(UsageError, match="never overwritten"):
        publish_package(out, records(["A"]).to_reader(), manifest=manifest(1), signing_key=key)
    assert leftovers(out) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "mine"
    assert leftovers(tmp_path) == ["pkg"]


@pytest.mark.parametrize(
    "records_columns",
    [
        [*COLUMNS, "SSN_NUM"],  # one more: never written
        COLUMNS[:2],  # one fewer
        [COLUMNS[1], COLUMNS[0], COLUMNS[2]],  # another order
    ],
    ids=["extra", "missing", "order"],
)
def test_records_whose_columns_are_not_the_manifests_are_refused_before_writing(
    tmp_path: Path, key: Ed25519PrivateKey, records_columns: list[str]
) -> None:
    table = records(["A"]).append_column("SSN_NUM", pa.array(["123-45-6789"]))
    with pytest.raises(DataError, match="not the manifest's columns"):
        publish_package(
            tmp_path / "pkg",
            table.select(records_columns).to_reader(),
            manifest=manifest(1),
            signing_key=key,
        )
    assert leftovers(tmp_path) == []


def test_a_crash_while_writing_leaves_no_package_and_no_temporary_directory(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    table = records([f"ID{i}" for i in range(10)])

    def batches() -> Iterator[pa.RecordBatch]:
        yield from table.to_batches(max_chunksize=3)[:2]
        raise RuntimeError("engine died")

    reader = pa.RecordBatchReader.from_batches(table.schema, batches())
    with pytest.raises(RuntimeError, match="engine died"):
        publish_package(tmp_path / "pkg", reader, manifest=manifest(10), signing_key=key)
    assert leftovers(tmp_path) == []


def test_a_record_count_other_than_disclosed_is_refused(
    tmp_path: Path, key: Ed25519PrivateKey
) -> None:
    with pytest.raises(DataError, match="2 records were written but the manifest counts 3"):
        publish_package(
            tmp_path / "pkg", records(["A", "B"]).to_reader(), manifest=manifest(3), signing_key=key
        )
    assert leftovers(tmp_path) == []


def test_batches_are_read_as_they_are_written_not_all_first(
    tmp_path: Path, key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    from minshare.package import csvsafe, publish

    monkeypatch.setattr(publish, "ROW_GROUP_ROWS", 4)
    table = records([f"ID{i}" for i in range(20)])
    pulled: list[int] = []
    written: list[int] = []

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in table.to_batches(max_chunksize=2):
            pulled.append(batch.num_rows)
            yield batch

    real = csvsafe.neutralize_batch

    def spy(batch: pa.RecordBatch) -> pa.RecordBatch:
        written.append(sum(pulled))
        return real(batch)

    monkeypatch.setattr("minshare.package.publish.neutralize_batch", spy)
    reader = pa.RecordBatchReader.from_batches(table.schema, batches())
    publish_package(tmp_path / "pkg", reader, manifest=manifest(20), signing_key=key)
    # Each group of 4 rows is written once 4 rows have been pulled, never after all 20.
    assert written == [4, 8, 12, 16, 20]
    assert pq.ParquetFile(tmp_path / "pkg" / "records.parquet").num_row_groups == 5
