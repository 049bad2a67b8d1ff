"""Numbered cells: what the sliding-window pictures (:mod:`cnnbook.figures`) and their animations
(:mod:`cnnbook.animate`) are drawn with, and how they write numbers, sizes and grids in words.

    fig, ax = canvas(width, height, title, notes)    # a picture of width x height cells
    draw_cells(ax, M, x, y, label="kernel")          # matrix M, its top-left cell at (x, y)
    outline(ax, x, y, rows, cols, COLORS[0])         # a thick frame around some cells
    size_to_content(fig, ax)                         # the figure sized to what was drawn

Every picture is drawn in cells of ``CELL`` inches, y down, so that a number has the same size in
every picture and every frame.
"""

from __future__ import annotations

import math

import torch
from matplotlib.patches import Rectangle

from .plot import figure

CELL = 0.3  # inches per cell
MARGIN = 0.4  # cells of white around a picture
LINE = 0.75  # cells per line of text under a picture
# Windows are outlined in these colours, in turn; the output cells they produce are filled with
# the light shade of the same colour.
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
SHADES = ("#c6dbef", "#fcbba1", "#c7e9c0", "#dadaeb")
PADDING = "#d9d9d9"  # padded cells
GRID = "#555555"
LISTED = 36  # a grid of at most this many cells is read out number by number in an alt text


def cell_text(value) -> str:
    """A cell's text: ``3`` for 3.0, ``0.25``, two decimals at most; blank for NaN (not computed
    yet)."""
    v = float(value)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "-∞" if v < 0 else "∞"
    if v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text  # a tiny negative value rounds to 0, not "-0"


def factor(value) -> str:
    """:func:`cell_text`, in parentheses if negative, to follow a multiplication sign."""
    text = cell_text(value)
    return f"({text})" if text.startswith("-") else text


def size_text(value, dims: int = 2, full: bool = False) -> str:
    """A size as the pictures write it: ``3`` for 3 or ``(3, 3)``, ``3×2`` for ``(3, 2)``; with
    ``full``, every dimension (``3×3``). An int stands for ``dims`` equal sizes; None, in an
    adaptive pool's output size, for "the input's size" (``same``)."""
    values = (value,) * dims if isinstance(value, int) else tuple(value)
    texts = ["same" if v is None else str(v) for v in values]
    if not full and len(set(texts)) == 1:
        return texts[0]
    return "×".join(texts)


def shape_text(shape) -> str:
    """``6×28×28`` for the shape ``(6, 28, 28)``."""
    return "×".join(str(d) for d in shape)


def rows_text(M) -> str:
    """A grid's numbers for an alt text, ``rows 0 1 2; 3 4 5`` (a blank cell, not computed yet,
    reads ``blank``); empty when it has more than ``LISTED`` cells."""
    M = torch.as_tensor(M).detach().cpu()
    if M.numel() > LISTED:
        return ""
    return "rows " + "; ".join(" ".join(cell_text(v) or "blank" for v in row) for row in M)


def grid_text(M, what: str) -> str:
    """A grid in words for an alt text: ``3×3 input (rows 0 1 2; 3 4 5; 6 7 8)``, without the
    numbers when there are more than ``LISTED``."""
    rows = rows_text(M)
    return f"{shape_text(torch.as_tensor(M).shape)} {what}" + (f" ({rows})" if rows else "")


def draw_cells(ax, M, x, y, label=None, fills=None, texts=None, bold=(), name=None):
    """Matrix ``M (rows, cols)`` as numbered cells whose top-left corner is at ``(x, y)`` (in
    cells, y down). ``fills``: {(i, j): colour}; ``texts``: {(i, j): text} replacing numbers;
    ``bold``: cells whose number is bold; ``label`` goes above; each cell's text has the id
    ``name[i,j]`` (matplotlib's ``gid``) when a ``name`` is given."""
    M = torch.as_tensor(M).detach().cpu()
    fills, texts = fills or {}, texts or {}
    rows, cols = M.shape
    for i in range(rows):
        for j in range(cols):
            ax.add_patch(
                Rectangle((x + j, y + i), 1, 1, facecolor=fills.get((i, j), "white"),
                          edgecolor=GRID, linewidth=0.8)
            )  # fmt: skip
            text = texts.get((i, j), cell_text(M[i, j]))
            ax.text(x + j + 0.5, y + i + 0.52, text, ha="center", va="center",
                    fontsize=8 if len(text) <= 4 else 6.5,
                    fontweight="bold" if (i, j) in bold else "normal",
                    gid=None if name is None else f"{name}[{i},{j}]")  # fmt: skip
    if label:
        ax.text(x + cols / 2, y - 0.2, label, ha="center", va="bottom", fontsize=8)


def outline(ax, x, y, rows, cols, color, inset=0.0):
    """A thick frame around ``rows x cols`` cells from ``(x, y)``, ``inset`` cells inside."""
    ax.add_patch(
        Rectangle((x + inset, y + inset), cols - 2 * inset, rows - 2 * inset, fill=False,
                  edgecolor=color, linewidth=2.4)
    )  # fmt: skip


def sign(ax, x, y, text):
    """An operator (``"$\\star$"``, ``"="``, ``"+"``) centred at ``(x, y)``."""
    ax.text(x, y, text, ha="center", va="center", fontsize=18 if "star" in text else 14)


def window_colors(n):
    """Outline colour, fill shade and inset of the ``n``-th window of a picture."""
    return COLORS[n % len(COLORS)], SHADES[n % len(SHADES)], 0.05 * (n % len(COLORS))


def canvas(width, height, title=None, notes=(), fig=None):
    """Clear ``fig`` (a new figure if None) for a picture of ``width x height`` cells with
    ``title`` above and ``notes`` (lines of ``(text, colour)``) below; return ``(fig, ax)``,
    the axes spanning the figure in cell units, y down, the picture's top-left corner at 0.
    Draw on ``ax``, then :func:`size_to_content`."""
    top = 1.4 if title else 0.7  # room for the title and the labels above the grids
    bottom = 0.3 + LINE * len(notes)
    if fig is None:
        fig = figure(1, 1)
    fig.clear()
    ax = fig.add_axes((0, 0, 1, 1))
    ax.axis("off")
    ax.set_xlim(-MARGIN, width + MARGIN)
    ax.set_ylim(height + bottom + MARGIN, -top - MARGIN)
    if title:
        ax.text(width / 2, -top, title, ha="center", va="top", fontsize=9)
    for n, (text, color) in enumerate(notes):
        ax.text(0, height + 0.4 + LINE * n, text, ha="left", va="top", fontsize=8, color=color)
    return fig, ax


def extent(fig, ax):
    """``(left, right, top, bottom)``, in cells, of the axes' limits grown to hold everything
    drawn on it (labels and notes may reach past the grids)."""
    fig.set_size_inches(_span(ax.get_xlim()) * CELL, _span(ax.get_ylim()) * CELL)
    box = ax.get_tightbbox().transformed(ax.transData.inverted())
    (x0, x1), (y1, y0) = ax.get_xlim(), ax.get_ylim()
    left, right = min(x0, box.x0 - MARGIN / 2), max(x1, box.x1 + MARGIN / 2)
    top, bottom = min(y0, min(box.y0, box.y1)), max(y1, max(box.y0, box.y1))
    # Out to whole half cells: a slightly different text width (another font version) seldom
    # changes the figure's size.
    return (math.floor(2 * left) / 2, math.ceil(2 * right) / 2,
            math.floor(2 * top) / 2, math.ceil(2 * bottom) / 2)  # fmt: skip


def size_to_content(fig, ax, limits=None):
    """Set ``ax``'s limits to ``limits`` (``(left, right, top, bottom)``, default: the
    :func:`extent` of what it holds) and size ``fig`` at ``CELL`` inches per cell; return
    ``fig``."""
    left, right, top, bottom = extent(fig, ax) if limits is None else limits
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    fig.set_size_inches((right - left) * CELL, (bottom - top) * CELL)
    return fig


def _span(limits):
    return abs(limits[1] - limits[0])
