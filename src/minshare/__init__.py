"""minshare: enforce a legal order on a disclosure of Medicaid enrollment records, and prove it.

The public API is small and explicit; ``tests/test_public_api.py`` guards it. The errors are
imported eagerly; the entry points of each stage load on first use, so ``import minshare`` stays
cheap (DuckDB, Arrow and the ledger's kernels load only when a stage runs).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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

# name -> module that defines it: one entry point per stage, in pipeline order.
_LAZY: dict[str, str] = {
    "synthesize": "minshare.data.synth",
    "open_table": "minshare.data.read",
    "load_table": "minshare.data.read",
    "load_builtin_orders": "minshare.orders",
    "build_registry": "minshare.guard",
    "open_registry": "minshare.guard",
    "disclose": "minshare.engines",
    "dry_run": "minshare.engines",
    "explain": "minshare.engines",
    "verify_package": "minshare.package",
    "open_ledger": "minshare.ledger",
    "verify_bundle": "minshare.ledger",
    # Not "report": that name is the subpackage, which any import of it rebinds.
    "write_report": "minshare.report",
    "decide_review": "minshare.review",
    "create_app": "minshare.service",
}

# public name -> the name in its module, where they differ
_ALIASES = {"decide_review": "decide"}

if TYPE_CHECKING:
    from minshare.data.read import load_table, open_table
    from minshare.data.synth import synthesize
    from minshare.engines import disclose, dry_run
    from minshare.engines.explain import explain
    from minshare.guard import build_registry, open_registry
    from minshare.ledger import open_ledger, verify_bundle
    from minshare.orders import load_builtin_orders
    from minshare.package import verify_package
    from minshare.report import write_report
    from minshare.review import decide as decide_review
    from minshare.service import create_app


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'minshare' has no attribute {name!r}")
    value = getattr(import_module(module), _ALIASES.get(name, name))
    globals()[name] = value
    return value


__all__ = [
    "ConfigError",
    "DataError",
    "MinshareError",
    "MissingColumnError",
    "OrderError",
    "UnsupportedFormatError",
    "UsageError",
    "__version__",
    "build_registry",
    "create_app",
    "decide_review",
    "disclose",
    "dry_run",
    "explain",
    "load_builtin_orders",
    "load_table",
    "open_ledger",
    "open_registry",
    "open_table",
    "synthesize",
    "verify_bundle",
    "verify_package",
    "write_report",
]
