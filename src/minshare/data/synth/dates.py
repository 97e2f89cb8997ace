"""Dates as day numbers, written through per-column dictionaries of raw date strings.

A raw extract carries dates as text: T-MSIS ``YYYYMMDD`` mostly, ISO ``YYYY-MM-DD`` from some
systems, and now and then an impossible one. Each date column gets one dictionary holding every
day of its range in both formats plus its special values, so a date is an index: day offset,
plus the range length when the row uses ISO.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from minshare.data.synth.vocab import Vocab

I64 = npt.NDArray[np.int64]

EPOCH = dt.date(1970, 1, 1)

# The extract's as-of date: nothing in it (enrollment, determinations) is later than this.
AS_OF = dt.date(2026, 10, 31)
# A determination is stale when made more than 365 days before this date (the planned
# disclosure date the staleness label is computed against).
STALE_REFERENCE = dt.date(2026, 11, 1)
STALE_CUTOFF = STALE_REFERENCE - dt.timedelta(days=365)

BAD_YMD = ("20230230", "00000000", "20241301", "20230931")
BAD_ISO = ("2024-13-01", "2023-02-30", "0000-00-00")
OPEN_END = ("99991231", "9999-12-31")


def day(d: dt.date) -> int:
    return (d - EPOCH).days


class DateVocab:
    """Every day in [first, last] as YYYYMMDD, then as ISO, then the special values."""

    def __init__(self, first: dt.date, last: dt.date, specials: Sequence[str] = ()) -> None:
        self.first = day(first)
        self.n_days = (last - first).days + 1
        iso = np.arange(
            np.datetime64(first.isoformat()), np.datetime64(last.isoformat()) + 1
        ).astype(str)
        iso_list = [str(s) for s in iso]
        self.vocab = (
            Vocab()
            .add("ymd", (s.replace("-", "") for s in iso_list))
            .add("iso", iso_list)
            .add("special", specials)
        )

    def index(self, days: I64, iso: npt.NDArray[np.bool_]) -> I64:
        offset = np.clip(days - self.first, 0, self.n_days - 1)
        return (offset + iso * self.n_days).astype(np.int64)

    def special(self, value: str) -> int:
        return self.vocab.index("special", value)


@cache
def birth() -> DateVocab:
    return DateVocab(dt.date(1920, 1, 1), AS_OF, BAD_YMD + BAD_ISO)


@cache
def enrollment() -> DateVocab:
    return DateVocab(dt.date(2013, 1, 1), dt.date(2028, 12, 31), OPEN_END + BAD_YMD + BAD_ISO)


@cache
def death() -> DateVocab:
    return DateVocab(dt.date(2014, 1, 1), AS_OF)


@cache
def bar_end() -> DateVocab:
    return DateVocab(dt.date(2015, 1, 1), dt.date(2032, 12, 31))


@cache
def determined() -> DateVocab:
    return DateVocab(dt.date(2022, 1, 1), AS_OF)
