"""The determinations table reads with the same rules, its own required columns and codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from minshare.data.read import open_table
from minshare.errors import MissingColumnError


def test_determinations_are_typed_flagged_and_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "det.psv"
    path.write_text(
        "SUBMTG_STATE_CD|MSIS_IDENT_NUM|STATUS_CATEGORY|DETERMINATION_SOURCE|DETERMINED_ON\n"
        "6|A1|UNLAWFULLY_PRESENT|SAVE|2026-01-10\n"
        "06|A2|undocumented|SAVE|20260110\n"
        "06|A3|DACA|SAVE|2026-02-30\n"
    )
    with open_table(path, "determinations") as reader:
        table = pa.Table.from_batches(list(reader), schema=reader.schema)
    assert table.column("DETERMINED_ON").to_pylist() == [dt.date(2026, 1, 10)] * 2
    assert table.column("_MS_FLAGS").to_pylist() == [
        [],
        ["STATUS_CATEGORY=undocumented: outside code list"],
    ]
    assert reader.quarantine.column("line").to_pylist() == [4]
    assert "EVIDENCE_REF" in table.schema.names  # optional, absent, null


def test_asking_for_a_column_the_file_lacks_names_it(tmp_path: Path) -> None:
    path = tmp_path / "det.csv"
    path.write_text(
        "SUBMTG_STATE_CD,MSIS_IDENT_NUM,STATUS_CATEGORY,DETERMINATION_SOURCE,DETERMINED_ON\n"
    )
    with pytest.raises(MissingColumnError, match="CASEWORKER, which were asked for"):
        open_table(path, "determinations", columns=["caseworker"])
