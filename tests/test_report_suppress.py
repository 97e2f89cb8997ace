"""Small-cell suppression: no count of 1 to 10 is published, and none can be worked out from a
published total of its row or column."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minshare.report.suppress import (
    COMPLEMENTARY_TEXT,
    SUPPRESSED_TEXT,
    Status,
    SuppressedTable,
    lines_of,
    positions,
    suppress_counts,
    suppress_grid,
    worked_out,
)

# Small values make every case interesting: many cells of 1 to 10, totals near 11.
counts = st.integers(min_value=0, max_value=30) | st.sampled_from([0, 1, 2, 10, 11, 12])
grids = st.integers(min_value=1, max_value=4).flatmap(
    lambda cols: st.lists(st.lists(counts, min_size=cols, max_size=cols), min_size=1, max_size=4)
)


def _domain(status: Status, cap: int) -> list[int]:
    if status is Status.PRIMARY:
        return list(range(1, 11))
    return [0, *range(11, cap + 1)]


def _solvable_in_line(table: SuppressedTable, line: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Brute force, independent of the module: the suppressed cells of one line whose value the
    line's published total pins down."""
    cells = positions(table)
    total = cells[line[-1]]
    if total.suppressed:
        return []
    unknown = [p for p in line[:-1] if cells[p].suppressed]
    rest = total.value - sum(cells[p].value for p in line[:-1] if not cells[p].suppressed)
    domains = [_domain(cells[p].status, rest) for p in unknown]
    feasible: list[set[int]] = [set() for _ in unknown]
    for combo in itertools.product(*domains):
        if sum(combo) == rest:
            for k, v in enumerate(combo):
                feasible[k].add(v)
    return [p for p, f in zip(unknown, feasible, strict=True) if len(f) < 2]


@settings(max_examples=300, deadline=None)
@given(grids)
def test_no_suppressed_cell_can_be_solved_from_its_row_or_column_total(
    grid: list[list[int]],
) -> None:
    table = suppress_grid(grid)
    for line in lines_of(table):
        assert _solvable_in_line(table, line) == [], (grid, line)


@settings(max_examples=300, deadline=None)
@given(grids)
def test_no_cell_of_one_to_ten_is_published_and_the_rest_are_true(grid: list[list[int]]) -> None:
    table = suppress_grid(grid)
    for cell in positions(table).values():
        if 1 <= cell.value <= 10:
            assert cell.status is Status.PRIMARY
            assert cell.text == SUPPRESSED_TEXT
            assert cell.shown is None
        elif cell.value == 0:
            assert cell.text == "0"
        if not cell.suppressed:
            assert cell.shown == cell.value


@settings(max_examples=200, deadline=None)
@given(grids)
def test_worked_out_totals_do_not_open_another_line(grid: list[list[int]]) -> None:
    table = suppress_grid(grid)
    cells = positions(table)
    values = {p: c.value for p, c in cells.items()}
    status = {p: c.status for p, c in cells.items()}
    assert worked_out(values, status, lines_of(table)) == {}


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=6))
def test_a_list_with_its_total_is_protected(values: list[int]) -> None:
    table = suppress_counts(values)
    assert _solvable_in_line(table, lines_of(table)[0]) == []
    assert table.total is not None
    assert table.total.value == sum(values)


def test_one_small_cell_beside_a_total_takes_a_second_cell_with_it() -> None:
    table = suppress_counts([5, 100, 200])
    texts = [c.text for c in table.cells[0]]
    assert texts == [SUPPRESSED_TEXT, COMPLEMENTARY_TEXT, "200"]
    assert table.total is not None
    assert table.total.text == "305"


def test_two_ones_with_their_total_hide_the_total() -> None:
    # 1 + 1 = 2 would give both away.
    table = suppress_counts([1, 1, 0])
    assert table.total is not None
    assert table.total.suppressed


def test_one_and_eleven_is_not_left_solvable() -> None:
    # A complementary cell is known to be 0 or at least 11: 1 + 11 = 12 would pin both.
    table = suppress_counts([1, 11])
    assert table.total is not None
    assert table.total.suppressed


def test_a_preset_total_stays_hidden() -> None:
    table = suppress_grid([[50, 60], [70, 80]], preset=[(2, 0)])
    assert table.col_totals is not None
    assert table.col_totals[0].status is Status.COMPLEMENTARY


def test_counts_are_never_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress_grid([[1, -1]])
