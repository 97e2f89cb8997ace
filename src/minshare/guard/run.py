"""Scanning files: read an enrollment file, scan it, write the findings Parquet."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from minshare.data.model import Table
from minshare.data.read import ROW, open_table
from minshare.errors import UsageError
from minshare.guard.registry import Registry, open_registry
from minshare.guard.scan import FINDINGS_SCHEMA, GUARD_FIELDS, KEYS, SSN, Scanner

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ScanResult:
    """What one scan did: the engine checks ``rows_scanned`` against the rows it decides."""

    findings_path: Path | None
    rows_scanned: int
    rows_quarantined: int
    rows_flagged: int
    findings: int
    by_category: dict[str, int]
    by_scanner: dict[str, int]
    registry: dict[str, Any]
    fields: tuple[str, ...]
    seconds: float
    scanned_rows: list[int] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings_path": str(self.findings_path) if self.findings_path else None,
            "rows_scanned": self.rows_scanned,
            "rows_quarantined": self.rows_quarantined,
            "rows_flagged": self.rows_flagged,
            "findings": self.findings,
            "by_category": self.by_category,
            "by_scanner": self.by_scanner,
            "registry": self.registry,
            "fields": list(self.fields),
            "seconds": round(self.seconds, 3),
        }


def read_enrollment(
    path: Path, fields: Sequence[str]
) -> tuple[Iterator[pa.RecordBatch], Callable[[], int]]:
    """Batches of the columns the guard needs, from an input file (read and cleaned by the
    readers; quarantined rows are not scanned, they are never disclosed) or from the readers'
    accepted Parquet (which already has ``_MS_ROW``)."""
    if not path.is_file():
        raise UsageError("enrollment file not found", file=str(path))
    wanted = [*KEYS, *(f for f in fields if f not in KEYS), SSN]
    if path.suffix == ".parquet" and ROW in pq.ParquetFile(path).schema_arrow.names:
        pf = pq.ParquetFile(path)
        cols = [c for c in wanted if c in pf.schema_arrow.names]
        return pf.iter_batches(columns=cols, batch_size=131_072), lambda: 0
    model_cols = [c for c in wanted if not c.startswith("_MS_")]
    reader = open_table(path, Table.ENROLLMENT, columns=model_cols)
    return iter(reader), lambda: reader.counts.rows_quarantined


def scan_file(
    enrollment: Path,
    registry: Path | Registry,
    out: Path | None,
    *,
    fields: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    keep_rows: bool = False,
) -> ScanResult:
    """Scan ``enrollment`` against ``registry`` and write the findings to ``out`` (Parquet,
    :data:`minshare.guard.scan.FINDINGS_SCHEMA`, written under a temporary name and renamed)."""
    reg = registry if isinstance(registry, Registry) else open_registry(Path(registry))
    chosen = tuple(GUARD_FIELDS if fields is None else fields)
    scanner = Scanner(reg, fields=chosen, as_of=as_of)
    batches, quarantined = read_enrollment(Path(enrollment), chosen)
    started = time.perf_counter()
    tmp = out.with_name(out.name + ".partial") if out is not None else None
    writer = pq.ParquetWriter(tmp, FINDINGS_SCHEMA, compression="zstd") if tmp is not None else None
    rows = n_findings = 0
    flagged: set[int] = set()
    by_category: Counter[str] = Counter()
    by_scanner: Counter[str] = Counter()
    scanned: list[int] = []
    try:
        for batch in batches:
            found = scanner.scan(batch)
            rows += batch.num_rows
            if keep_rows:
                scanned.extend(batch.column(ROW).to_pylist())
            if writer is not None and found.num_rows:
                writer.write_table(found)
            n_findings += found.num_rows
            decisive = found.filter(found["decisive"])
            flagged.update(decisive["_MS_ROW"].to_pylist())
            by_category.update(decisive["category"].to_pylist())
            by_scanner.update(decisive["scanner"].to_pylist())
            if progress is not None:
                progress(rows)
        if writer is not None:
            writer.close()
            writer = None
            assert tmp is not None
            assert out is not None
            os.replace(tmp, out)
    finally:
        if writer is not None:
            writer.close()
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return ScanResult(
        findings_path=out,
        rows_scanned=rows,
        rows_quarantined=quarantined(),
        rows_flagged=len(flagged),
        findings=n_findings,
        by_category=dict(sorted(by_category.items())),
        by_scanner=dict(sorted(by_scanner.items())),
        registry=reg.manifest.model_dump(mode="json"),
        fields=chosen,
        seconds=time.perf_counter() - started,
        scanned_rows=scanned,
    )


__all__ = ["ScanResult", "read_enrollment", "scan_file"]
