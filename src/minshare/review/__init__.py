"""The review desk: the people a run sent to review, and reviewers' decisions on them.

:func:`build_queue` lists each person in review with the rules that matched, the guard's
findings and the determination; :func:`decide` records a vote with a written reason. A withhold
needs one reviewer, a release two different ones (two-person rule). Decisions are written to
``review_decisions.jsonl``, which the engine re-applies on the next run. See ``docs/service.md``.
"""

from __future__ import annotations

from minshare.review.desk import DecideResult, decide
from minshare.review.errors import InvalidDecision, NotInReview, ReviewError
from minshare.review.queue import (
    Determination,
    Finding,
    ReviewItem,
    RuleMatch,
    build_queue,
    next_item,
    review_item,
)
from minshare.review.votes import Vote, read_decisions, read_votes

__all__ = [
    "DecideResult",
    "Determination",
    "Finding",
    "InvalidDecision",
    "NotInReview",
    "ReviewError",
    "ReviewItem",
    "RuleMatch",
    "Vote",
    "build_queue",
    "decide",
    "next_item",
    "read_decisions",
    "read_votes",
    "review_item",
]
