"""Verify a package: every check runs and is reported, none stops the others.

A verifier trusts nothing in the package it has not checked: the manifest must be canonical and
signed; every file it names must hash to the named SHA-256; nothing else may be in the package;
the records must have exactly the manifest's columns and count; and, given the orders, the
columns must be ones the orders permit.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict

from minshare.data.files import sha256_file
from minshare.errors import DataError, MinshareError
from minshare.package import keys
from minshare.package.csvsafe import formula_mask, is_text
from minshare.package.manifest import (
    DATA_FILES,
    MANIFEST,
    RECORDS_CSV,
    RECORDS_PARQUET,
    SIGNATURE,
    Manifest,
    OrderRef,
    manifest_bytes,
    parse_manifest,
)

PermittedColumns = Callable[[list[OrderRef]], set[str]]

_CSV_BLOCK = 4 << 20


class Check(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str


class VerifyReport(BaseModel):
    """``ok`` is true only if every check passed. ``origin_proven`` is false when the signature
    was checked with the key the package itself carries (no key given)."""

    model_config = ConfigDict(frozen=True)

    package: str
    ok: bool
    origin_proven: bool
    key_id: str | None
    checks: list[Check]
    notes: list[str]
    manifest: Manifest | None

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass
class _CsvScan:
    header: list[str]
    rows: int
    formulas: list[str]


def _any(mask: pa.Array | pa.ChunkedArray) -> bool:
    return bool(pc.any(mask).as_py())


class _Unreadable(Exception):
    """A check cannot run because something it depends on failed."""


def _skip(what: str) -> _Unreadable:
    return _Unreadable(f"not checked: {what}")


class _Verifier:
    def __init__(self, pkg: Path, public_key: Ed25519PublicKey | None) -> None:
        self.pkg = pkg
        self.given_key = public_key
        self.checks: list[Check] = []
        self.notes: list[str] = []
        self.raw: bytes | None = None
        self.manifest: Manifest | None = None
        self.parquet_schema: pa.Schema | None = None

    def run(self, name: str, fn: Callable[[], str]) -> bool:
        try:
            detail = fn()
            ok = True
        except _Unreadable as exc:
            detail, ok = str(exc), False
        except MinshareError as exc:
            detail, ok = str(exc), False
        # A verifier reports a broken file; it does not crash on one (pyarrow raises many kinds).
        except Exception as exc:
            detail, ok = f"{type(exc).__name__}: {exc}", False
        self.checks.append(Check(name=name, ok=ok, detail=detail))
        return ok

    def need_manifest(self) -> Manifest:
        if self.manifest is None:
            raise _skip(f"{MANIFEST} could not be read")
        return self.manifest

    # --- the manifest and its signature ---------------------------------------------------------

    def parse(self) -> str:
        path = self.pkg / MANIFEST
        if not path.is_file() or path.is_symlink():
            raise DataError("missing (or not a regular file)", file=MANIFEST)
        self.raw = path.read_bytes()
        self.manifest = parse_manifest(self.raw)
        return f"format {self.manifest.format}, request {self.manifest.request.request_id}"

    def canonical(self) -> str:
        manifest = self.need_manifest()
        if manifest_bytes(manifest) != self.raw:
            raise DataError("not in canonical form (sorted keys, 2-space indent, one newline)")
        return "canonical JSON"

    def signature(self) -> str:
        if self.raw is None:
            raise _skip(f"{MANIFEST} is missing")
        key = self.given_key
        source = "the given public key"
        if key is None:
            embedded = self.need_manifest().signing_key
            if embedded is None:
                raise DataError("the manifest embeds no signing key and none was given")
            key = keys.public_key_from_b64(embedded.public_key, file=MANIFEST)
            source = "the key embedded in the manifest"
        path = self.pkg / SIGNATURE
        if not path.is_file() or path.is_symlink():
            raise DataError("missing (or not a regular file)", file=SIGNATURE)
        data = path.read_bytes()
        try:
            sig = base64.b64decode(data.rstrip(b"\n"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DataError("not base64", file=SIGNATURE) from exc
        # Exactly one encoding is valid: base64 has spare bits a forger could flip unnoticed.
        if data != base64.b64encode(sig) + b"\n":
            raise DataError("not canonical base64 followed by one newline", file=SIGNATURE)
        if not keys.signature_valid(key, sig, self.raw):
            raise DataError(f"the Ed25519 signature does not verify with {source}")
        return f"valid Ed25519 signature by key {keys.key_id(key)} ({source})"

    def key_matches(self) -> str:
        assert self.given_key is not None
        embedded = self.need_manifest().signing_key
        given = keys.public_key_b64(self.given_key)
        if embedded is None or embedded.public_key != given:
            raise DataError(
                f"the manifest names key {embedded.key_id if embedded else 'none'}, "
                f"not the given key {keys.key_id(self.given_key)}"
            )
        if embedded.key_id != keys.key_id(self.given_key):
            raise DataError(f"the manifest's key id {embedded.key_id} is not its key's id")
        return f"the manifest names the given key {embedded.key_id}"

    # --- files ------------------------------------------------------------------------------------

    def listed(self) -> str:
        names = set(self.need_manifest().files)
        if names != set(DATA_FILES):
            raise DataError(
                f"files lists {', '.join(sorted(names)) or 'nothing'}; "
                f"expected {', '.join(DATA_FILES)}"
            )
        return ", ".join(DATA_FILES)

    def file_hash(self, name: str) -> str:
        expected = self.need_manifest().files.get(name)
        if expected is None:
            raise _skip(f"{name} is not listed in the manifest")
        path = self.pkg / name
        if not path.is_file() or path.is_symlink():
            raise DataError("missing (or not a regular file)", file=name)
        actual = sha256_file(path)
        if actual != expected:
            raise DataError(f"SHA-256 is {actual}, the manifest says {expected}", file=name)
        return f"sha256 {actual}"

    def no_extra(self) -> str:
        allowed = {MANIFEST, SIGNATURE, *DATA_FILES}
        if self.manifest is not None:
            allowed |= set(self.manifest.files)
        found: list[str] = []
        for root, dirs, files in os.walk(self.pkg):  # never follows a symlinked directory
            rel = Path(root).relative_to(self.pkg)
            found += [str(rel / name) for name in dirs + files]
        found.sort()
        extra = [name for name in found if name not in allowed]
        if extra:
            raise DataError(f"files not named in the manifest: {', '.join(extra)}")
        return f"{len(found)} files, all named in the manifest"

    # --- records ----------------------------------------------------------------------------------

    def parquet_columns(self) -> str:
        manifest = self.need_manifest()
        self.parquet_schema = pq.read_schema(self.pkg / RECORDS_PARQUET)
        names = list(self.parquet_schema.names)
        if names != manifest.columns:
            raise DataError(f"columns {names} != manifest columns {manifest.columns}")
        return ", ".join(names)

    def parquet_rows(self) -> str:
        manifest = self.need_manifest()
        rows = pq.ParquetFile(self.pkg / RECORDS_PARQUET).metadata.num_rows
        if rows != manifest.record_count:
            raise DataError(f"{rows} rows, the manifest says {manifest.record_count}")
        return f"{rows:,} rows"

    def _csv_reader(self, columns: list[str]) -> pacsv.CSVStreamingReader:
        return pacsv.open_csv(
            self.pkg / RECORDS_CSV,
            read_options=pacsv.ReadOptions(block_size=_CSV_BLOCK, use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    def _scan_csv(self) -> _CsvScan:
        manifest = self.need_manifest()
        if self.parquet_schema is None:
            raise _skip(f"{RECORDS_PARQUET} could not be read (it says which columns are text)")
        text = {f.name for f in self.parquet_schema if is_text(f.type)}
        try:
            reader = self._csv_reader(manifest.columns)
            scan = _CsvScan(header=list(reader.schema.names), rows=0, formulas=[])
            for batch in reader:
                scan.rows += batch.num_rows
                for name, column in zip(batch.schema.names, batch.columns, strict=True):
                    if name in text and name not in scan.formulas and _any(formula_mask(column)):
                        scan.formulas.append(name)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise DataError(f"cannot be read as CSV: {exc}", file=RECORDS_CSV) from exc
        return scan

    def csv(self) -> None:
        """Three checks from one pass over the CSV: header, rows, neutralized cells."""
        scan: _CsvScan | None = None
        problem: Exception = _skip("the CSV was not read")
        try:
            scan = self._scan_csv()
        except (_Unreadable, MinshareError) as exc:
            problem = exc

        def scanned() -> _CsvScan:
            if scan is None:
                raise problem
            return scan

        def header() -> str:
            expected, found = self.need_manifest().columns, scanned().header
            if found != expected:
                raise DataError(f"header {found} != manifest columns {expected}")
            return ", ".join(found)

        def rows() -> str:
            expected, found = self.need_manifest().record_count, scanned().rows
            if found != expected:
                raise DataError(f"{found} rows, the manifest says {expected}")
            return f"{found:,} rows"

        def neutralized() -> str:
            formulas = scanned().formulas
            if formulas:
                raise DataError(f"cells that start a formula in: {', '.join(formulas)}")
            return "no text cell starts with = + - @ TAB or CR"

        self.run("csv-header", header)
        self.run("csv-rows", rows)
        self.run("csv-neutralized", neutralized)

    # --- meaning ----------------------------------------------------------------------------------

    def counts(self) -> str:
        manifest = self.need_manifest()
        c = manifest.counts
        if manifest.record_count != c.disclosed:
            raise DataError(
                f"record_count {manifest.record_count} != counts.disclosed {c.disclosed}"
            )
        return (
            f"input {c.input_rows:,} = disclosed {c.disclosed:,} + withheld {c.withheld:,} "
            f"+ review {c.review:,} + quarantined {c.quarantined:,}"
        )

    def permitted(self, lookup: PermittedColumns) -> str:
        manifest = self.need_manifest()
        allowed = lookup(list(manifest.orders))
        ids = ", ".join(o.id for o in manifest.orders) or "no order"
        extra = [c for c in manifest.columns if c not in allowed]
        if extra:
            raise DataError(f"not permitted by {ids}: {', '.join(extra)}")
        return f"every column permitted by {ids}"


def verify_package(
    pkg: Path,
    *,
    public_key: Path | Ed25519PublicKey | None = None,
    permitted_columns: PermittedColumns | None = None,
) -> VerifyReport:
    """Run every check on the package at ``pkg`` and report each one.

    ``public_key`` is the signer's public key (a file, or a loaded key); without it the key the
    manifest embeds is used, which proves integrity, not origin. ``permitted_columns`` maps the
    manifest's orders to the columns they permit (see :func:`minshare.package.orders.
    order_permissions`); without it the columns are not checked against orders. A key file
    that cannot be read raises :class:`~minshare.errors.UsageError`; problems of the package
    itself are failed checks, never exceptions.
    """
    pkg = Path(pkg)
    key = keys.load_public_key(public_key) if isinstance(public_key, Path) else public_key
    v = _Verifier(pkg, key)
    if not pkg.is_dir():
        v.checks.append(Check(name="package", ok=False, detail=f"{pkg} is not a directory"))
        return _report(v, permitted_columns)
    v.run("manifest", v.parse)
    v.run("manifest-canonical", v.canonical)
    v.run("signature", v.signature)
    if key is not None:
        v.run("signing-key", v.key_matches)
    v.run("files-listed", v.listed)
    for name in DATA_FILES:
        v.run(f"sha256:{name}", lambda name=name: v.file_hash(name))  # type: ignore[misc]
    v.run("no-extra-files", v.no_extra)
    v.run("parquet-columns", v.parquet_columns)
    v.run("parquet-rows", v.parquet_rows)
    v.csv()
    v.run("counts", v.counts)
    if permitted_columns is not None:
        lookup = permitted_columns
        v.run("permitted-columns", lambda: v.permitted(lookup))
    return _report(v, permitted_columns)


def _report(v: _Verifier, permitted_columns: PermittedColumns | None) -> VerifyReport:
    embedded = v.manifest.signing_key if v.manifest is not None else None
    key_id = (
        keys.key_id(v.given_key)
        if v.given_key is not None
        else (embedded.key_id if embedded is not None else None)
    )
    if v.given_key is None:
        v.notes.append(
            "no public key given: the signature was checked with the key the manifest itself "
            "embeds, which proves the package is intact, not who made it; get the discloser's "
            "public key by another channel and pass it (--key)"
        )
    if permitted_columns is None:
        v.notes.append("the columns were not checked against the orders (no order lookup given)")
    return VerifyReport(
        package=str(v.pkg),
        ok=bool(v.checks) and all(c.ok for c in v.checks),
        origin_proven=v.given_key is not None,
        key_id=key_id,
        checks=v.checks,
        notes=v.notes,
        manifest=v.manifest,
    )
