"""Errors of the compile stage."""

from __future__ import annotations

from minshare.errors import MinshareError


class CompileError(MinshareError):
    """A plan cannot be compiled: a construct the target dialect cannot express, a fact no
    engine can compute yet, an unknown dialect. Compilation never falls back to something
    weaker; it stops here and nothing runs."""

    code = "compile_error"
    exit_code = 6
    http_status = 500


__all__ = ["CompileError"]
