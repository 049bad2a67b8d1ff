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
