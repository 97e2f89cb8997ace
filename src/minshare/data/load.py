"""load_table: stream input files into one accepted Parquet file and one quarantine file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from minshare.data.clean import INTERNAL_FIELDS
from minshare.data.files import sha256_file
from minshare.data.model import Table
from minshare.data.outputs import ParquetOutputs
from minshare.data.reader import DEFAULT_BATCH_ROWS, ReadCounts, TableReader, as_table
from minshare.errors import DataError, UsageError

Progress = Callable[[int], None]


@dataclass(frozen=True)
class LoadResult:
    """What a load produced. ``counts`` sums ``per_file``; both always add up."""

    table: Table
    accepted_path: Path
    quarantine_path: Path
    counts: ReadCounts
    per_file: dict[str, ReadCounts]
    formats: dict[str, str]
    input_sha256: dict[str, str]
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    quarantine_examples: dict[str, list[str]] = field(default_factory=dict)
    flags_by_column: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table.value,
            "accepted_path": str(self.accepted_path),
            "quarantine_path": str(self.quarantine_path),
            "counts": self.counts.to_dict(),
            "files": [
                {
                    "path": name,
                    "format": self.formats[name],
                    "sha256": self.input_sha256[name],
                    "counts": counts.to_dict(),
                }
                for name, counts in self.per_file.items()
            ],
            "quarantine_by_reason": dict(self.quarantine_by_reason),
            "quarantine_examples": dict(self.quarantine_examples),
            "flags_by_column": dict(self.flags_by_column),
        }


def load_table(
    paths: Path | Sequence[Path],
    table: Table | str,
    out_dir: Path,
    *,
    delimiter: str | None = None,
    progress: Progress | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> LoadResult:
    """Read ``paths`` (one table, one or more files) into ``out_dir/<table>.parquet`` and
    ``out_dir/<table>_quarantine.parquet``, each written to a temporary name and renamed into
    place only when complete. ``progress`` is called with input bytes consumed as they go."""
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    tbl = as_table(table)
    if not files:
        raise UsageError("no input files given")
    seen = [p.resolve() for p in files]
    dupes = sorted({str(p) for p in seen if seen.count(p) > 1})
    if dupes:
        raise UsageError(f"input given more than once: {', '.join(dupes)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    accepted_path = out_dir / f"{tbl.value}.parquet"
    quarantine_path = out_dir / f"{tbl.value}_quarantine.parquet"
    readers: list[TableReader] = []
    with ParquetOutputs(accepted_path, quarantine_path) as outputs:
        try:
            # Every header is checked before anything is written.
            for p in files:
                readers.append(
                    TableReader(
                        p,
                        tbl,
                        delimiter=delimiter,
                        batch_rows=batch_rows,
                        quarantine_sink=outputs.write_quarantine,
                    )
                )
            outputs.open(_union_schema(readers))
            return _load(readers, tbl, outputs, progress)
        finally:
            for r in readers:
                r.close()


def _load(
    readers: list[TableReader], tbl: Table, outputs: ParquetOutputs, progress: Progress | None
) -> LoadResult:
    per_file: dict[str, ReadCounts] = {}
    formats: dict[str, str] = {}
    digests: dict[str, str] = {}
    by_reason: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    flags: Counter[str] = Counter()
    for reader in readers:
        name = str(reader.path)
        before = _stamp(reader.path)
        digests[name] = sha256_file(reader.path)
        reported = 0
        for batch in reader:
            outputs.write_accepted(batch)
            if progress is not None and reader.bytes_read > reported:
                progress(reader.bytes_read - reported)
                reported = reader.bytes_read
        if _stamp(reader.path) != before:
            raise DataError("the file changed while it was being read", file=name)
        if progress is not None and before[0] > reported:
            progress(before[0] - reported)
        per_file[name] = reader.counts
        formats[name] = reader.format.describe()
        by_reason.update(reader.quarantine_by_reason)
        for code, where in reader.quarantine_examples.items():
            examples.setdefault(code, []).extend(where)
        flags.update(reader.flags)
    outputs.commit()
    total = sum(per_file.values(), ReadCounts())
    return LoadResult(
        table=tbl,
        accepted_path=outputs.accepted_path,
        quarantine_path=outputs.quarantine_path,
        counts=total,
        per_file=per_file,
        formats=formats,
        input_sha256=digests,
        quarantine_by_reason=dict(by_reason.most_common()),
        quarantine_examples={k: v[:5] for k, v in examples.items()},
        flags_by_column=dict(flags.most_common()),
    )


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _union_schema(readers: list[TableReader]) -> pa.Schema:
    """Model columns, then every file's extra columns in first-seen order, then lineage."""
    internal = {f.name for f in INTERNAL_FIELDS}
    fields: dict[str, pa.Field] = {}
    for reader in readers:
        for f in reader.schema:
            if f.name not in internal:
                fields.setdefault(f.name, f)
    return pa.schema([*fields.values(), *INTERNAL_FIELDS])


__all__ = ["LoadResult", "Progress", "load_table", "sha256_file"]
