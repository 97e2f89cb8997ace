"""The byte stream the CSV parser reads: decompressed, counted, and made safe for invalid UTF-8.

pyarrow's CSV reader hands a malformed row to the invalid-row handler as a ``str`` and fails the
whole read if that row is not valid UTF-8. So each invalid byte is rewritten here to a marker
character (plane-16 private use, U+10FF00 + the byte value) before the parser sees it. The
rewrite is reversible: :func:`has_marks` finds the cells that held invalid bytes and
:func:`unmark` shows them as ``\\xNN`` escapes. Genuine text in that private-use range is
treated as invalid too, which only ever quarantines a row, never accepts a bad one.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from pathlib import Path
from typing import BinaryIO

from minshare.errors import DataError

_MARK_BASE = 0x10FF00
MARK_PATTERN = "[\U0010ff00-\U0010ffff]"
MARK_LEAD = chr(_MARK_BASE).encode("utf-8")[:2]  # b"\xf4\x8f", shared by every marker
_MARK_RE = re.compile(MARK_PATTERN)
_ERRORS = "minshare-mark-invalid"
_READ_SIZE = 1 << 20


def _mark(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeDecodeError):  # pragma: no cover - only registered for decode
        raise err
    bad = err.object[err.start : err.end]
    return "".join(chr(_MARK_BASE + b) for b in bad), err.end


codecs.register_error(_ERRORS, _mark)


def has_marks(text: str) -> bool:
    return _MARK_RE.search(text) is not None


def unmark(text: str) -> str:
    """Show marked invalid bytes as ``\\xNN`` escapes."""
    return _MARK_RE.sub(lambda m: f"\\x{ord(m.group()) - _MARK_BASE:02x}", text)


class _CountingFile(io.RawIOBase):
    """Counts bytes taken from disk, so progress reflects the compressed size of a .gz."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self.bytes_read += n or 0
        return int(n or 0)

    def close(self) -> None:
        self._raw.close()
        super().close()


class GuardedStream(io.RawIOBase):
    """A readable stream of valid UTF-8: the file's bytes with invalid ones marked.

    Also notes whether a quote character has passed, because only a quoted value can hold a
    line break, and line numbering must count those.
    """

    def __init__(self, path: Path, *, gzip_compressed: bool, quote: bytes = b'"') -> None:
        self._disk = _CountingFile(path.open("rb", buffering=0))
        self._src: BinaryIO = (
            gzip.GzipFile(fileobj=self._disk, mode="rb")  # type: ignore[assignment]
            if gzip_compressed
            else io.BufferedReader(self._disk, _READ_SIZE)
        )
        self._quote = quote
        self._tail = b""  # an incomplete UTF-8 sequence waiting for its next bytes
        self._out = b""  # converted bytes not yet handed out
        self._eof = False
        self.saw_invalid = False
        self.saw_quote = False

    @property
    def bytes_read(self) -> int:
        return self._disk.bytes_read

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = _READ_SIZE if size is None or size < 0 else size
        while len(self._out) < want and not self._eof:
            self._fill(max(want, _READ_SIZE))
        out, self._out = self._out[:want], self._out[want:]
        return out

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _fill(self, size: int) -> None:
        chunk = self._src.read(size)
        self._eof = not chunk
        data = self._tail + chunk if self._tail else chunk
        try:
            text, used = codecs.utf_8_decode(data, "strict", self._eof)
            good = data[:used] if used != len(data) else data
        except UnicodeDecodeError:
            text, used = codecs.utf_8_decode(data, _ERRORS, self._eof)
            good = text.encode("utf-8")
            self.saw_invalid = True
        self._tail = data[used:]
        if not self.saw_quote and self._quote in good:
            self.saw_quote = True
        self._out = self._out + good if self._out else good

    def close(self) -> None:
        self._src.close()
        self._disk.close()
        super().close()


def read_first_line(
    path: Path, *, gzip_compressed: bool, limit: int = 1 << 20
) -> tuple[bytes, bool]:
    """The first physical line (without its line break) and whether anything follows it."""
    try:
        return _first_line(path, gzip_compressed, limit)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read the file: {exc}", file=str(path)) from exc


def _first_line(path: Path, gzip_compressed: bool, limit: int) -> tuple[bytes, bool]:
    opener = gzip.open if gzip_compressed else open
    with opener(path, "rb") as fh:
        buf = b""
        while True:
            chunk = fh.read(65536)
            buf += chunk
            ends = [i for i in (buf.find(b"\n"), buf.find(b"\r")) if i >= 0]
            if ends:
                end = min(ends)
                rest = buf[end + 1 :]
                if buf[end : end + 1] == b"\r" and rest.startswith(b"\n"):
                    rest = rest[1:]
                more = bool(rest) or bool(fh.read(1))
                return buf[:end], more
            if len(buf) > limit:
                raise DataError(
                    f"the first line is longer than {limit} bytes: not a header",
                    file=str(path),
                    line=1,
                )
            if not chunk:
                return buf, False


__all__ = ["MARK_LEAD", "MARK_PATTERN", "GuardedStream", "has_marks", "read_first_line", "unmark"]
