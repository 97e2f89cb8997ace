"""The health-information guard: nothing medical leaves inside a permitted field.

Stages, each a module: ``normalize`` (Unicode folding, USPS Publication 28 forms, ZIP5,
phone10) → ``shapes`` (field shape checks, fail closed; Medicaid ID that is an SSN) →
``registry`` (facility registries loaded, classified, indexed, hashed) → ``terms`` (the term
automaton) and ``codes`` (gated code detectors) → ``scan`` (all of it, vectorized over Arrow
batches, into a findings table) → ``eval`` (precision and recall against truth labels).
See docs/guard.md for the findings schema and how the engine joins it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minshare.guard.categories import Category
    from minshare.guard.errors import RegistryFormatError, RegistryInvalid, RegistryNotFound
    from minshare.guard.eval import EvalReport, evaluate
    from minshare.guard.facts import GUARD_FACTS
    from minshare.guard.registry import Registry, RegistryManifest, build_registry, open_registry
    from minshare.guard.run import ScanResult, scan_file
    from minshare.guard.scan import (
        FACTS_SCHEMA,
        FINDINGS_SCHEMA,
        GUARD_FIELDS,
        Scanner,
        row_facts,
        scan,
        scan_table,
    )

# Loaded on first use: the orders stage imports ``minshare.guard.facts`` (plain data) at startup
# and should not pay for pyarrow, the registry and the automaton to do so.
_WHERE = {
    "Category": "categories",
    "RegistryFormatError": "errors",
    "RegistryInvalid": "errors",
    "RegistryNotFound": "errors",
    "EvalReport": "eval",
    "evaluate": "eval",
    "GUARD_FACTS": "facts",
    "Registry": "registry",
    "RegistryManifest": "registry",
    "build_registry": "registry",
    "open_registry": "registry",
    "ScanResult": "run",
    "scan_file": "run",
    "FACTS_SCHEMA": "scan",
    "FINDINGS_SCHEMA": "scan",
    "GUARD_FIELDS": "scan",
    "Scanner": "scan",
    "row_facts": "scan",
    "scan": "scan",
    "scan_table": "scan",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'minshare.guard' has no attribute {name!r}")
    return getattr(importlib.import_module(f"minshare.guard.{module}"), name)


__all__ = [
    "FACTS_SCHEMA",
    "FINDINGS_SCHEMA",
    "GUARD_FACTS",
    "GUARD_FIELDS",
    "Category",
    "EvalReport",
    "Registry",
    "RegistryFormatError",
    "RegistryInvalid",
    "RegistryManifest",
    "RegistryNotFound",
    "ScanResult",
    "Scanner",
    "build_registry",
    "evaluate",
    "open_registry",
    "row_facts",
    "scan",
    "scan_file",
    "scan_table",
]
