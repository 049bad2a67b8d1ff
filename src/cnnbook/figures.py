"""Pictures of a sliding window, every number in them computed by the code they illustrate.

    show_correlation(X, K, position=(0, 0))               corr2d, one window worked out
    show_padding_stride(X, K, *, stride=1, padding=0)     corr2d on a zero-padded input
    show_multi_in(X, K)                                   corr2d_multi_in: a kernel per channel
    show_1x1(X, K)                                        a 1x1 convolution, a matrix per pixel
    show_pooling(X, kernel_size, stride=1, padding=0, mode="max")    pool2d, in pool2d's order
    show_im2col(X, kernel_size, column=0)                 im2col: every window a column

(``show_padding_stride`` takes ``stride`` and ``padding`` by name only, so that a call says
which is which.) The sliding windows are drawn with the layouts of :mod:`cnnbook.layouts`, which
the animations of :mod:`cnnbook.animate` share, in the numbered cells of :mod:`cnnbook.cells`.
Each figure records its alt text, written from the numbers it shows
(:func:`cnnbook.alttext.describe_figure`).
"""

from __future__ import annotations

from . import args
from .alttext import describe_figure
from .cells import (
    COLORS,
    SHADES,
    canvas,
    cell_text,
    draw_cells,
    factor,
    grid_text,
    outline,
    rows_text,
    sign,
    size_text,
    size_to_content,
    window_colors,
)
from .conv import corr2d_multi_in_out, im2col
from .layouts import CorrelationLayout, MultiInLayout, PoolingLayout, positions_in


def _picture(layout, output, positions, title, notes, alt, *extra):
    """A still picture: ``layout`` drawn on a new figure sized to it, with ``alt`` recorded."""
    fig, ax = canvas(layout.width, layout.height, title, notes)
    layout.draw(ax, output, positions, *extra)
    return describe_figure(size_to_content(fig, ax), alt)


# ---------------------------------------------------------------------------------------------
# Cross-correlation, with padding and stride


def show_correlation(X, K, position=(0, 0)):
    """``corr2d(X, K)`` worked out: the input ``X (h, w)``, the kernel ``K (kh, kw)`` and the
    output side by side, the window of output ``position`` outlined and its sum of products
    written out. Return the figure."""
    layout = CorrelationLayout(X, K)
    [position] = positions_in([position], layout.output.shape, "position")
    term = layout.term(*position, layout.output[position])
    alt = f"Cross-correlation: {layout.words()}. Outlined: the window of {term}."
    return _picture(layout, layout.output, [position], None, [(term, COLORS[0])], alt)


def show_padding_stride(X, K, *, stride=1, padding=0, positions=None):
    """The input ``X (h, w)`` padded with zeros (shaded), the kernel ``K (kh, kw)`` and the output
    ``corr2d(X, K, stride, padding)``, with the windows of a few output ``positions`` outlined in
    colour (default: ``(0, 0)``, one step right and one down) and their sums written out.
    ``stride`` and ``padding`` are keywords (ints or pairs); return the figure."""
    layout = CorrelationLayout(X, K, stride, padding)
    (ph, pw), (sh, sw), (kh, kw) = layout.padding, layout.stride, K.shape
    Y = layout.output
    positions = positions_in(positions, Y.shape)
    notes = [
        (layout.term(i, j, Y[i, j]), window_colors(n)[0]) for n, (i, j) in enumerate(positions)
    ]
    title = (
        f"({X.shape[0]} + 2·{ph} − {kh}) // {sh} + 1 = {Y.shape[0]} rows, "
        f"({X.shape[1]} + 2·{pw} − {kw}) // {sw} + 1 = {Y.shape[1]} columns"
    )
    sums = "; ".join(text for text, _ in notes)
    alt = f"Cross-correlation: {layout.words()}, since {title}. Outlined in colour: {sums}."
    return _picture(layout, Y, positions, title, notes, alt)


# ---------------------------------------------------------------------------------------------
# Several input channels


def show_multi_in(X, K, position=(0, 0)):
    """Each input channel ``X[c] (h, w)`` cross-correlated with its own kernel ``K[c]``
    (``corr2d``), and the parts summed into the output ``corr2d_multi_in(X, K)``; the window of
    output ``position`` is outlined in every channel and its sum written out. ``X (c_i, h, w)``,
    ``K (c_i, kh, kw)``; return the figure."""
    layout = MultiInLayout(X, K)
    [(i, j)] = positions_in([position], layout.output.shape, "position")
    terms = " + ".join(factor(p[i, j]) for p in layout.parts)
    note = f"out[{i}, {j}] = {terms} = {cell_text(layout.output[i, j])}"
    title = f"{X.shape[0]} input channels, one kernel each: the parts add up to one output"
    alt = f"Cross-correlation with {X.shape[0]} input channels, {layout.words()}. Outlined: {note}."
    return _picture(layout, layout.output, [(i, j)], title, [(note, COLORS[0])], alt)


# ---------------------------------------------------------------------------------------------
# 1x1 convolution


def _stack(ax, maps, x, height, label, pixel, color, name):
    """Maps ``(c, h, w)`` one above the other, centred on ``height``, ``pixel`` filled."""
    c, h, w = maps.shape
    total = c * h + (c - 1) * 1.2
    for k in range(c):
        y = (height - total) / 2 + k * (h + 1.2)
        draw_cells(ax, maps[k], x, y, label=f"{label} {k}", fills={pixel: color}, name=f"{name}{k}")


def show_1x1(X, K, pixel=(0, 0)):
    """A 1x1 convolution as a matrix product at every pixel: the channels of one ``pixel`` of
    ``X (c_i, h, w)``, a vector of ``c_i`` numbers, times the ``(c_o, c_i)`` matrix ``K`` give
    that pixel's ``c_o`` output channels. The output maps are ``corr2d_multi_in_out(X, K)`` with
    ``K`` as ``(c_o, c_i, 1, 1)``; ``K`` may be either shape. Return the figure."""
    args.tensor("X", X, 3, "(c_i, h, w)")
    args.tensor("K", K, (2, 4), "(c_o, c_i) or (c_o, c_i, 1, 1)")
    if K.dim() == 4 and tuple(K.shape[2:]) != (1, 1):
        raise ValueError(f"K must have shape (c_o, c_i) or (c_o, c_i, 1, 1), got {tuple(K.shape)}")
    c_i, h, w = X.shape
    if K.shape[1] != c_i:
        raise ValueError(f"X has {c_i} channels but K expects {K.shape[1]}: they must agree")
    c_o = K.shape[0]
    [pixel] = positions_in([pixel], (h, w), "pixel")
    matrix = K.reshape(c_o, c_i)
    Y = corr2d_multi_in_out(X, matrix.reshape(c_o, c_i, 1, 1))
    x = X[:, pixel[0], pixel[1]]
    y = matrix @ x  # the same numbers as Y[:, pixel[0], pixel[1]]
    height = max(c * h + (c - 1) * 1.2 for c in (c_i, c_o))
    x_k, i, j = w + 2, *pixel
    x_x = x_k + c_i + 1.2
    x_y = x_x + 1 + 1.2
    rows = " + ".join(f"{factor(a)}·{factor(b)}" for a, b in zip(matrix[0], x))
    notes = [
        (f"x = X[:, {i}, {j}], the {c_i} channels of pixel ({i}, {j}); y = K x = out[:, {i}, {j}]",
         COLORS[0]),
        (f"y[0] = {rows} = {cell_text(y[0])}", COLORS[1]),
    ]  # fmt: skip
    title = f"1×1 convolution: every pixel's {c_i} channels times the same {c_o}×{c_i} matrix"
    fig, ax = canvas(x_y + 3 + w, height, title, notes)
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
    _stack(ax, Y, x_y + 3, height, "output channel", pixel, SHADES[2], "output")
    ins, outs = ("; then ".join(rows_text(m) for m in maps) for maps in (X, Y))
    alt = (
        f"A 1×1 convolution: {c_i} input channels of {h}×{w} ({ins}); at pixel ({i}, {j}) their "
        f"values x = {', '.join(cell_text(v) for v in x)} times the {grid_text(matrix, 'matrix K')}"
        f" give y = {', '.join(cell_text(v) for v in y)}, that pixel of the {c_o} output channels "
        f"({outs}); y[0] = {rows} = {cell_text(y[0])}."
    )
    return describe_figure(size_to_content(fig, ax), alt)


# ---------------------------------------------------------------------------------------------
# Pooling


def show_pooling(X, kernel_size, stride=1, padding=0, mode="max", *, positions=None):
    """The input ``X (h, w)`` (padding shaded) and its pooled output ``pool2d(X, kernel_size,
    stride, padding, mode)`` (the same arguments, in the same order), the windows of a few output
    ``positions`` outlined (default: ``(0, 0)``, one step right and one down), each window's
    maximum in bold and its formula written out. Return the figure."""
    layout = PoolingLayout(X, kernel_size, stride, padding, mode)
    Y = layout.output
    positions = positions_in(positions, Y.shape)
    notes = [
        (layout.term(i, j, Y[i, j]), window_colors(n)[0]) for n, (i, j) in enumerate(positions)
    ]
    title = "padding never wins a maximum" if mode == "max" else "padding counts as 0"
    title = title if any(layout.padding) else None
    sums = "; ".join(text for text, _ in notes)
    bold = ", the winner of each in bold" if mode == "max" else ""
    alt = f"{layout.words().capitalize()}. Outlined in colour{bold}: {sums}."
    return _picture(layout, Y, positions, title, notes, alt)


# ---------------------------------------------------------------------------------------------
# im2col


def show_im2col(X, kernel_size, column=0):
    """``im2col`` of one channel ``X (h, w)``: the input, one window outlined, and the matrix of
    every ``kernel_size`` window as a column, ``(kh*kw, h'*w')``, the window's ``column``
    outlined in the same colour. Return the figure."""
    args.tensor("X", X, 2, "(h, w)")
    cols = im2col(X[None, None], kernel_size)[0]  # checks kernel_size against X
    (kh, kw), (rows, count) = args.size_pair("kernel_size", kernel_size, 1), cols.shape
    column = args.integer("column", column, 0, count - 1)
    w_out = X.shape[1] - kw + 1
    i, j = divmod(column, w_out)
    height = max(X.shape[0], rows)
    y_in, y_cols, x_cols = (height - X.shape[0]) / 2, (height - rows) / 2, X.shape[1] + 2.5
    values = ", ".join(cell_text(v) for v in cols[:, column])
    note = f"column {column}: the window at ({i}, {j}), read row by row: {values}"
    fig, ax = canvas(x_cols + count, height, None, [(note, COLORS[0])])
    fills = {(i + a, j + b): SHADES[0] for a in range(kh) for b in range(kw)}
    draw_cells(ax, X, 0, y_in, label=f"input {size_text(X.shape, full=True)}", fills=fills,
               name="input")  # fmt: skip
    outline(ax, j, y_in + i, kh, kw, COLORS[0])
    sign(ax, X.shape[1] + 1.25, height / 2, "→")
    label = f"im2col: {rows} rows (offsets in the window) × {count} columns (windows)"
    fills = {(r, column): SHADES[0] for r in range(rows)}
    draw_cells(ax, cols, x_cols, y_cols, label=label, fills=fills, name="columns")
    outline(ax, x_cols + column, y_cols, rows, 1, COLORS[0])
    alt = (
        f"im2col of a {grid_text(X, 'input')} with a {kh}×{kw} window: a "
        f"{grid_text(cols, 'matrix')}, "
        f"one column per window position, row by row. Outlined: {note}."
    )
    return describe_figure(size_to_content(fig, ax), alt)
