"""Small-cell suppression for every count the report publishes (CMS cell-size policy).

CMS's cell-size suppression policy forbids publishing a count of 1 to 10 people. A suppressed
cell is shown as "1–10"; a 0 is shown as 0 (nobody to protect). Primary suppression alone is not
enough when totals are published: a single suppressed cell in a row is its total minus the
others. So the table is suppressed *as a whole*:

1. primary: every interior cell and every total of 1 to 10;
2. an attacker who knows the rule (a "1–10" cell is in [1, 10]; a complementary cell is 0 or
   at least 11) works out, line by line, every suppressed value that a published (or already
   worked-out) total pins to one value, and repeats until nothing new follows;
3. while the attacker works one out, suppress one more cell of that line (complementary
   suppression): the smallest published interior cell of at least 11, else the line's total,
   else any published nonzero cell; when the line has nothing left to hide because its total
   was itself worked out in a totals row or column, hide one more cell there; if nothing is
   left to suppress at all, every nonzero cell.

The attacker is exact within a line (it enumerates the sums the other unknowns can take), so
"1 and 1 with a total of 2" or "1 and 11 with a total of 12" are caught, and totals it works out
in one line are used in the next. Pure functions, no I/O: property tests drive them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

THRESHOLD = 10  # CMS: counts of 1 to 10 are not published
SUPPRESSED_TEXT = "1–10"
COMPLEMENTARY_TEXT = "n/p"  # not published: hidden so that a 1–10 cell cannot be worked out


class Status(StrEnum):
    SHOWN = "shown"
    PRIMARY = "primary"  # 1 to 10 people
    COMPLEMENTARY = "complementary"  # hidden so that a primary cell cannot be recovered


@dataclass(frozen=True)
class Cell:
    """A published count. ``value`` is the true count: renderers use :attr:`text` and
    :attr:`shown`, never ``value``, unless the cell is shown."""

    value: int
    status: Status

    @property
    def suppressed(self) -> bool:
        return self.status is not Status.SHOWN

    @property
    def shown(self) -> int | None:
        """The count as published, or None when suppressed."""
        return self.value if self.status is Status.SHOWN else None

    @property
    def text(self) -> str:
        if self.status is Status.PRIMARY:
            return SUPPRESSED_TEXT
        if self.status is Status.COMPLEMENTARY:
            return COMPLEMENTARY_TEXT
        return f"{self.value:,}"


@dataclass(frozen=True)
class SuppressedTable:
    """A grid of counts with its margins, suppressed together.

    ``cells[i][j]`` is row i, column j; ``row_totals[i]`` the total of row i (when the table has
    row totals); ``col_totals[j]`` the total of column j (when it has column totals); ``total``
    the grand total (when it has both, or the one total of a one-row table).
    """

    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...] | None
    col_totals: tuple[Cell, ...] | None
    total: Cell | None

    def grid(self) -> list[list[Cell | None]]:
        """The extended grid: cells, a totals column and a totals row (None where absent)."""
        return _extended(self)

    @property
    def any_suppressed(self) -> bool:
        return any(c.suppressed for row in self.grid() for c in row if c is not None)


Pos = tuple[int, int]


def _status(value: int) -> Status:
    return Status.PRIMARY if 1 <= value <= THRESHOLD else Status.SHOWN


def _extended(t: SuppressedTable) -> list[list[Cell | None]]:
    out: list[list[Cell | None]] = []
    for i, row in enumerate(t.cells):
        line: list[Cell | None] = list(row)
        if t.row_totals is not None:
            line.append(t.row_totals[i])
        out.append(line)
    if t.col_totals is not None:
        last: list[Cell | None] = list(t.col_totals)
        if t.row_totals is not None:
            last.append(t.total)
        out.append(last)
    return out


def _lines(n_rows: int, n_cols: int, row_totals: bool, col_totals: bool) -> list[list[Pos]]:
    """Every line that sums to its last position, in the extended grid."""
    rows_ext = n_rows + (1 if col_totals else 0)
    cols_ext = n_cols + (1 if row_totals else 0)
    lines: list[list[Pos]] = []
    if row_totals:
        lines.extend([(i, j) for j in range(cols_ext)] for i in range(rows_ext))
    if col_totals:
        lines.extend([(i, j) for i in range(rows_ext)] for j in range(cols_ext))
    return lines


def _sums(domains: Sequence[Status], cap: int) -> int:
    """Bitset of the sums (0..cap) that cells of these statuses can take together."""
    full = (1 << (cap + 1)) - 1
    reach = 1  # the empty sum
    for status in domains:
        if status is Status.PRIMARY:
            nxt = 0
            for d in range(1, THRESHOLD + 1):
                nxt |= reach << d
        else:  # complementary: 0, or THRESHOLD + 1 and more
            low = (reach & -reach).bit_length() - 1 if reach else cap + 1
            start = low + THRESHOLD + 1
            above = (full >> start) << start if start <= cap else 0
            nxt = reach | above
        reach = nxt & full
    return reach


def _candidates(status: Status, cap: int) -> range | list[int]:
    if status is Status.PRIMARY:
        return range(1, min(THRESHOLD, cap) + 1)
    return [0, *range(THRESHOLD + 1, cap + 1)]


def worked_out(
    values: dict[Pos, int],
    status: dict[Pos, Status],
    lines: Sequence[Sequence[Pos]],
) -> dict[Pos, int]:
    """The suppressed positions an attacker pins to one value, each with the index of the line
    that pins it: from published and worked-out totals, line by line until nothing new follows.
    ``values`` holds every true value; the attacker reads only those of published or already
    worked-out positions, and knows each suppressed cell's range from how it is shown."""
    known = {p for p, s in status.items() if s is Status.SHOWN}
    found: dict[Pos, int] = {}
    changed = True
    while changed:
        changed = False
        for index, line in enumerate(lines):
            total, parts = line[-1], line[:-1]
            if total not in known:
                continue
            unknown = [p for p in parts if p not in known]
            if not unknown:
                continue
            rest = values[total] - sum(values[p] for p in parts if p in known)
            for p in unknown:
                others = _sums([status[q] for q in unknown if q != p], rest)
                feasible = [v for v in _candidates(status[p], rest) if others >> (rest - v) & 1]
                if len(feasible) <= 1:
                    known.add(p)
                    found[p] = index
                    changed = True
                    break  # work the line out again with p known
    return found


def _complement(
    line: Sequence[Pos], values: dict[Pos, int], status: dict[Pos, Status]
) -> list[Pos]:
    """The cells to suppress next in a line where a value was worked out."""
    interior, total = line[:-1], line[-1]
    shown = [p for p in interior if status[p] is Status.SHOWN]
    big = sorted((p for p in shown if values[p] > THRESHOLD), key=lambda p: (values[p], p))
    if big:
        return [big[0]]
    if status[total] is Status.SHOWN:
        return [total]
    nonzero = [p for p in shown if values[p] > 0]
    return nonzero[:1]


def suppress_grid(
    grid: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    preset: Iterable[Pos] = (),
) -> SuppressedTable:
    """Suppress a grid of non-negative counts and the margins computed from it.

    ``preset`` marks positions of the extended grid (a totals column at index ``n_cols``, a
    totals row at index ``n_rows``) to suppress from the start, e.g. a total another table of
    the same report already hides.
    """
    n_rows = len(grid)
    if n_rows == 0:
        raise ValueError("a table needs at least one row")
    n_cols = len(grid[0]) if n_rows else 0
    if any(len(r) != n_cols for r in grid):
        raise ValueError("every row needs the same number of columns")
    if any(v < 0 for r in grid for v in r):
        raise ValueError("counts are never negative")
    values: dict[Pos, int] = {}
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            values[(i, j)] = int(v)
        if row_totals:
            values[(i, n_cols)] = int(sum(row))
    if col_totals:
        for j in range(n_cols):
            values[(n_rows, j)] = int(sum(r[j] for r in grid))
        if row_totals:
            values[(n_rows, n_cols)] = int(sum(sum(r) for r in grid))
    status = {p: _status(v) for p, v in values.items()}
    for p in preset:
        if p in status and status[p] is Status.SHOWN:
            status[p] = Status.COMPLEMENTARY
    lines = _lines(n_rows, n_cols, row_totals, col_totals)
    while True:
        found = worked_out(values, status, lines)
        if not found:
            break
        target = min(found)
        extra = _complement(lines[found[target]], values, status)
        seen = {target}
        # Nothing left to hide in that line: its total was itself worked out in another line
        # (a totals row or column); hide one more cell there instead.
        while not extra:
            total = lines[found[target]][-1]
            if total not in found or total in seen:
                break
            target = total
            seen.add(target)
            extra = _complement(lines[found[target]], values, status)
        if not extra:  # nothing left to hide anywhere: hide every nonzero count
            for p, v in values.items():
                if v > 0 and status[p] is Status.SHOWN:
                    status[p] = Status.COMPLEMENTARY
            break
        for p in extra:
            status[p] = Status.COMPLEMENTARY
    return _table(values, status, n_rows, n_cols, row_totals, col_totals)


def _table(
    values: dict[Pos, int],
    status: dict[Pos, Status],
    n_rows: int,
    n_cols: int,
    row_totals: bool,
    col_totals: bool,
) -> SuppressedTable:
    def cell(p: Pos) -> Cell:
        return Cell(values[p], status[p])

    cells = tuple(tuple(cell((i, j)) for j in range(n_cols)) for i in range(n_rows))
    rt = tuple(cell((i, n_cols)) for i in range(n_rows)) if row_totals else None
    ct = tuple(cell((n_rows, j)) for j in range(n_cols)) if col_totals else None
    total = cell((n_rows, n_cols)) if row_totals and col_totals else None
    if row_totals and not col_totals and n_rows == 1 and rt is not None:
        total = rt[0]
    return SuppressedTable(cells=cells, row_totals=rt, col_totals=ct, total=total)


def suppress_counts(counts: Sequence[int], *, total: bool = True) -> SuppressedTable:
    """A one-row table (a list of counts and, optionally, their total)."""
    return suppress_grid([list(counts)], row_totals=total, col_totals=False)


def lines_of(table: SuppressedTable) -> list[list[Pos]]:
    """The lines (rows and columns, each ending with its total) of a suppressed table."""
    n_rows = len(table.cells)
    n_cols = len(table.cells[0]) if n_rows else 0
    return _lines(n_rows, n_cols, table.row_totals is not None, table.col_totals is not None)


def positions(table: SuppressedTable) -> dict[Pos, Cell]:
    return {
        (i, j): c for i, row in enumerate(table.grid()) for j, c in enumerate(row) if c is not None
    }


__all__ = [
    "COMPLEMENTARY_TEXT",
    "SUPPRESSED_TEXT",
    "THRESHOLD",
    "Cell",
    "Status",
    "SuppressedTable",
    "lines_of",
    "positions",
    "suppress_counts",
    "suppress_grid",
    "worked_out",
]
