"""The report's charts: matplotlib to inline SVG, deterministic, suppressed like the tables.

Figures are made with matplotlib's object API (no pyplot, so no GUI backend and no global
figure state).

A chart draws only what its table publishes: a shown count at its height; a "1–10" cell as a
hatched outline up to 10 (the top of its range, never its true height) labelled "1–10"; a
complementary cell as no bar, labelled "n/p". Each SVG has its own hash salt, so the ids of two
charts inlined in one HTML page never collide, and no date in its metadata, so the same inputs
give the same bytes.
"""

from __future__ import annotations

import io
import re
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from minshare.report.model import CountTable
from minshare.report.suppress import THRESHOLD, Cell, Status

INK = "#1b1b1b"
MUTED = "#6b6b6b"
COLORS = {
    "disclosed": "#1f4e79",
    "withheld": "#8c8c8c",
    "in review": "#c07a00",
    "quarantined": "#7a3b3b",
    "disclose": "#1f4e79",
    "withhold": "#8c8c8c",
    "review": "#c07a00",
}
DEFAULT_COLOR = "#1f4e79"

# Typed loosely: matplotlib types rc keys as a Literal of every known name.
_STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "svg.fonttype": "none",  # text stays text: searchable, and scanned by the no-PII test
    "hatch.linewidth": 0.6,
}


def _svg(fig: Figure, name: str) -> str:
    buf = io.StringIO()
    salt: dict[Any, Any] = {"svg.hashsalt": f"minshare-{name}"}
    with matplotlib.rc_context(salt):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    # Inline: drop the XML declaration and DOCTYPE; give the root an id and a role.
    text = text[text.index("<svg") :]
    # Element ids (matplotlib's "line2d_3", "text_3"…) are per figure: prefix them, and every
    # reference to them, so that several charts can share one HTML document.
    text = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', text)
    text = re.sub(r"<svg ", f'<svg id="chart-{name}" class="chart" role="img" ', text, count=1)
    return text


def _bar(ax: Axes, y: float, cell: Cell, color: str, height: float = 0.7) -> None:
    if cell.status is Status.SHOWN:
        if cell.value > 0:
            ax.barh(y, cell.value, height=height, color=color)
        label = cell.text
        x = max(cell.value, 1)
    elif cell.status is Status.PRIMARY:
        ax.barh(y, THRESHOLD, height=height, facecolor="none", edgecolor=color, hatch="////")
        label, x = cell.text, THRESHOLD
    else:
        label, x = cell.text, 1
    ax.annotate(
        label,
        (x, y),
        xytext=(3, 0),
        textcoords="offset points",
        va="center",
        fontsize=7,
        color=INK if cell.status is Status.SHOWN else MUTED,
    )


def _log_axis(ax: Axes, top: int) -> None:
    ax.set_xscale("log")
    ax.set_xlim(0.8, max(top, THRESHOLD) * 4)
    ax.xaxis.grid(True, color="#e3e3e3", linewidth=0.5)
    ax.set_axisbelow(True)


def bars(table: CountTable, name: str, *, title: str, column: int | None = None) -> str:
    """Horizontal bars, one per row: the row total, or one column's cells (log scale)."""
    cells: list[Cell] = []
    for i, row in enumerate(table.table.cells):
        if column is not None:
            cells.append(row[column])
        elif table.table.row_totals is not None:
            cells.append(table.table.row_totals[i])
        else:
            cells.append(row[0])
    labels = list(table.rows)
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(6.3, 0.21 * len(labels) + 0.9), layout="constrained")
        ax = fig.subplots()
        for k, cell in enumerate(cells):
            _bar(ax, k, cell, DEFAULT_COLOR)
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        _log_axis(ax, max((c.value for c in cells if not c.suppressed), default=THRESHOLD))
        ax.set_xlabel("rows (log scale; hatched: 1–10, not its true size; n/p: not published)")
        ax.set_title(title, loc="left", fontsize=9, color=INK)
        return _svg(fig, name)


# A tile grid map of the states (row, column), the common layout of US tile maps.
TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (0, 11),
    "VT": (1, 10), "NH": (1, 11),
    "WA": (2, 1), "ID": (2, 2), "MT": (2, 3), "ND": (2, 4), "MN": (2, 5), "IL": (2, 6),
    "WI": (2, 7), "MI": (2, 8), "NY": (2, 9), "RI": (2, 10), "MA": (2, 11),
    "OR": (3, 1), "NV": (3, 2), "WY": (3, 3), "SD": (3, 4), "IA": (3, 5), "IN": (3, 6),
    "OH": (3, 7), "PA": (3, 8), "NJ": (3, 9), "CT": (3, 10),
    "CA": (4, 1), "UT": (4, 2), "CO": (4, 3), "NE": (4, 4), "MO": (4, 5), "KY": (4, 6),
    "WV": (4, 7), "VA": (4, 8), "MD": (4, 9), "DE": (4, 10),
    "AZ": (5, 2), "NM": (5, 3), "KS": (5, 4), "AR": (5, 5), "TN": (5, 6), "NC": (5, 7),
    "SC": (5, 8), "DC": (5, 9),
    "OK": (6, 4), "LA": (6, 5), "MS": (6, 6), "AL": (6, 7), "GA": (6, 8),
    "HI": (7, 0), "TX": (7, 4), "FL": (7, 9),
    "PR": (7, 11),
}  # fmt: skip


def state_tiles(table: CountTable, name: str, *, title: str, governed: set[str]) -> str:
    """One tile per state, placed like a map: shaded when an order governs it; in it, the
    disclosed and in-review counts as published (suppressed cells keep their text)."""
    d = table.columns.index("disclosed")
    r = table.columns.index("in review")
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(6.6, 4.6), layout="constrained")
        ax = fig.subplots()
        for label, row in zip(table.rows, table.table.cells, strict=True):
            abbr = label.split(" ")[-1]
            if abbr not in TILES:
                continue
            y, x = TILES[abbr]
            code = label.split(" ")[0]
            face = "#dce6f2" if code in governed else "#f2f2f2"
            ax.add_patch(Rectangle((x, -y), 0.94, -0.94, facecolor=face, edgecolor="#b0b0b0"))
            ax.text(x + 0.47, -y - 0.22, abbr, ha="center", va="center", fontsize=7.5,
                    fontweight="bold", color=INK)  # fmt: skip
            ax.text(x + 0.47, -y - 0.5, f"D {row[d].text}", ha="center", va="center",
                    fontsize=5.6, color=COLORS["disclosed"])  # fmt: skip
            ax.text(x + 0.47, -y - 0.74, f"R {row[r].text}", ha="center", va="center",
                    fontsize=5.6, color=COLORS["in review"])  # fmt: skip
        ax.set_xlim(-0.1, 12)
        ax.set_ylim(-8.1, 0.1)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.legend(
            [
                Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#b0b0b0")
                for c in ("#dce6f2", "#f2f2f2")
            ],
            ["an order in force governs the state", "no order governs it (all withheld)"],
            loc="upper left",
            bbox_to_anchor=(0.1, 1.0),
            fontsize=7,
            frameon=False,
        )
        ax.set_title(title + "  (D: disclosed, R: in review)", loc="left", fontsize=9, color=INK)
        return _svg(fig, name)


def heatmap(table: CountTable, name: str, *, title: str, xlabel: str, ylabel: str) -> str:
    """A matrix of counts: shade by the published count; suppressed cells hatched, no shade."""
    n, m = len(table.rows), len(table.columns)
    shown = [c.value for row in table.table.cells for c in row if not c.suppressed]
    top = max(shown, default=1) or 1
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(4.6, 0.7 * n + 1.3), layout="constrained")
        ax = fig.subplots()
        cmap = matplotlib.colormaps["Blues"]
        for i, row in enumerate(table.table.cells):
            for j, cell in enumerate(row):
                if cell.status is Status.SHOWN:
                    face = cmap(0.1 + 0.8 * (cell.value / top) ** 0.5) if cell.value else "white"
                    rect = Rectangle((j, i), 1, 1, facecolor=face, edgecolor="white")
                else:
                    rect = Rectangle((j, i), 1, 1, facecolor="white", edgecolor=MUTED, hatch="////")
                ax.add_patch(rect)
                dark = cell.status is Status.SHOWN and cell.value / top > 0.4
                ax.text(j + 0.5, i + 0.5, cell.text, ha="center", va="center", fontsize=8,
                        color="white" if dark else INK)  # fmt: skip
        ax.set_xlim(0, m)
        ax.set_ylim(n, 0)
        ax.set_xticks([j + 0.5 for j in range(m)], list(table.columns))
        ax.set_yticks([i + 0.5 for i in range(n)], list(table.rows))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left", fontsize=9, color=INK)
        return _svg(fig, name)


__all__ = ["bars", "heatmap", "state_tiles"]
