"""C2SP signed notes (c2sp.org/signed-note v1.0.0) with Ed25519 keys, as Go's ``sumdb/note``.

A note is text (lines ending in ``\\n``), a blank line, and signature lines
``— <key name> <base64(key id || signature)>``. The key id of an Ed25519 key is the first four
bytes of ``SHA-256(name || 0x0A || 0x01 || 32-byte public key)``; a verifier key ("vkey") is
``<name>+<key id, 8 hex digits>+<base64(0x01 || public key)>``.

Opening a note follows the spec's verifier rules: unknown (name, key id) pairs are ignored, every
known signature must verify, at least one must, and at most 100 signature lines are read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from minshare.errors import UsageError
from minshare.ledger.errors import ProofError

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
SIG_PREFIX = "— "  # U+2014 EM DASH, then a space
MAX_SIGNATURES = 100


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def valid_name(name: str) -> bool:
    """Non-empty, no Unicode white space, no ``+`` (the spec's key-name rule)."""
    return (
        bool(name)
        and "+" not in name
        and not any(c.isspace() or unicodedata.category(c) == "Zs" for c in name)
    )


def check_name(name: str) -> str:
    if not valid_name(name):
        raise UsageError(f"key name {name!r}: non-empty, no spaces and no '+'")
    return name


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """``SHA-256(name || "\\n" || alg || public key)[:4]`` as a big-endian uint32."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def canonical_b64decode(text: str, what: str) -> bytes:
    """Standard base64 that re-encodes to exactly ``text`` (no spare bits, no line breaks)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProofError(f"{what} is not standard base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ProofError(f"{what} is not canonical base64")
    return raw


class Verifier(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> int: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class Ed25519Verifier:
    """A log's (or any signer's) Ed25519 note key: signature type 0x01."""

    name: str
    public_key: bytes  # raw 32 bytes

    @property
    def key_id(self) -> int:
        return key_id(self.name, ALG_ED25519, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @property
    def vkey(self) -> str:
        """``<name>+<key id hex>+<base64(0x01 || public key)>``."""
        blob = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{blob}"


@dataclass(frozen=True)
class Ed25519Signer:
    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        check_name(self.name)

    @property
    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, _raw_public(self.private_key.public_key()))

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    @property
    def skey(self) -> str:
        """Go's private key encoding ``PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>``
        (for tests with Go's ``note.NewSigner``; not part of C2SP)."""
        seed = self.private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        blob = base64.b64encode(bytes([ALG_ED25519]) + seed).decode("ascii")
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{blob}"


def parse_vkey(vkey: str) -> Ed25519Verifier:
    """An Ed25519 verifier from ``name+keyid+base64``; split at the first two ``+`` only (the
    base64 part may itself hold a ``+``)."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise UsageError("a verifier key is name+keyid+base64")
    name, hex_id, blob = parts
    if not valid_name(name) or len(hex_id) != 8:
        raise UsageError(f"verifier key {vkey!r}: bad name or key id")
    try:
        wanted = int(hex_id, 16)
        raw = base64.b64decode(blob, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise UsageError(f"verifier key {vkey!r}: bad key id or base64") from exc
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise UsageError(f"verifier key {vkey!r}: not an Ed25519 (type 0x01) key")
    verifier = Ed25519Verifier(name, raw[1:])
    if verifier.key_id != wanted:
        raise UsageError(f"verifier key {vkey!r}: the key id does not match the name and key")
    return verifier


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    signature: bytes  # without the key id

    def line(self) -> str:
        blob = base64.b64encode(struct.pack(">I", self.key_id) + self.signature).decode("ascii")
        return f"{SIG_PREFIX}{self.name} {blob}\n"


@dataclass(frozen=True)
class Note:
    text: bytes
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


def check_text(text: bytes) -> None:
    """Note text: UTF-8, no control characters but ``\\n``, ends in ``\\n``, no blank line."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProofError(f"note text is not UTF-8 (byte {exc.start})") from exc
    if not decoded.endswith("\n"):
        raise ProofError("note text must end with a newline")
    for i, ch in enumerate(decoded):
        if ord(ch) < 0x20 and ch != "\n":
            raise ProofError(f"note text has a control character at offset {i}")
    if "\n\n" in decoded or decoded.startswith("\n"):
        raise ProofError("note text must not contain an empty line")


def sign_note(text: bytes, *signers: Ed25519Signer) -> bytes:
    """``text`` + blank line + one signature line per signer."""
    check_text(text)
    if not signers:
        raise UsageError("a note needs at least one signer")
    lines = [Signature(s.name, s.key_id, s.sign(text)).line() for s in signers]
    return text + b"\n" + "".join(lines).encode("utf-8")


def split_note(message: bytes) -> tuple[bytes, list[Signature]]:
    """Text and parsed signature lines, without checking any signature."""
    try:
        decoded = message.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProofError(f"the note is not UTF-8 (byte {exc.start})") from exc
    for i, ch in enumerate(decoded):
        if ord(ch) < 0x20 and ch != "\n":
            raise ProofError(f"the note has a control character at offset {i}")
    split = message.rfind(b"\n\n")
    if split < 0:
        raise ProofError("the note has no blank line before its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    if not block or not block.endswith(b"\n"):
        raise ProofError("the note has no signature lines")
    sigs: list[Signature] = []
    for n, raw_line in enumerate(block.decode("utf-8").split("\n")[:-1], start=1):
        if len(sigs) >= MAX_SIGNATURES:
            raise ProofError(f"more than {MAX_SIGNATURES} signature lines")
        if not raw_line.startswith(SIG_PREFIX):
            raise ProofError(f"signature line {n} does not start with an em dash and a space")
        name, sep, blob = raw_line[len(SIG_PREFIX) :].partition(" ")
        if not sep or not valid_name(name) or not blob:
            raise ProofError(f"signature line {n} is not '— name base64'")
        raw = canonical_b64decode(blob, f"signature line {n}")
        if len(raw) < 5:
            raise ProofError(f"signature line {n} is too short")
        sigs.append(Signature(name, int.from_bytes(raw[:4], "big"), raw[4:]))
    return text, sigs


def open_note(message: bytes, known: list[Verifier]) -> Note:
    """Verify ``message`` with the ``known`` verifiers (C2SP rules); raise :class:`ProofError`."""
    text, sigs = split_note(message)
    by_id = {(v.name, v.key_id): v for v in known}
    verified: list[Signature] = []
    unverified: list[Signature] = []
    seen: set[tuple[str, int]] = set()
    for sig in sigs:
        verifier = by_id.get((sig.name, sig.key_id))
        if verifier is None:
            unverified.append(sig)
            continue
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        if not verifier.verify(text, sig.signature):
            raise ProofError(f"the signature by {sig.name} ({sig.key_id:08x}) does not verify")
        verified.append(sig)
    if not verified:
        names = ", ".join(f"{v.name} ({v.key_id:08x})" for v in known) or "none given"
        raise ProofError(f"no known key signed this note (known: {names})")
    return Note(text, tuple(verified), tuple(unverified))


__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "Ed25519Signer",
    "Ed25519Verifier",
    "Note",
    "Signature",
    "Verifier",
    "canonical_b64decode",
    "key_id",
    "open_note",
    "parse_vkey",
    "sign_note",
    "split_note",
    "valid_name",
]
