"""Where the sliding-window pictures put what they draw, one layout per picture, computed once:
the still pictures of :mod:`cnnbook.figures` and the animations of :mod:`cnnbook.animate` both
draw with it.

    CorrelationLayout(X, K, stride=1, padding=0)      corr2d: padded input ⋆ kernel = output
    MultiInLayout(X, K)                                corr2d_multi_in: a row per input channel
    PoolingLayout(X, kernel_size, stride=1, padding=0, mode="max")                 pool2d

A layout checks the arguments once, as the function it pictures takes them, and holds that
function's ``output``, the input as it pads it, the picture's ``width`` and ``height`` in cells,
``draw(ax, output, positions)`` (``output`` may be partly computed: NaN cells stay blank) and
``words()``, the picture in words for its alt text.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from . import args
from .cells import (
    COLORS,
    PADDING,
    SHADES,
    cell_text,
    draw_cells,
    factor,
    grid_text,
    outline,
    sign,
    size_text,
    window_colors,
)
from .conv import corr2d, corr2d_multi_in
from .pool import lowest, pool2d


def default_positions(out_shape):
    """Output positions a picture outlines: (0, 0), then one step right and one step down."""
    h, w = out_shape
    return [p for p in ((0, 0), (0, 1), (1, 0)) if p[0] < h and p[1] < w]


def positions_in(positions, out_shape, name="positions"):
    """``positions`` as a list of ``(i, j)`` inside ``out_shape`` (None: the default ones); else
    a clear error naming ``name``."""
    if positions is None:
        return default_positions(out_shape)
    expected = f"a list of (row, column) output positions inside {tuple(out_shape)}"
    try:
        positions = [args.size_pair(name, p, 0) for p in positions]
    except TypeError as exc:
        raise TypeError(f"{name} must be {expected}, got {positions!r}") from exc
    for i, j in positions:
        if i >= out_shape[0] or j >= out_shape[1]:
            raise ValueError(f"{name} must be {expected}, got {(i, j)}")
    return positions


def padding_words(padding, fill="zeros", note="shaded") -> str:
    """``", padded with 1 cell of zeros on every side (shaded)"``; blank without padding."""
    ph, pw = padding
    if (ph, pw) == (0, 0):
        return ""
    if ph == pw:
        return f", padded with {ph} cell{'s' * (ph > 1)} of {fill} on every side ({note})"
    return (
        f", padded with {ph} rows of {fill} above and below and {pw} columns left and right "
        f"({note})"
    )


def padding_cells(H, W, padding) -> dict:
    """``{(i, j): PADDING}`` for the padded cells of an ``H x W`` padded input."""
    ph, pw = padding
    return {(i, j): PADDING for i in range(H) for j in range(W)
            if not (ph <= i < H - ph and pw <= j < W - pw)}  # fmt: skip


def input_label(X, padding) -> str:
    """``input 3×3`` or ``input 3×3, padding 1``: the label above a padded input."""
    return f"input {size_text(X.shape, full=True)}" + (
        f", padding {size_text(padding)}" if any(padding) else ""
    )


def outline_windows(ax, positions, kernel_size, stride, y_in, output_at):
    """Frame the input window of each output ``(i, j)`` in ``positions`` (the input drawn from
    ``(0, y_in)``) and that output's cell (the output drawn from ``output_at``), in matching
    colours."""
    (kh, kw), (sh, sw), (x_out, y_out) = kernel_size, stride, output_at
    for n, (i, j) in enumerate(positions):
        color, _, inset = window_colors(n)
        outline(ax, j * sw, y_in + i * sh, kh, kw, color, inset)
        outline(ax, x_out + j, y_out + i, 1, 1, color)


class CorrelationLayout:
    """``corr2d(X, K, stride, padding)`` as a picture: the padded input (padding shaded) ⋆ the
    kernel = the output, side by side in cells. ``X (h, w)``, ``K (kh, kw)``; ``stride`` and
    ``padding`` ints or pairs. ``output`` is ``corr2d``'s, ``padded`` the input it slides over."""

    def __init__(self, X, K, stride=1, padding=0):
        self.X, self.K = args.tensor("X", X, 2, "(h, w)"), args.tensor("K", K, 2, "(kh, kw)")
        self.stride = args.size_pair("stride", stride, 1)
        self.padding = ph, pw = args.size_pair("padding", padding, 0)
        self.output = corr2d(X, K, self.stride, self.padding)
        self.padded = F.pad(X, (pw, pw, ph, ph))
        (H, W), (kh, kw), (ho, wo) = self.padded.shape, K.shape, self.output.shape
        self.height = max(H, kh, ho)
        self.x_kernel, self.x_out = W + 1.5, W + 1.5 + kw + 1.5
        self.width = self.x_out + wo

    def window(self, i, j):
        """The cells of the padded input under the kernel for output ``(i, j)``."""
        (sh, sw), (kh, kw) = self.stride, self.K.shape
        return self.padded[i * sh : i * sh + kh, j * sw : j * sw + kw]

    def term(self, i, j, value) -> str:
        """``out[i, j] = 0·0 + 1·1 + ... = value``: the products when there are at most 9."""
        if self.K.numel() <= 9:
            pairs = zip(self.window(i, j).flatten(), self.K.flatten())
            products = " + ".join(f"{cell_text(a)}·{factor(b)}" for a, b in pairs)
        else:
            products = "sum of window × kernel"
        return f"out[{i}, {j}] = {products} = {cell_text(value)}"

    def draw(self, ax, output, positions):
        """The three grids on ``ax``, ``output`` (NaN: blank) in the output's place, the windows
        of ``positions`` outlined."""
        (H, W), (kh, kw) = self.padded.shape, self.K.shape
        ho, wo = self.output.shape
        y_in, y_k, y_out = [(self.height - n) / 2 for n in (H, kh, ho)]
        shown = {p: window_colors(n)[1] for n, p in enumerate(positions)}
        label, pads = input_label(self.X, self.padding), padding_cells(H, W, self.padding)
        draw_cells(ax, self.padded, 0, y_in, label=label, fills=pads, name="input")
        sign(ax, W + 0.75, self.height / 2, "$\\star$")
        draw_cells(ax, self.K, self.x_kernel, y_k, label="kernel", name="kernel")
        sign(ax, self.x_kernel + kw + 0.75, self.height / 2, "=")
        out_label = f"output {ho}×{wo}"
        out_label += f", stride {size_text(self.stride)}" if self.stride != (1, 1) else ""
        draw_cells(ax, output, self.x_out, y_out, label=out_label, fills=shown, name="output")
        outline_windows(ax, positions, (kh, kw), self.stride, y_in, (self.x_out, y_out))

    def words(self) -> str:
        """The picture in words: the grids (with their numbers when small) and the settings."""
        stride = "" if self.stride == (1, 1) else f" with stride {size_text(self.stride)}"
        return (
            f"a {grid_text(self.X, 'input')}{padding_words(self.padding)}, cross-correlated with "
            f"a {grid_text(self.K, 'kernel')}{stride}, gives a {grid_text(self.output, 'output')}"
        )


class MultiInLayout:
    """``corr2d_multi_in(X, K)`` as a picture: one row per input channel, ``X[c] ⋆ K[c] =
    parts[c]``, the rows summed into ``output``. ``X (c_i, h, w)``, ``K (c_i, kh, kw)``."""

    GAP = 1.4  # cells between two channels' rows: room for the labels

    def __init__(self, X, K):
        self.X, self.K = (
            args.tensor("X", X, 3, "(c_i, h, w)"),
            args.tensor("K", K, 3, "(c_i, kh, kw)"),
        )
        if X.shape[0] != K.shape[0] or X.shape[0] == 0:
            raise ValueError(f"X has {X.shape[0]} channels but K has kernels for {K.shape[0]}")
        self.parts = torch.stack([corr2d(x, k) for x, k in zip(X, K)])
        self.output = corr2d_multi_in(X, K)
        (c_i, h, w), (kh, kw), (ho, wo) = X.shape, K.shape[1:], self.output.shape
        self.row = max(h, kh, ho)
        self.height = c_i * self.row + (c_i - 1) * self.GAP
        self.x_kernel = w + 1.5
        self.x_part = self.x_kernel + kw + 1.5
        self.x_out = self.x_part + wo + 1.5
        self.width = self.x_out + wo

    def draw(self, ax, output, positions, parts=None, active=None):
        """Every channel's row and the sum, ``parts`` and ``output`` (NaN: blank) in their places;
        the window of the one output in ``positions`` outlined in every channel (only channels
        ``<= active`` if ``active`` is given: the ones summed so far)."""
        parts = self.parts if parts is None else parts
        [(i, j)] = positions
        (c_i, h, w), (kh, kw), (ho, wo) = self.X.shape, self.K.shape[1:], output.shape
        for c in range(c_i):
            y0 = c * (self.row + self.GAP)
            on = active is None or c <= active
            color = COLORS[0] if on else "#bbbbbb"
            y_in, y_p = y0 + (self.row - h) / 2, y0 + (self.row - ho) / 2
            draw_cells(ax, self.X[c], 0, y_in, label=f"input channel {c}", name=f"input{c}")
            sign(ax, w + 0.75, y0 + self.row / 2, "$\\star$")
            draw_cells(ax, self.K[c], self.x_kernel, y0 + (self.row - kh) / 2,
                       label=f"kernel {c}", name=f"kernel{c}")  # fmt: skip
            sign(ax, self.x_kernel + kw + 0.75, y0 + self.row / 2, "=")
            draw_cells(ax, parts[c], self.x_part, y_p, label=f"channel {c}'s part",
                       fills={(i, j): SHADES[0]} if on else {}, name=f"part{c}")  # fmt: skip
            outline(ax, j, y_in + i, kh, kw, color)
            outline(ax, self.x_part + j, y_p + i, 1, 1, color)
            if c:
                sign(ax, self.x_part + wo / 2, y0 - self.GAP / 2 - 0.1, "+")
        sign(ax, self.x_out - 0.75, self.height / 2, "=")
        y_out = (self.height - ho) / 2
        fills = {(i, j): SHADES[0]}
        draw_cells(ax, output, self.x_out, y_out, label="output", fills=fills, name="output")
        outline(ax, self.x_out + j, y_out + i, 1, 1, COLORS[0])

    def words(self) -> str:
        rows = "; ".join(
            f"channel {c}: a {grid_text(x, 'input')} cross-correlated with a "
            f"{grid_text(k, 'kernel')} gives a {grid_text(p, 'part')}"
            for c, (x, k, p) in enumerate(zip(self.X, self.K, self.parts))
        )
        return f"{rows}; the parts add up to the {grid_text(self.output, 'output')}"


class PoolingLayout:
    """``pool2d(X, kernel_size, stride, padding, mode)`` as a picture: the padded input (padding
    shaded; empty for max pooling, where it never wins) → the output. ``X (h, w)``; ``output``
    is ``pool2d``'s, ``padded`` the input as ``pool2d`` pads it (lowest value for max, 0 for
    average)."""

    def __init__(self, X, kernel_size, stride=1, padding=0, mode="max"):
        args.tensor("X", X, 2, "(h, w)")
        self.output = pool2d(X, kernel_size, stride, padding, mode)  # checks every argument
        self.X, self.mode = X, mode
        self.kernel_size = args.size_pair("kernel_size", kernel_size, 1)
        self.stride = args.size_pair("stride", stride, 1)
        self.padding = ph, pw = args.size_pair("padding", padding, 0)
        fill = lowest(X.dtype) if mode == "max" else 0
        self.padded = F.pad(X, (pw, pw, ph, ph), value=fill)
        (H, W), (ho, wo) = self.padded.shape, self.output.shape
        self.height, self.x_out = max(H, ho), W + 2.5
        self.width = self.x_out + wo

    def window(self, i, j):
        """The cells of the padded input in the window of output ``(i, j)``."""
        (sh, sw), (kh, kw) = self.stride, self.kernel_size
        return self.padded[i * sh : i * sh + kh, j * sw : j * sw + kw]

    def term(self, i, j, value) -> str:
        """``out[i, j] = max(1, 2, 4, 5) = 5`` or ``(1 + 2 + 4 + 5) / 4 = 3`` (padding: 0 in an
        average, left out of a maximum, where it never wins)."""
        cells = self.window(i, j).flatten()
        if self.mode == "max":
            values = ", ".join(cell_text(v) for v in cells if v != lowest(cells.dtype))
            return f"out[{i}, {j}] = max({values}) = {cell_text(value)}"
        values = " + ".join(factor(v) for v in cells)
        return f"out[{i}, {j}] = ({values}) / {cells.numel()} = {cell_text(value)}"

    def draw(self, ax, output, positions):
        """Input and ``output`` (NaN: blank) on ``ax``, the windows of ``positions`` outlined and,
        for max pooling, each window's winner in bold."""
        (H, W), (kh, kw) = self.padded.shape, self.kernel_size
        ho, _ = output.shape
        y_in, y_out = (self.height - H) / 2, (self.height - ho) / 2
        pads = padding_cells(H, W, self.padding)
        texts = {p: "" for p in pads} if self.mode == "max" else {}
        bold = set()
        for i, j in positions if self.mode == "max" else ():
            a, b = divmod(int(self.window(i, j).flatten().argmax()), kw)
            bold.add((i * self.stride[0] + a, j * self.stride[1] + b))
        label = input_label(self.X, self.padding)
        draw_cells(ax, self.padded, 0, y_in, label=label, fills=pads, texts=texts, bold=bold,
                   name="input")  # fmt: skip
        sign(ax, W + 1.25, self.height / 2, "→")
        shown = {p: window_colors(n)[1] for n, p in enumerate(positions)}
        out_label = (
            f"{self.name} pool {size_text(self.kernel_size)}, stride {size_text(self.stride)}"
        )
        draw_cells(ax, output, self.x_out, y_out, label=out_label, fills=shown, name="output")
        outline_windows(ax, positions, (kh, kw), self.stride, y_in, (self.x_out, y_out))

    @property
    def name(self) -> str:
        return "max" if self.mode == "max" else "average"

    def words(self) -> str:
        if self.mode == "max":
            padding = padding_words(self.padding, "−∞", "drawn empty: padding never wins")
        else:
            padding = padding_words(self.padding, "zeros", "shaded, counted in every average")
        return (
            f"{self.name} pooling with a {size_text(self.kernel_size, full=True)} window and "
            f"stride {size_text(self.stride)}: a {grid_text(self.X, 'input')}{padding}"
            f"{',' if padding else ''} gives a "
            f"{grid_text(self.output, 'output')}"
        )
