"""One exception root for the whole library.

Every error minshare raises is a :class:`MinshareError`. Subclasses say *what kind* of problem it
is; the instance says *where* (file, line, column, row, field), so a user can go straight to the
offending byte. The CLI maps ``exit_code`` to a process exit status in one place; the service maps
``http_status`` to a response in one place; both render :meth:`MinshareError.to_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Location:
    """Where a problem is. Every part is optional; render only what is known."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            pos = self.file
            if self.line is not None:
                pos += f":{self.line}"
                if self.column is not None:
                    pos += f":{self.column}"
            parts.append(pos)
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class MinshareError(Exception):
    """Root of every error minshare raises."""

    code: ClassVar[str] = "minshare_error"
    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        row: int | None = None,
        field: str | None = None,
        details: list[MinshareError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = Location(file=file, line=line, column=column, row=row, field=field)
        # Some checks (an order, a request) report every problem at once rather than the first.
        self.details: list[MinshareError] = list(details or [])

    def __str__(self) -> str:
        where = str(self.location)
        head = f"{where}: {self.message}" if where else self.message
        if not self.details:
            return head
        return "\n".join([head, *(f"  - {d}" for d in self.details)])

    def to_dict(self) -> dict[str, Any]:
        """The one JSON shape every error takes, in the CLI's ``--json`` output and over HTTP."""
        out: dict[str, Any] = {"error": self.code, "message": self.message}
        loc = self.location.to_dict()
        if loc:
            out["location"] = loc
        if self.details:
            out["details"] = [d.to_dict() for d in self.details]
        return out


class UsageError(MinshareError):
    """The caller asked for something that cannot be done as asked (bad option, bad path)."""

    code = "usage_error"
    exit_code = 2
    http_status = 400


class DataError(MinshareError):
    """Input data cannot be used as a whole (as opposed to one bad row, which is quarantined)."""

    code = "data_error"
    exit_code = 3
    http_status = 422


class MissingColumnError(DataError):
    """A column the data model requires is absent from an input file."""

    code = "missing_column"


class UnsupportedFormatError(DataError):
    """The input's format cannot be recognised or is not supported."""

    code = "unsupported_format"


class OrderError(MinshareError):
    """An order file is invalid, or no order authorizes what was asked."""

    code = "order_error"
    exit_code = 4
    http_status = 422


class ConfigError(MinshareError):
    """Settings are missing or inconsistent."""

    code = "config_error"
    exit_code = 5
    http_status = 500


__all__ = [
    "ConfigError",
    "DataError",
    "Location",
    "MinshareError",
    "MissingColumnError",
    "OrderError",
    "UnsupportedFormatError",
    "UsageError",
]
