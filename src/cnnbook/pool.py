"""Pooling from scratch: the readable loop first, then fast batched max and average pooling.

    pool2d       X (h, w), (c, h, w) or (n, c, h, w) -> same leading dims, (h', w')
    max_pool2d   X (N, C, H, W) or (C, H, W)          -> (N, C, H', W') or (C, H', W')
    avg_pool2d   the same

with ``h' = (h + 2 * padding - kh) // stride + 1``, as for convolution. Padding follows PyTorch:
max pooling ignores padded cells (they count as -inf), average pooling counts them as zeros, and
padding may be at most half the window.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .conv import conv_output_shape, pair

MODES = ("max", "avg")


def _check_input(X) -> None:
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a torch.Tensor, got {type(X).__name__}")


def _check_padding(padding, window) -> None:
    if padding[0] > window[0] // 2 or padding[1] > window[1] // 2:
        raise ValueError(
            f"padding {padding} must be at most half the pooling window {window}, "
            "so that no window lies entirely in the padding"
        )


def pool2d(X, pool_size, mode="max", padding=0, stride=1):
    """Max or average pooling written as two readable loops; each channel is pooled on its own.

    ``X``: ``(h, w)``, ``(c, h, w)`` or ``(n, c, h, w)``; ``pool_size``, ``padding``, ``stride``:
    ints or pairs. Note the loop version's ``stride`` defaults to 1; PyTorch's to the window.
    """
    _check_input(X)
    if mode not in MODES:
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    if X.dim() in (3, 4):  # pool every channel (of every example) on its own
        return torch.stack([pool2d(x, pool_size, mode, padding, stride) for x in X])
    if X.dim() != 2:
        raise ValueError(
            f"X must have shape (h, w), (c, h, w) or (n, c, h, w), got {tuple(X.shape)}"
        )
    (ph, pw), (sh, sw) = pair(padding, "padding", 0), pair(stride, "stride", 1)
    p_h, p_w = pair(pool_size, "pool_size", 1)
    _check_padding((ph, pw), (p_h, p_w))
    h_out, w_out = conv_output_shape(X.shape, (p_h, p_w), (ph, pw), (sh, sw))
    fill = float("-inf") if mode == "max" else 0.0
    X = F.pad(X, (pw, pw, ph, ph), value=fill)
    Y = torch.zeros(h_out, w_out, dtype=X.dtype, device=X.device)
    for i in range(h_out):
        for j in range(w_out):
            window = X[i * sh : i * sh + p_h, j * sw : j * sw + p_w]
            Y[i, j] = window.max() if mode == "max" else window.mean()
    return Y


# ---------------------------------------------------------------------------------------------
# The fast versions. A k_h x k_w window is separable: pool along each row first (k_w strided
# slices), then along each column of that result (k_h strided slices). That is k_h + k_w
# whole-tensor operations instead of one Python step per output pixel.


def _slices(X, dim: int, k: int, s: int, n_out: int):
    """The ``k`` strided views of ``X`` along ``dim`` whose ``i``-th element starts window ``i``."""
    return [X.narrow(dim, a, s * (n_out - 1) + 1)[(slice(None),) * dim + (slice(None, None, s),)]
            for a in range(k)]  # fmt: skip


def _running_max(views):
    """Element-wise max over ``views`` and the position of the first maximum (ties: lowest)."""
    # Positions as uint8 (windows are almost never 256 wide) keep the memory traffic low.
    dtype = torch.uint8 if len(views) < 256 else torch.long
    best, arg = views[0], torch.zeros(views[0].shape, dtype=dtype, device=views[0].device)
    for a, view in enumerate(views[1:], start=1):
        better = view > best
        best = torch.where(better, view, best)
        arg = torch.where(better, a, arg)
    return best, arg


class _MaxPool2dFunction(torch.autograd.Function):
    """Forward: max along rows, then along columns, remembering where each maximum came from as
    a flat index into the padded input. Backward: each output's gradient goes to that one pixel
    (``scatter_add_``), which is what the derivative of a maximum is."""

    @staticmethod
    def forward(ctx, X, window, stride, padding):
        (kh, kw), (sh, sw), (ph, pw) = window, stride, padding
        N, C, H, W = X.shape
        h_out, w_out = conv_output_shape((H, W), window, padding, stride)
        Xp = F.pad(X, (pw, pw, ph, ph), value=float("-inf")) if ph or pw else X
        Hp, Wp = Xp.shape[2:]
        rows, col_arg = _running_max(_slices(Xp, 3, kw, sw, w_out))  # (N, C, Hp, w_out)
        Y, row_arg = _running_max(_slices(rows, 2, kh, sh, h_out))  # (N, C, h_out, w_out)
        r = row_arg + sh * torch.arange(h_out, device=X.device).view(-1, 1)  # row in Xp
        c = col_arg.gather(2, r).long() + sw * torch.arange(w_out, device=X.device)  # column in Xp
        ctx.save_for_backward(r * Wp + c)
        ctx.shapes = (X.shape, (Hp, Wp), padding)
        return Y

    @staticmethod
    def backward(ctx, dY):
        (index,), ((N, C, H, W), (Hp, Wp), (ph, pw)) = ctx.saved_tensors, ctx.shapes
        dXp = dY.new_zeros(N, C, Hp * Wp)
        dXp.scatter_add_(2, index.reshape(N, C, -1), dY.reshape(N, C, -1))
        return dXp.view(N, C, Hp, Wp)[:, :, ph : ph + H, pw : pw + W], None, None, None


class _AvgPool2dFunction(torch.autograd.Function):
    """Forward: sums along rows, then along columns, divided by the window's area (padded cells
    count as zeros). Backward: each output's gradient, divided by the area, is added back onto
    every pixel of its window, columns first, then rows."""

    @staticmethod
    def forward(ctx, X, window, stride, padding):
        (kh, kw), (sh, sw), (ph, pw) = window, stride, padding
        h_out, w_out = conv_output_shape(X.shape[2:], window, padding, stride)
        Xp = F.pad(X, (pw, pw, ph, ph)) if ph or pw else X
        rows = sum(_slices(Xp, 3, kw, sw, w_out))  # (N, C, Hp, w_out)
        ctx.shapes = (X.shape, Xp.shape, rows.shape, window, stride, padding)
        return sum(_slices(rows, 2, kh, sh, h_out)) / (kh * kw)

    @staticmethod
    def backward(ctx, dY):
        (N, C, H, W), padded, rows, (kh, kw), (sh, sw), (ph, pw) = ctx.shapes
        dY = dY / (kh * kw)
        drows = dY.new_zeros(rows)
        for view in _slices(drows, 2, kh, sh, dY.shape[2]):
            view += dY
        dXp = dY.new_zeros(padded)
        for view in _slices(dXp, 3, kw, sw, dY.shape[3]):
            view += drows
        return dXp[:, :, ph : ph + H, pw : pw + W], None, None, None


def _fast_pool(function, X, kernel_size, stride, padding):
    _check_input(X)
    if X.dim() not in (3, 4):
        raise ValueError(f"X must have shape (N, C, H, W) or (C, H, W), got {tuple(X.shape)}")
    window = pair(kernel_size, "kernel_size", 1)
    stride = window if stride is None else pair(stride, "stride", 1)
    padding = pair(padding, "padding", 0)
    _check_padding(padding, window)
    conv_output_shape(X.shape[-2:], window, padding, stride)  # checks the sizes
    if X.dim() == 3:
        return function.apply(X.unsqueeze(0), window, stride, padding).squeeze(0)
    return function.apply(X, window, stride, padding)


def max_pool2d(X, kernel_size, stride=None, padding=0):
    """Max pooling from scratch, with the arguments, defaults and results of
    ``torch.nn.functional.max_pool2d``: ``stride`` defaults to the window, padded cells never win.
    ``X (N, C, H, W) -> (N, C, H', W')``; differentiable (first order)."""
    return _fast_pool(_MaxPool2dFunction, X, kernel_size, stride, padding)


def avg_pool2d(X, kernel_size, stride=None, padding=0):
    """Average pooling from scratch, with the arguments, defaults and results of
    ``torch.nn.functional.avg_pool2d``: ``stride`` defaults to the window, padded cells count as 0.
    ``X (N, C, H, W) -> (N, C, H', W')``; differentiable (first order)."""
    return _fast_pool(_AvgPool2dFunction, X, kernel_size, stride, padding)


class MaxPool2d(torch.nn.Module):
    """A drop-in for ``nn.MaxPool2d`` whose forward pass is the from-scratch :func:`max_pool2d`."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, X):
        return max_pool2d(X, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(MaxPool2d):
    """A drop-in for ``nn.AvgPool2d`` whose forward pass is the from-scratch :func:`avg_pool2d`."""

    def forward(self, X):
        return avg_pool2d(X, self.kernel_size, self.stride, self.padding)
