"""Dry runs and disclosures in the background: one at a time (the engine locks the workspace),
each a row in ``jobs`` with its status, the step it is on and the bytes read so far.

A job runs an approved request (a dry run may also run a pending one) over the input files the
service was started with; a disclosure publishes its package under ``packages/<job id>`` and
records it in the ledger (``minshare.engines.run.disclose``).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal

from minshare.errors import MinshareError
from minshare.service import intake
from minshare.service.auth import Principal, now_text
from minshare.service.db import StateDB
from minshare.service.errors import Conflict, NotFound
from minshare.service.settings import Settings

Kind = Literal["dry_run", "disclose"]


def _summary(result: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "request_id": result.request_id,
        "as_of": result.as_of,
        "orders": list(result.orders),
        "columns": list(result.columns),
        "counts": result.counts.model_dump(),
        "by_reason": result.by_decision_reason(),
        "notes": list(result.notes),
        "timings": result.timings,
    }
    for name in ("records", "ledger_index", "key_id"):
        if hasattr(result, name):
            out[name] = getattr(result, name)
    return out


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("result", "error"):
        out[key] = json.loads(row[key]) if row[key] else None
    total = int(row["progress_total"] or 0)
    out["progress"] = round(int(row["progress_done"] or 0) / total, 4) if total else None
    return out


class JobRunner:
    def __init__(self, db: StateDB, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.pool: ThreadPoolExecutor | None = None  # started with the first job
        self.futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def start(self, who: Principal, kind: Kind, request_record: str) -> dict[str, Any]:
        record = intake.get(self.db, who, request_record)
        allowed = ("approved",) if kind == "disclose" else ("approved", "pending")
        if record["status"] not in allowed:
            raise Conflict(
                f"request {record['request_id']} is {record['status']}: "
                f"a {kind.replace('_', ' ')} needs it {' or '.join(allowed)}"
            )
        if not self.settings.enrollment or not self.settings.determinations:
            raise Conflict(
                "the service was started without input files (--enrollment, --determinations)"
            )
        job_id = uuid.uuid4().hex[:16]
        self.db.execute(
            "INSERT INTO jobs (id, kind, request, status, created_by, created_at, recipient) "
            "VALUES (?, ?, ?, 'queued', ?, ?, ?)",
            (job_id, kind, request_record, who.name, now_text(), record["recipient"]),
        )
        with self._lock:
            if self.pool is None:
                self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minshare-job")
            self.futures[job_id] = self.pool.submit(self._run, job_id, kind, request_record)
        return self.get(job_id)

    def _run(self, job_id: str, kind: Kind, request_record: str) -> None:
        from minshare.engines.run import disclose, dry_run

        s = self.settings
        self.db.execute(
            "UPDATE jobs SET status = 'running', started_at = ? WHERE id = ?", (now_text(), job_id)
        )
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.monotonic() - last[0] < 0.25 and done < total:
                return
            last[0] = time.monotonic()
            self.db.execute(
                "UPDATE jobs SET progress_done = ?, progress_total = ? WHERE id = ?",
                (done, total, job_id),
            )

        def step(text: str) -> None:
            self.db.execute("UPDATE jobs SET step = ? WHERE id = ?", (text[:500], job_id))

        common: dict[str, Any] = {
            "workspace": s.workspace,
            "registries": list(s.registries),
            "orders": list(s.orders),
            "progress": progress,
            "step": step,
        }
        request = intake.request_file(s, request_record)
        try:
            package = None
            if kind == "disclose":
                out = s.package_dir / job_id
                out.parent.mkdir(parents=True, exist_ok=True)
                result: Any = disclose(
                    request,
                    list(s.enrollment),
                    list(s.determinations),
                    out=out,
                    ledger=s.ledger,
                    **common,
                )
                package = job_id if result.package is not None else None
            else:
                result = dry_run(request, list(s.enrollment), list(s.determinations), **common)
            self.db.execute(
                "UPDATE jobs SET status = 'done', finished_at = ?, result = ?, package = ?, "
                "progress_done = progress_total WHERE id = ?",
                (now_text(), _json(_summary(result)), package, job_id),
            )
        except MinshareError as exc:
            self._fail(job_id, exc.to_dict())
        except Exception as exc:  # a job must end with a status, whatever happened
            self._fail(job_id, {"error": "internal_error", "message": type(exc).__name__})

    def _fail(self, job_id: str, error: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE jobs SET status = 'failed', finished_at = ?, error = ? WHERE id = ?",
            (now_text(), json.dumps(error), job_id),
        )

    def get(self, job_id: str) -> dict[str, Any]:
        row = self.db.one("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if row is None:
            raise NotFound(f"no job {job_id}")
        return _public(row)

    def listing(self) -> list[dict[str, Any]]:
        return [_public(r) for r in self.db.query("SELECT * FROM jobs ORDER BY created_at DESC")]

    def wait(self, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
        """Block until the job ends (tests, the CLI)."""
        with self._lock:
            future = self.futures.get(job_id)
        if future is not None:
            future.result(timeout=timeout)
        return self.get(job_id)

    def close(self) -> None:
        """Wait for running jobs and stop the worker (a later job starts a new one)."""
        with self._lock:
            pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True)


__all__ = ["JobRunner", "Kind"]
