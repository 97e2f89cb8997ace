"""The UTF-8 guard: invalid bytes marked reversibly wherever read boundaries fall."""

from __future__ import annotations

from pathlib import Path

import pytest

from minshare.data import textstream
from minshare.data.textstream import GuardedStream, has_marks, unmark

SAMPLE = "José,Zoë,東京\n".encode() + b"bad \xff\xfe here,\xc3\n" + "ok ü\n".encode()


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64])
def test_invalid_bytes_are_marked_and_valid_text_kept_across_any_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(textstream, "_READ_SIZE", chunk)
    path = tmp_path / "in.csv"
    path.write_bytes(SAMPLE)
    stream = GuardedStream(path, gzip_compressed=False)
    out = b""
    while piece := stream.read(chunk):
        out += piece
    stream.close()
    text = out.decode("utf-8")  # always valid UTF-8
    assert stream.saw_invalid
    assert unmark(text) == "José,Zoë,東京\nbad \\xff\\xfe here,\\xc3\nok ü\n"
    assert has_marks(text.splitlines()[1])
    assert not has_marks(text.splitlines()[0])


def test_quotes_are_noticed_so_line_breaks_in_values_get_counted(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b\n1,2\n")
    stream = GuardedStream(path, gzip_compressed=False)
    stream.read(100)
    assert not stream.saw_quote
    path.write_bytes(b'a,b\n1,"2"\n')
    stream = GuardedStream(path, gzip_compressed=False)
    stream.read(100)
    assert stream.saw_quote
