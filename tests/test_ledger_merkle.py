"""RFC 9162 trees and proofs: every proof verifies, every change is caught, edges follow policy."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minshare.ledger.errors import ProofError
from minshare.ledger.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    TreeHasher,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)


def reference_mth(entries: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, recursively and independently of the code under test."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(
        b"\x01" + reference_mth(entries[:k]) + reference_mth(entries[k:])
    ).digest()


def tree(n: int) -> tuple[list[bytes], TreeHasher]:
    entries = [f"entry {i}".encode() for i in range(n)]
    return entries, TreeHasher(MemoryTree([leaf_hash(e) for e in entries]))


def test_the_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert tree(0)[1].root() == EMPTY_ROOT


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 100])
def test_roots_equal_the_recursive_definition_at_every_size(n: int) -> None:
    entries, hasher = tree(n)
    for size in range(n + 1):
        assert hasher.root(size) == reference_mth(entries[:size])


def test_odd_nodes_are_promoted_never_duplicated() -> None:
    entries, hasher = tree(3)
    a, b, c = (leaf_hash(e) for e in entries)
    ab = hashlib.sha256(b"\x01" + a + b).digest()
    assert hasher.root() == hashlib.sha256(b"\x01" + ab + c).digest()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_inclusion_proof_verifies(n: int, data: st.DataObject) -> None:
    entries, hasher = tree(n)
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    path = hasher.inclusion_proof(index, size)
    verify_inclusion(index, size, leaf_hash(entries[index]), path, hasher.root(size))


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 300), st.data())
def test_every_consistency_proof_verifies(n: int, data: st.DataObject) -> None:
    _, hasher = tree(n)
    second = data.draw(st.integers(1, n))
    first = data.draw(st.integers(1, second))
    path = hasher.consistency_proof(first, second)
    verify_consistency(first, hasher.root(first), second, hasher.root(second), path)


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 70), st.data())
def test_any_flipped_bit_in_an_inclusion_proof_is_caught(n: int, data: st.DataObject) -> None:
    entries, hasher = tree(n)
    index = data.draw(st.integers(0, n - 1))
    path = hasher.inclusion_proof(index, n)
    parts = [leaf_hash(entries[index]), *path, hasher.root(n)]
    which = data.draw(st.integers(0, len(parts) - 1))
    byte = data.draw(st.integers(0, 31))
    bit = data.draw(st.integers(0, 7))
    flipped = bytearray(parts[which])
    flipped[byte] ^= 1 << bit
    parts[which] = bytes(flipped)
    with pytest.raises(ProofError):
        verify_inclusion(index, n, parts[0], parts[1:-1], parts[-1])


@settings(max_examples=80, deadline=None)
@given(st.integers(3, 70), st.data())
def test_any_flipped_bit_in_a_consistency_proof_is_caught(n: int, data: st.DataObject) -> None:
    _, hasher = tree(n)
    first = data.draw(st.integers(1, n - 1))
    path = hasher.consistency_proof(first, n)
    parts = [hasher.root(first), *path, hasher.root(n)]
    which = data.draw(st.integers(0, len(parts) - 1))
    flipped = bytearray(parts[which])
    flipped[data.draw(st.integers(0, 31))] ^= 1 << data.draw(st.integers(0, 7))
    parts[which] = bytes(flipped)
    with pytest.raises(ProofError):
        verify_consistency(first, parts[0], n, parts[-1], parts[1:-1])


def test_an_inclusion_proof_names_its_index() -> None:
    entries, hasher = tree(10)
    path = hasher.inclusion_proof(4, 10)
    with pytest.raises(ProofError):
        verify_inclusion(5, 10, leaf_hash(entries[4]), path, hasher.root())


def test_a_path_alone_does_not_pin_the_size_which_is_why_it_comes_from_a_checkpoint() -> None:
    entries, hasher = tree(3)
    path = hasher.inclusion_proof(0, 3)
    verify_inclusion(0, 3, leaf_hash(entries[0]), path, hasher.root(3))
    verify_inclusion(0, 4, leaf_hash(entries[0]), path, hasher.root(3))  # the RFC's weakness


@pytest.mark.parametrize(("first", "second"), [(1, 8), (2, 5), (4, 7), (8, 9), (1, 2)])
def test_consistency_from_a_power_of_two_prepends_the_old_root(first: int, second: int) -> None:
    _, hasher = tree(second)
    path = hasher.consistency_proof(first, second)
    assert hasher.root(first) not in path  # omitted by the prover, prepended by the verifier
    verify_consistency(first, hasher.root(first), second, hasher.root(second), path)


def test_a_tree_that_is_not_a_prefix_is_rejected() -> None:
    _, a = tree(6)
    other = TreeHasher(MemoryTree([leaf_hash(b"x"), leaf_hash(b"y")]))
    with pytest.raises(ProofError):
        verify_consistency(2, other.root(), 6, a.root(), a.consistency_proof(2, 6))


def test_edge_policy_equal_sizes_need_an_empty_path_and_equal_roots() -> None:
    _, hasher = tree(5)
    verify_consistency(5, hasher.root(), 5, hasher.root(), [])
    with pytest.raises(ProofError):
        verify_consistency(5, hasher.root(), 5, hasher.root(), [hasher.root()])
    with pytest.raises(ProofError):
        verify_consistency(5, hasher.root(4), 5, hasher.root(), [])


def test_edge_policy_size_zero_and_reversed_sizes_are_refused() -> None:
    _, hasher = tree(5)
    with pytest.raises(ProofError):
        verify_consistency(0, EMPTY_ROOT, 5, hasher.root(), [hasher.root()])
    with pytest.raises(ProofError):
        verify_consistency(5, hasher.root(), 3, hasher.root(3), [hasher.root()])
    with pytest.raises(ProofError):
        hasher.consistency_proof(0, 5)


def test_index_beyond_size_and_short_hashes_are_refused() -> None:
    entries, hasher = tree(4)
    with pytest.raises(ProofError):
        verify_inclusion(4, 4, leaf_hash(entries[0]), [], hasher.root())
    with pytest.raises(ProofError):
        verify_inclusion(0, 4, leaf_hash(entries[0])[:31], [], hasher.root())
    with pytest.raises(ProofError):
        hasher.inclusion_proof(4, 4)


def test_a_too_long_or_too_short_path_is_refused() -> None:
    entries, hasher = tree(8)
    path = hasher.inclusion_proof(3, 8)
    with pytest.raises(ProofError):
        verify_inclusion(3, 8, leaf_hash(entries[3]), path[:-1], hasher.root())
    with pytest.raises(ProofError):
        verify_inclusion(3, 8, leaf_hash(entries[3]), [*path, path[0]], hasher.root())
