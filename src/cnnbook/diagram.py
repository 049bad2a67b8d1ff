"""Architecture diagrams drawn from the network itself, so they cannot drift from the code.

    draw_network(LeNet(), (1, 1, 28, 28))
    compare_networks([("LeNet", LeNet(), (1, 1, 28, 28)), ("AlexNet", AlexNet(), (1, 1, 224, 224))])

A diagram is a vertical stack of blocks, one per layer (an activation joins the block before
it: "Conv 3×3, 64, p1 + ReLU"), coloured by kind, with the shape of the data between them
(channels×height×width, as :func:`cnnbook.summary.layer_summary` measures it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from torch import nn
from torch.nn.modules import pooling
from torch.nn.modules.batchnorm import _NormBase
from torch.nn.modules.conv import _ConvNd, _ConvTransposeNd
from torch.nn.modules.dropout import _DropoutNd

from . import args
from .alttext import alt_text, describe_figure
from .cells import shape_text, size_text
from .conv import OneChannelConv2d
from .plot import figure
from .summary import layer_summary

KINDS = {  # kind: (fill colour, what the legend says)
    "conv": ("#aec7e8", "convolution"),
    "pool": ("#ffbb78", "pooling"),
    "activation": ("#98df8a", "activation (a stripe: joined)"),
    "norm": ("#c5b0d5", "normalisation"),
    "dense": ("#ff9896", "dense"),
    "dropout": ("#d9d9d9", "dropout"),
    "other": ("#f7f7f7", "other"),
    "input": ("#ffffff", "input"),
}
WIDTH = 3.0  # inches per network
BLOCK = (2.3, 0.25)  # a block's width and height, inches
PITCH = 0.45  # inches from one block to the next: the block, then the arrow and the shape
TOP = 0.45  # room for the title
NOTE = "s: stride, p: padding; shapes: C×H×W; →: flattened"  # how to read the labels
POOLS = (  # torch's pooling layers, by their base classes
    pooling._MaxPoolNd,
    pooling._AvgPoolNd,
    pooling._LPPoolNd,
    pooling._AdaptiveMaxPoolNd,
    pooling._AdaptiveAvgPoolNd,
    pooling._MaxUnpoolNd,
    nn.FractionalMaxPool2d,
    nn.FractionalMaxPool3d,
)
ONE_D = (nn.Conv1d, nn.ConvTranspose1d, nn.MaxPool1d, nn.AvgPool1d, nn.LPPool1d,
         nn.AdaptiveMaxPool1d, nn.AdaptiveAvgPool1d, nn.MaxUnpool1d)  # fmt: skip
THREE_D = (nn.Conv3d, nn.ConvTranspose3d, nn.MaxPool3d, nn.AvgPool3d, nn.LPPool3d,
           nn.AdaptiveMaxPool3d, nn.AdaptiveAvgPool3d, nn.MaxUnpool3d,
           nn.FractionalMaxPool3d)  # fmt: skip


@dataclass(frozen=True)
class Block:
    """One block of a diagram: its ``kind`` (a key of ``KINDS``), its ``label``, the ``shape``
    of its output for one example (``layer_summary``'s without the batch dimension), and the
    ``names`` of the layers it draws (``features.0``, ``features.1``)."""

    kind: str
    label: str
    shape: tuple
    names: tuple

    @property
    def shape_text(self) -> str:
        """``6×28×28``: channels×height×width (or features for a dense layer)."""
        return shape_text(self.shape)


def kind(layer: nn.Module) -> str:
    """What sort of layer ``layer`` is, a key of ``KINDS``."""
    if isinstance(layer, (_ConvNd, OneChannelConv2d)):
        return "conv"
    if isinstance(layer, POOLS):
        return "pool"
    if isinstance(layer, nn.Linear):
        return "dense"
    if isinstance(layer, _DropoutNd):
        return "dropout"
    if isinstance(layer, (_NormBase, nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm)):
        return "norm"
    if type(layer).__module__ == "torch.nn.modules.activation":
        return "activation"
    return "other"


def dims(layer: nn.Module) -> int:
    """How many spatial dimensions ``layer`` slides over: 1, 2 or 3 (2 for any other)."""
    return 1 if isinstance(layer, ONE_D) else 3 if isinstance(layer, THREE_D) else 2


def _sizes(layer, key: str, n: int, full: bool = False) -> str | None:
    """``layer.key`` written as :func:`cnnbook.cells.size_text` writes a size of ``n``
    dimensions; None if the layer has no such attribute, or not a size (ints, or None)."""
    value = getattr(layer, key, None)
    values = (value,) if isinstance(value, int) else value
    if not isinstance(values, tuple) or not values:
        return None
    if not all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values):
        return None
    return size_text(value, n, full)


def label(layer: nn.Module) -> str:
    """A layer as a block says it: ``Conv 5×5, 6, p2``, ``AvgPool 2×2, s2``, ``Dense 120``,
    ``Dropout 0.5``, ``BatchNorm``; ``s`` is the stride, ``p`` the padding. Sizes have the layer's
    own dimensions (``Conv 3, 2`` for ``Conv1d(1, 2, 3)``); what a layer does not say is left
    out."""
    name = re.sub(r"[123]d$", "", type(layer).__name__)
    what, n = kind(layer), dims(layer)
    if what == "conv":
        name = "ConvTranspose" if isinstance(layer, _ConvTransposeNd) else "Conv"
        if isinstance(layer, OneChannelConv2d):
            return f"{name} {size_text(tuple(layer.weight.shape), n, full=True)}, 1"
        text = f"{name} {_sizes(layer, 'kernel_size', n, True)}, {layer.out_channels}"
        for key, short, default in (("stride", "s", "1"), ("padding", "p", "0"),
                                    ("dilation", "d", "1"), ("groups", "g", "1")):  # fmt: skip
            value = getattr(layer, key, None)
            if isinstance(value, str):
                text += f", {value}" if value != "valid" else ""
            elif _sizes(layer, key, n) not in (None, default):
                text += f", {short}{_sizes(layer, key, n)}"
        return text
    if what == "pool":
        return _pool_label(layer, name, n)
    if what == "dense":
        return f"Dense {layer.out_features}"
    if what == "dropout":
        return f"Dropout {layer.p:g}"
    return name


def _pool_label(layer, name: str, n: int) -> str:
    """``MaxPool 3×3, s2``, ``AdaptiveAvgPool to 5×5``, ``LPPool 3×3, s3, norm 2``,
    ``FractionalMaxPool 3×3 to 5×5``: what the layer says, nothing it does not."""
    if isinstance(layer, (pooling._AdaptiveMaxPoolNd, pooling._AdaptiveAvgPoolNd)):
        output = _sizes(layer, "output_size", n, True)
        return f"{name} to {output}" if output else name
    kernel = _sizes(layer, "kernel_size", n, True)
    text = f"{name} {kernel}" if kernel else name
    stride = _sizes(layer, "stride", n)
    if stride is None and hasattr(layer, "stride") and kernel:  # LPPool's None: the window's
        stride = _sizes(layer, "kernel_size", n)
    if stride:
        text += f", s{stride}"
    if _sizes(layer, "padding", n) not in (None, "0"):
        text += f", p{_sizes(layer, 'padding', n)}"
    if isinstance(layer, pooling._LPPoolNd):
        text += f", norm {layer.norm_type:g}"
    output = _sizes(layer, "output_size", n, True)
    ratio = getattr(layer, "output_ratio", None)
    if output:
        text += f" to {output}"
    elif isinstance(ratio, tuple) and all(isinstance(r, float) for r in ratio):
        text += f" to {size_text(tuple(f'{r:g}' for r in ratio))} of the input"
    return text


def blocks(net: nn.Module, input_shape, group: bool = True) -> list[Block]:
    """The blocks of ``net``'s diagram, the input first, read from ``layer_summary(net,
    input_shape)``: one per layer, except that (with ``group``) an activation joins the block
    before it. Shapes are per example: ``input_shape`` is ``(N, C, H, W)``, or ``(C, H, W)``
    for a network that takes one unbatched example (``(N, C, L)`` or ``(C, L)`` for a network
    whose first convolution or pooling is 1-D, and so on)."""
    summary = layer_summary(net, input_shape)
    sliding = [dims(m) for m in net.modules() if isinstance(m, (_ConvNd, OneChannelConv2d, *POOLS))]
    batched = len(summary.input_shape) != (sliding[0] if sliding else 2) + 1
    layers = dict(net.named_modules())
    per_example = (lambda s: tuple(s[1:])) if batched else tuple
    result = [Block("input", "Input", per_example(summary.input_shape), ())]
    for row in summary.rows:
        layer = layers[row.name]
        what = kind(layer)
        shape = per_example(row.output_shape) if row.output_shape is not None else ()
        if group and what == "activation" and len(result) > 1:
            last = result[-1]
            merged = f"{last.label} + {label(layer)}"
            result[-1] = Block(last.kind, merged, shape, (*last.names, row.name))
        else:
            result.append(Block(what, label(layer), shape, (row.name,)))
    return result


def _group(name: str) -> str | None:
    """The nested block a layer belongs to (``features.0`` for ``features.0.2``), if any."""
    parent = name.rpartition(".")[0]
    return parent if "." in parent else None


def _draw(ax, items: list[Block], title: str | None) -> None:
    """One network's stack of blocks on ``ax``, in inches from the top-left corner, y down."""
    x = WIDTH / 2 + 0.1  # centre of the blocks, leaving room on the left for group brackets
    width, height = BLOCK
    if title:
        ax.text(x, TOP * 0.45, title, ha="center", va="center", fontsize=10, fontweight="bold")
    for n, block in enumerate(items):
        top = TOP + n * PITCH
        fill = KINDS[block.kind][0]
        edge = "#999999" if block.kind == "input" else "#444444"
        ax.add_patch(
            FancyBboxPatch((x - width / 2, top), width, height, facecolor=fill, edgecolor=edge,
                           boxstyle="round,pad=0,rounding_size=0.05", linewidth=0.8)
        )  # fmt: skip
        if "+" in block.label and block.kind != "activation":  # a joined activation: a stripe
            stripe = Rectangle((x + width / 2 - 0.1, top), 0.1, height, linewidth=0,
                               facecolor=KINDS["activation"][0])  # fmt: skip
            ax.add_patch(stripe)
        ax.text(x, top + height / 2, block.label, ha="center", va="center", fontsize=7.5)
        # The arrow to the next block (or out of the last), the shape of the data beside it.
        ax.add_patch(
            FancyArrowPatch((x, top + height), (x, top + PITCH), arrowstyle="-|>",
                            mutation_scale=7, color="#444444", linewidth=0.8, shrinkB=0)
        )  # fmt: skip
        shape = block.shape_text
        following = items[n + 1] if n + 1 < len(items) else None
        if following is not None and following.kind == "dense" and len(block.shape) > 1:
            flat = 1
            for d in block.shape:
                flat *= d
            shape += f" → {flat}"
        ax.text(x + 0.08, top + height + (PITCH - height) / 2, shape, ha="left", va="center",
                fontsize=7, color="#333333", style="italic")  # fmt: skip
    _brackets(ax, items, x - width / 2 - 0.08)


def _brackets(ax, items: list[Block], right: float) -> None:
    """A bracket left of each run of blocks from one nested block (VGG's ``features.0``)."""
    runs = []  # (group, first index, last index)
    for n, block in enumerate(items):
        group = _group(block.names[0]) if block.names else None
        if group and runs and runs[-1][0] == group:
            runs[-1][2] = n
        elif group:
            runs.append([group, n, n])
    for group, first, last in runs:
        top = TOP + first * PITCH
        bottom = TOP + last * PITCH + BLOCK[1]
        ax.plot([right, right - 0.05, right - 0.05, right], [top, top, bottom, bottom],
                color="#666666", linewidth=0.8)  # fmt: skip
        ax.text(right - 0.09, (top + bottom) / 2, group, rotation=90, ha="right", va="center",
                fontsize=6, color="#444444")  # fmt: skip


def _height(count: int) -> float:
    return TOP + count * PITCH + 0.1


def _setup(ax, height: float) -> None:
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    ax.axis("off")


def _legend(items: list[Block], columns: int):
    """The legend's entries (the colours of the kinds present), its number of columns and the
    height it needs, in inches, with the note on how to read the labels and shapes."""
    kinds = {b.kind for b in items} | {"activation" for b in items if " + " in b.label}
    handles = [Patch(facecolor=KINDS[k][0], edgecolor="#444444", label=KINDS[k][1])
               for k in KINDS if k in kinds and k != "input"]  # fmt: skip
    ncol = min(len(handles), 3 * columns - 1)
    return handles, ncol, 0.35 + 0.2 * -(-len(handles) // ncol)


def _draw_legend(fig, handles, ncol, height: float) -> None:
    top = height / fig.get_figheight()
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, top), ncol=ncol,
               fontsize=7, frameon=False, handlelength=1.2, columnspacing=1.0)  # fmt: skip
    note = NOTE
    fig.text(0.5, 0.05 / fig.get_figheight(), note, ha="center", va="bottom", fontsize=7,
             color="#333333")  # fmt: skip


def _words(items: list[Block]) -> str:
    """A diagram in words, block by block: ``Input 1×28×28; Conv 5×5, 6, p2 + Sigmoid, out
    6×28×28; ...``."""
    return "; ".join(
        f"{b.label} {b.shape_text}" if b.kind == "input" else f"{b.label}, out {b.shape_text}"
        for b in items
    )


def draw_network(net: nn.Module, input_shape, ax=None, title=None, group: bool = True):
    """``net`` as a vertical stack of blocks (see :func:`blocks`), read from ``layer_summary(net,
    input_shape)``, the shape of the data on the arrow between blocks; return the figure, its
    alt text the blocks in words.

    ``title``: the network's class name by default, ``""`` for none. With ``ax`` the diagram is
    drawn there (in inches: ``WIDTH`` wide), without a legend, and becomes the figure's alt text
    only if it has none yet; otherwise on a new figure ``WIDTH`` inches wide, with a legend of
    the colours.
    """
    args.module("net", net)
    items = blocks(net, input_shape, group)
    title = type(net).__name__ if title is None else title
    height = _height(len(items))
    alt = f"Diagram of {title or type(net).__name__}, layer by layer from the top ({NOTE}): "
    alt += _words(items) + "."
    if ax is not None:
        _setup(ax, height)
        _draw(ax, items, title)
        return ax.figure if alt_text(ax.figure) else describe_figure(ax.figure, alt)
    handles, ncol, legend = _legend(items, 1)
    fig = figure(WIDTH, height + legend)
    ax = fig.add_axes((0, legend / (height + legend), 1, height / (height + legend)))
    _setup(ax, height)
    _draw(ax, items, title)
    _draw_legend(fig, handles, ncol, legend)
    return describe_figure(fig, alt)


def compare_networks(networks, group: bool = True):
    """Diagrams side by side at one scale, tops aligned, one legend: ``networks`` is a list of
    ``(name, net, input_shape)``, e.g. LeNet next to AlexNet. Return the figure."""
    if isinstance(networks, (str, bytes)) or not hasattr(networks, "__iter__"):
        raise TypeError(f"networks must be a list of (name, net, input_shape), got {networks!r}")
    networks = list(networks)
    if not networks or any(not isinstance(n, (tuple, list)) or len(n) != 3 for n in networks):
        raise ValueError(
            f"networks must be a non-empty list of (name, net, input_shape), got {networks!r}"
        )
    for name, net, _ in networks:
        args.module(f"the net of {name!r}", net)
    columns = [(name, blocks(net, shape, group)) for name, net, shape in networks]
    height = _height(max(len(items) for _, items in columns))
    handles, ncol, legend = _legend([b for _, items in columns for b in items], len(columns))
    total = height + legend
    fig = figure(WIDTH * len(columns), total)
    for n, (name, items) in enumerate(columns):
        ax = fig.add_axes((n / len(columns), legend / total, 1 / len(columns), height / total))
        _setup(ax, height)
        _draw(ax, items, name)
    _draw_legend(fig, handles, ncol, legend)
    names = " and ".join(name for name, _ in columns)
    alt = f"Diagrams of {names} side by side at one scale, layer by layer from the top ({NOTE})"
    return describe_figure(
        fig, alt + "".join(f". {name}: {_words(items)}" for name, items in columns) + "."
    )
