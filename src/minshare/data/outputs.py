"""The two Parquet files a load writes: encoded on a worker thread, renamed into place at the end.

Parquet encoding costs about as much as reading and cleaning together, so it runs beside them.
Files are written under hidden temporary names in the output directory and renamed only on
commit, so a reader of ``<table>.parquet`` never sees a half-written or mismatched pair.
"""

from __future__ import annotations

import os
import queue
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from minshare.data.files import fsync_file as _fsync
from minshare.data.quarantine import QUARANTINE_SCHEMA

_QUEUED_BATCHES = 2
_COMPRESSION = "zstd"
Job = tuple[Callable[[pa.RecordBatch], None], pa.RecordBatch]


class _Worker:
    """Runs write jobs in order on one thread; the first failure is re-raised to the caller."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=_QUEUED_BATCHES)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="minshare-write", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        if self._error is not None:
            raise self._error
        self._jobs.put(job)

    def finish(self) -> None:
        """Wait for every job; raise the first failure."""
        self.stop()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is not None:
                continue  # keep draining so submitters never block
            write, batch = job
            try:
                write(batch)
            except BaseException as exc:  # re-raised on the caller's thread
                self._error = exc


class ParquetOutputs:
    def __init__(self, accepted_path: Path, quarantine_path: Path) -> None:
        self.accepted_path = accepted_path
        self.quarantine_path = quarantine_path
        tag = f"{os.getpid()}.{uuid.uuid4().hex}.tmp"
        self._tmp_accepted = accepted_path.with_name(f".{accepted_path.name}.{tag}")
        self._tmp_quarantine = quarantine_path.with_name(f".{quarantine_path.name}.{tag}")
        self._accepted: pq.ParquetWriter | None = None
        self._quarantine: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._worker: _Worker | None = None

    def __enter__(self) -> ParquetOutputs:
        return self

    def __exit__(self, *exc: object) -> None:
        """Abandon whatever was not committed."""
        if self._worker is not None:
            self._worker.stop()
        self._close()
        for tmp in (self._tmp_accepted, self._tmp_quarantine):
            tmp.unlink(missing_ok=True)

    def open(self, schema: pa.Schema) -> None:
        self._schema = schema
        self._accepted = pq.ParquetWriter(self._tmp_accepted, schema, compression=_COMPRESSION)
        self._quarantine = pq.ParquetWriter(
            self._tmp_quarantine, QUARANTINE_SCHEMA, compression=_COMPRESSION
        )
        self._worker = _Worker()

    def write_accepted(self, batch: pa.RecordBatch) -> None:
        if self._accepted is None or self._schema is None or self._worker is None:
            raise RuntimeError("outputs are not open")  # pragma: no cover - internal order
        self._worker.submit((self._accepted.write_batch, conform(batch, self._schema)))

    def write_quarantine(self, batch: pa.RecordBatch) -> None:
        if self._quarantine is None or self._worker is None:
            raise RuntimeError("outputs are not open")  # pragma: no cover - internal order
        self._worker.submit((self._quarantine.write_batch, batch))

    def commit(self) -> None:
        if self._worker is not None:
            self._worker.finish()
        self._close()
        for tmp, final in (
            (self._tmp_accepted, self.accepted_path),
            (self._tmp_quarantine, self.quarantine_path),
        ):
            _fsync(tmp)
            os.replace(tmp, final)

    def _close(self) -> None:
        for writer in (self._accepted, self._quarantine):
            if writer is not None and writer.is_open:
                writer.close()


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch in ``schema``: columns another input file has come out null here."""
    if batch.schema.equals(schema):
        return batch
    names = set(batch.schema.names)
    arrays = [
        batch.column(f.name) if f.name in names else pa.nulls(batch.num_rows, f.type)
        for f in schema
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


__all__ = ["ParquetOutputs", "conform"]
