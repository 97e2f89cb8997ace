"""C2SP checkpoints (c2sp.org/tlog-checkpoint) and Ed25519 cosignatures (c2sp.org/tlog-cosignature).

A checkpoint's note text is exactly three lines: the origin, the tree size in ASCII decimal (no
leading zeroes), the root hash in standard base64. minshare writes no extension lines and
refuses them when it parses, so every line a witness signs is one a monitor can audit.

A cosignature (type 0x04) is a note signature whose key id is
``SHA-256(name || "\\n" || 0x04 || public key)[:4]`` and whose signature bytes are
``u64 big-endian timestamp || Ed25519 signature`` over
``"cosignature/v1\\n" "time <timestamp>\\n" <checkpoint text>``.
"""

from __future__ import annotations

import base64
import re
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from minshare.ledger.errors import ProofError
from minshare.ledger.merkle import HASH_SIZE
from minshare.ledger.note import (
    ALG_COSIGNATURE_V1,
    Ed25519Signer,
    Ed25519Verifier,
    Note,
    Signature,
    Verifier,
    canonical_b64decode,
    check_name,
    key_id,
    open_note,
    sign_note,
    split_note,
    valid_name,
)

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
COSIGNATURE_HEADER = b"cosignature/v1\n"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        if not valid_name(self.origin):
            raise ProofError(f"origin {self.origin!r}: non-empty, no spaces and no '+'")
        if self.size < 0:
            raise ProofError(f"tree size {self.size} is negative")
        if len(self.root) != HASH_SIZE:
            raise ProofError(f"the root hash is {len(self.root)} bytes, not {HASH_SIZE}")

    def text(self) -> bytes:
        root = base64.b64encode(self.root).decode("ascii")
        return f"{self.origin}\n{self.size}\n{root}\n".encode()


def parse_checkpoint(text: bytes) -> Checkpoint:
    """Strictly three lines: origin, decimal size, base64 root; no extension lines."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProofError("the checkpoint is not UTF-8") from exc
    lines = decoded.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise ProofError("a checkpoint is three lines, each ending in a newline")
    if len(lines) > 4:
        raise ProofError("the checkpoint has extension lines; minshare accepts none")
    origin, size, root = lines[:3]
    if not _DECIMAL.fullmatch(size):
        raise ProofError(f"tree size {size!r} is not ASCII decimal without leading zeroes")
    raw = canonical_b64decode(root, "the root hash")
    return Checkpoint(origin, int(size), raw)


def sign_checkpoint(checkpoint: Checkpoint, signer: Ed25519Signer) -> bytes:
    """The checkpoint as a signed note. The log's key name must be the origin."""
    if signer.name != checkpoint.origin:
        raise ProofError(
            f"the log key is named {signer.name!r}, the origin is {checkpoint.origin!r}"
        )
    return sign_note(checkpoint.text(), signer)


@dataclass(frozen=True)
class OpenedCheckpoint:
    checkpoint: Checkpoint
    note: Note


def open_checkpoint(
    message: bytes, log_key: Ed25519Verifier, witnesses: tuple[Cosigner | CosignerKey, ...] = ()
) -> OpenedCheckpoint:
    """Verify the log's signature (and, for each witness given, its cosignature)."""
    known: list[Verifier] = [log_key]
    keys = [w if isinstance(w, CosignerKey) else w.key for w in witnesses]
    known.extend(keys)
    note = open_note(message, known)
    if not any(s.name == log_key.name and s.key_id == log_key.key_id for s in note.verified):
        raise ProofError(f"the checkpoint is not signed by the log key {log_key.name}")
    checkpoint = parse_checkpoint(note.text)
    if checkpoint.origin != log_key.name:
        raise ProofError(f"origin {checkpoint.origin!r} is not the log key's name {log_key.name!r}")
    for key in keys:
        if not any(s.name == key.name and s.key_id == key.key_id for s in note.verified):
            raise ProofError(f"no cosignature by witness {key.name} ({key.key_id:08x})")
    return OpenedCheckpoint(checkpoint, note)


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    return COSIGNATURE_HEADER + f"time {timestamp}\n".encode("ascii") + text


@dataclass(frozen=True)
class CosignerKey:
    """A witness's public key for type 0x04 cosignatures; usable as a note verifier."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> int:
        return key_id(self.name, ALG_COSIGNATURE_V1, self.public_key)

    @property
    def vkey(self) -> str:
        blob = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id:08x}+{blob}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != 8 + 64:
            return False
        (timestamp,) = struct.unpack(">Q", signature[:8])
        if timestamp > 2**63 - 1:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                signature[8:], cosigned_message(message, timestamp)
            )
        except InvalidSignature:
            return False
        return True


def parse_cosigner_vkey(vkey: str) -> CosignerKey:
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or not valid_name(parts[0]) or len(parts[1]) != 8:
        raise ProofError(f"witness key {vkey!r} is not name+keyid+base64")
    raw = canonical_b64decode(parts[2], "the witness key")
    if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
        raise ProofError(f"witness key {vkey!r} is not an Ed25519 cosignature (0x04) key")
    key = CosignerKey(parts[0], raw[1:])
    if f"{key.key_id:08x}" != parts[1]:
        raise ProofError(f"witness key {vkey!r}: the key id does not match")
    return key


@dataclass(frozen=True)
class Cosigner:
    """A witness (a state, a court monitor) that cosigns checkpoints with its own Ed25519 key."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        check_name(self.name)

    @property
    def key(self) -> CosignerKey:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return CosignerKey(self.name, raw)

    def cosign(self, checkpoint_note: bytes, timestamp: int) -> Signature:
        """The cosignature line for a checkpoint note (its text; the log's signature is not
        checked here: a witness checks it, and consistency, before calling this)."""
        text, _ = split_note(checkpoint_note)
        parse_checkpoint(text)
        sig = self.private_key.sign(cosigned_message(text, timestamp))
        return Signature(self.name, self.key.key_id, struct.pack(">Q", timestamp) + sig)


def add_signature(note: bytes, signature: Signature) -> bytes:
    """Append a signature line to a note (kept after the existing ones)."""
    split_note(note)
    return note + signature.line().encode("utf-8")


__all__ = [
    "Checkpoint",
    "Cosigner",
    "CosignerKey",
    "OpenedCheckpoint",
    "add_signature",
    "cosigned_message",
    "open_checkpoint",
    "parse_checkpoint",
    "parse_cosigner_vkey",
    "sign_checkpoint",
]
