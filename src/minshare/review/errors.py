"""The review desk's errors: a decision that cannot be recorded as asked."""

from __future__ import annotations

from minshare.errors import MinshareError


class ReviewError(MinshareError):
    """A decision conflicts with the review state (already decided, the same reviewer twice)."""

    code = "review_conflict"
    exit_code = 2
    http_status = 409


class NotInReview(ReviewError):
    """The person is not in review after the last run."""

    code = "not_in_review"
    http_status = 404


class InvalidDecision(ReviewError):
    """The decision itself is incomplete: no written reason, no reviewer, an unknown answer."""

    code = "invalid_decision"
    http_status = 422


__all__ = ["InvalidDecision", "NotInReview", "ReviewError"]
