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
    return fig


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
    if isinstance(num_cols, bool) or not isinstance(num_cols, int) or num_cols < 1:
        raise ValueError(f"num_cols must be a positive int, got {num_cols!r}")
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
    return fig
