"""Convolution from scratch: the readable loops first, then a fast batched version.

Every function here computes what deep-learning libraries call convolution and mathematicians
call *cross-correlation*: the kernel slides over the input without being flipped.

    corr2d                     X (h, w),       K (kh, kw)               -> (h', w')
    corr2d_multi_in            X (c_i, h, w),  K (c_i, kh, kw)          -> (h', w')
    corr2d_multi_in_out        X (c_i, h, w),  K (c_o, c_i, kh, kw)     -> (c_o, h', w')
    corr2d_multi_in_out_1x1    X (c_i, h, w),  K (c_o, c_i[, 1, 1])     -> (c_o, h, w)
    conv2d                     X (N, C_in, H, W), weight (C_out, C_in, kh, kw) -> (N, C_out, H', W')

with ``h' = (h + 2 * padding - kh) // stride + 1`` (and the same for widths).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def pair(value, name: str, minimum: int = 0) -> tuple[int, int]:
    """``value`` (an int or a pair of ints, each >= ``minimum``) as a pair; else a clear error."""
    values = (value, value) if isinstance(value, int) else value
    if (
        not isinstance(values, (tuple, list))
        or len(values) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    ):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return (values[0], values[1])


def conv_output_shape(input_size, kernel_size, padding=0, stride=1) -> tuple[int, int]:
    """Output height and width of a convolution or pooling window sliding over ``input_size``.

    Per dimension: ``(n + 2 * p - k) // s + 1`` (floor division, as PyTorch does).
    """
    h, w = pair(input_size, "input_size", 1)
    kh, kw = pair(kernel_size, "kernel_size", 1)
    ph, pw = pair(padding, "padding", 0)
    sh, sw = pair(stride, "stride", 1)
    if kh > h + 2 * ph or kw > w + 2 * pw:
        raise ValueError(
            f"kernel_size {(kh, kw)} is larger than the padded input {(h + 2 * ph, w + 2 * pw)} "
            f"(input {(h, w)}, padding {(ph, pw)})"
        )
    return (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


def _check_tensor(value, name: str, dims: int, shape: str) -> None:
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of shape {shape}, got {type(value).__name__}"
        )
    if value.dim() != dims:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(value.shape)}")


def corr2d(X, K, padding=0, stride=1):
    """Single-channel 2-D cross-correlation, as two readable loops: ``X (h, w), K (kh, kw)``."""
    _check_tensor(X, "X", 2, "(h, w)")
    _check_tensor(K, "K", 2, "(kh, kw)")
    (ph, pw), (sh, sw) = pair(padding, "padding", 0), pair(stride, "stride", 1)
    h_out, w_out = conv_output_shape(X.shape, K.shape, (ph, pw), (sh, sw))
    kh, kw = K.shape
    X = F.pad(X, (pw, pw, ph, ph))  # zeros around the border
    Y = torch.zeros(h_out, w_out, dtype=torch.result_type(X, K), device=X.device)
    for i in range(h_out):
        for j in range(w_out):
            Y[i, j] = (X[i * sh : i * sh + kh, j * sw : j * sw + kw] * K).sum()
    return Y


class Conv2D(nn.Module):
    """A convolutional layer with one input and one output channel, built on :func:`corr2d`.

    ``weight``: ``kernel_size``, drawn uniformly from [0, 1); ``bias``: one number.
    ``X (h, w) -> (h - kh + 1, w - kw + 1)``.
    """

    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(pair(kernel_size, "kernel_size", 1)))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, X):
        return corr2d(X, self.weight) + self.bias


def corr2d_multi_in(X, K, padding=0, stride=1):
    """Cross-correlate each input channel with its own kernel and add the results.

    ``X (c_i, h, w), K (c_i, kh, kw) -> (h', w')``.
    """
    _check_tensor(X, "X", 3, "(c_i, h, w)")
    _check_tensor(K, "K", 3, "(c_i, kh, kw)")
    if X.shape[0] != K.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} channels but K has kernels for {K.shape[0]}: they must agree"
        )
    return sum(corr2d(x, k, padding, stride) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K, padding=0, stride=1):
    """One output channel per stack of kernels.

    ``X (c_i, h, w), K (c_o, c_i, kh, kw) -> (c_o, h', w')``.
    """
    _check_tensor(K, "K", 4, "(c_o, c_i, kh, kw)")
    return torch.stack([corr2d_multi_in(X, k, padding, stride) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    """A 1x1 convolution as one matrix product.

    ``X (c_i, h, w), K (c_o, c_i) or (c_o, c_i, 1, 1) -> (c_o, h, w)``: every pixel's vector of
    channels is multiplied by the same ``(c_o, c_i)`` matrix.
    """
    _check_tensor(X, "X", 3, "(c_i, h, w)")
    if not isinstance(K, torch.Tensor) or not (
        K.dim() == 2 or (K.dim() == 4 and tuple(K.shape[2:]) == (1, 1))
    ):
        shape = tuple(K.shape) if isinstance(K, torch.Tensor) else type(K).__name__
        raise ValueError(f"K must have shape (c_o, c_i) or (c_o, c_i, 1, 1), got {shape}")
    c_i, h, w = X.shape
    if K.shape[1] != c_i:
        raise ValueError(f"X has {c_i} channels but K expects {K.shape[1]}: they must agree")
    Y = K.reshape(K.shape[0], c_i) @ X.reshape(c_i, h * w)
    return Y.reshape(-1, h, w)


# ---------------------------------------------------------------------------------------------
# The fast version: im2col (gather every window into a column) and one matrix product.


def im2col(X, kernel_size, stride=1):
    """Every ``kh x kw`` window of ``X`` as a column: ``(N, C, H, W) -> (N, C*kh*kw, H'*W')``.

    Row ``c*kh*kw + a*kw + b`` holds, for every output position, the input pixel at offset
    ``(a, b)`` of channel ``c`` in its window: one strided slice per offset, no Python loop over
    positions. (No padding here: pad ``X`` first.)
    """
    N, C, H, W = X.shape
    (kh, kw), (sh, sw) = kernel_size, stride
    h_out, w_out = (H - kh) // sh + 1, (W - kw) // sw + 1
    windows = [
        X[:, :, a : a + sh * (h_out - 1) + 1 : sh, b : b + sw * (w_out - 1) + 1 : sw]
        for a in range(kh)
        for b in range(kw)
    ]
    return torch.stack(windows, dim=2).reshape(N, C * kh * kw, h_out * w_out)


def col2im(cols, shape, kernel_size, stride=1):
    """The adjoint of :func:`im2col`: add every column entry back onto the pixel it came from.

    ``cols (N, C*kh*kw, H'*W') -> (N, C, H, W)`` where ``shape = (N, C, H, W)``.
    Overlapping windows add up, which is exactly the gradient of :func:`im2col`.
    """
    N, C, H, W = shape
    (kh, kw), (sh, sw) = kernel_size, stride
    h_out, w_out = (H - kh) // sh + 1, (W - kw) // sw + 1
    cols = cols.reshape(N, C, kh, kw, h_out, w_out)
    X = cols.new_zeros(shape)
    for a in range(kh):
        for b in range(kw):
            X[:, :, a : a + sh * (h_out - 1) + 1 : sh, b : b + sw * (w_out - 1) + 1 : sw] += cols[
                :, :, a, b
            ]
    return X


class _Conv2dFunction(torch.autograd.Function):
    """Forward: ``Y = W @ im2col(X)``. Backward, by the chain rule on that product:
    ``dW = dY @ im2col(X)^T`` summed over the batch, ``dX = col2im(W^T @ dY)``, ``db = sum dY``."""

    @staticmethod
    def forward(ctx, X, weight, bias, stride, padding):
        (ph, pw), (kh, kw) = padding, weight.shape[2:]
        Xp = F.pad(X, (pw, pw, ph, ph)) if ph or pw else X
        cols = im2col(Xp, (kh, kw), stride)  # (N, C_in*kh*kw, L)
        W = weight.reshape(weight.shape[0], -1)  # (C_out, C_in*kh*kw)
        # (N, C_out, L): the same W times each example's columns. bmm on an expanded W is the
        # direct route; `W @ cols` may first copy the operands into one big 2-D product.
        Y = torch.bmm(W.expand(len(cols), -1, -1), cols)
        if bias is not None:
            Y += bias.reshape(1, -1, 1)
        h_out, w_out = conv_output_shape(X.shape[2:], (kh, kw), padding, stride)
        ctx.save_for_backward(cols, weight)
        ctx.shapes = (Xp.shape, padding, stride, bias is not None)
        return Y.reshape(X.shape[0], weight.shape[0], h_out, w_out)

    @staticmethod
    def backward(ctx, dY):
        cols, weight = ctx.saved_tensors
        padded_shape, (ph, pw), stride, has_bias = ctx.shapes
        C_out = weight.shape[0]
        dY = dY.contiguous().reshape(dY.shape[0], C_out, -1)  # (N, C_out, L)
        dX = dW = db = None
        if ctx.needs_input_grad[0]:
            Wt = weight.reshape(C_out, -1).t().expand(len(dY), -1, -1)
            dcols = torch.bmm(Wt, dY)  # (N, C_in*kh*kw, L)
            dXp = col2im(dcols, padded_shape, weight.shape[2:], stride)
            dX = dXp[:, :, ph : padded_shape[2] - ph, pw : padded_shape[3] - pw]
        if ctx.needs_input_grad[1]:
            # One small product per example, then a sum: far faster on a CPU than one product
            # whose inner dimension is N*L (or einsum, which picks that route).
            dW = torch.bmm(dY, cols.transpose(1, 2)).sum(0).reshape(weight.shape)
        if has_bias and ctx.needs_input_grad[2]:
            db = dY.sum((0, 2))
        return dX, dW, db, None, None


def conv2d(X, weight, bias=None, stride=1, padding=0):
    """Batched 2-D convolution from scratch, with the arguments and results of
    ``torch.nn.functional.conv2d``: ``X (N, C_in, H, W)``, ``weight (C_out, C_in, kh, kw)``,
    ``bias (C_out,)`` or None ``-> (N, C_out, H', W')``. Differentiable (first order).
    """
    _check_tensor(X, "X", 4, "(N, C_in, H, W)")
    _check_tensor(weight, "weight", 4, "(C_out, C_in, kh, kw)")
    if X.shape[1] != weight.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} input channels but weight expects {weight.shape[1]}: "
            "they must agree"
        )
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.shape != weight.shape[:1]):
        shape = tuple(bias.shape) if isinstance(bias, torch.Tensor) else type(bias).__name__
        raise ValueError(f"bias must be None or of shape ({weight.shape[0]},), got {shape}")
    padding, stride = pair(padding, "padding", 0), pair(stride, "stride", 1)
    conv_output_shape(X.shape[2:], weight.shape[2:], padding, stride)  # checks the sizes
    return _Conv2dFunction.apply(X, weight, bias, stride, padding)


def receptive_field(layers) -> int:
    """Side of the input square that one output pixel sees through a stack of layers.

    ``layers``: ``(kernel, stride)`` per layer, first layer first. Each layer widens the field
    by ``(kernel - 1)`` times the product of the strides before it.
    """
    size, jump = 1, 1
    for kernel, stride in layers:
        size += (kernel - 1) * jump
        jump *= stride
    return size


def conv_cost(c_in, c_out, kernel, output_size) -> tuple[int, int]:
    """``(parameters, multiply-adds)`` of one convolution layer for one example: weights and
    biases, and ``c_in * kh * kw`` multiply-adds for each of the ``c_out * h' * w'`` outputs."""
    kh, kw = pair(kernel, "kernel", 1)
    h, w = pair(output_size, "output_size", 1)
    return c_out * c_in * kh * kw + c_out, c_out * h * w * c_in * kh * kw


class Conv2d(nn.Module):
    """A drop-in for ``nn.Conv2d`` (same arguments, parameters and initialisation) whose forward
    pass is the from-scratch :func:`conv2d`. ``X (N, C_in, H, W) -> (N, C_out, H', W')``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        super().__init__()
        reference = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=bias)
        self.weight = reference.weight
        self.bias = reference.bias
        self.stride, self.padding = reference.stride, reference.padding

    def forward(self, X):
        return conv2d(X, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        c_out, c_in, kh, kw = self.weight.shape
        return (
            f"{c_in}, {c_out}, kernel_size={(kh, kw)}, stride={self.stride}, padding={self.padding}"
        )
