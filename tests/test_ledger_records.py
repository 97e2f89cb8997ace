"""The record tree: exactly who was disclosed, sorted by person key, provable either way."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minshare.errors import DataError
from minshare.ledger import hashing
from minshare.ledger.merkle import EMPTY_ROOT, leaf_hash, root_of, verify_inclusion
from minshare.ledger.records import (
    StoredRecordTree,
    build_record_tree,
    decode_leaf,
    encode_leaf,
    person_key,
)

SECRET = b"s" * 32
COLUMNS = ["MSIS_IDENT_NUM", "BIRTH_DT", "ELGBL_LINE_1_ADR_HOME"]


def table(ids: list[str], addresses: list[str | None] | None = None) -> pa.Table:
    return pa.table(
        {
            "SUBMTG_STATE_CD": ["06"] * len(ids),
            "MSIS_IDENT_NUM": ids,
            "BIRTH_DT": pa.array([dt.date(1990, 1, 2)] * len(ids), pa.date32()),
            "ELGBL_LINE_1_ADR_HOME": addresses or [f"{i} Main" for i in range(len(ids))],
        }
    )


def fixed_salts(n: int) -> bytes:
    return (bytes(range(256)) * (n // 256 + 1))[:n]


def test_the_person_key_is_hmac_sha256_of_state_zero_byte_and_id() -> None:
    want = hmac.new(SECRET, b"06\x00M1", hashlib.sha256).digest()
    assert person_key(SECRET, "06", "M1") == want


def test_the_root_is_the_rfc_tree_over_leaves_sorted_by_person_key(tmp_path: Path) -> None:
    ids = ["M3", "M1", "M2"]
    tree = build_record_tree(
        table(ids, ["a", None, "c"]),
        columns=COLUMNS,
        workspace=tmp_path,
        secret=SECRET,
        salts=lambda n: bytes(n),
    )
    leaves = sorted(
        (
            person_key(SECRET, "06", i),
            encode_leaf(person_key(SECRET, "06", i), bytes(16), [i, "1990-01-02", a]),
        )
        for i, a in zip(ids, ["a", None, "c"], strict=True)
    )
    assert tree.root == root_of([leaf_hash(leaf) for _, leaf in leaves])
    stored = StoredRecordTree.open(tmp_path, tree.root)
    assert stored is not None
    assert [stored.leaf(i) for i in range(3)] == [leaf for _, leaf in leaves]
    assert decode_leaf(stored.leaf(0), 3).values[0] in ids


def test_a_null_value_is_encoded_as_all_ones_length() -> None:
    leaf = encode_leaf(bytes(32), bytes(16), [None, ""])
    assert leaf[49:] == b"\xff\xff\xff\xff\x00\x00\x00\x00"
    assert decode_leaf(leaf, 2).values == (None, "")


@pytest.mark.parametrize("bad", [b"\x02" + bytes(48), b"\x01" + bytes(30)])
def test_a_malformed_leaf_is_refused(bad: bytes) -> None:
    from minshare.ledger.errors import ProofError

    with pytest.raises(ProofError):
        decode_leaf(bad, 0)


def test_native_and_reference_backends_agree_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINSHARE_LEDGER_HASHING", "native")
    if hashing.backend().name != "native":
        pytest.skip("the native backend did not load here")
    ids = [f"P{i:05d}" for i in range(2000)]
    addresses = [None if i % 7 == 0 else "x" * (i % 50) for i in range(2000)]
    native = build_record_tree(
        table(ids, addresses),
        columns=COLUMNS,
        workspace=tmp_path / "a",
        secret=SECRET,
        salts=fixed_salts,
    )
    monkeypatch.setenv("MINSHARE_LEDGER_HASHING", "python")
    python = build_record_tree(
        table(ids, addresses),
        columns=COLUMNS,
        workspace=tmp_path / "b",
        secret=SECRET,
        salts=fixed_salts,
    )
    assert (native.backend, python.backend) == ("native", "python")
    assert native.root == python.root


def test_salts_differ_per_record_and_per_build(tmp_path: Path) -> None:
    a = build_record_tree(table(["M1", "M2"]), columns=COLUMNS, workspace=tmp_path, secret=SECRET)
    b = build_record_tree(table(["M1", "M2"]), columns=COLUMNS, workspace=tmp_path, secret=SECRET)
    assert a.root != b.root
    stored = StoredRecordTree.open(tmp_path, a.root)
    assert stored is not None
    salts = {decode_leaf(stored.leaf(i), 3).salt for i in range(2)}
    assert len(salts) == 2


def test_a_person_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="same person"):
        build_record_tree(
            table(["M1", "M2", "M1"]), columns=COLUMNS, workspace=tmp_path, secret=SECRET
        )


def test_a_record_without_a_medicaid_id_is_refused(tmp_path: Path) -> None:
    records = table(["M1", "M2"]).set_column(1, "MSIS_IDENT_NUM", pa.array(["M1", None]))
    with pytest.raises(DataError) as err:
        build_record_tree(records, columns=COLUMNS, workspace=tmp_path, secret=SECRET)
    assert err.value.location.row == 1


def test_a_float_column_is_refused_because_its_text_is_not_canonical(tmp_path: Path) -> None:
    records = table(["M1"]).append_column("X", pa.array([1.5]))
    with pytest.raises(DataError, match="type double"):
        build_record_tree(records, columns=[*COLUMNS, "X"], workspace=tmp_path, secret=SECRET)


def test_an_empty_package_has_the_empty_root(tmp_path: Path) -> None:
    tree = build_record_tree(table([]), columns=COLUMNS, workspace=tmp_path, secret=SECRET)
    assert (tree.root, tree.size) == (EMPTY_ROOT, 0)
    stored = StoredRecordTree.open(tmp_path, EMPTY_ROOT)
    assert stored is not None
    assert stored.find(bytes(32)).index is None


def test_records_arrive_as_batches_of_any_size(tmp_path: Path) -> None:
    ids = [f"M{i}" for i in range(100)]
    whole = build_record_tree(
        table(ids), columns=COLUMNS, workspace=tmp_path / "a", secret=SECRET, salts=fixed_salts
    )
    pieces = build_record_tree(
        table(ids).to_reader(max_chunksize=7),
        columns=COLUMNS,
        workspace=tmp_path / "b",
        secret=SECRET,
        salts=fixed_salts,
    )
    assert whole.root == pieces.root


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sets(st.text("ABC123", min_size=1, max_size=4), min_size=1, max_size=40),
    st.lists(st.text("ABC123", min_size=1, max_size=4), max_size=10),
)
def test_every_record_proves_inclusion_and_every_other_key_is_bracketed(
    tmp_path_factory: pytest.TempPathFactory, ids: set[str], probes: list[str]
) -> None:
    ws = tmp_path_factory.mktemp("ws")
    tree = build_record_tree(table(sorted(ids)), columns=COLUMNS, workspace=ws, secret=SECRET)
    stored = StoredRecordTree.open(ws, tree.root)
    assert stored is not None
    keys = [stored.key(i) for i in range(stored.size)]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    for i in range(stored.size):
        verify_inclusion(
            i, stored.size, leaf_hash(stored.leaf(i)), stored.inclusion_proof(i), tree.root
        )
    for probe in probes:
        key = person_key(SECRET, "06", probe)
        found = stored.find(key)
        if probe in ids:
            assert found.index is not None
            assert stored.key(found.index) == key
            continue
        assert found.index is None
        if found.left is not None:
            assert stored.key(found.left) < key
        if found.right is not None:
            assert key < stored.key(found.right)
        if found.left is not None and found.right is not None:
            assert found.right == found.left + 1


def test_stored_files_recompute_to_the_root(tmp_path: Path) -> None:
    tree = build_record_tree(
        table([f"M{i}" for i in range(50)]), columns=COLUMNS, workspace=tmp_path, secret=SECRET
    )
    stored = StoredRecordTree.open(tmp_path, tree.root)
    assert stored is not None
    assert stored.recompute_root() == tree.root == stored.hasher.root()
    assert stored.levels == []  # below 256 leaves every hash is recomputed from the leaves


def test_tree_bin_keeps_the_levels_from_eight_up_and_proofs_recompute_the_rest(
    tmp_path: Path,
) -> None:
    n = 600
    tree = build_record_tree(
        table([f"M{i}" for i in range(n)]), columns=COLUMNS, workspace=tmp_path, secret=SECRET
    )
    stored = StoredRecordTree.open(tmp_path, tree.root)
    assert stored is not None
    assert [level.shape for level in stored.levels] == [(2, 32), (1, 32)]
    assert (stored.directory / "tree.bin").stat().st_size == 3 * 32
    leaves = [leaf_hash(stored.leaf(i)) for i in range(n)]
    assert stored.levels[0][1].tobytes() == root_of(leaves[256:512])
    for i in (0, 255, 256, 511, 512, 599):
        path = stored.inclusion_proof(i)
        verify_inclusion(i, n, leaves[i], path, tree.root)  # raises unless it holds


def test_a_tree_written_with_every_level_still_reads(tmp_path: Path) -> None:
    import json

    from minshare.ledger.merkle import node_hash

    n = 300
    tree = build_record_tree(
        table([f"M{i}" for i in range(n)]), columns=COLUMNS, workspace=tmp_path, secret=SECRET
    )
    stored = StoredRecordTree.open(tmp_path, tree.root)
    assert stored is not None
    levels = [[leaf_hash(stored.leaf(i)) for i in range(n)]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([node_hash(below[j], below[j + 1]) for j in range(0, len(below) - 1, 2)])
    (stored.directory / "tree.bin").write_bytes(b"".join(h for level in levels for h in level))
    # The old layout: the tree order as a ``position`` column of leaves.arrow, no order.bin.
    expected = [stored.leaf(i) for i in range(n)]
    with pa.OSFile(str(stored.directory / "leaves.arrow")) as source:
        leaves = pa.ipc.open_file(source).read_all()
    order = np.fromfile(stored.directory / "order.bin", dtype="<i8")
    leaves = leaves.append_column("position", pa.array(order, pa.int64()))
    with (
        pa.OSFile(str(stored.directory / "leaves.new"), "wb") as sink,
        pa.ipc.new_file(sink, leaves.schema) as writer,
    ):
        writer.write_table(leaves)
    # A new file, not a rewrite: ``stored`` still maps the old one.
    (stored.directory / "leaves.new").replace(stored.directory / "leaves.arrow")
    (stored.directory / "order.bin").unlink()
    meta = json.loads((stored.directory / "meta.json").read_text())
    del meta["stored_levels_from"]
    del meta["files"]["order.bin"]
    (stored.directory / "meta.json").write_text(json.dumps(meta))
    old = StoredRecordTree.open(tmp_path, tree.root)
    assert old is not None
    assert old.stored_from == 0
    assert old.hasher.root() == tree.root
    assert old.recompute_root() == tree.root
    assert [old.leaf(i) for i in range(n)] == expected
    verify_inclusion(7, n, levels[0][7], old.inclusion_proof(7), tree.root)


@pytest.mark.parametrize("backend_name", ["native", "python"])
def test_dates_become_the_text_arrows_cast_gives(
    backend_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.compute as pc

    from minshare.ledger.records import _as_text

    monkeypatch.setenv("MINSHARE_LEDGER_HASHING", backend_name)
    if hashing.backend().name != backend_name:
        pytest.skip("the native backend did not load here")
    rng = np.random.default_rng(7)
    days = rng.integers(-719528, 2932897, 30_000).astype(np.int32)  # years 0000 to 9999
    days[:4] = [-719528, 0, 11016, 2932896]
    dates = pa.array(days, pa.date32(), mask=rng.random(30_000) < 0.1)
    for array in (dates, dates.slice(5, 20_000), pa.array(days, pa.date32())):
        assert _as_text(array, "BIRTH_DT").equals(pc.cast(array, pa.large_string()))
    outside = pa.array(np.full(20_000, 3_000_000, np.int32), pa.date32())  # year 10183
    assert _as_text(outside, "BIRTH_DT").equals(pc.cast(outside, pa.large_string()))


def test_chunks_of_any_string_type_offset_or_null_give_the_same_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 12_000  # above the native backend's threshold
    ids = [f"Q{i:06d}" for i in range(n)]
    addresses = [None if i % 5 == 0 else f"{i} Elm" * (i % 3) for i in range(n)]
    whole = table(ids, addresses)
    # Three batches: a sliced one (non-zero offsets), one with large_string columns, the rest.
    big = whole.slice(4000, 4000).cast(
        pa.schema(
            [(f.name, pa.large_string() if f.type == pa.string() else f.type) for f in whole.schema]
        )
    )
    parts = [
        *whole.slice(0, 4000).to_batches(),
        *big.cast(whole.schema).to_batches(),
        *whole.slice(8000).to_batches(),
    ]
    mixed = [parts[0], *big.to_batches(), parts[-1]]
    roots = {}
    for name in ("native", "python"):
        monkeypatch.setenv("MINSHARE_LEDGER_HASHING", name)
        for label, batches in (("plain", parts), ("mixed", mixed)):
            tree = build_record_tree(
                batches,
                columns=COLUMNS,
                workspace=tmp_path / f"{name}-{label}",
                secret=SECRET,
                salts=fixed_salts,
            )
            roots[(name, label)] = tree.root
    assert len(set(roots.values())) == 1, roots
    want = sorted(
        encode_leaf(
            person_key(SECRET, "06", i),
            fixed_salts(16 * n)[16 * r : 16 * r + 16],
            [i, "1990-01-02", a],
        )
        for r, (i, a) in enumerate(zip(ids, addresses, strict=True))
    )
    assert roots[("python", "plain")] == root_of([leaf_hash(leaf) for leaf in want])
