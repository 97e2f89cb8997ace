"""The manifest: counts add up, bytes are canonical, problems name their field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from minshare.errors import DataError
from minshare.package.manifest import Counts, Manifest, manifest_bytes, parse_manifest

BASE: dict[str, Any] = {
    "engine": {"name": "duckdb", "version": "1.0"},
    "created_at": "2026-02-01T12:00:00Z",
    "request": {
        "request_id": "R-1",
        "recipient": {"id": "dhs-ice", "name": "ICE", "address": "500 12th St SW"},
        "purpose": "immigration-enforcement",
        "activity": "locating people",
        "requested_by": {"name": "A", "title": "Director", "agency": "ICE", "address": "DC"},
        "signed_on": "2026-01-20",
        "as_of": "2026-02-01",
        "sha256": "a" * 64,
    },
    "orders": [{"id": "ca-v-hhs-2025-12-29", "sha256": "b" * 64, "file": "o.yaml"}],
    "inputs": [{"role": "enrollment", "name": "e.csv", "sha256": "c" * 64, "rows": 4}],
    "counts": {"input_rows": 4, "disclosed": 1, "withheld": 1, "review": 1, "quarantined": 1},
    "columns": ["MSIS_IDENT_NUM", "BIRTH_DT"],
}


def manifest(**changes: Any) -> Manifest:
    return Manifest.model_validate({**BASE, **changes})


def test_counts_that_do_not_add_up_are_rejected() -> None:
    with pytest.raises(ValidationError, match="do not add up"):
        Counts(input_rows=5, disclosed=1, withheld=1, review=1, quarantined=1)
    assert Counts(input_rows=4, disclosed=1, withheld=1, review=1, quarantined=1).input_rows == 4


@given(st.lists(st.integers(0, 10**9), min_size=5, max_size=5))
def test_counts_are_valid_exactly_when_the_identity_holds(n: list[int]) -> None:
    total, disclosed, withheld, review, quarantined = n
    holds = total == disclosed + withheld + review + quarantined
    try:
        Counts(
            input_rows=total,
            disclosed=disclosed,
            withheld=withheld,
            review=review,
            quarantined=quarantined,
        )
    except ValidationError:
        assert not holds
    else:
        assert holds


def test_bytes_are_sorted_indented_utf8_with_one_trailing_newline() -> None:
    m = manifest(extra={"zeta": 1, "note": "Zoë"})
    data = manifest_bytes(m)
    assert data.endswith(b"}\n")
    assert not data.endswith(b"\n\n")
    assert "Zoë".encode() in data
    obj = json.loads(data)
    assert list(obj) == sorted(obj)
    assert data.decode().splitlines()[1].startswith('  "columns"')
    assert manifest_bytes(manifest(extra={"zeta": 1, "note": "Zoë"})) == data


def test_bytes_round_trip_through_parse() -> None:
    m = manifest(timings={"read": 1.25, "write": 0.5}, extra={"ledger": {"root": "ab"}})
    again = parse_manifest(manifest_bytes(m))
    assert manifest_bytes(again) == manifest_bytes(m)
    assert again.timings == {"read": 1.25, "write": 0.5}


def test_created_at_is_written_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    m = manifest(created_at=datetime(2026, 2, 1, 13, 0, tzinfo=paris))
    assert json.loads(manifest_bytes(m))["created_at"] == "2026-02-01T12:00:00Z"
    with pytest.raises(ValidationError, match="time zone"):
        manifest(created_at=datetime(2026, 2, 1, 13, 0))
    assert manifest(created_at=datetime(2026, 2, 1, tzinfo=UTC)).created_at.tzinfo is UTC


def test_timings_are_ignored_when_manifests_are_compared() -> None:
    assert manifest(timings={"total": 1.0}) == manifest(timings={"total": 99.0})
    assert manifest(columns=["BIRTH_DT"]) != manifest()


def test_a_column_listed_twice_is_rejected() -> None:
    with pytest.raises(ValidationError, match="listed twice: BIRTH_DT"):
        manifest(columns=["BIRTH_DT", "BIRTH_DT"])


def test_parse_names_the_field_of_each_problem() -> None:
    data = dict(BASE, counts={**BASE["counts"], "disclosed": 2}, format="other/9")
    with pytest.raises(DataError) as err:
        parse_manifest(json.dumps(data).encode())
    fields = {d.location.field for d in err.value.details}
    assert {"counts", "format"} <= fields


def test_parse_rejects_json_that_is_not_json() -> None:
    with pytest.raises(DataError) as err:
        parse_manifest(b'{"a": \n NaN}')
    assert "NaN" in str(err.value)
    with pytest.raises(DataError) as err:
        parse_manifest(b"{\n  oops")
    assert err.value.location.line == 2


SIGNED: dict[str, Any] = {
    "signing_key": {"algorithm": "ed25519", "key_id": "0" * 16, "public_key": "A" * 43 + "="},
    "files": {"records.csv": "d" * 64, "records.parquet": "e" * 64},
    "record_count": 1,
}


def test_a_signed_manifest_needs_a_record_tree_leaf_per_record() -> None:
    root = "A" * 43 + "="
    with pytest.raises(ValidationError, match="record tree has 2 leaves but the package 1"):
        manifest(**SIGNED, record_tree={"root": root, "size": 2})
    signed = manifest(**SIGNED, record_tree={"root": root, "size": 1})
    assert signed.record_tree is not None
    assert signed.record_tree.root_bytes == bytes(32)
    assert signed.record_tree.key_columns == ("SUBMTG_STATE_CD", "MSIS_IDENT_NUM")
    # Before publishing, record_count is not filled in yet: nothing to compare.
    assert manifest(record_tree={"root": root, "size": 2}).record_tree is not None


def test_a_record_tree_root_that_is_not_32_bytes_of_base64_is_rejected() -> None:
    with pytest.raises(DataError) as info:
        parse_manifest(json.dumps({**BASE, "record_tree": {"root": "abc", "size": 0}}).encode())
    assert [d.location.field for d in info.value.details] == ["record_tree.root"]
