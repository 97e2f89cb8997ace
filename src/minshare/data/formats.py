"""Which reader an input file needs: Parquet, or delimited text (optionally gzip'd)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minshare.errors import UnsupportedFormatError, UsageError

_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_DELIMITERS = {".csv": ",", ".psv": "|", ".tsv": "\t", ".txt": None}


@dataclass(frozen=True)
class InputFormat:
    """How to read one input file. ``delimiter`` is None for Parquet."""

    parquet: bool
    delimiter: str | None = None
    gzip: bool = False

    def describe(self) -> str:
        if self.parquet:
            return "parquet"
        name = {",": "csv", "|": "psv", "\t": "tsv"}.get(self.delimiter or "", "delimited")
        return f"{name}{' (gzip)' if self.gzip else ''}"


def check_delimiter(delimiter: str) -> str:
    """A delimiter must be one character that cannot be confused with quoting or line ends."""
    ok = (
        len(delimiter) == 1
        and delimiter not in {'"', "\n", "\r"}
        and (delimiter.isprintable() or delimiter == "\t")
    )
    if not ok:
        raise UsageError(f"delimiter must be one printable character or a tab, got {delimiter!r}")
    return delimiter


def detect_format(path: Path, delimiter: str | None = None) -> InputFormat:
    """The format by extension (``.parquet``, ``.csv``, ``.psv``, each text one optionally
    ``.gz``); an explicit ``delimiter`` means delimited text whatever the extension."""
    suffixes = [s.lower() for s in path.suffixes]
    gz_ext = bool(suffixes) and suffixes[-1] == ".gz"
    inner = suffixes[-2] if gz_ext and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    head = _magic(path)
    if delimiter is not None:
        return InputFormat(False, check_delimiter(delimiter), head.startswith(_GZIP_MAGIC))
    if not gz_ext and inner in {".parquet", ".pq"}:
        return InputFormat(True)
    known = _DELIMITERS.get(inner)
    if known is not None:
        # Trust the bytes over the name for compression: a mislabelled .csv.gz still reads.
        return InputFormat(False, known, head.startswith(_GZIP_MAGIC))
    if head.startswith(_PARQUET_MAGIC):
        return InputFormat(True)
    raise UnsupportedFormatError(
        f"cannot tell the format of {path.name!r} from its name; use .parquet, .csv, .psv "
        "(optionally .gz), or pass a delimiter (--delimiter '|')",
        file=str(path),
    )


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(4)
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}", file=str(path)) from None
    except IsADirectoryError:
        raise UsageError(f"is a directory, not a file: {path}", file=str(path)) from None
    except OSError as exc:
        raise UsageError(f"cannot open {path}: {exc.strerror}", file=str(path)) from None


__all__ = ["InputFormat", "check_delimiter", "detect_format"]
