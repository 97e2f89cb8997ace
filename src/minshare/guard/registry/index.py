"""The registry index: built once from the source files, persisted, opened for every scan.

A registry directory holds ``registry.json`` (:class:`RegistryManifest`) and three Parquet
files: ``entries.parquet`` (one row per facility or provider: source, source id, category,
label, type code), ``addresses.parquet`` (house number, street, ZIP5, unit, kind, strength per
entry) and ``phones.parquet`` (10-digit number, kind, strength per entry). ``registry_id`` is
the SHA-256 over those three files, so a finding's anchor names exactly the index it matched.

In memory, :class:`Registry` keeps a sorted int64 array of ``house * 100000 + ZIP5`` keys and
one of phone numbers: a whole column of enrollment rows is tested with one
``numpy.searchsorted``; only rows that hit compare streets and units in Python.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from minshare import __version__
from minshare.data.files import sha256_file
from minshare.errors import UsageError
from minshare.guard import terms
from minshare.guard.categories import Category
from minshare.guard.errors import RegistryInvalid, RegistryNotFound
from minshare.guard.normalize import AddressKey, prefilter_key
from minshare.guard.registry import sources, taxonomy
from minshare.guard.registry.manifest import RegistryManifest, SourceFile

I64 = npt.NDArray[np.int64]

MANIFEST = "registry.json"
FILES = ("entries.parquet", "addresses.parquet", "phones.parquet")

ENTRIES_SCHEMA = pa.schema(
    [
        ("entry", pa.int32()),
        ("source", pa.string()),
        ("source_file", pa.string()),
        ("source_id", pa.string()),
        ("name", pa.string()),
        ("entity", pa.string()),
        ("category", pa.string()),
        ("sensitivity", pa.string()),
        ("code", pa.string()),
    ]
)
ADDRESSES_SCHEMA = pa.schema(
    [
        ("entry", pa.int32()),
        ("kind", pa.string()),
        ("house", pa.int64()),
        ("street", pa.string()),
        ("zip5", pa.int32()),
        ("unit", pa.string()),
        ("strength", pa.string()),
    ]
)
PHONES_SCHEMA = pa.schema(
    [
        ("entry", pa.int32()),
        ("kind", pa.string()),
        ("phone", pa.int64()),
        ("strength", pa.string()),
    ]
)


@dataclass(frozen=True)
class EntryInfo:
    source: str
    source_id: str
    entity: str
    category: Category
    sensitivity: str
    code: str


@dataclass(frozen=True)
class AddressHit:
    entry: int
    kind: str
    strength: str
    unit_match: bool


@dataclass(frozen=True)
class PhoneHit:
    entry: int
    kind: str
    strength: str


class Registry:
    """An opened registry: lookups for the scan, plus its manifest for every disclosure."""

    def __init__(
        self, manifest: RegistryManifest, entries: pa.Table, addresses: pa.Table, phones: pa.Table
    ) -> None:
        self.manifest = manifest
        self.entries = [
            EntryInfo(
                r["source"],
                r["source_id"],
                r["entity"],
                Category(r["category"]),
                r["sensitivity"],
                r["code"],
            )
            for r in entries.sort_by("entry").to_pylist()
        ]
        self._buildings: dict[tuple[int, int], list[tuple[str, str | None, AddressHit]]] = {}
        for r in addresses.to_pylist():
            hit = AddressHit(r["entry"], r["kind"], r["strength"], False)
            self._buildings.setdefault((r["house"], r["zip5"]), []).append(
                (r["street"], r["unit"], hit)
            )
        self.address_prefilter: I64 = np.unique(
            np.array([prefilter_key(h, z) for h, z in self._buildings], dtype=np.int64)
        )
        self._phones: dict[int, list[PhoneHit]] = {}
        for r in phones.to_pylist():
            self._phones.setdefault(r["phone"], []).append(
                PhoneHit(r["entry"], r["kind"], r["strength"])
            )
        self.phone_numbers: I64 = np.unique(np.array(list(self._phones), dtype=np.int64))
        self.npis = frozenset(
            e.source_id for e in self.entries if e.source in ("nppes", "nppes_pl")
        )

    @property
    def registry_id(self) -> str:
        return self.manifest.registry_id

    @classmethod
    def empty(cls) -> Registry:
        """A registry with no facilities (tests, and scans that record they had none)."""
        manifest = RegistryManifest(
            registry_id="empty",
            built_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
            minshare_version=__version__,
            taxonomy_map=taxonomy.VERSION,
            terms=terms.VERSION,
            sources=[],
            counts={"entries": 0, "addresses": 0, "phones": 0},
            by_category={},
        )
        return cls(
            manifest,
            ENTRIES_SCHEMA.empty_table(),
            ADDRESSES_SCHEMA.empty_table(),
            PHONES_SCHEMA.empty_table(),
        )

    def match_address(self, key: AddressKey) -> list[AddressHit]:
        out = []
        for street, unit, hit in self._buildings.get((key.house, key.zip5), ()):
            if street == key.street:
                same_unit = unit is not None and key.unit is not None and unit == key.unit
                out.append(AddressHit(hit.entry, hit.kind, hit.strength, same_unit))
        return out

    def match_phone(self, number: int) -> list[PhoneHit]:
        return self._phones.get(number, [])

    def anchor(self, entry: int) -> str:
        e = self.entries[entry]
        return f"registry:{e.source}:{e.source_id}@{self.registry_id[:19]}"


def open_registry(path: Path) -> Registry:
    """Open a registry directory written by :func:`build_registry`; its files must match the
    hashes its registry.json was built with."""
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise RegistryNotFound(
            f"no registry here (no {MANIFEST}); build one with `minshare registry load`",
            file=str(path),
        )
    try:
        manifest = RegistryManifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RegistryInvalid(
            f"{MANIFEST} is not a valid registry manifest: {exc}", file=str(manifest_path)
        ) from None
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        raise RegistryInvalid(f"registry files missing: {', '.join(missing)}", file=str(path))
    if _registry_id(path) != manifest.registry_id:
        raise RegistryInvalid(
            "the index files do not match registry.json (changed after the build?)", file=str(path)
        )
    tables = [pq.read_table(path / f) for f in FILES]
    return Registry(manifest, *tables)


def _registry_id(path: Path) -> str:
    h = hashlib.sha256()
    for name in FILES:
        h.update(name.encode())
        h.update(bytes.fromhex(sha256_file(path / name)))
    return "sha256:" + h.hexdigest()


_ORDER = {"nucc": 0, "nppes": 1, "nppes_pl": 2, "pos": 3, "csv": 4}


def build_registry(files: Sequence[Path], out: Path, *, replace: bool = False) -> RegistryManifest:
    """Read ``files`` (any mix of the supported layouts) and write a registry to ``out``.

    NUCC files are read first (they extend the taxonomy map), then NPPES main files (a
    ``pl_pfile`` needs the providers they keep), then the rest. The directory is written
    under a temporary name and renamed into place: a failed load leaves nothing behind.
    """
    paths = [Path(f) for f in files]
    if not paths:
        raise UsageError("no registry files given")
    out = Path(out)
    if (out / MANIFEST).exists() and not replace:
        raise UsageError(
            f"{out} already holds a registry; pass --replace to rebuild it", file=str(out)
        )
    if out.exists() and not (out / MANIFEST).exists() and any(out.iterdir()):
        raise UsageError(f"{out} exists and is not a registry directory", file=str(out))
    detected = []
    for p in paths:
        header = sources.read_header(p)
        detected.append((p, header, sources.detect(p, header)))
    detected.sort(key=lambda d: _ORDER[d[2]])
    if any(f == "nppes_pl" for _, _, f in detected) and not any(
        f == "nppes" for _, _, f in detected
    ):
        first = next(p for p, _, f in detected if f == "nppes_pl")
        raise UsageError(
            "a pl_pfile (secondary practice locations) has no taxonomies; load it together with "
            "the NPPES main file (npidata_pfile) it belongs to",
            file=str(first),
        )
    extra: dict[str, Category] = {}
    by_npi: dict[str, sources.Entry] = {}
    entries: list[sources.Entry] = []
    files_meta: list[SourceFile] = []
    nucc_version = None
    for p, header, fmt in detected:
        if fmt == "nucc":
            read = sources.read_nucc(p, header)
            extra.update(read.extra_taxonomy)
            nucc_version = read.version or nucc_version
        elif fmt == "nppes":
            read, npis = sources.read_nppes(p, header, extra)
            by_npi.update(npis)
        elif fmt == "nppes_pl":
            read = sources.read_pl(p, header, by_npi)
        elif fmt == "pos":
            read = sources.read_pos(p, header)
        else:
            read = sources.read_csv(p, header)
        entries.extend(read.entries)
        files_meta.append(
            SourceFile(
                path=str(p),
                name=p.name,
                format=fmt,
                sha256=sha256_file(p),
                bytes=p.stat().st_size,
                rows=read.rows,
                entries=len(read.entries),
                skipped=dict(sorted(read.skipped.items())),
                missing_optional_columns=read.missing_optional,
                snapshot=sources._snapshot(p.name),
                version=read.version,
            )
        )
    return _write(out, entries, files_meta, nucc_version)


def _write(
    out: Path, entries: list[sources.Entry], files_meta: list[SourceFile], nucc_version: str | None
) -> RegistryManifest:
    e_rows, a_rows, p_rows = [], [], []
    for i, e in enumerate(entries):
        e_rows.append(
            {
                "entry": i,
                "source": e.source,
                "source_file": e.source_file,
                "source_id": e.source_id,
                "name": e.name,
                "entity": e.entity,
                "category": e.category.value,
                "sensitivity": e.sensitivity,
                "code": e.code,
            }
        )
        for kind, key, strength in e.addresses:
            a_rows.append(
                {
                    "entry": i,
                    "kind": kind,
                    "house": key.house,
                    "street": key.street,
                    "zip5": key.zip5,
                    "unit": key.unit,
                    "strength": strength,
                }
            )
        for kind, number, strength in e.phones:
            p_rows.append({"entry": i, "kind": kind, "phone": number, "strength": strength})
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        for name, schema, rows in zip(
            FILES,
            (ENTRIES_SCHEMA, ADDRESSES_SCHEMA, PHONES_SCHEMA),
            (e_rows, a_rows, p_rows),
            strict=True,
        ):
            pq.write_table(
                pa.Table.from_pylist(rows, schema=schema), tmp / name, compression="zstd"
            )
        manifest = RegistryManifest(
            registry_id=_registry_id(tmp),
            built_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            minshare_version=__version__,
            taxonomy_map=taxonomy.VERSION,
            terms=terms.VERSION,
            nucc_version=nucc_version,
            sources=files_meta,
            counts={"entries": len(e_rows), "addresses": len(a_rows), "phones": len(p_rows)},
            by_category=dict(sorted(Counter(e.category.value for e in entries).items())),
        )
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


__all__ = [
    "FILES",
    "MANIFEST",
    "AddressHit",
    "PhoneHit",
    "Registry",
    "build_registry",
    "open_registry",
]
