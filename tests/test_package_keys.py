"""Ed25519 keys: generated files are standard, private, never overwritten, loadable."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from minshare.errors import UsageError
from minshare.package import keys


def test_generated_pair_signs_and_verifies(tmp_path: Path) -> None:
    paths = keys.generate_keypair(tmp_path / "k", "alice")
    private = keys.load_private_key(paths.private)
    public = keys.load_public_key(paths.public)
    sig = keys.sign(private, b"manifest")
    assert keys.signature_valid(public, sig, b"manifest")
    assert not keys.signature_valid(public, sig, b"manifesT")
    assert paths.private.name == "alice.key"
    assert paths.public.name == "alice.pub"


def test_private_key_file_is_pkcs8_pem_readable_only_by_owner(tmp_path: Path) -> None:
    paths = keys.generate_keypair(tmp_path)
    assert stat.S_IMODE(paths.private.stat().st_mode) == 0o600
    assert paths.private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert paths.public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_key_id_is_first_8_bytes_of_sha256_of_raw_public_key(tmp_path: Path) -> None:
    public = keys.load_public_key(keys.generate_keypair(tmp_path).public)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert len(raw) == 32
    assert keys.key_id(public) == hashlib.sha256(raw).hexdigest()[:16]


def test_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    paths = keys.generate_keypair(tmp_path)
    before = paths.private.read_bytes()
    with pytest.raises(UsageError, match="never overwritten"):
        keys.generate_keypair(tmp_path)
    assert paths.private.read_bytes() == before


def test_default_signing_key_is_created_once_then_reused(tmp_path: Path) -> None:
    first = keys.default_signing_key(tmp_path / "ws")
    second = keys.default_signing_key(tmp_path / "ws")
    assert keys.key_id(first.public_key()) == keys.key_id(second.public_key())
    assert (tmp_path / "ws" / "keys" / "minshare.key").is_file()
    assert (tmp_path / "ws" / "keys" / "minshare.pub").is_file()


def test_public_key_loads_from_the_base64_a_manifest_embeds(tmp_path: Path) -> None:
    public = keys.load_public_key(keys.generate_keypair(tmp_path).public)
    b64 = tmp_path / "raw.txt"
    b64.write_text(keys.public_key_b64(public) + "\n")
    assert keys.key_id(keys.load_public_key(b64)) == keys.key_id(public)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a key", "not a base64 Ed25519 public key"),
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "not a PEM public key"),
        (base64.b64encode(b"x" * 31), "32 bytes"),
    ],
)
def test_bad_public_key_file_is_a_usage_error_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.pub"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=message) as err:
        keys.load_public_key(path)
    assert err.value.location.file == str(path)


def test_private_key_given_as_public_key_is_refused(tmp_path: Path) -> None:
    paths = keys.generate_keypair(tmp_path)
    with pytest.raises(UsageError, match="private key"):
        keys.load_public_key(paths.private)


def test_missing_or_bad_private_key_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such key file"):
        keys.load_private_key(tmp_path / "nope.key")
    bad = tmp_path / "bad.key"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(UsageError, match="not a PEM private key"):
        keys.load_private_key(bad)


def test_key_name_cannot_escape_the_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="key name"):
        keys.generate_keypair(tmp_path, "../evil")
