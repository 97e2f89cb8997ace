"""Two file operations every stage needs the same way: a file's SHA-256 (inputs, package files,
record trees) and forcing a written file to disk before it is renamed into place (atomic
publishing, the workspace, the record tree)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file's bytes, read in blocks."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def fsync_file(path: Path) -> None:
    """Flush ``path``'s data to disk (before a rename makes it visible)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["fsync_file", "sha256_file"]
