"""Property: for any mix of good and broken lines, counts add up and line numbers are exact."""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from minshare.data import csvsource
from minshare.data.read import open_table

HEADER = b"SUBMTG_STATE_CD,MSIS_IDENT_NUM,BIRTH_DT,CTZNSHP_IND,IMGRTN_STUS_CD,ELGBL_CITY_NAME_HOME"

# kind -> (reason_code or None for accepted or "blank", physical lines taken, template)
KINDS: dict[str, tuple[str | None, int, bytes]] = {
    "good": (None, 1, b"06,{id},19800101,0,3,Fresno"),
    "good_iso": (None, 1, b"6,{id},1980-01-01,0,8,Jos\xc3\xa9"),
    "good_quoted": (None, 1, b'36,{id},,1,8,"Troy, NY"'),
    "good_multiline": (None, 2, b'53,{id},20000229,0,3,"Apt 1\nSeattle"'),
    "short": ("wrong_column_count", 1, b"06,{id},19800101,0,3"),
    "long": ("wrong_column_count", 1, b"06,{id},19800101,0,3,Fresno,extra"),
    "bad_date": ("bad_date", 1, b"06,{id},20230230,0,3,Fresno"),
    "garbage_date": ("bad_date", 1, b"06,{id},1980-1-1,0,3,Fresno"),
    "invalid_utf8": ("invalid_utf8", 1, b"06,{id},19800101,0,3,Fres\xffno"),
    "missing_id": ("missing_key", 1, b"06,,19800101,0,3,Fresno"),
    "missing_state": ("missing_key", 1, b" ,{id},19800101,0,3,Fresno"),
    "blank": ("blank", 1, b""),
    "spaces": ("blank", 1, b"   "),
    "commas": ("blank", 1, b",,,,,"),
}


@settings(max_examples=120, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(sorted(KINDS)), max_size=40),
    crlf=st.booleans(),
    batch_rows=st.integers(1, 6),
    block_size=st.sampled_from([128, 200, 1 << 20]),
)
def test_counts_add_up_and_every_quarantined_line_is_a_broken_line(
    kinds: list[str], crlf: bool, batch_rows: int, block_size: int
) -> None:
    eol = b"\r\n" if crlf else b"\n"
    lines = [HEADER]
    expected_quarantine: dict[int, str] = {}
    expected_accepted: list[int] = []
    blanks = 0
    line = 2
    for i, kind in enumerate(kinds):
        reason, span, template = KINDS[kind]
        lines.append(template.replace(b"{id}", f"M{i}".encode()).replace(b"\n", eol))
        if reason is None:
            expected_accepted.append(line)
        elif reason == "blank":
            blanks += 1
        else:
            expected_quarantine[line] = reason
        line += span
    with (
        tempfile.TemporaryDirectory() as tmp,
        mock.patch.object(csvsource, "BLOCK_SIZE", block_size),
    ):
        path = Path(tmp) / "in.csv"
        path.write_bytes(eol.join(lines) + eol)
        with open_table(path, "enrollment", batch_rows=batch_rows) as reader:
            batches = list(reader)
        counts = reader.counts
        q = reader.quarantine

    assert counts.rows_read == counts.rows_accepted + counts.rows_quarantined
    assert counts.rows_read == len(kinds) - blanks
    assert counts.blank_lines == blanks
    assert [n for b in batches for n in b.column("_MS_LINE").to_pylist()] == expected_accepted
    got = dict(zip(q.column("line").to_pylist(), q.column("reason_code").to_pylist(), strict=True))
    assert got == expected_quarantine
    # Row numbers count records, not lines, and skip blanks: every row exactly once.
    rows = [n for b in batches for n in b.column("_MS_ROW").to_pylist()]
    assert sorted(rows + q.column("row").to_pylist()) == list(range(1, counts.rows_read + 1))
