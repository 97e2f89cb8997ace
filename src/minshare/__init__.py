"""minshare: enforce a legal order on a disclosure of Medicaid enrollment records, and prove it.

The public API is small and explicit; ``tests/test_public_api.py`` guards it.
"""

from __future__ import annotations

__version__ = "0.1.0"

from minshare.errors import (
    ConfigError,
    DataError,
    MinshareError,
    MissingColumnError,
    OrderError,
    UnsupportedFormatError,
    UsageError,
)

__all__ = [
    "ConfigError",
    "DataError",
    "MinshareError",
    "MissingColumnError",
    "OrderError",
    "UnsupportedFormatError",
    "UsageError",
    "__version__",
]
