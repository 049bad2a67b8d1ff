"""Pictures of a sliding window, every number in them computed by the code they illustrate.

    show_padding_stride(X, K, *, stride=1, padding=0)   corr2d on a zero-padded input
    show_multi_in(X, K)                                 corr2d_multi_in: a kernel per channel
    show_1x1(X, K)                                      a 1x1 convolution, a matrix per pixel
    show_pooling(X, kernel_size, stride=1, mode="max", *, padding=0)              pool2d

(Keywords where the order would be ambiguous: ``corr2d`` takes ``stride`` before ``padding`` and
``pool2d`` takes ``padding`` before ``mode``.)

Every picture is drawn in cells of ``CELL`` inches, so a number has the same size in every
picture, and in the frames of :mod:`cnnbook.animate`, which draws them with the functions below.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from matplotlib.patches import Rectangle

from .conv import (
    check_tensor,
    conv_output_shape,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    pair,
)
from .plot import figure
from .pool import MODES, lowest, pool2d

CELL = 0.3  # inches per cell
MARGIN = 0.4  # cells of white around a picture
LINE = 0.75  # cells per line of text under a picture
# Windows are outlined in these colours, in turn; the output cells they produce are filled with
# the light shade of the same colour.
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
SHADES = ("#c6dbef", "#fcbba1", "#c7e9c0", "#dadaeb")
PADDING = "#d9d9d9"  # padded cells
GRID = "#555555"


def number(value) -> str:
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
    """:func:`number`, in parentheses if negative, to follow a multiplication sign."""
    text = number(value)
    return f"({text})" if text.startswith("-") else text


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
            text = texts.get((i, j), number(M[i, j]))
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


def canvas(width, height, title=None, notes=(), fig=None):
    """Clear ``fig`` (a new figure if None) for a picture of ``width x height`` cells with
    ``title`` above and ``notes`` (lines of ``(text, colour)``) below; return ``(fig, ax)``,
    the axes spanning the figure in cell units, y down, the picture's top-left corner at 0.
    Draw on ``ax``, then :func:`fit` the figure around what was drawn."""
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


def fit(fig, ax, limits=None):
    """Set ``ax``'s limits to ``limits`` (``(left, right, top, bottom)``, default: the
    :func:`extent` of what it holds) and size ``fig`` at ``CELL`` inches per cell."""
    left, right, top, bottom = extent(fig, ax) if limits is None else limits
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    fig.set_size_inches((right - left) * CELL, (bottom - top) * CELL)
    return fig


def _span(limits):
    return abs(limits[1] - limits[0])


def outline_windows(ax, positions, kernel_size, stride, y_in, output_at):
    """Frame the input window of each output ``(i, j)`` in ``positions`` (the input drawn from
    ``(0, y_in)``) and that output's cell (the output drawn from ``output_at``), in matching
    colours."""
    (kh, kw), (sh, sw), (x_out, y_out) = kernel_size, stride, output_at
    for n, (i, j) in enumerate(positions):
        color, _, inset = window_colors(n)
        outline(ax, j * sw, y_in + i * sh, kh, kw, color, inset)
        outline(ax, x_out + j, y_out + i, 1, 1, color)


def window_colors(n):
    """Outline colour, fill shade and inset of the ``n``-th window of a picture."""
    return COLORS[n % len(COLORS)], SHADES[n % len(SHADES)], 0.05 * (n % len(COLORS))


def default_positions(out_shape):
    """Output positions a picture outlines: (0, 0), then one step right and one step down."""
    h, w = out_shape
    return [p for p in ((0, 0), (0, 1), (1, 0)) if p[0] < h and p[1] < w]


def check_positions(positions, out_shape, name="positions"):
    """``positions`` as a list of ``(i, j)`` inside ``out_shape``; else a clear error."""
    if positions is None:
        return default_positions(out_shape)
    expected = f"a list of (row, column) output positions inside {tuple(out_shape)}"
    try:
        positions = [pair(p, name, 0) for p in positions]
    except TypeError as exc:
        raise TypeError(f"{name} must be {expected}, got {positions!r}") from exc
    for i, j in positions:
        if i >= out_shape[0] or j >= out_shape[1]:
            raise ValueError(f"{name} must be {expected}, got {(i, j)}")
    return positions


# ---------------------------------------------------------------------------------------------
# Cross-correlation with padding and stride


def correlation_term(window, K, i, j, value) -> str:
    """``out[i, j] = 0·0 + 1·1 + ... = value``: the products when there are at most 9."""
    if K.numel() <= 9:
        products = " + ".join(
            f"{number(a)}·{factor(b)}" for a, b in zip(window.flatten(), K.flatten())
        )
    else:
        products = "sum of window × kernel"
    return f"out[{i}, {j}] = {products} = {number(value)}"


def draw_correlation(ax, X, K, Y, stride, padding, positions):
    """Padded input (padding shaded), kernel and output ``Y`` (NaN cells blank) side by side on
    ``ax``, the windows of output ``positions`` outlined; return ``(width, height)`` in cells.
    ``stride`` and ``padding`` are pairs."""
    (sh, sw), (ph, pw) = stride, padding
    Xp = F.pad(X, (pw, pw, ph, ph))
    (H, W), (kh, kw), (ho, wo) = Xp.shape, K.shape, Y.shape
    height = max(H, kh, ho)
    y_in, y_k, y_out = (height - H) / 2, (height - kh) / 2, (height - ho) / 2
    x_k = W + 1.5
    x_out = x_k + kw + 1.5
    pads = {(i, j): PADDING for i in range(H) for j in range(W)
            if not (ph <= i < H - ph and pw <= j < W - pw)}  # fmt: skip
    shown = {}
    for n, (i, j) in enumerate(positions):
        shown[(i, j)] = window_colors(n)[1]
    label = f"input {X.shape[0]}×{X.shape[1]}" + (f", padding {_size(padding)}" if ph or pw else "")
    draw_cells(ax, Xp, 0, y_in, label=label, fills=pads, name="input")
    sign(ax, W + 0.75, height / 2, "$\\star$")
    draw_cells(ax, K, x_k, y_k, label="kernel", name="kernel")
    sign(ax, x_k + kw + 0.75, height / 2, "=")
    out_label = f"output {ho}×{wo}" + (f", stride {_size(stride)}" if (sh, sw) != (1, 1) else "")
    draw_cells(ax, Y, x_out, y_out, label=out_label, fills=shown, name="output")
    outline_windows(ax, positions, (kh, kw), (sh, sw), y_in, (x_out, y_out))
    return x_out + wo, height


def _size(p) -> str:
    return str(p[0]) if p[0] == p[1] else f"{p[0]}×{p[1]}"


def show_padding_stride(X, K, *, stride=1, padding=0, positions=None):
    """The input ``X (h, w)`` padded with zeros (shaded), the kernel ``K (kh, kw)`` and the output
    ``corr2d(X, K, stride, padding)``, with the windows of a few output ``positions`` outlined in
    colour (default: ``(0, 0)``, one step right and one down) and their sums written out.
    ``stride`` and ``padding`` are keywords (ints or pairs); return the figure."""
    check_tensor(X, "X", 2, "(h, w)")
    check_tensor(K, "K", 2, "(kh, kw)")
    stride, padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
    Y = corr2d(X, K, stride, padding)
    positions = check_positions(positions, Y.shape)
    Xp = F.pad(X, (padding[1], padding[1], padding[0], padding[0]))
    notes = []
    for n, (i, j) in enumerate(positions):
        top, left = i * stride[0], j * stride[1]
        window = Xp[top : top + K.shape[0], left : left + K.shape[1]]
        notes.append((correlation_term(window, K, i, j, Y[i, j]), window_colors(n)[0]))
    h_out, w_out = conv_output_shape(X.shape, K.shape, stride, padding)
    title = (
        f"({X.shape[0]} + 2·{padding[0]} − {K.shape[0]}) // {stride[0]} + 1 = {h_out} rows, "
        f"({X.shape[1]} + 2·{padding[1]} − {K.shape[1]}) // {stride[1]} + 1 = {w_out} columns"
    )
    width, height = _extent(Xp, K, Y)
    fig, ax = canvas(width, height, title, notes)
    draw_correlation(ax, X, K, Y, stride, padding, positions)
    return fit(fig, ax)


def _extent(Xp, K, Y):
    """Width and height, in cells, of :func:`draw_correlation`'s picture."""
    width = Xp.shape[1] + 1.5 + K.shape[1] + 1.5 + Y.shape[1]
    return width, max(Xp.shape[0], K.shape[0], Y.shape[0])


# ---------------------------------------------------------------------------------------------
# Several input channels


def draw_multi_in(ax, X, K, parts, Y, position, active=None):
    """One row per input channel: ``X[c] ⋆ K[c] = parts[c]``, the rows summed into ``Y``. The
    window of output ``position`` is outlined in every channel (only channels ``<= active`` if
    ``active`` is given: the ones summed so far); NaN cells are blank. Return the extent."""
    c_i, h, w = X.shape
    kh, kw = K.shape[1:]
    ho, wo = Y.shape
    row = max(h, kh, ho)
    gap = 1.4  # between channel rows: room for the labels
    height = c_i * row + (c_i - 1) * gap
    x_k = w + 1.5
    x_p = x_k + kw + 1.5
    x_out = x_p + wo + 1.5
    i, j = position
    for c in range(c_i):
        y0 = c * (row + gap)
        on = active is None or c <= active
        color = COLORS[0] if on else "#bbbbbb"
        draw_cells(ax, X[c], 0, y0 + (row - h) / 2, label=f"input channel {c}", name=f"input{c}")
        sign(ax, w + 0.75, y0 + row / 2, "$\\star$")
        draw_cells(ax, K[c], x_k, y0 + (row - kh) / 2, label=f"kernel {c}", name=f"kernel{c}")
        sign(ax, x_k + kw + 0.75, y0 + row / 2, "=")
        fills = {(i, j): SHADES[0]} if on else {}
        y_p = y0 + (row - ho) / 2
        draw_cells(
            ax, parts[c], x_p, y_p, label=f"channel {c}'s part", fills=fills, name=f"part{c}"
        )
        outline(ax, j, y0 + (row - h) / 2 + i, kh, kw, color)
        outline(ax, x_p + j, y_p + i, 1, 1, color)
        if c:
            sign(ax, x_p + wo / 2, y0 - gap / 2 - 0.1, "+")
    sign(ax, x_out - 0.75, height / 2, "=")
    y_out = (height - ho) / 2
    draw_cells(ax, Y, x_out, y_out, label="output", fills={(i, j): SHADES[0]}, name="output")
    outline(ax, x_out + j, y_out + i, 1, 1, COLORS[0])
    return x_out + wo, height


def _check_multi_in(X, K):
    check_tensor(X, "X", 3, "(c_i, h, w)")
    check_tensor(K, "K", 3, "(c_i, kh, kw)")
    if X.shape[0] != K.shape[0]:
        raise ValueError(f"X has {X.shape[0]} channels but K has kernels for {K.shape[0]}")


def show_multi_in(X, K, position=(0, 0)):
    """Each input channel ``X[c] (h, w)`` cross-correlated with its own kernel ``K[c]``
    (``corr2d``), and the parts summed into the output ``corr2d_multi_in(X, K)``; the window of
    output ``position`` is outlined in every channel and its sum written out. ``X (c_i, h, w)``,
    ``K (c_i, kh, kw)``; return the figure."""
    _check_multi_in(X, K)
    parts = [corr2d(x, k) for x, k in zip(X, K)]
    Y = corr2d_multi_in(X, K)
    [position] = check_positions([position], Y.shape, "position")
    i, j = position
    terms = " + ".join(factor(p[i, j]) for p in parts)
    notes = [(f"out[{i}, {j}] = {terms} = {number(Y[i, j])}", COLORS[0])]
    title = f"{X.shape[0]} input channels, one kernel each: the parts add up to one output"
    width, height = _multi_in_extent(X, K, Y)
    fig, ax = canvas(width, height, title, notes)
    draw_multi_in(ax, X, K, parts, Y, position)
    return fit(fig, ax)


def _multi_in_extent(X, K, Y):
    c_i, h, w = X.shape
    row = max(h, K.shape[1], Y.shape[0])
    width = w + 1.5 + K.shape[2] + 1.5 + Y.shape[1] + 1.5 + Y.shape[1]
    return width, c_i * row + (c_i - 1) * 1.4


# ---------------------------------------------------------------------------------------------
# 1x1 convolution


def _stack(ax, maps, x, height, label, pixel, color, name):
    """Maps ``(c, h, w)`` one above the other, centred on ``height``, ``pixel`` filled."""
    c, h, w = maps.shape
    gap = 1.2
    total = c * h + (c - 1) * gap
    for k in range(c):
        y = (height - total) / 2 + k * (h + gap)
        draw_cells(ax, maps[k], x, y, label=f"{label} {k}", fills={pixel: color}, name=f"{name}{k}")


def show_1x1(X, K, pixel=(0, 0)):
    """A 1x1 convolution as a matrix product at every pixel: the channels of one ``pixel`` of
    ``X (c_i, h, w)``, a vector of ``c_i`` numbers, times the ``(c_o, c_i)`` matrix ``K`` give
    that pixel's ``c_o`` output channels. The output maps are ``corr2d_multi_in_out(X, K)`` with
    ``K`` as ``(c_o, c_i, 1, 1)``; ``K`` may be either shape. Return the figure."""
    check_tensor(X, "X", 3, "(c_i, h, w)")
    check_tensor(K, "K", (2, 4), "(c_o, c_i) or (c_o, c_i, 1, 1)")
    if K.dim() == 4 and tuple(K.shape[2:]) != (1, 1):
        raise ValueError(f"K must have shape (c_o, c_i) or (c_o, c_i, 1, 1), got {tuple(K.shape)}")
    c_i, h, w = X.shape
    if K.shape[1] != c_i:
        raise ValueError(f"X has {c_i} channels but K expects {K.shape[1]}: they must agree")
    c_o = K.shape[0]
    [pixel] = check_positions([pixel], (h, w), "pixel")
    matrix = K.reshape(c_o, c_i)
    Y = corr2d_multi_in_out(X, matrix.reshape(c_o, c_i, 1, 1))
    x = X[:, pixel[0], pixel[1]]
    y = matrix @ x  # the same numbers as Y[:, pixel[0], pixel[1]]
    height = max(c * h + (c - 1) * 1.2 for c in (c_i, c_o))
    x_k = w + 2
    x_x = x_k + c_i + 1.2
    x_y = x_x + 1 + 1.2
    x_out = x_y + 1 + 2
    i, j = pixel
    rows = " + ".join(f"{factor(a)}·{factor(b)}" for a, b in zip(matrix[0], x))
    notes = [
        (f"x = X[:, {i}, {j}], the {c_i} channels of pixel ({i}, {j}); y = K x = out[:, {i}, {j}]",
         COLORS[0]),
        (f"y[0] = {rows} = {number(y[0])}", COLORS[1]),
    ]  # fmt: skip
    title = f"1×1 convolution: every pixel's {c_i} channels times the same {c_o}×{c_i} matrix"
    fig, ax = canvas(x_out + w, height, title, notes)
    _stack(ax, X, 0, height, "input channel", pixel, SHADES[0], "input")
    sign(ax, w + 1, height / 2, "→")
    draw_cells(ax, matrix, x_k, (height - c_o) / 2, label=f"K, {c_o}×{c_i}", name="K",
               fills={(0, b): SHADES[1] for b in range(c_i)})  # fmt: skip
    outline(ax, x_k, (height - c_o) / 2, 1, c_i, COLORS[1])
    sign(ax, x_x - 0.6, height / 2, "·")
    draw_cells(ax, x.reshape(c_i, 1), x_x, (height - c_i) / 2, label="x", name="x",
               fills={(a, 0): SHADES[0] for a in range(c_i)})  # fmt: skip
    sign(ax, x_y - 0.6, height / 2, "=")
    fills = {(a, 0): SHADES[2] for a in range(c_o)}
    draw_cells(ax, y.reshape(c_o, 1), x_y, (height - c_o) / 2, label="y", fills=fills, name="y")
    outline(ax, x_y, (height - c_o) / 2, 1, 1, COLORS[1])
    sign(ax, x_y + 2, height / 2, "→")
    _stack(ax, Y, x_out, height, "output channel", pixel, SHADES[2], "output")
    return fit(fig, ax)


# ---------------------------------------------------------------------------------------------
# Pooling


def pooling_term(window, mode, i, j, value) -> str:
    """``out[i, j] = max(1, 2, 4, 5) = 5`` or ``(1 + 2 + 4 + 5) / 4 = 3`` (padding: 0 in an
    average, left out of a maximum, where it never wins)."""
    cells = window.flatten()
    if mode == "max":
        values = ", ".join(number(v) for v in cells if v != lowest(window.dtype))
        return f"out[{i}, {j}] = max({values}) = {number(value)}"
    values = " + ".join(factor(v) for v in cells)
    return f"out[{i}, {j}] = ({values}) / {cells.numel()} = {number(value)}"


def pooling_input(X, padding, mode):
    """``X (h, w)`` padded as :func:`pool2d` pads it (lowest value for max, 0 for average)."""
    ph, pw = padding
    return F.pad(X, (pw, pw, ph, ph), value=lowest(X.dtype) if mode == "max" else 0)


def draw_pooling(ax, X, Y, kernel_size, stride, padding, mode, positions):
    """Padded input (padding shaded), output ``Y`` (NaN cells blank), the windows of output
    ``positions`` outlined and, for max pooling, each window's winner in bold. Pairs for the
    sizes. Return ``(width, height)`` in cells."""
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    Xp = pooling_input(X, padding, mode)
    (H, W), (ho, wo) = Xp.shape, Y.shape
    height = max(H, ho)
    y_in, y_out = (height - H) / 2, (height - ho) / 2
    x_out = W + 2.5
    inside = [(i, j) for i in range(H) for j in range(W) if ph <= i < H - ph and pw <= j < W - pw]
    pads = {(i, j): PADDING for i in range(H) for j in range(W) if (i, j) not in inside}
    texts = {p: "" for p in pads} if mode == "max" else {}
    bold, shown = set(), {}
    for n, (i, j) in enumerate(positions):
        shown[(i, j)] = window_colors(n)[1]
        if mode == "max":
            window = Xp[i * sh : i * sh + kh, j * sw : j * sw + kw]
            a, b = divmod(int(window.flatten().argmax()), kw)
            bold.add((i * sh + a, j * sw + b))
    label = f"input {X.shape[0]}×{X.shape[1]}" + (f", padding {_size(padding)}" if ph or pw else "")
    draw_cells(ax, Xp, 0, y_in, label=label, fills=pads, texts=texts, bold=bold, name="input")
    sign(ax, W + 1.25, height / 2, "→")
    name = "max" if mode == "max" else "average"
    out_label = f"{name} pool {_size(kernel_size)}, stride {_size(stride)}"
    draw_cells(ax, Y, x_out, y_out, label=out_label, fills=shown, name="output")
    outline_windows(ax, positions, (kh, kw), (sh, sw), y_in, (x_out, y_out))
    return x_out + wo, height


def check_mode(mode):
    if mode not in MODES:
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")


def show_pooling(X, kernel_size, stride=1, mode="max", *, padding=0, positions=None):
    """The input ``X (h, w)`` (padding shaded) and its pooled output ``pool2d(X, kernel_size,
    stride, padding, mode)``, the windows of a few output ``positions`` outlined (default:
    ``(0, 0)``, one step right and one down), each window's maximum in bold and its formula
    written out. ``stride`` defaults to 1 as in :func:`pool2d`; ``padding`` is a keyword.
    Return the figure."""
    check_tensor(X, "X", 2, "(h, w)")
    check_mode(mode)
    window, stride = pair(kernel_size, "kernel_size", 1), pair(stride, "stride", 1)
    padding = pair(padding, "padding", 0)
    Y = pool2d(X, window, stride, padding, mode)
    positions = check_positions(positions, Y.shape)
    Xp = pooling_input(X, padding, mode)
    notes = []
    for n, (i, j) in enumerate(positions):
        cells = Xp[
            i * stride[0] : i * stride[0] + window[0], j * stride[1] : j * stride[1] + window[1]
        ]
        notes.append((pooling_term(cells, mode, i, j, Y[i, j]), window_colors(n)[0]))
    title = "padding never wins a maximum" if mode == "max" else "padding counts as 0"
    title = title if any(padding) else None
    fig, ax = canvas(Xp.shape[1] + 2.5 + Y.shape[1], max(Xp.shape[0], Y.shape[0]), title, notes)
    draw_pooling(ax, X, Y, window, stride, padding, mode, positions)
    return fit(fig, ax)
