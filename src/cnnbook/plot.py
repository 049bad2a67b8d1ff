"""Figures for the book: plain matplotlib on white, legible in light and dark themes, each with
an alt text written from what it draws (:mod:`cnnbook.alttext`).

    show_images(imgs, num_rows, num_cols, titles)     an image grid
    show_maps(maps, titles, shared=False)             feature maps, each on its own scale or one
    plot_history(history)                             training curves
    plot_confusion(matrix, class_names)               a confusion matrix
    show_kernels(weight)                              a convolution's kernels
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from . import args
from .alttext import describe_figure


def figure(width: float, height: float):
    """A new figure with a white background (legible on the book's dark theme too)."""
    return plt.figure(figsize=(width, height), facecolor="white")


def show_images(imgs, num_rows: int, num_cols: int, titles=None, scale: float = 1.5,
                cmap: str = "gray_r", limits=None):  # fmt: skip
    """Draw ``imgs`` in a ``num_rows`` x ``num_cols`` grid, each with its title; return the figure.

    ``imgs``: a tensor ``(N, H, W)``, ``(N, 1, H, W)`` or ``(N, 3, H, W)``, or a list of such
    images, ``(H, W)``, ``(1, H, W)`` or ``(3, H, W)`` (tensors or arrays). A grey image is drawn
    with ``cmap`` (``"gray_r"``: dark is high, as Fashion-MNIST's garments; ``"gray"`` for a
    photograph's channels) from its own lowest to its highest value, or over ``limits``, a
    ``(low, high)`` pair; a colour one ``(3, H, W)`` as the eye sees it, values in [0, 1].
    """
    args.integer("num_rows", num_rows, 1)
    args.integer("num_cols", num_cols, 1)
    imgs = list(imgs)
    if len(imgs) > num_rows * num_cols:
        raise ValueError(
            f"imgs holds {len(imgs)} images, more than num_rows * num_cols = {num_rows * num_cols}"
        )
    if titles is not None and len(titles) < len(imgs):
        raise ValueError(f"titles has {len(titles)} entries for {len(imgs)} images")
    fig = figure(num_cols * scale, num_rows * scale * 1.15)
    axes = fig.subplots(num_rows, num_cols, squeeze=False).reshape(-1)
    sizes, colour = [], 0
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= len(imgs):
            continue
        img = torch.as_tensor(imgs[i]).detach().cpu()
        img = img[0] if img.dim() == 3 and img.shape[0] == 1 else img
        if img.dim() == 3 and img.shape[0] == 3:  # colour, channels first
            ax.imshow(img.permute(1, 2, 0).float().clamp(0, 1).numpy())
            colour += 1
        else:
            low, high = limits if limits is not None else (None, None)
            ax.imshow(img.numpy(), cmap=cmap, vmin=low, vmax=high)
        sizes.append("×".join(str(d) for d in img.shape[-2:]))
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    size = f"{sizes[0]} pixels each" if len(set(sizes)) == 1 else "pixels: " + ", ".join(sizes)
    grey = {"gray_r": "dark is high", "gray": "light is high"}.get(cmap, f"colour map {cmap}")
    kinds = [_plural(colour, "colour image")] if colour else []
    if colour < len(imgs):
        kinds.append(_plural(len(imgs) - colour, "grey image"))
    how = f"{size}, {grey}" if colour < len(imgs) else size
    text = f"{', '.join(kinds)} ({how}){_grid(num_rows, num_cols)}"
    named = [str(t) for t in (titles or [])[: len(imgs)] if str(t).strip()]
    return describe_figure(fig, text + (", titled: " + "; ".join(named) if named else "") + ".")


def show_maps(maps, titles, num_rows=1, scale=2.0, cmap="RdBu_r", shared=False):
    """Feature maps (2-D tensors) in a grid of ``num_rows`` rows; return the figure.

    A map with negative values is drawn on a diverging scale centred on 0 (``cmap``, red
    positive, blue negative; ``cmap`` may be a list, one per map), a map without on gray, white
    at 0. Each map has its own scale, written under it; with ``shared``, every map is drawn on
    one scale, shown by a colour bar, so that equal values look alike from map to map (a blurred
    image next to the original)."""
    maps = [torch.as_tensor(m).detach().cpu().float() for m in maps]
    args.integer("num_rows", num_rows, 1)
    args.flag("shared", shared)
    if not maps or len(titles) != len(maps):
        raise ValueError(f"titles must hold one title per map ({len(maps)}), got {len(titles)}")
    cmaps = list(cmap) if isinstance(cmap, (list, tuple)) else [cmap] * len(maps)
    num_cols = -(-len(maps) // num_rows)
    fig = figure(num_cols * scale + 0.7 * shared, num_rows * scale * 1.15)
    grid = fig.add_gridspec(
        num_rows, num_cols + shared, width_ratios=[1] * num_cols + [0.07] * shared
    )
    peak = max(float(m.abs().max()) for m in maps) or 1.0
    signed = [bool(m.min() < 0) for m in maps]
    if shared:
        signed = [any(signed)] * len(maps)
    words = []
    for n, (m, title, cm, diverging) in enumerate(zip(maps, titles, cmaps, signed)):
        ax = fig.add_subplot(grid[n // num_cols, n % num_cols])
        limit = peak if shared else float(m.abs().max()) or 1.0
        ax.imshow(
            m.numpy(),
            cmap=cm if diverging else "gray_r",
            vmin=-limit if diverging else 0,
            vmax=limit,
        )
        ax.set_title(title, fontsize=9)
        ax.set(xticks=[], yticks=[])
        ax.spines[:].set_visible(False)
        if not shared:  # the scale, stated
            scale_words = (
                f"blue {_g(-limit)}, red {_g(limit)}" if diverging else f"black {_g(limit)}"
            )
            ax.set_xlabel(scale_words, fontsize=7)
        shape = "×".join(str(d) for d in m.shape)
        words.append(f"{title} ({shape}, values {_g(m.min())} to {_g(m.max())})")
    if shared:
        norm = Normalize(-peak if signed[0] else 0, peak)
        bar = fig.colorbar(
            ScalarMappable(norm, cmaps[0] if signed[0] else "gray_r"),
            cax=fig.add_subplot(grid[:, -1]),
        )
        bar.set_label("one scale for every map", fontsize=7)
        bar.ax.tick_params(labelsize=7)
    fig.tight_layout()
    colours = []
    if not all(signed):
        colours.append("gray from white at 0 to black at the top of the scale")
    if any(signed):
        colours.append("red positive and blue negative around white 0")
    how = "each on its own scale" if len(maps) > 1 else "on its own scale"
    if shared:
        how = f"on one scale from {_g(-peak if signed[0] else 0)} to {_g(peak)}"
    text = f"{_plural(len(maps), 'map')}{_grid(num_rows, num_cols)}, {how} ({'; '.join(colours)}): "
    return describe_figure(fig, text + "; ".join(words) + ".")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _grid(rows: int, cols: int) -> str:
    """Where a grid puts its panels, in words: `` side by side``, `` in 4 rows of 5``."""
    if rows * cols == 1:
        return ""
    return " side by side" if rows == 1 else f" in {rows} rows of {cols}"


def _g(value) -> str:
    """A number in a few significant digits, ``0`` rather than ``-0``."""
    return f"{float(value) + 0.0:.3g}"


def plot_history(history, title=""):
    """Training curves of a :class:`cnnbook.train.History`; return the figure.

    Left: the loss of every batch, spread over the epochs it belongs to (the x axis runs from 0
    to the number of epochs), a moving mean of it, and each epoch's mean drawn across the epoch.
    Right: train and test accuracy at the end of each epoch; after a single epoch, two labelled
    bars instead of two lone dots.
    """
    num_epochs = len(history.test_acc)
    if num_epochs == 0:
        raise ValueError("history holds no finished epoch: nothing to plot")
    epochs = list(range(1, num_epochs + 1))
    fig = figure(7.5, 3.0)
    left, right = fig.subplots(1, 2)
    if history.batch_loss:
        per_epoch = len(history.batch_loss) / num_epochs
        x = [(i + 1) / per_epoch for i in range(len(history.batch_loss))]
        left.plot(x, history.batch_loss, color="#9ecae1", linewidth=0.8, label="batch loss")
        window = min(50, len(history.batch_loss) // 20)
        if window > 1:  # a centred moving mean
            losses = torch.tensor(history.batch_loss, dtype=torch.float64)
            smooth = losses.unfold(0, window, 1).mean(1).tolist()
            start = window // 2
            label = f"mean of {window} batches"
            left.plot(x[start : start + len(smooth)], smooth, color="#3182bd", label=label)
    for epoch, loss in zip(epochs, history.train_loss):  # the epoch's mean, over the epoch
        label = "epoch mean" if epoch == 1 else None
        left.plot([epoch - 1, epoch], [loss, loss], color="#08519c", linewidth=2, label=label)
    left.set_xlim(0, num_epochs)
    left.set_ylim(bottom=0)
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy loss")
    if num_epochs == 1:
        _accuracy_bars(right, history.train_acc[0], history.test_acc[0])
    else:
        right.plot(epochs, history.train_acc, "o-", label="train acc (mean over the epoch)")
        right.plot(epochs, history.test_acc, "s--", label="test acc (end of the epoch)")
        right.set_xlim(0, num_epochs)
        right.set_xlabel("epoch")
        low = min(history.train_acc + history.test_acc)
        right.set_ylim(max(0.0, min(0.5, low - 0.05)), 1.0)
        right.legend(fontsize=8)
    right.set_ylabel("accuracy")
    left.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return describe_figure(fig, _history_words(history, title))


def _history_words(history, title: str) -> str:
    """The alt text of :func:`plot_history`: the loss from start to end, the last accuracies."""
    n = len(history.test_acc)
    text = f"{title}: training" if title else "Training"
    text += f" curves of {n} epoch{'s' * (n != 1)} on {history.device}. Left, the loss"
    losses = history.batch_loss
    if losses:
        k = max(1, len(losses) // 20)  # the first and the last twentieth of the batches
        first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
        text += f" of {len(losses)} batches, from {first:.3f} (mean of the first {k}) to {last:.3f}"
        text += f" (mean of the last {k});"
    means = ", ".join(f"{v:.3f}" for v in history.train_loss)
    text += f" epoch mean{'s' * (n != 1)} {means}. Right, the accuracy "
    if n == 1:
        return (
            text
            + f"after 1 epoch: train {history.train_acc[0]:.3f}, test {history.test_acc[0]:.3f}."
        )
    tests = ", ".join(f"{v:.3f}" for v in history.test_acc)
    return text + f"per epoch: test {tests}; train ends at {history.train_acc[-1]:.3f}."


def _accuracy_bars(ax, train_acc: float, test_acc: float) -> None:
    """One epoch's accuracies as two labelled bars on a 0-1 axis."""
    names = ["train\n(mean over the epoch)", "test\n(end of the epoch)"]
    ax.bar([0, 1], [train_acc, test_acc], color=["#1f77b4", "#ff7f0e"], width=0.6)
    for x, value in enumerate((train_acc, test_acc)):
        ax.text(x, value + 0.02, f"{value:.3f}", ha="center", va="bottom", fontsize=9)
    ax.set_xticks([0, 1], names, fontsize=8)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("after 1 epoch")


def plot_confusion(matrix, class_names):
    """A confusion matrix (rows: true class, columns: predicted), counts written in the cells."""
    matrix = torch.as_tensor(matrix).detach().cpu()
    n = len(class_names)
    if matrix.shape != (n, n):
        raise ValueError(
            f"matrix must be {n}×{n}, one row per class name, got {tuple(matrix.shape)}"
        )
    fig = figure(6.5, 5.5)
    ax = fig.subplots()
    ax.imshow(matrix.numpy(), cmap="Blues")
    ax.set_xticks(range(n), class_names, rotation=60, ha="right")
    ax.set_yticks(range(n), class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    high = matrix.max().item()
    for i in range(n):
        for j in range(n):
            value = matrix[i, j].item()
            color = "white" if value > high / 2 else "black"
            ax.text(j, i, str(value), ha="center", va="center", fontsize=7, color=color)
    fig.tight_layout()
    total, right = int(matrix.sum()), int(matrix.diagonal().sum())
    wrong = matrix.clone()
    wrong.fill_diagonal_(0)
    worst = [divmod(int(k), n) for k in wrong.flatten().argsort(descending=True)[:3]]
    mixed = "; ".join(f"{class_names[i]} taken for {class_names[j]} {int(matrix[i, j])} times"
                      for i, j in worst if matrix[i, j] > 0)  # fmt: skip
    text = f"Confusion matrix of {total} examples over {n} classes (rows the true class, columns"
    text += f" the predicted one, darker for more): {right} right ({right / max(total, 1):.3f})"
    return describe_figure(fig, text + (f". Most often confused: {mixed}." if mixed else "."))


def show_kernels(weight, num_cols=8, scale=1.0, title="", max_width=8.0):
    """The first input channel of every kernel of a convolution weight ``(C_out, C_in, kh, kw)``
    in a grid of ``num_cols`` columns, each kernel numbered and drawn on its own diverging scale
    (red positive, blue negative, white 0); return the figure.

    Each kernel takes ``scale`` inches, less if the grid would be wider than ``max_width``; the
    title says what is drawn and what the colours mean.
    """
    weight = torch.as_tensor(weight).detach().cpu()
    if weight.dim() != 4:
        raise ValueError(
            f"weight must be a convolution weight (C_out, C_in, kh, kw), got shape "
            f"{tuple(weight.shape)}"
        )
    args.integer("num_cols", num_cols, 1)
    count, in_channels, kh, kw = weight.shape
    kernels = weight[:, 0]
    num_cols = min(num_cols, count)
    num_rows = -(-count // num_cols)
    cell = min(scale, max_width / num_cols)
    fig = figure(num_cols * cell, num_rows * cell * 1.2 + 0.6)
    axes = fig.subplots(num_rows, num_cols, squeeze=False).reshape(-1)
    for ax in axes:
        ax.axis("off")
    for index, (ax, kernel) in enumerate(zip(axes, kernels)):
        limit = float(kernel.abs().max()) or 1.0
        ax.imshow(kernel.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(str(index), fontsize=6, pad=1.5)
    channel = "" if in_channels == 1 else f", input channel 0 of {in_channels}"
    what = (
        f"{count} kernels, {kh} x {kw}{channel}: red positive, blue negative, each on its own scale"
    )
    fig.suptitle(f"{title}\n{what}" if title else what, fontsize=9)
    fig.tight_layout(pad=0.3)
    peak = float(kernels.abs().max())
    text = f"{title}: a grid" if title else "A grid"
    text += f" of {_plural(count, 'convolution kernel')}{_grid(num_rows, num_cols)}, numbered 0 to "
    text += f"{count - 1}, {kh}×{kw} each{channel}, red positive and blue negative, each on its "
    return describe_figure(fig, text + f"own scale; the largest weight magnitude is {_g(peak)}.")
