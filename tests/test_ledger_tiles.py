"""C2SP tlog-tiles export: paths, partial tiles, entry bundles, and a client that reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_support import disclose
from minshare.ledger.errors import ProofError
from minshare.ledger.log import open_ledger
from minshare.ledger.tiles import (
    encode_index,
    entries_path,
    export_tiles,
    read_tiles,
    tile_path,
    tiles_for,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_tile_indexes_are_three_digit_groups_with_x_prefixes(n: int, text: str) -> None:
    assert encode_index(n) == text


def test_partial_tiles_carry_their_width() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(1, 3, 17) == "tile/1/003.p/17"
    assert entries_path(2, 255) == "tile/entries/002.p/255"


def test_the_specs_example_tree_of_70000_entries() -> None:
    tiles = tiles_for(70_000)
    level0 = [t for t in tiles if t[0] == 0]
    assert len([t for t in level0 if t[2] == 256]) == 273
    assert level0[-1] == (0, 273, 112)
    assert [t for t in tiles if t[0] == 1] == [(1, 0, 256), (1, 1, 17)]
    assert [t for t in tiles if t[0] == 2] == [(2, 0, 1)]
    assert tiles_for(256) == [(0, 0, 256), (1, 0, 1)]


def test_an_export_reads_back_and_matches_the_checkpoint(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    for i in range(3):
        disclose(ws, [f"M{i}"], name=f"p{i}", request_id=f"R-{i}")
    with open_ledger(ws) as ledger:
        export = export_tiles(ledger, tmp_path / "tiles")
        checkpoint, entries = read_tiles(tmp_path / "tiles", ledger.verifier)
        assert (export.size, checkpoint.size) == (3, 3)
        assert entries == [e.data for e in ledger.store.entries()]
    assert (tmp_path / "tiles" / "tile" / "0" / "000.p" / "3").stat().st_size == 96
    assert (tmp_path / "tiles" / "tile" / "entries" / "000.p" / "3").exists()


def test_a_flipped_byte_in_an_exported_tile_or_bundle_is_caught(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    for i in range(2):
        disclose(ws, [f"M{i}"], name=f"p{i}", request_id=f"R-{i}")
    with open_ledger(ws) as ledger:
        export_tiles(ledger, tmp_path / "tiles")
        for rel in ("tile/0/000.p/2", "tile/entries/000.p/2", "checkpoint"):
            path = tmp_path / "tiles" / rel
            data = bytearray(path.read_bytes())
            data[len(data) // 2] ^= 0x04
            path.write_bytes(bytes(data))
            with pytest.raises(ProofError):
                read_tiles(tmp_path / "tiles", ledger.verifier)
            data[len(data) // 2] ^= 0x04
            path.write_bytes(bytes(data))
        read_tiles(tmp_path / "tiles", ledger.verifier)
