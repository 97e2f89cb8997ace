"""Ed25519 signing keys: generate, load, identify.

Files are the ones OpenSSL reads and writes: the private key is PKCS#8 PEM (mode 0600), the public
key is SubjectPublicKeyInfo PEM. A key is named by its *key id*: the first 8 bytes of the SHA-256
of the raw 32-byte public key, as 16 lower-case hex digits (``docs/package.md``). The id is a
label, not a proof: a verifier compares the whole public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from minshare.errors import UsageError

DEFAULT_NAME = "minshare"
PRIVATE_SUFFIX = ".key"
PUBLIC_SUFFIX = ".pub"
_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


@dataclass(frozen=True)
class KeyPaths:
    """Where a key pair was written, and the id of its public key."""

    private: Path
    public: Path
    key_id: str


@dataclass(frozen=True)
class KeyInfo:
    """What ``minshare keys show`` prints: never the private key material."""

    path: Path
    kind: str  # "private" or "public"
    key_id: str
    public_key: str  # base64 of the raw 32 bytes


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key in standard base64 (as embedded in a manifest)."""
    return base64.b64encode(raw_public_key(public_key)).decode("ascii")


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 8 bytes of SHA-256 of the raw 32-byte public key, as 16 lower-case hex digits."""
    return hashlib.sha256(raw_public_key(public_key)).digest()[:8].hex()


def public_key_from_b64(text: str, *, file: str | None = None) -> Ed25519PublicKey:
    """A public key from the base64 of its raw 32 bytes (the manifest's ``public_key``)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UsageError("not a base64 Ed25519 public key", file=file) from exc
    if len(raw) != 32:
        raise UsageError(f"an Ed25519 public key is 32 bytes, this one is {len(raw)}", file=file)
    return Ed25519PublicKey.from_public_bytes(raw)


def _check_name(name: str) -> None:
    if not name or name.startswith(".") or not set(name) <= _NAME_OK:
        raise UsageError(
            f"key name {name!r}: use letters, digits, '.', '_' and '-' (not leading '.')"
        )


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the start (no window where a key is world-readable)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as exc:
        raise UsageError("already exists; a key is never overwritten", file=str(path)) from exc
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, mode)  # the umask may have removed bits we asked for; never added any


def _private_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_paths(out_dir: Path, name: str = DEFAULT_NAME) -> tuple[Path, Path]:
    _check_name(name)
    return out_dir / f"{name}{PRIVATE_SUFFIX}", out_dir / f"{name}{PUBLIC_SUFFIX}"


def generate_keypair(out_dir: Path, name: str = DEFAULT_NAME) -> KeyPaths:
    """Write ``NAME.key`` (PKCS#8 PEM, 0600) and ``NAME.pub`` (SPKI PEM) into ``out_dir``.

    Existing files are never overwritten (:class:`UsageError`): a replaced signing key would
    orphan every package it signed.
    """
    private_path, public_path = key_paths(out_dir, name)
    for path in (private_path, public_path):
        if path.exists():
            raise UsageError("already exists; a key is never overwritten", file=str(path))
    out_dir.mkdir(parents=True, exist_ok=True)
    private_key = Ed25519PrivateKey.generate()
    _write_new(private_path, _private_pem(private_key), 0o600)
    _write_new(public_path, _public_pem(private_key.public_key()), 0o644)
    return KeyPaths(private_path, public_path, key_id(private_key.public_key()))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise UsageError("no such key file", file=str(path)) from exc
    except OSError as exc:
        raise UsageError(f"cannot read key file: {exc.strerror}", file=str(path)) from exc


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key from an unencrypted PEM (PKCS#8) file."""
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # encrypted with a password
        raise UsageError(
            "the private key is encrypted; minshare needs it unencrypted", file=str(path)
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise UsageError("not a PEM private key", file=str(path)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"not an Ed25519 key ({type(key).__name__})", file=str(path))
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM (SubjectPublicKeyInfo) file, or from a file holding the
    base64 of the raw 32 bytes (what a manifest embeds)."""
    data = _read(path)
    if b"PRIVATE KEY" in data:
        raise UsageError("this is a private key; give the public key (.pub)", file=str(path))
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise UsageError("not a PEM public key", file=str(path)) from exc
        if not isinstance(key, Ed25519PublicKey):
            raise UsageError(f"not an Ed25519 key ({type(key).__name__})", file=str(path))
        return key
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise UsageError("not a PEM or base64 public key", file=str(path)) from exc
    return public_key_from_b64(text, file=str(path))


def describe_key(path: Path) -> KeyInfo:
    """Id and public half of a key file, private or public."""
    data = _read(path)
    if b"PRIVATE KEY" in data:
        public = load_private_key(path).public_key()
        kind = "private"
    else:
        public = load_public_key(path)
        kind = "public"
    return KeyInfo(path, kind, key_id(public), public_key_b64(public))


def default_signing_key(workspace: Path) -> Ed25519PrivateKey:
    """The workspace's own key, ``WS/keys/minshare.key`` (+ ``.pub``), created on first use.

    Packages signed with it prove integrity; they prove origin only to someone who got the
    ``.pub`` file from the discloser by another channel.
    """
    keys_dir = workspace / "keys"
    private_path, public_path = key_paths(keys_dir)
    if not private_path.exists():
        generate_keypair(keys_dir)
    key = load_private_key(private_path)
    if not public_path.exists():  # deleted by hand: it is derived, so restore it
        _write_new(public_path, _public_pem(key.public_key()), 0o644)
    return key


def sign(private_key: Ed25519PrivateKey, data: bytes) -> bytes:
    return private_key.sign(data)


def signature_valid(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
