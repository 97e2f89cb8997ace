"""Publish a package: records as Parquet and CSV, a manifest naming each file by SHA-256, and an
Ed25519 signature over the manifest. All or nothing.

Everything is written into a hidden sibling directory and renamed to ``out`` at the end, so a
reader (or the recipient's sync job) sees a whole package or none; any failure removes the
temporary directory. Records stream through in fixed-size row groups, so memory does not grow
with the input and the bytes do not depend on how the engine happened to batch its output.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minshare.data.files import fsync_file as _fsync
from minshare.data.files import sha256_file
from minshare.errors import DataError, UsageError
from minshare.package import keys
from minshare.package.csvsafe import neutralize_batch
from minshare.package.manifest import (
    MANIFEST,
    RECORDS_CSV,
    RECORDS_PARQUET,
    SIGNATURE,
    Manifest,
    SigningKey,
    manifest_bytes,
)

# Row groups of a fixed size: the Parquet bytes depend only on the records, not on batching.
ROW_GROUP_ROWS = 128 * 1024
# Fixed writer settings: the same records give the same bytes with the same pyarrow.
PARQUET_OPTIONS: dict[str, object] = {
    "compression": "zstd",
    "compression_level": 3,
    "version": "2.6",
    "data_page_version": "1.0",
    "use_dictionary": True,
    "write_statistics": True,
}


@dataclass(frozen=True)
class PublishedPackage:
    path: Path
    manifest: Manifest
    manifest_sha256: str
    key_id: str


def _plain_type(type_: pa.DataType) -> pa.DataType:
    """One physical type per logical type, whatever the engine produced."""
    if pa.types.is_dictionary(type_):
        return _plain_type(type_.value_type)
    if pa.types.is_large_string(type_) or pa.types.is_string_view(type_):
        return pa.string()
    if pa.types.is_large_binary(type_) or pa.types.is_binary_view(type_):
        return pa.binary()
    if pa.types.is_date64(type_):
        return pa.date32()
    return type_


def output_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` without metadata (engines attach their own) and with plain types."""
    return pa.schema([pa.field(f.name, _plain_type(f.type), nullable=True) for f in schema])


def check_columns(schema: pa.Schema, columns: list[str]) -> None:
    """The records hold exactly the manifest's columns, in its order, or :class:`DataError`."""
    names = list(schema.names)
    if names == columns:
        return
    extra = [n for n in names if n not in columns]
    missing = [c for c in columns if c not in names]
    parts = []
    if extra:
        parts.append(f"not in the manifest (never written): {', '.join(extra)}")
    if missing:
        parts.append(f"missing: {', '.join(missing)}")
    if not parts:
        dupes = sorted({n for n in names if names.count(n) > 1})
        parts.append(
            f"listed twice: {', '.join(dupes)}"
            if dupes
            else f"order {', '.join(names)} != manifest order {', '.join(columns)}"
        )
    raise DataError("the records' columns are not the manifest's columns: " + "; ".join(parts))


def _rechunk(batches: Iterable[pa.RecordBatch], schema: pa.Schema, rows: int) -> Iterator[pa.Table]:
    """Tables of exactly ``rows`` rows (the last may be shorter), cast to ``schema``."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        arrays = [col.cast(f.type) for col, f in zip(batch.columns, schema, strict=True)]
        batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
        while batch.num_rows:
            take = min(rows - held, batch.num_rows)
            pending.append(batch.slice(0, take))
            held += take
            batch = batch.slice(take)
            if held == rows:
                yield pa.Table.from_batches(pending, schema=schema).combine_chunks()
                pending, held = [], 0
    if held:
        yield pa.Table.from_batches(pending, schema=schema).combine_chunks()


def _write_records(tmp: Path, records: pa.RecordBatchReader, schema: pa.Schema) -> int:
    """Write both files one row group at a time: memory holds at most one group."""
    count = 0
    csv_options = pacsv.WriteOptions(include_header=True, delimiter=",", quoting_style="needed")
    with (
        pq.ParquetWriter(tmp / RECORDS_PARQUET, schema, **PARQUET_OPTIONS) as parquet,
        pacsv.CSVWriter(tmp / RECORDS_CSV, schema, write_options=csv_options) as csv,
    ):
        for table in _rechunk(records, schema, ROW_GROUP_ROWS):
            parquet.write_table(table, row_group_size=ROW_GROUP_ROWS)
            for batch in table.to_batches():
                csv.write_batch(neutralize_batch(batch))
            count += table.num_rows
    return count


def _write_file(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _refuse_existing(out: Path) -> None:
    if out.exists() or out.is_symlink():
        raise UsageError("already exists; a published package is never overwritten", file=str(out))


def publish_package(
    out: Path,
    records: pa.RecordBatchReader,
    *,
    manifest: Manifest,
    signing_key: Ed25519PrivateKey,
) -> PublishedPackage:
    """Write the package to ``out`` (which must not exist) and return its final manifest.

    ``records`` holds exactly ``manifest.columns``, in order, already sorted; its row count must
    equal ``manifest.counts.disclosed`` (and ``manifest.record_tree.size`` when the manifest
    carries a record tree). ``manifest.files``, ``record_count`` and
    ``signing_key`` are filled here. Raises :class:`UsageError` if ``out`` exists and
    :class:`DataError` if the records do not match the manifest; in every failure nothing is
    left at ``out`` and no temporary directory remains.
    """
    out = Path(out)
    _refuse_existing(out)
    check_columns(records.schema, manifest.columns)
    schema = output_schema(records.schema)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{secrets.token_hex(8)}"
    # Private until the discloser hands it over: the records are personal data.
    tmp.mkdir(mode=0o700)
    try:
        count = _write_records(tmp, records, schema)
        if count != manifest.counts.disclosed:
            raise DataError(
                f"{count} records were written but the manifest counts "
                f"{manifest.counts.disclosed} disclosed"
            )
        if manifest.record_tree is not None and manifest.record_tree.size != count:
            raise DataError(
                f"{count} records were written but the record tree has "
                f"{manifest.record_tree.size} leaves"
            )
        public = signing_key.public_key()
        final = Manifest.model_validate(
            {
                **manifest.model_dump(),
                "record_count": count,
                "files": {name: sha256_file(tmp / name) for name in (RECORDS_PARQUET, RECORDS_CSV)},
                "signing_key": SigningKey(
                    key_id=keys.key_id(public), public_key=keys.public_key_b64(public)
                ),
            }
        )
        body = manifest_bytes(final)
        _write_file(tmp / MANIFEST, body)
        signature = base64.b64encode(keys.sign(signing_key, body)) + b"\n"
        _write_file(tmp / SIGNATURE, signature)
        for name in (RECORDS_PARQUET, RECORDS_CSV, MANIFEST, SIGNATURE):
            _fsync(tmp / name)
        _fsync(tmp)
        # os.rename would silently replace an empty directory created since the first check.
        _refuse_existing(out)
        os.rename(tmp, out)
        _fsync(out.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PublishedPackage(
        path=out,
        manifest=final,
        manifest_sha256=hashlib.sha256(body).hexdigest(),
        key_id=keys.key_id(public),
    )
