"""Animations of a sliding window, one output (or one channel's part of it) per frame, every
number computed by the function it shows:

    animate_conv(X, K, stride=1, padding=0)               corr2d
    animate_multi_in(X, K)                                 corr2d_multi_in, channel by channel
    animate_pool(X, kernel_size, stride=1, padding=0, mode="max")   pool2d

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
from html import escape
from pathlib import Path
from typing import NamedTuple

import torch
from matplotlib.animation import HTMLWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from . import args
from .cells import COLORS, canvas, cell_text, extent, factor, size_text, size_to_content
from .conv import corr2d
from .layouts import CorrelationLayout, MultiInLayout, PoolingLayout
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
        args.integer("k", k, -len(self.frames), len(self.frames) - 1)
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
        return size_to_content(figure, draw(figure, k), limits)

    writer = HTMLWriter(fps=1000 / interval, embed_frames=True, default_mode="once")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "animation.html")
        with writer.saving(fig, path, DPI):
            for k in range(count):
                size_to_content(fig, draw(fig, k), limits)
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
    img = f'<img id="_anim_img{stable}" alt="{escape(alt)}" src="data:image/png;base64,{still}">'
    return html.replace(f'<img id="_anim_img{stable}">', img)


def frame_limit(count: int) -> None:
    """Refuse an animation of more than ``MAX_FRAMES`` frames."""
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
    return _conv_steps(CorrelationLayout(X, K, stride, padding))


def _conv_steps(layout: CorrelationLayout) -> list[Frame]:
    (h_out, w_out), (sh, sw) = layout.output.shape, layout.stride
    frame_limit(h_out * w_out)
    output = _nan_like((h_out, w_out), layout.output.dtype)
    frames = []
    for i in range(h_out):
        for j in range(w_out):
            value = corr2d(layout.window(i, j), layout.K)[0, 0]
            output = output.clone()
            output[i, j] = value
            frames.append(Frame((i, j), (i * sh, j * sw), value.item(), output))
    return frames


def multi_in_frames(X, K) -> list[Frame]:
    """One :class:`Frame` per output of ``corr2d_multi_in(X, K)`` and input channel: for each
    output position, channel by channel, ``corr2d`` of channel ``c``'s window with ``K[c]`` is
    added to the running sum. ``X (c_i, h, w)``, ``K (c_i, kh, kw)``."""
    return _multi_in_steps(MultiInLayout(X, K))


def _multi_in_steps(layout: MultiInLayout) -> list[Frame]:
    (c_i, kh, kw), (h_out, w_out) = layout.K.shape, layout.output.shape
    frame_limit(c_i * h_out * w_out)
    dtype = layout.output.dtype
    output, parts = _nan_like((h_out, w_out), dtype), _nan_like((c_i, h_out, w_out), dtype)
    frames = []
    for i in range(h_out):
        for j in range(w_out):
            for c in range(c_i):
                value = corr2d(layout.X[c, i : i + kh, j : j + kw], layout.K[c])[0, 0]
                output, parts = output.clone(), parts.clone()
                parts[c, i, j] = value
                output[i, j] = value if c == 0 else output[i, j] + value
                frames.append(Frame((i, j), (i, j), value.item(), output, c, parts))
    return frames


def pool_frames(X, kernel_size, stride=1, padding=0, mode="max") -> list[Frame]:
    """One :class:`Frame` per output of ``pool2d(X, kernel_size, stride, padding, mode)`` (the
    same arguments, in the same order), row by row: the window's value is ``pool2d`` of that
    window of ``X (h, w)``, padded as ``pool2d`` pads it."""
    return _pool_steps(PoolingLayout(X, kernel_size, stride, padding, mode))


def _pool_steps(layout: PoolingLayout) -> list[Frame]:
    (h_out, w_out), (sh, sw) = layout.output.shape, layout.stride
    frame_limit(h_out * w_out)
    output = _nan_like((h_out, w_out), layout.output.dtype)
    frames = []
    for i in range(h_out):
        for j in range(w_out):
            value = pool2d(layout.window(i, j), layout.kernel_size, mode=layout.mode)[0, 0]
            output = output.clone()
            output[i, j] = value
            frames.append(Frame((i, j), (i * sh, j * sw), value.item(), output))
    return frames


# ---------------------------------------------------------------------------------------------
# The animations: the frames drawn with the layouts of the still pictures.


def animate_conv(X, K, stride=1, padding=0) -> Animation:
    """``corr2d(X, K, stride, padding)`` one output at a time: the window slides over the padded
    input ``X (h, w)`` (padding shaded) and each frame adds the sum of products of the window
    and ``K (kh, kw)`` (see :func:`conv_frames`). The last frame's ``output`` is
    ``corr2d(X, K, stride, padding)``."""
    layout = CorrelationLayout(X, K, stride, padding)
    frames = _conv_steps(layout)
    settings = f"stride {size_text(layout.stride)}, padding {size_text(layout.padding)}"

    def draw(fig, k):
        position, _, value, out = frames[k][:4]
        notes = [(layout.term(*position, value), COLORS[0])]
        title = f"corr2d, {settings}: step {k + 1} of {len(frames)}"
        fig, ax = canvas(layout.width, layout.height, title, notes, fig)
        layout.draw(ax, out, [position])
        return ax

    alt = f"Cross-correlation step by step, one output per step ({len(frames)} steps, row by row)"
    return _animation(draw, frames, f"{alt}: {layout.words()}.")


def animate_multi_in(X, K) -> Animation:
    """``corr2d_multi_in(X, K)`` one channel at a time: for every output position, each input
    channel ``X[c]`` adds its part (``corr2d`` of its window with its kernel ``K[c]``) to the
    running sum (see :func:`multi_in_frames`). ``X (c_i, h, w)``, ``K (c_i, kh, kw)``; the last
    frame's ``output`` is ``corr2d_multi_in(X, K)``."""
    layout = MultiInLayout(X, K)
    frames = _multi_in_steps(layout)
    c_i = K.shape[0]

    def draw(fig, k):
        (i, j), _, _, out, c, done = frames[k]
        terms = " + ".join(factor(done[d, i, j]) for d in range(c + 1))
        if c == c_i - 1:
            note = f"out[{i}, {j}] = {terms} = {cell_text(out[i, j])}"
        else:
            note = f"out[{i}, {j}] so far: " + (f"{terms} = " if c else "") + cell_text(out[i, j])
        title = f"channel {c} adds its part to out[{i}, {j}]: step {k + 1} of {len(frames)}"
        fig, ax = canvas(layout.width, layout.height, title, [(note, COLORS[0])], fig)
        layout.draw(ax, out, [(i, j)], done, c)
        return ax

    alt = f"{c_i} input channels cross-correlated with their kernels and summed, one channel's "
    alt += f"part per step ({len(frames)} steps)"
    return _animation(draw, frames, f"{alt}: {layout.words()}.")


def animate_pool(X, kernel_size, stride=1, padding=0, mode="max") -> Animation:
    """``pool2d(X, kernel_size, stride, padding, mode)`` (the same arguments, in the same order)
    one output at a time: each frame pools one window of ``X (h, w)`` with ``pool2d`` (see
    :func:`pool_frames`; the maximum in bold). The last frame's ``output`` is ``pool2d``'s."""
    layout = PoolingLayout(X, kernel_size, stride, padding, mode)
    frames = _pool_steps(layout)

    def draw(fig, k):
        position, _, value, out = frames[k][:4]
        notes = [(layout.term(*position, value), COLORS[0])]
        title = f"{layout.name} pooling: step {k + 1} of {len(frames)}"
        fig, ax = canvas(layout.width, layout.height, title, notes, fig)
        layout.draw(ax, out, [position])
        return ax

    alt = f"{layout.words().capitalize()}, one window per step ({len(frames)} steps, row by row)."
    return _animation(draw, frames, alt)


def _animation(draw, frames, alt: str) -> Animation:
    html, frame_figure = render(draw, len(frames), alt)
    return Animation(html, frames, frame_figure)
