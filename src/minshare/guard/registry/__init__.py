"""Facility registries: load the files users have (NPPES, pl_pfile, POS, NUCC, plain CSV) into
an indexed, hashed registry directory the guard matches addresses and phones against."""

from __future__ import annotations

from minshare.guard.registry.index import (
    AddressHit,
    PhoneHit,
    Registry,
    build_registry,
    open_registry,
)
from minshare.guard.registry.manifest import RegistryManifest, SourceFile

__all__ = [
    "AddressHit",
    "PhoneHit",
    "Registry",
    "RegistryManifest",
    "SourceFile",
    "build_registry",
    "open_registry",
]
