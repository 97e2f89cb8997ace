"""Errors of the ledger: every one is a :class:`~minshare.errors.MinshareError` with a location.

A *location* in the ledger is the store (``file``: the SQLite path or the PostgreSQL URL without
its password), the entry or checkpoint (``row``: the entry index or the tree size) and the
column (``field``), so ``ledger verify`` can point at the very value a flipped byte changed.
"""

from __future__ import annotations

from minshare.errors import MinshareError


class LedgerError(MinshareError):
    """The ledger cannot do what was asked (a bad store, a refused append, a missing file)."""

    code = "ledger_error"
    exit_code = 6
    http_status = 409


class ProofError(LedgerError):
    """A proof, signature or checkpoint does not verify."""

    code = "proof_invalid"
    exit_code = 1
    http_status = 422


class RetentionError(LedgerError):
    """A purge would delete what the law says must be kept (45 CFR 164.530(j), 5 U.S.C. 552a(c))."""

    code = "retention_refused"


__all__ = ["LedgerError", "ProofError", "RetentionError"]
