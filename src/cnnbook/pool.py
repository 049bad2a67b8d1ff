"""Pooling from scratch: the readable loop first, then fast batched max and average pooling.

    pool2d       X (h, w), (c, h, w) or (n, c, h, w)    -> same leading dims, (h', w')
    max_pool2d   input (N, C, H, W) or (C, H, W)        -> (N, C, H', W') or (C, H', W')
    avg_pool2d   the same

with ``h' = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1``, as for convolution
(``ceil_mode=True`` rounds up instead). Padding follows PyTorch: max pooling ignores padded cells,
average pooling counts them as zeros, and padding may be at most half the window. A NaN in a
window makes its maximum NaN.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import args
from .conv import conv_output_shape

MODES = ("max", "avg")


def lowest(dtype: torch.dtype):
    """The smallest value of ``dtype``: ``-inf``, or an integer type's minimum. Max pooling pads
    with it, so that a padded cell never wins."""
    return float("-inf") if dtype.is_floating_point else torch.iinfo(dtype).min


def validate_pool_input(X, name: str, dims, shape: str, mode: str, empty_batch: bool) -> None:
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape {shape}, got {type(X).__name__}")
    sizes = X.shape[-3:] if empty_batch else X.shape  # the batch N of (N, C, H, W) may be 0
    if X.dim() not in dims or 0 in sizes:
        but = " (but N may be 0)" if empty_batch else ""
        raise ValueError(
            f"{name} must have shape {shape} with no empty dimension{but}, got {tuple(X.shape)}"
        )
    if mode == "avg":  # as PyTorch: averages of floating point or int64 numbers
        ok, expected = X.is_floating_point() or X.dtype == torch.int64, "floating point or int64"
    else:
        ok, expected = not (X.is_complex() or X.dtype == torch.bool), "floating point or integer"
    if not ok:
        raise TypeError(f"{mode} pooling needs {name} of {expected} dtype, got {X.dtype}")


def validate_pool_padding(padding, window) -> None:
    if padding[0] > window[0] // 2 or padding[1] > window[1] // 2:
        raise ValueError(
            f"padding {padding} must be at most half the pooling window {window}, "
            "so that no window lies entirely in the padding"
        )


def pool2d(X, kernel_size, stride=1, padding=0, mode="max"):
    """Max or average pooling written as two readable loops; each channel is pooled on its own.

    ``X``: ``(h, w)``, ``(c, h, w)`` or ``(n, c, h, w)``; ``kernel_size``, ``stride``,
    ``padding``: ints or pairs. Note the loop version's ``stride`` defaults to 1; PyTorch's to
    the window. Padded cells never win a maximum and count as zeros in an average.
    """
    for name, value in (("stride", stride), ("padding", padding)):
        if isinstance(value, str) and value in MODES:  # d2l's pool2d(X, pool_size, mode)
            raise TypeError(
                f"{name} must be an int or a pair of ints, got {value!r}: this pool2d takes "
                "(X, kernel_size, stride, padding, mode) in PyTorch's order, so pass the mode by "
                f"name, as in pool2d(X, (2, 2), mode={value!r})"
            )
    args.choice("mode", mode, MODES)
    validate_pool_input(X, "X", (2, 3, 4), "(h, w), (c, h, w) or (n, c, h, w)", mode, False)
    if X.dim() in (3, 4):  # pool every channel (of every example) on its own
        return torch.stack([pool2d(x, kernel_size, stride, padding, mode) for x in X])
    (kh, kw), (sh, sw) = (
        args.size_pair("kernel_size", kernel_size, 1),
        args.size_pair("stride", stride, 1),
    )
    ph, pw = args.size_pair("padding", padding, 0)
    validate_pool_padding((ph, pw), (kh, kw))
    h_out, w_out = conv_output_shape(X.shape, (kh, kw), (sh, sw), (ph, pw))
    X = F.pad(X, (pw, pw, ph, ph), value=lowest(X.dtype) if mode == "max" else 0)
    Y = torch.zeros(h_out, w_out, dtype=X.dtype, device=X.device)
    for i in range(h_out):
        for j in range(w_out):
            window = X[i * sh : i * sh + kh, j * sw : j * sw + kw]
            # max() is NaN if the window holds one. An integer average is cut toward zero.
            Y[i, j] = window.max() if mode == "max" else window.sum() / window.numel()
    return Y


# ---------------------------------------------------------------------------------------------
# The fast versions. A k_h x k_w window is separable: pool along each row first (k_w strided
# slices), then along each column of that result (k_h strided slices). That is k_h + k_w
# whole-tensor operations instead of one Python step per output pixel.


def pool_output_shape(input_size, kernel_size, stride, padding=0, dilation=1, ceil_mode=False):
    """``(H', W')`` of a pooling window sliding over ``input_size``, as PyTorch counts: floor
    division, or with ``ceil_mode`` ceiling division, minus a last window that would start
    beyond the input and its left padding."""
    input_size, kernel_size = (
        args.size_pair("input_size", input_size, 0),
        args.size_pair("kernel_size", kernel_size, 1),
    )
    stride, padding = args.size_pair("stride", stride, 1), args.size_pair("padding", padding, 0)
    dilation = args.size_pair("dilation", dilation, 1)
    args.flag("ceil_mode", ceil_mode)
    sizes = []
    for n, k, s, p, d in zip(input_size, kernel_size, stride, padding, dilation):
        size = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
        sizes.append(size - 1 if ceil_mode and (size - 1) * s >= n + p else size)
    if min(sizes) < 1:
        raise ValueError(
            f"the output would be empty, {tuple(sizes)}, for input size {input_size}, "
            f"kernel_size {kernel_size}, stride {stride}, padding {padding}, dilation {dilation}"
        )
    return tuple(sizes)


def pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, mode):
    """Every check of a pooling function's arguments; returns them as pairs, then (H', W')."""
    validate_pool_input(input, "input", (3, 4), "(N, C, H, W) or (C, H, W)", mode, True)
    window = args.size_pair("kernel_size", kernel_size, 1)
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        stride = window  # PyTorch's default: windows side by side
    stride, padding = args.size_pair("stride", stride, 1), args.size_pair("padding", padding, 0)
    dilation = args.size_pair("dilation", dilation, 1)
    validate_pool_padding(padding, window)
    out = pool_output_shape(input.shape[-2:], window, stride, padding, dilation, ceil_mode)
    return window, stride, padding, dilation, out


def window_slices(X, dim: int, k: int, s: int, d: int, n_out: int):
    """The ``k`` strided views of ``X`` along ``dim``, one per offset ``a`` in the window: the
    ``i``-th element of view ``a`` is element ``i * s + a * d`` of ``X``. (Like the other
    building blocks below, it takes arguments that the pooling function has checked.)"""
    index = [slice(None)] * X.dim()
    views = []
    for a in range(k):
        index[dim] = slice(a * d, a * d + s * (n_out - 1) + 1, s)
        views.append(X[tuple(index)])
    return views


def running_max(views, nan_wins=False):
    """Element-wise max over ``views`` and the position of the winner: the first maximum, or
    with ``nan_wins`` the last NaN if there is one, as PyTorch picks (a maximum over a NaN is
    NaN)."""
    # Positions as uint8 (windows are almost never 256 wide) keep the memory traffic low.
    dtype = torch.uint8 if len(views) < 256 else torch.long
    best, arg = views[0], torch.zeros(views[0].shape, dtype=dtype, device=views[0].device)
    for a, view in enumerate(views[1:], start=1):
        better = view > best
        if nan_wins:
            better |= view.isnan()
        best = torch.maximum(best, view)  # NaN if either is
        # Position a where the view is better. Positions only grow, so a maximum does it (and
        # arithmetic runs faster than torch.where or masked_fill_ on a CPU).
        arg = torch.maximum(arg, better.to(dtype) * a)
    return best, arg


def max_pool2d_indices(X, window, stride, padding, dilation, out):
    """Where each window's maximum is, as a flat index into ``H * W`` (what ``return_indices``
    returns): ``X (N, C, H, W) -> (N, C, H', W')``, and which windows lie wholly in the padding
    (``(H', W')`` bool, or None without padding). Rows first, then columns; ``window``,
    ``stride``, ``padding``, ``dilation`` and the output size ``out`` are pairs."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = window, stride, padding, dilation, out
    H, W = X.shape[2:]
    # Pad with the lowest value; with ceil_mode the last window may need more on the far side.
    bottom = max(0, (h_out - 1) * sh + dh * (kh - 1) + 1 - H - ph)
    right = max(0, (w_out - 1) * sw + dw * (kw - 1) + 1 - W - pw)
    pad = (pw, right, ph, bottom)
    Xp = F.pad(X, pad, value=lowest(X.dtype)) if any(pad) else X
    nans = X.is_floating_point() and X.numel() > 0 and bool(X.max().isnan())  # max of all: NaN?
    rows, col = running_max(window_slices(Xp, 3, kw, sw, dw, w_out), nans)  # (N, C, Hp, w_out)
    Y, row = running_max(window_slices(rows, 2, kh, sh, dh, h_out), nans)  # (N, C, h_out, w_out)
    top = sh * torch.arange(h_out, device=X.device).view(-1, 1)  # each window's first row in Xp
    left = sw * torch.arange(w_out, device=X.device)  # and first column
    i = row.long().mul_(dh).add_(top)  # the winner's row in Xp (in place: these are big)
    j = col.gather(2, i).long().mul_(dw).add_(left)  # and column
    index = i.sub_(ph).mul_(W).add_(j).sub_(pw)  # (i - ph) * W + (j - pw), flat in X
    empty = None
    if any(pad):  # A window whose maximum is the padding value: PyTorch picks its first real pixel
        top, left = top - ph, left - pw  # in X: its first row and column on the dilated grid
        top, left = torch.where(top < 0, top % dh, top), torch.where(left < 0, left % dw, left)
        index = torch.where(Y == lowest(X.dtype), top * W + left, index)
        # A window wholly in the padding (dilation or ceil_mode can make one) has no pixel: its
        # maximum is the lowest value, its index the one PyTorch reports, beyond the input.
        empty = (top >= H) | (left >= W)  # (h_out, w_out)
    return index, empty


def max_pool2d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """Max pooling from scratch, with the arguments, defaults and results of
    ``torch.nn.functional.max_pool2d``: ``stride`` defaults to the window, padded cells never
    win, a NaN wins. ``input (N, C, H, W) -> (N, C, H', W')`` (or ``(C, H, W) -> (C, H', W')``),
    and with ``return_indices`` also where each maximum is, flat in ``H * W``. Differentiable,
    twice: the gradient of a maximum goes to the pixel that won.
    """
    checked = pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, "max")
    args.flag("return_indices", return_indices)
    X = input if input.dim() == 4 else input.unsqueeze(0)  # an unbatched input is a batch of 1
    with torch.no_grad():  # which pixel wins is a choice, not something to differentiate
        indices, empty = max_pool2d_indices(X, *checked)
    # The output is the winning pixels: a gather, whose gradient autograd scatters back.
    if empty is None or not empty.any():
        Y = X.flatten(2).gather(2, indices.flatten(2)).view(indices.shape)
    else:  # an empty window takes no pixel: the lowest value, and no gradient
        inside = indices.masked_fill(empty, 0)
        Y = X.flatten(2).gather(2, inside.flatten(2)).view(indices.shape)
        Y = Y.masked_fill(empty, lowest(X.dtype))
    if input.dim() == 3:
        Y, indices = Y.squeeze(0), indices.squeeze(0)
    return (Y, indices) if return_indices else Y


def window_counts(n: int, k: int, s: int, p: int, n_out: int, count_include_pad: bool):
    """How many cells each of ``n_out`` windows covers along one dimension: padding included
    (but not what lies beyond it, which only ``ceil_mode`` reaches), or the input's only."""
    start = s * torch.arange(n_out) - p
    end = torch.clamp(start + k, max=n + p)
    if count_include_pad:
        return end - start
    return end.clamp(max=n) - start.clamp(min=0)


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """Average pooling from scratch, with the arguments, defaults and results of
    ``torch.nn.functional.avg_pool2d``: ``stride`` defaults to the window, padded cells count as
    0 and (with ``count_include_pad``) in the divisor, unless ``divisor_override`` is given.
    ``input (N, C, H, W) -> (N, C, H', W')`` (or ``(C, H, W) -> (C, H', W')``). Integer
    (int64) averages are cut toward zero, as in PyTorch. Differentiable, twice (it is linear).
    """
    checked = pool_args(input, kernel_size, stride, padding, 1, ceil_mode, "avg")
    (kh, kw), (sh, sw), (ph, pw), _, (h_out, w_out) = checked
    args.flag("count_include_pad", count_include_pad)
    if divisor_override is not None:
        args.integer("divisor_override", divisor_override)
        if divisor_override == 0:
            raise ValueError("divisor_override must not be 0, got 0")
    X = input if input.dim() == 4 else input.unsqueeze(0)  # an unbatched input is a batch of 1
    H, W = X.shape[2:]
    # Pad with zeros; with ceil_mode the last window may need more on the far side.
    bottom, right = max(0, (h_out - 1) * sh + kh - H - ph), max(0, (w_out - 1) * sw + kw - W - pw)
    pad = (pw, right, ph, bottom)
    Xp = F.pad(X, pad) if any(pad) else X
    rows = sum(window_slices(Xp, 3, kw, sw, 1, w_out))  # (N, C, Hp, w_out): sums along rows
    sums = sum(window_slices(rows, 2, kh, sh, 1, h_out))  # (N, C, h_out, w_out)
    if divisor_override is not None:
        divisor = divisor_override
    else:  # window sizes differ only at the borders: rows times columns, per output position
        h_count = window_counts(H, kh, sh, ph, h_out, count_include_pad)
        divisor = h_count.view(-1, 1) * window_counts(W, kw, sw, pw, w_out, count_include_pad)
        divisor = divisor.to(X.device)
    Y = sums / divisor if X.is_floating_point() else torch.div(sums, divisor, rounding_mode="trunc")
    return Y if input.dim() == 4 else Y.squeeze(0)


class MaxPool2d(nn.MaxPool2d):
    """``nn.MaxPool2d`` (same constructor arguments) with the from-scratch :func:`max_pool2d` as
    its forward pass."""

    def forward(self, input):
        return max_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.dilation,
            self.ceil_mode, self.return_indices,
        )  # fmt: skip


class AvgPool2d(nn.AvgPool2d):
    """``nn.AvgPool2d`` (same constructor arguments) with the from-scratch :func:`avg_pool2d` as
    its forward pass."""

    def forward(self, input):
        return avg_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad, self.divisor_override,
        )  # fmt: skip
