"""String dictionaries: every low-cardinality column is an index into one of these.

Columns are generated as integer indices and written as Arrow dictionary arrays, so no per-row
string is ever built for them. Planted values (facility words, ICD codes, formula text) are extra
sections of the same dictionaries: planting one is an index change, not a string operation.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa


class Vocab:
    """An append-only list of strings with named, contiguous sections."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._sections: dict[str, tuple[int, int]] = {}

    def add(self, name: str, items: Iterable[str]) -> Vocab:
        if name in self._sections:  # pragma: no cover - guards edits
            raise ValueError(f"section {name} already defined")
        start = len(self.values)
        self.values.extend(items)
        self._sections[name] = (start, len(self.values))
        return self

    def start(self, name: str) -> int:
        return self._sections[name][0]

    def size(self, name: str) -> int:
        lo, hi = self._sections[name]
        return hi - lo

    def index(self, name: str, value: str) -> int:
        lo, hi = self._sections[name]
        return lo + self.values[lo:hi].index(value)

    def __len__(self) -> int:
        return len(self.values)

    @cached_property
    def _unique(self) -> tuple[Any, npt.NDArray[np.int32]]:
        # Sections may repeat a value ("Springfield" in three states, "# 5" in both cases).
        # Arrow dictionaries must not: the Parquet writer then leaves uninitialized bytes in the
        # dictionary page (measured with pyarrow 26), and files stop being byte-identical.
        position: dict[str, int] = {}
        remap = np.array([position.setdefault(v, len(position)) for v in self.values], np.int32)
        return pa.array(list(position), pa.string()), remap

    @property
    def array(self) -> Any:
        """The distinct values as an Arrow string array (built once)."""
        return self._unique[0]

    @cached_property
    def distinct(self) -> bool:
        return len(self._unique[0]) == len(self.values)

    def codes(self, indices: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """Section indices to positions in ``array``."""
        if self.distinct:
            return indices.astype(np.int32)
        return self._unique[1][indices]

    def take(self, indices: npt.NDArray[np.int64]) -> Any:
        """The strings at these section indices, as a plain Arrow string array."""
        return self.array.take(pa.array(self.codes(indices)))


def codes_vocab(values: Iterable[str]) -> Vocab:
    return Vocab().add("all", values)
