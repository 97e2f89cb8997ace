"""Errors of the engine stage."""

from __future__ import annotations

from minshare.errors import MinshareError


class EngineError(MinshareError):
    """The engine failed or a safety check after it did: nothing is published."""

    code = "engine_error"
    exit_code = 7
    http_status = 500


__all__ = ["EngineError"]
