"""Reviewers' votes and the decisions they make, on disk in the workspace.

- ``WS/review_votes.jsonl``: every vote as cast (append-only): who, when, ``disclose`` or
  ``withhold``, the written reason, the rules and findings it answers. A first ``disclose`` vote
  is only a vote: the engine never reads this file.
- ``WS/review_decisions.jsonl``: the decisions the engine re-applies on its next run
  (:class:`~minshare.engines.workspace.ReviewDecision`, one JSON object a line). A decision is
  appended when one reviewer votes ``withhold``, or when a second, *different* reviewer votes
  ``disclose`` after a first (two-person rule) — written as ``release`` with both reviewers.

Both files are appended under an exclusive lock (``WS/.review.lock``), so concurrent reviewers
(threads or processes) never interleave a line or both complete the same release.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from minshare.engines.workspace import ReviewDecision, Workspace
from minshare.errors import DataError

Text = Annotated[StrictStr, Field(min_length=1)]
Choice = Literal["disclose", "withhold"]


class Vote(BaseModel):
    """One line of ``review_votes.jsonl``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="minshare review vote")

    vote_id: Text
    state: Text
    msis_id: Text
    decision: Choice
    reviewer: Text
    reason: Text
    decided_at: datetime
    answered: tuple[Text, ...] = ()
    request_id: str | None = None

    @field_validator("decided_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("decided_at needs a time zone")
        return value.astimezone(UTC)


def votes_path(ws: Workspace) -> Path:
    return ws.root / "review_votes.jsonl"


@contextmanager
def review_lock(ws: Workspace) -> Iterator[None]:
    """Blocking, exclusive: one vote is recorded at a time per workspace."""
    ws.create()
    fd = os.open(ws.root / ".review.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def append_line(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line.rstrip("\n") + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                yield number, line


def read_votes(ws: Workspace) -> list[Vote]:
    out = []
    for number, line in _lines(votes_path(ws)):
        try:
            out.append(Vote.model_validate_json(line))
        except ValidationError as exc:
            raise DataError(
                f"a review vote cannot be read: {exc.errors()[0]['msg']}",
                file=str(votes_path(ws)),
                line=number,
            ) from exc
    return out


def read_decisions(ws: Workspace) -> list[ReviewDecision]:
    """Every decision in ``review_decisions.jsonl``, in file order (the engine applies the latest
    per person: :func:`~minshare.engines.workspace.load_review_decisions`)."""
    out = []
    for number, line in _lines(ws.review_decisions):
        try:
            out.append(ReviewDecision.model_validate_json(line))
        except ValidationError as exc:
            raise DataError(
                f"a review decision cannot be read: {exc.errors()[0]['msg']}",
                file=str(ws.review_decisions),
                line=number,
            ) from exc
    return out


def write_vote(ws: Workspace, vote: Vote) -> None:
    append_line(votes_path(ws), vote.model_dump_json())


def write_decision(ws: Workspace, decision: ReviewDecision) -> None:
    line = json.dumps(decision.model_dump(mode="json", exclude_none=True))
    append_line(ws.review_decisions, line)


__all__ = [
    "Choice",
    "Vote",
    "read_decisions",
    "read_votes",
    "review_lock",
    "votes_path",
    "write_decision",
    "write_vote",
]
