"""The package a recipient gets: records (Parquet and CSV), a manifest, an Ed25519 signature.

``publish_package`` writes one atomically; ``verify_package`` checks one and reports every
check. The format is documented in ``docs/package.md``.
"""

from __future__ import annotations

from minshare.package.keys import (
    KeyPaths,
    default_signing_key,
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
)
from minshare.package.manifest import (
    FORMAT,
    Counts,
    Engine,
    InputRef,
    InputRole,
    Manifest,
    OrderRef,
    Recipient,
    RecordTreeRef,
    RequestedBy,
    RequestInfo,
    SigningKey,
    manifest_bytes,
    parse_manifest,
)
from minshare.package.publish import PublishedPackage, publish_package
from minshare.package.verify import Check, PermittedColumns, VerifyReport, verify_package

__all__ = [
    "FORMAT",
    "Check",
    "Counts",
    "Engine",
    "InputRef",
    "InputRole",
    "KeyPaths",
    "Manifest",
    "OrderRef",
    "PermittedColumns",
    "PublishedPackage",
    "Recipient",
    "RecordTreeRef",
    "RequestInfo",
    "RequestedBy",
    "SigningKey",
    "VerifyReport",
    "default_signing_key",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "manifest_bytes",
    "parse_manifest",
    "publish_package",
    "verify_package",
]
