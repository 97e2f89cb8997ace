"""Export the ledger as static C2SP tlog-tiles files (c2sp.org/tlog-tiles), and read them back.

Layout under the export directory (serve it at any URL prefix)::

    checkpoint                       the latest signed checkpoint (text/plain; charset=utf-8)
    tile/<L>/<N>[.p/<W>]             hash tiles: 256 hashes of 32 bytes (partial: W hashes)
    tile/entries/<N>[.p/<W>]         entry bundles: uint16 big-endian length || entry, per entry

``<N>`` is written in 3-digit groups, every group but the last prefixed with ``x``
(1234067 -> ``x001/x234/067``). A level-``L`` tile ``N`` holds, for i = 0..255,
``MTH(D[(N*256 + i) * 256**L : (N*256 + i + 1) * 256**L])``; the partial tile at level ``L`` of a
tree of size ``s`` has ``floor(s / 256**L) mod 256`` hashes and is never hashed into the level
above.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from minshare.ledger.checkpoint import Checkpoint, open_checkpoint
from minshare.ledger.errors import LedgerError, ProofError
from minshare.ledger.log import Ledger
from minshare.ledger.merkle import HASH_SIZE, MemoryTree, TreeHasher, leaf_hash
from minshare.ledger.note import Ed25519Verifier

TILE_WIDTH = 256
TILE_HEIGHT = 8


def encode_index(n: int) -> str:
    """1234067 -> ``x001/x234/067``; 5 -> ``005``."""
    if n < 0:
        raise ValueError("a tile index is non-negative")
    digits = str(n)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>`` or ``tile/<L>/<N>.p/<W>`` for a partial tile."""
    if not 0 <= level <= 63 or not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"bad tile level {level} or width {width}")
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{encode_index(index)}{suffix}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"bad bundle width {width}")
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/entries/{encode_index(index)}{suffix}"


def tiles_for(size: int) -> list[tuple[int, int, int]]:
    """(level, index, width) of every tile a tree of ``size`` leaves needs."""
    out: list[tuple[int, int, int]] = []
    level = 0
    while True:
        hashes = size // TILE_WIDTH**level
        if hashes == 0:
            break
        for index in range(hashes // TILE_WIDTH):
            out.append((level, index, TILE_WIDTH))
        if hashes % TILE_WIDTH:
            out.append((level, hashes // TILE_WIDTH, hashes % TILE_WIDTH))
        level += 1
    return out


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass(frozen=True)
class TileExport:
    directory: Path
    size: int
    tiles: int
    bundles: int


def export_tiles(ledger: Ledger, out: Path) -> TileExport:
    """Write the checkpoint, every hash tile and every entry bundle of the latest tree."""
    out = Path(out)
    note = ledger.checkpoint()
    size = open_checkpoint(note, ledger.verifier).checkpoint.size
    if ledger.size() < size:
        raise LedgerError("the checkpoint is ahead of the entries", file=ledger.store.location)
    count = 0
    for level, index, width in tiles_for(size):
        # A tile is a run of stored subtree hashes at one level: one range read.
        start = index * TILE_WIDTH
        hashes = ledger.store.hash_range(TILE_HEIGHT * level, start, start + width)
        if len(hashes) != width:
            raise LedgerError(
                f"stored hashes missing for tile {tile_path(level, index, width)} "
                "(run `minshare ledger verify`)",
                file=ledger.store.location,
            )
        _write(out, tile_path(level, index, width), b"".join(hashes))
        count += 1
    bundles = 0
    for _, index, width in (t for t in tiles_for(size) if t[0] == 0):
        entries = ledger.store.entries(index * TILE_WIDTH, index * TILE_WIDTH + width)
        body = b"".join(len(e.data).to_bytes(2, "big") + e.data for e in entries)
        _write(out, entries_path(index, width), body)
        bundles += 1
    _write(out, "checkpoint", note)
    return TileExport(out, size, count, bundles)


def read_tiles(directory: Path, verifier: Ed25519Verifier) -> tuple[Checkpoint, list[bytes]]:
    """A small tlog client over an export: verify the checkpoint, read every entry bundle, check
    each entry against its level-0 tile, each tile against the level above, and the root
    against the checkpoint. Returns the checkpoint and the entries."""
    directory = Path(directory)
    try:
        note = (directory / "checkpoint").read_bytes()
    except OSError as exc:
        raise ProofError("no checkpoint", file=str(directory)) from exc
    checkpoint = open_checkpoint(note, verifier).checkpoint
    size = checkpoint.size
    entries: list[bytes] = []
    tiles: dict[tuple[int, int], list[bytes]] = {}
    for level, index, width in tiles_for(size):
        rel = tile_path(level, index, width)
        try:
            data = (directory / rel).read_bytes()
        except OSError as exc:
            raise ProofError("missing tile", file=rel) from exc
        if len(data) != width * HASH_SIZE:
            raise ProofError(f"{len(data)} bytes, not {width * HASH_SIZE}", file=rel)
        tiles[(level, index)] = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        if level == 0:
            rel = entries_path(index, width)
            try:
                bundle = (directory / rel).read_bytes()
            except OSError as exc:
                raise ProofError("missing entry bundle", file=rel) from exc
            at = 0
            for i in range(width):
                if at + 2 > len(bundle):
                    raise ProofError(f"ends before entry {i}", file=rel)
                n = int.from_bytes(bundle[at : at + 2], "big")
                entry = bundle[at + 2 : at + 2 + n]
                if len(entry) != n:
                    raise ProofError(f"entry {i} is cut short", file=rel)
                if leaf_hash(entry) != tiles[(0, index)][i]:
                    raise ProofError(f"entry {i} does not hash to its tile's hash", file=rel)
                entries.append(entry)
                at += 2 + n
            if at != len(bundle):
                raise ProofError("bytes after the last entry", file=rel)
    tree = MemoryTree([leaf_hash(e) for e in entries])
    for (level, index), hashes in tiles.items():
        for i, h in enumerate(hashes):
            if tree.complete(TILE_HEIGHT * level, index * TILE_WIDTH + i) != h:
                raise ProofError(
                    f"hash {i} is not the subtree's hash", file=tile_path(level, index, len(hashes))
                )
    if TreeHasher(tree).root(size) != checkpoint.root:
        raise ProofError("the tiles do not hash to the checkpoint's root", file="checkpoint")
    return checkpoint, entries


__all__ = [
    "TileExport",
    "encode_index",
    "entries_path",
    "export_tiles",
    "read_tiles",
    "tile_path",
    "tiles_for",
]
