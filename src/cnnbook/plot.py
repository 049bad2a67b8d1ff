"""Figures for the book: plain matplotlib on white, legible in light and dark themes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch


def figure(width: float, height: float):
    """A new figure with a white background (legible on the book's dark theme too)."""
    return plt.figure(figsize=(width, height), facecolor="white")


def show_images(imgs, num_rows: int, num_cols: int, titles=None, scale: float = 1.5):
    """Draw ``imgs`` in a ``num_rows`` x ``num_cols`` grid, each with its title; return the figure.

    ``imgs``: a tensor ``(N, H, W)`` or ``(N, 1, H, W)``, or a list of ``(H, W)`` tensors/arrays.
    """
    for arg, value in (("num_rows", num_rows), ("num_cols", num_cols)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{arg} must be a positive int, got {value!r}")
    imgs = list(imgs)
    if len(imgs) > num_rows * num_cols:
        raise ValueError(
            f"imgs holds {len(imgs)} images, more than num_rows * num_cols = {num_rows * num_cols}"
        )
    if titles is not None and len(titles) < len(imgs):
        raise ValueError(f"titles has {len(titles)} entries for {len(imgs)} images")
    fig = figure(num_cols * scale, num_rows * scale * 1.15)
    axes = fig.subplots(num_rows, num_cols, squeeze=False).reshape(-1)
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= len(imgs):
            continue
        img = imgs[i]
        if isinstance(img, torch.Tensor):
            img = img.detach().cpu().squeeze(0) if img.dim() == 3 else img.detach().cpu()
        ax.imshow(img, cmap="gray_r")
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig


def draw_matrix(ax, M, title="", highlight=None, color="#4c72b0", fmt="{:g}"):
    """Draw matrix ``M`` (2-D) as a grid of numbered cells on ``ax``; ``highlight`` is a
    ``(row_slice, col_slice)`` pair of cells to shade."""
    M = torch.as_tensor(M).detach().cpu()
    rows, cols = M.shape
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)
    ax.set_aspect("equal")
    ax.axis("off")
    for i in range(rows):
        for j in range(cols):
            shaded = highlight is not None and _inside(i, highlight[0]) and _inside(j, highlight[1])
            ax.add_patch(
                plt.Rectangle((j, i), 1, 1, facecolor=color if shaded else "white",
                              alpha=0.45 if shaded else 1.0, edgecolor="black", linewidth=1)
            )  # fmt: skip
            ax.text(j + 0.5, i + 0.5, fmt.format(M[i, j].item()), ha="center", va="center")
    if title:
        ax.set_title(title, fontsize=10)


def _inside(index: int, span: slice) -> bool:
    return span.start <= index < span.stop


def show_correlation(X, K, Y, i=0, j=0, stride=(1, 1)):
    """The worked example of a cross-correlation: input, kernel and output side by side, with the
    window that produces output ``(i, j)`` shaded; return the figure."""
    kh, kw = K.shape
    widths = [X.shape[1], 1, K.shape[1], 1, Y.shape[1]]
    fig = figure(sum(widths) * 0.55 + 0.5, max(X.shape[0], 2) * 0.55 + 0.5)
    axes = fig.subplots(1, 5, gridspec_kw={"width_ratios": widths})
    rows = slice(i * stride[0], i * stride[0] + kh)
    cols = slice(j * stride[1], j * stride[1] + kw)
    draw_matrix(axes[0], X, "input", (rows, cols))
    draw_matrix(axes[2], K, "kernel", (slice(0, kh), slice(0, kw)))
    draw_matrix(axes[4], Y, "output", (slice(i, i + 1), slice(j, j + 1)))
    for ax, sign in ((axes[1], "$\\star$"), (axes[3], "$=$")):
        ax.axis("off")
        ax.text(0.5, 0.5, sign, ha="center", va="center", fontsize=18)
    fig.tight_layout()
    return fig


def show_maps(maps, titles, num_rows=1, scale=2.0, cmap="RdBu_r"):
    """Feature maps (2-D tensors) in a grid. A map with negative values is drawn on a diverging
    scale centred on 0 (``cmap``, red positive, blue negative); a map without on gray from 0.
    ``cmap`` may also be a list, one per map."""
    num_cols = -(-len(maps) // num_rows)
    fig = figure(num_cols * scale, num_rows * scale * 1.15)
    axes = fig.subplots(num_rows, num_cols, squeeze=False).reshape(-1)
    for ax in axes:
        ax.axis("off")
    cmaps = cmap if isinstance(cmap, (list, tuple)) else [cmap] * len(maps)
    for ax, m, title, cm in zip(axes, maps, titles, cmaps):
        m = torch.as_tensor(m).detach().cpu()
        limit = float(m.abs().max()) or 1.0
        if m.min() < 0:
            ax.imshow(m, cmap=cm, vmin=-limit, vmax=limit)
        else:
            ax.imshow(m, cmap="gray_r", vmin=0, vmax=limit)
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_history(history, title=""):
    """Training curves: the loss of every batch and its mean per epoch (left), train and test
    accuracy per epoch (right); return the figure."""
    epochs = range(1, len(history.train_loss) + 1)
    fig = figure(7.5, 3.0)
    left, right = fig.subplots(1, 2)
    if history.batch_loss:
        per_epoch = len(history.batch_loss) / len(history.train_loss)
        x = [(i + 1) / per_epoch for i in range(len(history.batch_loss))]
        left.plot(x, history.batch_loss, color="#9ecae1", linewidth=0.8, label="batch loss")
    left.plot(epochs, history.train_loss, "o-", color="#08519c", label="epoch mean")
    left.set_xlabel("epoch")
    left.set_ylabel("cross-entropy loss")
    right.plot(epochs, history.train_acc, "o-", label="train acc")
    right.plot(epochs, history.test_acc, "s--", label="test acc")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    right.set_ylim(0, 1)
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_confusion(matrix, class_names):
    """A confusion matrix (rows: true class, columns: predicted), counts written in the cells."""
    matrix = torch.as_tensor(matrix)
    fig = figure(6.5, 5.5)
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues")
    n = len(class_names)
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
    return fig


def show_kernels(weight, num_cols=8, scale=1.0, title=""):
    """The first input channel of every kernel of a convolution weight ``(C_out, C_in, kh, kw)``,
    each on its own diverging scale (red positive, blue negative)."""
    weight = torch.as_tensor(weight).detach().cpu()[:, 0]
    num_rows = -(-len(weight) // num_cols)
    fig = figure(num_cols * scale, num_rows * scale)
    axes = fig.subplots(num_rows, num_cols, squeeze=False).reshape(-1)
    for ax in axes:
        ax.axis("off")
    for ax, kernel in zip(axes, weight):
        limit = float(kernel.abs().max()) or 1.0
        ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
