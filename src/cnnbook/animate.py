"""Animations of a sliding window, one output (or one channel's part of it) per frame, every
number computed by the function it shows:

    animate_conv(X, K, stride=1, padding=0)               corr2d
    animate_multi_in(X, K)                                 corr2d_multi_in, channel by channel
    animate_pool(X, kernel_size, stride=1, mode="max")     pool2d

and ``conv_frames``, ``multi_in_frames``, ``pool_frames``: the same frames' numbers alone.

Each returns an :class:`Animation`: a page fragment with the frames as embedded PNG images and
play, pause and step controls (matplotlib's HTML writer, made self-contained: no request leaves
the page), which shows in Jupyter, in Colab and in the static book; and ``frames``, the numbers
of every frame. The same inputs give the same HTML, byte for byte, on the same matplotlib.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tempfile
from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn.functional as F
from matplotlib.animation import HTMLWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .conv import check_tensor, conv_output_shape, corr2d, pair
from .figures import (
    COLORS,
    canvas,
    check_mode,
    correlation_term,
    draw_correlation,
    draw_multi_in,
    draw_pooling,
    extent,
    factor,
    fit,
    number,
    pooling_input,
    pooling_term,
)
from .pool import pool2d

DPI = 100  # a 5 x 5 input with a 3 x 3 kernel makes frames of ~500 x 300 pixels
COLORS_PER_FRAME = 128  # frames are stored with a palette: a third of the bytes, same look
INTERVAL = 800  # milliseconds per frame when playing
MAX_FRAMES = 64  # keeps an animation's page fragment well under 1 MB
PNG = {"metadata": {"Software": None}}  # no version text in the images: same bytes every run
# The writer's buttons use an icon font from the network; these characters need none.
ICONS = {
    "fa-minus": "−",
    "fa-fast-backward": "⇤",
    "fa-step-backward": "◁",
    "fa-play fa-flip-horizontal": "◀\ufe0e",
    "fa-pause": "❚❚",
    "fa-play": "▶\ufe0e",
    "fa-step-forward": "▷",
    "fa-fast-forward": "⇥",
    "fa-plus": "+",
}


class Frame(NamedTuple):
    """What one frame shows: the output ``position`` ``(i, j)`` being computed, the top-left
    cell ``window`` of its window in the padded input, the ``value`` this step computes (the
    window's sum of products, maximum or average; with several input channels, ``channel``'s
    part), and ``output``, the output so far (NaN where nothing is computed yet). With several
    input channels, ``parts`` holds each channel's part so far, ``(c_i, h', w')``."""

    position: tuple[int, int]
    window: tuple[int, int]
    value: float
    output: torch.Tensor
    channel: int | None = None
    parts: torch.Tensor | None = None


class Animation:
    """An animation shown as HTML (``_repr_html_``): embedded PNG frames with controls.

    ``frames``: one :class:`Frame` per image; ``html``: the page fragment;
    ``figure(k)``: frame ``k`` as a matplotlib figure (the last one by default).
    """

    def __init__(self, html: str, frames: list[Frame], draw):
        self.html, self.frames, self._draw = html, frames, draw

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<Animation: {len(self.frames)} frames>"  # no byte count: it varies by version

    def figure(self, k: int = -1) -> Figure:
        """Frame ``k`` drawn on a new figure (not registered with pyplot)."""
        if isinstance(k, bool) or not isinstance(k, int):
            raise TypeError(f"k must be an int, got {k!r}")
        if not -len(self.frames) <= k < len(self.frames):
            raise ValueError(f"k must be a frame index below {len(self.frames)}, got {k}")
        return self._draw(k % len(self.frames))

    def save(self, path) -> None:
        """Write a stand-alone HTML page holding the animation."""
        page = f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{self.html}'
        Path(path).write_text(page + "\n</body></html>\n", encoding="utf-8")


def render(draw, count: int, alt: str, interval: int = INTERVAL) -> tuple[str, callable]:
    """The HTML of ``count`` frames, frame ``k`` drawn by ``draw(fig, k) -> ax`` on a cleared
    figure; and a function drawing frame ``k`` on a new figure. Every frame has the size that
    holds them all, and ``CELL`` inches per cell."""
    fig = Figure(facecolor="white")
    FigureCanvasAgg(fig)
    boxes, content = [], hashlib.sha256(alt.encode())
    for k in range(count):
        ax = draw(fig, k)
        boxes.append(extent(fig, ax))
        content.update("\n".join(t.get_text() for t in ax.texts).encode())
    limits = (
        min(b[0] for b in boxes), max(b[1] for b in boxes),
        min(b[2] for b in boxes), max(b[3] for b in boxes),
    )  # fmt: skip

    def frame_figure(k):
        figure = Figure(facecolor="white")
        FigureCanvasAgg(figure)
        return fit(figure, draw(figure, k), limits)

    writer = HTMLWriter(fps=1000 / interval, embed_frames=True, default_mode="once")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "animation.html")
        with writer.saving(fig, path, DPI):
            for k in range(count):
                fit(fig, draw(fig, k), limits)
                writer.grab_frame(**PNG)
        html = path.read_text(encoding="utf-8")
    html = re.sub(r'(data:image/png;base64,)([^"]*)', lambda m: m[1] + compress(m[2]), html)
    last = io.BytesIO()
    fig.savefig(last, format="png", dpi=DPI, **PNG)
    still = compress(base64.b64encode(last.getvalue()).decode("ascii"))
    return self_contained(html, still, alt, content.hexdigest()), frame_figure


def compress(data: str) -> str:
    """A base64 PNG (line breaks allowed) as a base64 PNG with a palette of
    ``COLORS_PER_FRAME`` colours: the cells, text and outlines need no more."""
    png = base64.b64decode(re.sub(r"[^A-Za-z0-9+/=]", "", data))
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(COLORS_PER_FRAME)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return base64.b64encode(out.getvalue()).decode("ascii")


def self_contained(html: str, still: str, alt: str, content: str) -> str:
    """matplotlib's HTML made to work with no network and to be the same on every run: no icon
    font (the buttons show characters), a stable id instead of a random one, and the last frame
    as the image's source, shown wherever scripts do not run. The id is a hash of ``content``
    (the frames' texts) and of the HTML less its images, so it does not depend on how a
    matplotlib or Pillow version renders and compresses them."""
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*">', "", html)
    html = re.sub(r'<i class="fa ([^"]+)"></i>', lambda m: ICONS[m.group(1)], html)
    [random_id] = set(re.findall(r'id="_anim_img(\w+)"', html))
    page = re.sub(r"data:image/png;base64,[^\"]*", "", html.replace(random_id, ""))
    stable = "cnnbook" + hashlib.sha256((content + page).encode()).hexdigest()[:16]
    html = html.replace(random_id, stable)
    alt = alt.replace('"', "'")
    img = f'<img id="_anim_img{stable}" alt="{alt}" src="data:image/png;base64,{still}">'
    return html.replace(f'<img id="_anim_img{stable}">', img)


def check_count(count: int) -> None:
    if count > MAX_FRAMES:
        raise ValueError(
            f"this animation would have {count} frames, more than {MAX_FRAMES}: use a smaller "
            "input (or a larger stride) so that the page stays light"
        )


def _nan_like(shape, dtype) -> torch.Tensor:
    """An output not computed yet: NaN everywhere, in a floating-point dtype."""
    return torch.full(
        shape, float("nan"), dtype=dtype if dtype.is_floating_point else torch.float64
    )


# ---------------------------------------------------------------------------------------------
# The frames: what each step computes, with the function the chapter teaches.


def conv_frames(X, K, stride=1, padding=0) -> list[Frame]:
    """One :class:`Frame` per output of ``corr2d(X, K, stride, padding)``, row by row: the
    window's value is ``corr2d`` of that window of the padded ``X (h, w)`` with ``K (kh, kw)``."""
    check_tensor(X, "X", 2, "(h, w)")
    check_tensor(K, "K", 2, "(kh, kw)")
    stride, padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
    h_out, w_out = conv_output_shape(X.shape, K.shape, stride, padding)
    check_count(h_out * w_out)
    Xp = F.pad(X, (padding[1], padding[1], padding[0], padding[0]))
    kh, kw = K.shape
    output = _nan_like((h_out, w_out), torch.result_type(X, K))
    frames = []
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride[0], j * stride[1]
            value = corr2d(Xp[top : top + kh, left : left + kw], K)[0, 0]
            output = output.clone()
            output[i, j] = value
            frames.append(Frame((i, j), (top, left), value.item(), output))
    return frames


def multi_in_frames(X, K) -> list[Frame]:
    """One :class:`Frame` per output of ``corr2d_multi_in(X, K)`` and input channel: for each
    output position, channel by channel, ``corr2d`` of channel ``c``'s window with ``K[c]`` is
    added to the running sum. ``X (c_i, h, w)``, ``K (c_i, kh, kw)``."""
    check_tensor(X, "X", 3, "(c_i, h, w)")
    check_tensor(K, "K", 3, "(c_i, kh, kw)")
    if X.shape[0] != K.shape[0] or X.shape[0] == 0:
        raise ValueError(f"X has {X.shape[0]} channels but K has kernels for {K.shape[0]}")
    c_i, kh, kw = K.shape
    h_out, w_out = conv_output_shape(X.shape[1:], (kh, kw))
    check_count(c_i * h_out * w_out)
    dtype = torch.result_type(X, K)
    output, parts = _nan_like((h_out, w_out), dtype), _nan_like((c_i, h_out, w_out), dtype)
    frames = []
    for i in range(h_out):
        for j in range(w_out):
            for c in range(c_i):
                value = corr2d(X[c, i : i + kh, j : j + kw], K[c])[0, 0]
                output, parts = output.clone(), parts.clone()
                parts[c, i, j] = value
                output[i, j] = value if c == 0 else output[i, j] + value
                frames.append(Frame((i, j), (i, j), value.item(), output, c, parts))
    return frames


def pool_frames(X, kernel_size, stride=1, mode="max", *, padding=0) -> list[Frame]:
    """One :class:`Frame` per output of ``pool2d(X, kernel_size, stride, padding, mode)``, row
    by row: the window's value is ``pool2d`` of that window of ``X (h, w)``, padded as
    ``pool2d`` pads it."""
    check_tensor(X, "X", 2, "(h, w)")
    check_mode(mode)
    window, stride = pair(kernel_size, "kernel_size", 1), pair(stride, "stride", 1)
    padding = pair(padding, "padding", 0)
    h_out, w_out = pool2d(X, window, stride, padding, mode).shape  # checks every argument
    check_count(h_out * w_out)
    Xp = pooling_input(X, padding, mode)
    output = _nan_like((h_out, w_out), X.dtype)
    frames = []
    for i in range(h_out):
        for j in range(w_out):
            top, left = i * stride[0], j * stride[1]
            value = pool2d(Xp[top : top + window[0], left : left + window[1]], window, mode=mode)
            output = output.clone()
            output[i, j] = value[0, 0]
            frames.append(Frame((i, j), (top, left), value[0, 0].item(), output))
    return frames


# ---------------------------------------------------------------------------------------------
# The animations: the frames drawn as the pictures of cnnbook.figures draw them.


def animate_conv(X, K, stride=1, padding=0) -> Animation:
    """``corr2d(X, K, stride, padding)`` one output at a time: the window slides over the padded
    input ``X (h, w)`` (padding shaded) and each frame adds the sum of products of the window
    and ``K (kh, kw)`` (see :func:`conv_frames`). The last frame's ``output`` is
    ``corr2d(X, K, stride, padding)``."""
    frames = conv_frames(X, K, stride, padding)
    stride, padding = pair(stride, "stride", 1), pair(padding, "padding", 0)
    Xp = F.pad(X, (padding[1], padding[1], padding[0], padding[0]))
    (kh, kw), (h_out, w_out) = K.shape, frames[0].output.shape
    width = Xp.shape[1] + 1.5 + kw + 1.5 + w_out
    height = max(Xp.shape[0], kh, h_out)
    settings = f"stride {_pair_text(stride)}, padding {_pair_text(padding)}"

    def draw(fig, k):
        (i, j), (top, left), value, out = frames[k][:4]
        window = Xp[top : top + kh, left : left + kw]
        notes = [(correlation_term(window, K, i, j, value), COLORS[0])]
        title = f"corr2d, {settings}: " + _step(k, frames)
        fig, ax = canvas(width, height, title, notes, fig)
        draw_correlation(ax, X, K, out, stride, padding, [(i, j)])
        return ax

    alt = f"cross-correlation of a {_shape(X)} input with a {_shape(K)} kernel, step by step"
    html, frame_figure = render(draw, len(frames), alt)
    return Animation(html, frames, frame_figure)


def animate_multi_in(X, K) -> Animation:
    """``corr2d_multi_in(X, K)`` one channel at a time: for every output position, each input
    channel ``X[c]`` adds its part (``corr2d`` of its window with its kernel ``K[c]``) to the
    running sum (see :func:`multi_in_frames`). ``X (c_i, h, w)``, ``K (c_i, kh, kw)``; the last
    frame's ``output`` is ``corr2d_multi_in(X, K)``."""
    frames = multi_in_frames(X, K)
    c_i, kh, kw = K.shape
    h_out, w_out = frames[0].output.shape
    row = max(X.shape[1], kh, h_out)
    width = X.shape[2] + 1.5 + kw + 1.5 + w_out + 1.5 + w_out
    height = c_i * row + (c_i - 1) * 1.4

    def draw(fig, k):
        (i, j), _, _, out, c, done = frames[k]
        terms = " + ".join(factor(done[d, i, j]) for d in range(c + 1))
        if c == c_i - 1:
            note = f"out[{i}, {j}] = {terms} = {number(out[i, j])}"
        else:
            note = f"out[{i}, {j}] so far: " + (f"{terms} = " if c else "") + number(out[i, j])
        title = f"channel {c} adds its part to out[{i}, {j}]: " + _step(k, frames)
        fig, ax = canvas(width, height, title, [(note, COLORS[0])], fig)
        draw_multi_in(ax, X, K, done, out, (i, j), active=c)
        return ax

    alt = f"{c_i} input channels cross-correlated with their kernels and summed, step by step"
    html, frame_figure = render(draw, len(frames), alt)
    return Animation(html, frames, frame_figure)


def animate_pool(X, kernel_size, stride=1, mode="max", *, padding=0) -> Animation:
    """``pool2d(X, kernel_size, stride, padding, mode)`` one output at a time: each frame pools
    one window of ``X (h, w)`` with ``pool2d`` (see :func:`pool_frames`; the maximum in bold).
    ``stride`` defaults to 1 as in :func:`pool2d`; ``padding`` is a keyword. The last frame's
    ``output`` is ``pool2d(X, kernel_size, stride, padding, mode)``."""
    frames = pool_frames(X, kernel_size, stride, mode, padding=padding)
    window, stride = pair(kernel_size, "kernel_size", 1), pair(stride, "stride", 1)
    padding = pair(padding, "padding", 0)
    Xp = pooling_input(X, padding, mode)
    h_out, w_out = frames[0].output.shape
    width, height = Xp.shape[1] + 2.5 + w_out, max(Xp.shape[0], h_out)
    name = "max" if mode == "max" else "average"

    def draw(fig, k):
        (i, j), (top, left), value, out = frames[k][:4]
        cells = Xp[top : top + window[0], left : left + window[1]]
        notes = [(pooling_term(cells, mode, i, j, value), COLORS[0])]
        fig, ax = canvas(width, height, f"{name} pooling: " + _step(k, frames), notes, fig)
        draw_pooling(ax, X, out, window, stride, padding, mode, [(i, j)])
        return ax

    alt = f"{name} pooling of a {_shape(X)} input, window by window"
    html, frame_figure = render(draw, len(frames), alt)
    return Animation(html, frames, frame_figure)


def _step(k: int, frames) -> str:
    return f"step {k + 1} of {len(frames)}"


def _pair_text(p) -> str:
    return str(p[0]) if p[0] == p[1] else f"{p[0]}×{p[1]}"


def _shape(t) -> str:
    return "×".join(str(d) for d in t.shape)
