"""The discloser's workspace: what a run keeps, where, and the review decisions it re-applies.

Layout (docs/engine.md)::

    WS/enrollment.parquet              accepted enrollment rows, only the columns the plan reads
    WS/enrollment_quarantine.parquet   enrollment rows the reader could not use
    WS/determinations.parquet          accepted determination rows (columns the plan reads)
    WS/determinations_quarantine.parquet
    WS/quarantine.parquet              every quarantined row of both tables, with its table and key
    WS/decisions.parquet               every accepted enrollment row: decision, rule ids, reasons
    WS/review.parquet                  the rows in review
    WS/findings.parquet                the health-information guard's findings (when used)
    WS/registry/                       a facility registry built from --registry files
    WS/plan.json                       the plan of the last run (request, orders, columns, facts)
    WS/orders/<id>.yaml                byte copies of the orders the last run applied
    WS/summary.json                    counts of the last run
    WS/run.log                         JSON lines: each step of each run, timings, counts
    WS/review_decisions.jsonl          reviewer decisions, re-applied on every run (input)
    WS/keys/minshare.key, .pub         the default signing key

The workspace holds personal data; it stays with the discloser and is never published.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from minshare.errors import DataError, MinshareError, UsageError
from minshare.orders.model import StateCode

Text = Annotated[StrictStr, Field(min_length=1)]


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def enrollment(self) -> Path:
        return self.root / "enrollment.parquet"

    @property
    def enrollment_quarantine(self) -> Path:
        return self.root / "enrollment_quarantine.parquet"

    @property
    def determinations(self) -> Path:
        return self.root / "determinations.parquet"

    @property
    def determinations_quarantine(self) -> Path:
        return self.root / "determinations_quarantine.parquet"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine.parquet"

    @property
    def decisions(self) -> Path:
        return self.root / "decisions.parquet"

    @property
    def review(self) -> Path:
        return self.root / "review.parquet"

    @property
    def findings(self) -> Path:
        """The health-information guard's findings (docs/guard.md)."""
        return self.root / "findings.parquet"

    @property
    def registry(self) -> Path:
        """A facility registry built from the files given to the run (when not a registry)."""
        return self.root / "registry"

    @property
    def plan(self) -> Path:
        return self.root / "plan.json"

    @property
    def orders(self) -> Path:
        return self.root / "orders"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def run_log(self) -> Path:
        return self.root / "run.log"

    @property
    def review_decisions(self) -> Path:
        return self.root / "review_decisions.jsonl"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def spill(self) -> Path:
        """Where the engine may spill to disk (removed after each run)."""
        return self.root / ".spill"

    def create(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise UsageError("the workspace is not a directory", file=str(self.root))
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise UsageError(f"cannot create the workspace: {exc}", file=str(self.root)) from exc

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One run at a time per workspace (released by the OS if the process dies)."""
        self.create()
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UsageError(
                    "another minshare run is using this workspace", file=str(self.root)
                ) from None
            yield
        finally:
            os.close(fd)

    def temp(self, path: Path) -> Path:
        """A hidden sibling to write ``path`` under before renaming it into place."""
        return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")


def replace(tmp: Path, final: Path) -> None:
    """Move a finished file into place (fsync'd first, so a crash leaves old or new)."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)


# --- review decisions -----------------------------------------------------------------------


class ReviewDecision(BaseModel):
    """One line of ``review_decisions.jsonl``: what reviewers decided for a person in review.

    A ``release`` needs two different reviewers (two-person rule). Decisions apply to rows that
    a later run still sends to review; a row the orders withhold is never released.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="minshare review decision",
        json_schema_extra={"$id": "https://minshare.invalid/schema/review-decision.json"},
    )

    state: StateCode = Field(description="SUBMTG_STATE_CD, 2-digit FIPS")
    msis_id: Text = Field(description="MSIS_IDENT_NUM")
    decision: Literal["release", "withhold"]
    decided_by: Annotated[tuple[Text, ...], Field(min_length=1)] = Field(
        description="Reviewer ids; two different ones for a release"
    )
    decided_at: datetime = Field(description="When (ISO 8601 with a time zone)")
    note: str | None = None
    # Written by the review desk (minshare.review); optional so older files still load.
    reasons: tuple[Text, ...] = Field((), description="Each reviewer's written reason, in order")
    answered: tuple[Text, ...] = Field(
        (), description="The rule ids and guard findings the reviewers answered"
    )
    request_id: str | None = Field(None, description="The request whose run sent it to review")

    @field_validator("decided_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("decided_at needs a time zone, e.g. 2026-02-02T10:00:00Z")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _two_person_release(self) -> ReviewDecision:
        if self.decision == "release" and len(set(self.decided_by)) < 2:
            raise ValueError("a release needs two different reviewers in decided_by")
        return self


def load_review_decisions(path: Path) -> dict[tuple[str, str], ReviewDecision]:
    """The latest decision per person (by ``decided_at``, then line order). Every bad line is
    reported at once, with its line number; a file with any bad line is not used at all."""
    if not path.exists():
        return {}
    problems: list[MinshareError] = []
    latest: dict[tuple[str, str], ReviewDecision] = {}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                decision = ReviewDecision.model_validate_json(line)
            except ValidationError as exc:
                for err in exc.errors():
                    where = ".".join(str(p) for p in err["loc"]) or None
                    problems.append(DataError(err["msg"], file=str(path), line=number, field=where))
                continue
            key = (decision.state, decision.msis_id)
            if key not in latest or decision.decided_at >= latest[key].decided_at:
                latest[key] = decision
    if problems:
        raise DataError(
            "review decisions cannot be used; nothing was run", file=str(path), details=problems
        )
    return latest


# --- run log --------------------------------------------------------------------------------


class RunLog:
    """``run.log``: one JSON object per line, per step: what happened, how long, how many."""

    def __init__(self, path: Path, run_id: str) -> None:
        self.path = path
        self.run_id = run_id
        self._started = time.perf_counter()
        self._step_started = self._started
        self.timings: dict[str, float] = {}

    def write(self, step: str, **fields: Any) -> None:
        now = time.perf_counter()
        seconds = round(now - self._step_started, 4)
        self._step_started = now
        if step not in ("start", "failed"):
            self.timings[step] = seconds
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "run_id": self.run_id,
            "step": step,
            "seconds": seconds,
            **fields,
        }
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, default=str, sort_keys=True) + "\n")

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self._started, 4)


__all__ = ["ReviewDecision", "RunLog", "Workspace", "load_review_decisions", "replace"]
