"""Deciding a review item: a written reason, one reviewer to withhold, two different reviewers to
release (the two-person rule). What is decided feeds the next run of the workspace's request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from minshare.engines.workspace import ReviewDecision, Workspace
from minshare.review.errors import InvalidDecision, ReviewError
from minshare.review.queue import review_item
from minshare.review.votes import Choice, Vote, review_lock, write_decision, write_vote

Outcome = Literal["withheld", "released", "awaiting_second"]


@dataclass(frozen=True)
class DecideResult:
    vote: Vote
    outcome: Outcome
    decision: ReviewDecision | None  # the decision the next run applies; None while pending

    @property
    def final(self) -> bool:
        return self.decision is not None


def decide(
    workspace: Path | str,
    state: str,
    msis_id: str,
    decision: Choice,
    *,
    reviewer: str,
    reason: str,
    answered: Sequence[str] | None = None,
    now: datetime | None = None,
) -> DecideResult:
    """Record one reviewer's vote on a person in review and, when it completes a decision, the
    decision the next run applies.

    ``answered`` names the rule ids and guard findings (``category:field``) the vote answers;
    default: all of the item's. A withhold decides at once; a disclose needs a second
    disclose from a different reviewer. The same reviewer cannot vote twice on an item, and an
    item already decided since the last run takes no more votes.
    """
    reviewer = reviewer.strip()
    reason = reason.strip()
    if decision not in ("disclose", "withhold"):
        raise InvalidDecision(f"a decision is disclose or withhold, not {decision!r}")
    if not reviewer:
        raise InvalidDecision("a decision needs the reviewer's identity", field="reviewer")
    if not reason:
        raise InvalidDecision("a decision needs a written reason", field="reason")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    ws = Workspace(Path(workspace))
    with review_lock(ws):
        item = review_item(ws.root, state, msis_id)
        if item.status == "decided":
            raise ReviewError(
                f"{msis_id} of state {state} is already decided; it applies on the next run"
            )
        if item.voted(reviewer):
            raise ReviewError(
                f"{reviewer} has already voted on {msis_id}: a second vote must come from a "
                "different reviewer (two-person rule)"
            )
        chosen = tuple(answered) if answered is not None else item.answerable
        unknown = [a for a in chosen if a not in item.answerable]
        if unknown:
            raise InvalidDecision(
                f"not a rule or finding of this item: {', '.join(unknown)} "
                f"(it has: {', '.join(item.answerable) or 'none'})",
                field="answered",
            )
        vote = Vote(
            vote_id=uuid.uuid4().hex,
            state=item.state,
            msis_id=item.msis_id,
            decision=decision,
            reviewer=reviewer,
            reason=reason,
            decided_at=moment,
            answered=chosen,
            request_id=item.request_id,
        )
        write_vote(ws, vote)
        if decision == "withhold":
            final = ReviewDecision(
                state=item.state,
                msis_id=item.msis_id,
                decision="withhold",
                decided_by=(reviewer,),
                decided_at=moment,
                reasons=(reason,),
                answered=chosen,
                request_id=item.request_id,
            )
            write_decision(ws, final)
            return DecideResult(vote, "withheld", final)
        first = next((v for v in item.votes if v.decision == "disclose"), None)
        if first is None:
            return DecideResult(vote, "awaiting_second", None)
        final = ReviewDecision(
            state=item.state,
            msis_id=item.msis_id,
            decision="release",
            decided_by=(first.reviewer, reviewer),
            decided_at=moment,
            reasons=(first.reason, reason),
            answered=tuple(dict.fromkeys((*first.answered, *chosen))),
            request_id=item.request_id,
        )
        write_decision(ws, final)
        return DecideResult(vote, "released", final)


__all__ = ["DecideResult", "Outcome", "decide"]
