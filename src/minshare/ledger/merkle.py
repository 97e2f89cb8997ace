"""RFC 9162 (RFC 6962) Merkle trees: tree hashes, inclusion and consistency proofs.

The algorithms are the RFC's, written as the RFC writes them (§2.1.1 to §2.1.4), so a reader can
put this file beside the RFC and compare line by line:

- ``MTH(D[lo:hi])`` splits at the largest power of two strictly below ``hi - lo``; odd nodes are
  never duplicated; leaves and nodes are domain-separated by a 0x00 / 0x01 prefix.
- ``PATH`` and ``PROOF`` / ``SUBPROOF`` generate proofs; the two ``verify_*`` functions follow
  the RFC's verification steps, plus the checks the RFC leaves to implementations (hash sizes,
  index below size, path lengths). Their edge policy is in ``docs/ledger.md``.

A :class:`TreeHasher` reads only *complete* subtrees from a :class:`HashSource` (a subtree of
``2**level`` leaves starting at a multiple of ``2**level``), the way Go's ``sumdb/tlog`` stores
its hashes; the ragged right edge of a tree of any size is computed from them on demand, so the
same stored hashes answer for every tree size.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from typing import Protocol

from minshare.ledger.errors import ProofError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
#: MTH of the empty tree: SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """``HASH(0x00 || data)``: the hash of one entry's bytes."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``HASH(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly less than ``n`` (``n >= 2``)."""
    if n < 2:
        raise ValueError(f"split_point needs n >= 2, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


def is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


class HashSource(Protocol):
    """Stored hashes of complete subtrees."""

    @property
    def size(self) -> int:
        """Number of leaves stored."""
        ...

    def complete(self, level: int, index: int) -> bytes:
        """MTH of leaves ``[index * 2**level, (index + 1) * 2**level)``, all below ``size``."""
        ...


class MemoryTree:
    """All complete-subtree hashes of a growing tree, in memory; O(log n) amortized appends.

    ``levels[0]`` holds the leaf hashes, ``levels[k][j]`` the hash of the complete subtree
    ``[j * 2**k, (j + 1) * 2**k)``.
    """

    def __init__(self, leaf_hashes: Sequence[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> int:
        """Add a leaf *hash*; return its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf)}")
        index = len(self.levels[0])
        self.levels[0].append(leaf)
        i, k = index, 0
        while i % 2 == 1:
            parent = node_hash(self.levels[k][i - 1], self.levels[k][i])
            k += 1
            if len(self.levels) == k:
                self.levels.append([])
            self.levels[k].append(parent)
            i = len(self.levels[k]) - 1
        return index

    def complete(self, level: int, index: int) -> bytes:
        return self.levels[level][index]


class TreeHasher:
    """Tree hashes and proofs over a :class:`HashSource`, for any size up to ``source.size``."""

    def __init__(self, source: HashSource) -> None:
        self.source = source

    def _check_size(self, size: int) -> None:
        if size < 0 or size > self.source.size:
            raise ProofError(f"tree size {size} is not between 0 and {self.source.size}")

    def hash(self, lo: int, hi: int) -> bytes:
        """``MTH(D[lo:hi])``."""
        n = hi - lo
        if n <= 0:
            if n == 0:
                return EMPTY_ROOT
            raise ValueError(f"empty range [{lo}, {hi})")
        if is_power_of_two(n) and lo % n == 0:
            return self.source.complete(n.bit_length() - 1, lo // n)
        k = split_point(n)
        return node_hash(self.hash(lo, lo + k), self.hash(lo + k, hi))

    def root(self, size: int | None = None) -> bytes:
        size = self.source.size if size is None else size
        self._check_size(size)
        return self.hash(0, size)

    # RFC 9162 §2.1.3.1
    def _path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = split_point(n)
        if m < k:
            return [*self._path(m, lo, lo + k), self.hash(lo + k, hi)]
        return [*self._path(m - k, lo + k, hi), self.hash(lo, lo + k)]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
        size = self.source.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ProofError(f"leaf index {index} is not below tree size {size}")
        return self._path(index, 0, size)

    # RFC 9162 §2.1.4.1
    def _subproof(self, m: int, lo: int, hi: int, b: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if b else [self.hash(lo, hi)]
        k = split_point(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, b), self.hash(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self.hash(lo, lo + k)]

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """``PROOF(first, D[0:second])``; empty when ``first == second`` (see the edge policy)."""
        second = self.source.size if second is None else second
        self._check_size(second)
        if not 0 < first <= second:
            raise ProofError(
                f"a consistency proof needs 0 < first <= second, got {first} and {second}"
            )
        if first == second:
            return []
        return self._subproof(first, 0, second, True)


class _Planner:
    """A :class:`HashSource` that notes which complete subtrees an algorithm reads (answering
    with zeros), so a store can fetch them all in one query before the real run."""

    def __init__(self, size: int) -> None:
        self._size = size
        self.wanted: dict[tuple[int, int], None] = {}

    @property
    def size(self) -> int:
        return self._size

    def complete(self, level: int, index: int) -> bytes:
        self.wanted[(level, index)] = None
        return bytes(HASH_SIZE)


def subtrees_read(size: int, run: Callable[[TreeHasher], object]) -> list[tuple[int, int]]:
    """The ``(level, index)`` complete subtrees ``run`` reads from a tree of ``size`` leaves, in
    the order it first reads them: at most about 2 * log2(size) for a root or a proof.
    Errors (a bad index or size) are left for the real run to raise."""
    planner = _Planner(size)
    with contextlib.suppress(ProofError, ValueError):
        run(TreeHasher(planner))
    return list(planner.wanted)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (convenience; small trees)."""
    return TreeHasher(MemoryTree(leaf_hashes)).root()


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def max_inclusion_path(size: int) -> int:
    return (size - 1).bit_length() if size > 1 else 0


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: raise :class:`ProofError` unless ``leaf`` (a leaf *hash*) is at
    ``index`` in the tree of ``size`` leaves whose root is ``root``.

    ``index`` and ``size`` must come from a verified checkpoint, not from the proof object: a path
    alone does not pin the size.
    """
    _check_hash(leaf, "the leaf hash")
    _check_hash(root, "the root hash")
    for i, p in enumerate(path):
        _check_hash(p, f"path[{i}]")
    if index < 0 or size < 0 or index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    if len(path) > max_inclusion_path(size):
        raise ProofError(f"the path has {len(path)} hashes; size {size} needs fewer")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("the inclusion path is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion path is too short")
    if r != root:
        raise ProofError(f"the inclusion path of leaf {index} does not lead to the root")


def verify_consistency(
    first: int, first_root: bytes, second: int, second_root: bytes, path: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise :class:`ProofError` unless the tree of ``first`` leaves with root
    ``first_root`` is a prefix of the tree of ``second`` leaves with root ``second_root``.

    Edge policy: ``first == second`` needs an empty path and equal roots; ``first == 0`` is
    refused here (the empty tree is a prefix of every tree; callers decide that without a proof);
    ``first > second`` is refused.
    """
    _check_hash(first_root, "the first root")
    _check_hash(second_root, "the second root")
    for i, c in enumerate(path):
        _check_hash(c, f"path[{i}]")
    if first <= 0:
        raise ProofError(
            "a consistency proof from size 0 is not a proof; the empty tree needs none"
        )
    if first > second:
        raise ProofError(f"first size {first} is larger than second size {second}")
    if first == second:
        if path:
            raise ProofError("equal sizes need an empty consistency path")
        if first_root != second_root:
            raise ProofError(f"two different roots for the same size {first}")
        return
    if not path:  # step 1
        raise ProofError("the consistency path is empty")
    if len(path) > (second - 1).bit_length() + 1:
        raise ProofError(f"the path has {len(path)} hashes; sizes {first}->{second} need fewer")
    nodes = list(path)
    if is_power_of_two(first):  # step 2
        nodes = [first_root, *nodes]
    fn, sn = first - 1, second - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]  # step 5
    for c in nodes[1:]:  # step 6
        if sn == 0:
            raise ProofError("the consistency path is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # step 7
        raise ProofError("the consistency path is too short")
    if fr != first_root:
        raise ProofError(f"the consistency path does not lead to the root of size {first}")
    if sr != second_root:
        raise ProofError(f"the consistency path does not lead to the root of size {second}")


__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "HashSource",
    "MemoryTree",
    "TreeHasher",
    "is_power_of_two",
    "leaf_hash",
    "node_hash",
    "root_of",
    "split_point",
    "subtrees_read",
    "verify_consistency",
    "verify_inclusion",
]
