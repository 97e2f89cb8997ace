"""Errors of the guard stage; all are :class:`minshare.errors.MinshareError`."""

from __future__ import annotations

from minshare.errors import DataError, UsageError


class RegistryFormatError(DataError):
    """A registry file cannot be used: unknown layout, a missing header, a malformed row."""

    code = "registry_format"


class RegistryNotFound(UsageError):
    """The registry directory does not exist or holds no registry.json."""

    code = "registry_not_found"


class RegistryInvalid(DataError):
    """A registry directory exists but its files disagree with its registry.json."""

    code = "registry_invalid"


__all__ = ["RegistryFormatError", "RegistryInvalid", "RegistryNotFound"]
