"""C2SP signed notes, checkpoints and cosignatures, byte for byte as the specs write them."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from minshare.errors import UsageError
from minshare.ledger.checkpoint import (
    Checkpoint,
    Cosigner,
    open_checkpoint,
    parse_checkpoint,
    parse_cosigner_vkey,
    sign_checkpoint,
)
from minshare.ledger.errors import ProofError
from minshare.ledger.note import Ed25519Signer, open_note, parse_vkey, sign_note

ORIGIN = "example.com/minshare/test"


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.fixture(scope="module")
def signer() -> Ed25519Signer:
    return Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())


def test_key_id_is_the_first_four_bytes_of_sha256_of_name_newline_type_and_key(
    signer: Ed25519Signer,
) -> None:
    pub = raw(signer.private_key)
    want = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + pub).digest()[:4]
    assert signer.key_id == int.from_bytes(want, "big")
    blob = base64.b64encode(b"\x01" + pub).decode()
    assert signer.verifier.vkey == f"{ORIGIN}+{want.hex()}+{blob}"


def test_a_vkey_whose_base64_holds_a_plus_parses() -> None:
    for _ in range(200):
        s = Ed25519Signer(ORIGIN, Ed25519PrivateKey.generate())
        if "+" in s.verifier.vkey.split("+", 2)[2]:
            break
    else:  # pragma: no cover - (1 - 1/32)^(44*200) is nil
        pytest.skip("no key with '+' in its base64")
    assert parse_vkey(s.verifier.vkey) == s.verifier


def test_a_vkey_with_a_wrong_key_id_is_refused(signer: Ed25519Signer) -> None:
    name, kid, blob = signer.verifier.vkey.split("+", 2)
    bad = f"{name}+{int(kid, 16) ^ 1:08x}+{blob}"
    with pytest.raises(UsageError):
        parse_vkey(bad)


def test_signature_lines_start_with_an_em_dash_and_carry_key_id_then_signature(
    signer: Ed25519Signer,
) -> None:
    note = sign_note(b"hello\n", signer)
    text, line = note.split(b"\n\n")
    assert text == b"hello"
    assert line.startswith("— ".encode() + ORIGIN.encode() + b" ")
    blob = base64.b64decode(line.split(b" ")[-1])
    assert len(blob) == 68
    assert struct.unpack(">I", blob[:4])[0] == signer.key_id
    signer.verifier.verify(b"hello\n", blob[4:])


def test_unknown_signatures_are_ignored_and_a_bad_known_one_rejects_the_note(
    signer: Ed25519Signer,
) -> None:
    other = Ed25519Signer("other.example/x", Ed25519PrivateKey.generate())
    note = sign_note(b"text\n", other, signer)
    opened = open_note(note, [signer.verifier])
    assert [s.name for s in opened.verified] == [ORIGIN]
    assert [s.name for s in opened.unverified] == ["other.example/x"]
    with pytest.raises(ProofError):
        open_note(sign_note(b"text\n", other), [signer.verifier])
    tampered = note.replace(b"text\n", b"Text\n", 1)
    with pytest.raises(ProofError):
        open_note(tampered, [signer.verifier])


@pytest.mark.parametrize(
    "text", [b"no newline", b"a\x07bell\n", b"two\n\nparagraphs\n", b"\xff\xfe\n"]
)
def test_malformed_note_text_is_refused(signer: Ed25519Signer, text: bytes) -> None:
    with pytest.raises(ProofError):
        sign_note(text, signer)


def test_a_checkpoint_is_origin_size_and_base64_root(signer: Ed25519Signer) -> None:
    cp = Checkpoint(ORIGIN, 20852163, bytes(range(32)))
    assert cp.text() == (
        f"{ORIGIN}\n20852163\n{base64.b64encode(bytes(range(32))).decode()}\n".encode()
    )
    opened = open_checkpoint(sign_checkpoint(cp, signer), signer.verifier)
    assert opened.checkpoint == cp


@pytest.mark.parametrize(
    "text",
    [
        b"o\n010\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  # leading zero
        b"o\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        b"o\n1\nAAAA\n",  # not 32 bytes
        b"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n",  # spare bits set
        b"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextension\n",
        b"o o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        b"o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ],
)
def test_checkpoints_are_parsed_strictly(text: bytes) -> None:
    with pytest.raises(ProofError):
        parse_checkpoint(text)


def test_the_log_key_must_be_named_after_the_origin(signer: Ed25519Signer) -> None:
    with pytest.raises(ProofError):
        sign_checkpoint(Checkpoint("elsewhere.example", 1, bytes(32)), signer)


def test_a_cosignature_signs_the_v1_message_with_a_timestamp(signer: Ed25519Signer) -> None:
    cp = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), signer)
    witness = Cosigner("monitor.example/w1", Ed25519PrivateKey.generate())
    sig = witness.cosign(cp, 1679315147)
    pub = raw(witness.private_key)
    want_id = hashlib.sha256(b"monitor.example/w1\n\x04" + pub).digest()[:4]
    assert sig.key_id == int.from_bytes(want_id, "big")
    assert sig.signature[:8] == struct.pack(">Q", 1679315147)
    message = b"cosignature/v1\ntime 1679315147\n" + Checkpoint(ORIGIN, 3, bytes(32)).text()
    witness.private_key.public_key().verify(sig.signature[8:], message)
    cosigned = cp + sig.line().encode()
    key = parse_cosigner_vkey(witness.key.vkey)
    assert open_checkpoint(cosigned, signer.verifier, (key,)).checkpoint.size == 3
    with pytest.raises(ProofError):  # a witness that did not cosign
        open_checkpoint(cp, signer.verifier, (key,))


def test_go_private_key_encoding_carries_the_seed(signer: Ed25519Signer) -> None:
    parts = signer.skey.split("+", 4)
    assert parts[:3] == ["PRIVATE", "KEY", ORIGIN]
    assert int(parts[3], 16) == signer.key_id
    assert base64.b64decode(parts[4])[0] == 1
