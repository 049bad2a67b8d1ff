"""Convolution from scratch: the readable loops first, then a fast batched version.

Every function here computes what deep-learning libraries call convolution and mathematicians
call *cross-correlation*: the kernel slides over the input without being flipped.

    corr2d                     X (h, w),       K (kh, kw)               -> (h', w')
    corr2d_multi_in            X (c_i, h, w),  K (c_i, kh, kw)          -> (h', w')
    corr2d_multi_in_out        X (c_i, h, w),  K (c_o, c_i, kh, kw)     -> (c_o, h', w')
    corr2d_multi_in_out_1x1    X (c_i, h, w),  K (c_o, c_i[, 1, 1])     -> (c_o, h, w)
    conv2d                     input (N, C_in, H, W) or (C_in, H, W),
                               weight (C_out, C_in / groups, kh, kw)    -> (N, C_out, H', W')

with ``h' = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1`` (and the same for widths).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import args


def conv_output_shape(input_size, kernel_size, stride=1, padding=0, dilation=1) -> tuple[int, int]:
    """Output height and width of a convolution or pooling window sliding over ``input_size``.

    Per dimension: ``(n + 2 * p - d * (k - 1) - 1) // s + 1`` (floor division, as PyTorch does);
    ``d * (k - 1) + 1`` is the window's extent once dilated.
    """
    h, w = args.size_pair("input_size", input_size, 1)
    kh, kw = args.size_pair("kernel_size", kernel_size, 1)
    sh, sw = args.size_pair("stride", stride, 1)
    ph, pw = args.size_pair("padding", padding, 0)
    dh, dw = args.size_pair("dilation", dilation, 1)
    extent = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    if extent[0] > h + 2 * ph or extent[1] > w + 2 * pw:
        raise ValueError(
            f"kernel_size {(kh, kw)} (dilated to {extent}) is larger than the padded input "
            f"{(h + 2 * ph, w + 2 * pw)} (input {(h, w)}, padding {(ph, pw)})"
        )
    return (h + 2 * ph - extent[0]) // sh + 1, (w + 2 * pw - extent[1]) // sw + 1


def corr2d(X, K, stride=1, padding=0):
    """Single-channel 2-D cross-correlation, as two readable loops: ``X (h, w), K (kh, kw)``."""
    args.tensor("X", X, 2, "(h, w)")
    args.tensor("K", K, 2, "(kh, kw)")
    (sh, sw), (ph, pw) = args.size_pair("stride", stride, 1), args.size_pair("padding", padding, 0)
    h_out, w_out = conv_output_shape(X.shape, K.shape, (sh, sw), (ph, pw))
    kh, kw = K.shape
    X = F.pad(X, (pw, pw, ph, ph))  # zeros around the border
    Y = torch.zeros(h_out, w_out, dtype=torch.result_type(X, K), device=X.device)
    for i in range(h_out):
        for j in range(w_out):
            Y[i, j] = (X[i * sh : i * sh + kh, j * sw : j * sw + kw] * K).sum()
    return Y


class OneChannelConv2d(nn.Module):
    """A convolutional layer with one input and one output channel, built on :func:`corr2d`.

    ``weight``: ``kernel_size``, drawn uniformly from [0, 1); ``bias``: one number.
    ``X (h, w) -> (h - kh + 1, w - kw + 1)``.
    """

    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(args.size_pair("kernel_size", kernel_size, 1)))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, X):
        return corr2d(X, self.weight) + self.bias


def corr2d_multi_in(X, K, stride=1, padding=0):
    """Cross-correlate each input channel with its own kernel and add the results.

    ``X (c_i, h, w), K (c_i, kh, kw) -> (h', w')``.
    """
    args.tensor("X", X, 3, "(c_i, h, w)")
    args.tensor("K", K, 3, "(c_i, kh, kw)")
    if X.shape[0] != K.shape[0] or X.shape[0] == 0:
        raise ValueError(
            f"X has {X.shape[0]} channels but K has kernels for {K.shape[0]}: they must agree "
            "(and be at least 1)"
        )
    return sum(corr2d(x, k, stride, padding) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K, stride=1, padding=0):
    """One output channel per stack of kernels.

    ``X (c_i, h, w), K (c_o, c_i, kh, kw) -> (c_o, h', w')``.
    """
    args.tensor("K", K, 4, "(c_o, c_i, kh, kw)")
    if K.shape[0] == 0:
        raise ValueError(f"K must hold at least one stack of kernels, got {tuple(K.shape)}")
    return torch.stack([corr2d_multi_in(X, k, stride, padding) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    """A 1x1 convolution as one matrix product.

    ``X (c_i, h, w), K (c_o, c_i) or (c_o, c_i, 1, 1) -> (c_o, h, w)``: every pixel's vector of
    channels is multiplied by the same ``(c_o, c_i)`` matrix.
    """
    args.tensor("X", X, 3, "(c_i, h, w)")
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


def window_views(X, kernel_size, stride=1, dilation=1):
    """The ``kh * kw`` strided views of ``X (N, C, H, W)``, one per offset ``(a, b)`` inside the
    window, each ``(N, C, H', W')``: view ``(a, b)`` holds, at output position ``(i, j)``, the
    pixel ``X[:, :, i * sh + a * dh, j * sw + b * dw]``. No copy, no loop over positions."""
    (kh, kw), (sh, sw) = (
        args.size_pair("kernel_size", kernel_size, 1),
        args.size_pair("stride", stride, 1),
    )
    dh, dw = args.size_pair("dilation", dilation, 1)
    h_out, w_out = conv_output_shape(X.shape[2:], (kh, kw), (sh, sw), 0, (dh, dw))
    rows = [slice(a * dh, a * dh + sh * (h_out - 1) + 1, sh) for a in range(kh)]
    cols = [slice(b * dw, b * dw + sw * (w_out - 1) + 1, sw) for b in range(kw)]
    return [X[:, :, r, c] for r in rows for c in cols]


class Im2col(torch.autograd.Function):
    """:func:`im2col` with :func:`col2im` as its gradient (and :class:`Col2im` with ``im2col`` as
    its own): the two are adjoint linear maps, so first and second derivatives are exact."""

    @staticmethod
    def forward(ctx, X, kernel_size, stride, dilation):
        ctx.args = (X.shape, kernel_size, stride, dilation)
        views = window_views(X, kernel_size, stride, dilation)
        N, C, h_out, w_out = views[0].shape
        return torch.stack(views, dim=2).reshape(N, C * len(views), h_out * w_out)

    @staticmethod
    def backward(ctx, dcols):
        shape, kernel_size, stride, dilation = ctx.args
        return Col2im.apply(dcols, shape, kernel_size, stride, dilation), None, None, None


class Col2im(torch.autograd.Function):
    """:func:`col2im`, whose gradient is :func:`im2col` (see :class:`Im2col`)."""

    @staticmethod
    def forward(ctx, cols, shape, kernel_size, stride, dilation):
        ctx.args = (kernel_size, stride, dilation)
        X = cols.new_zeros(shape)
        views = window_views(X, kernel_size, stride, dilation)
        cols = cols.reshape(shape[0], shape[1], len(views), *views[0].shape[2:])
        for i, view in enumerate(views):
            view += cols[:, :, i]  # overlapping windows add up
        return X

    @staticmethod
    def backward(ctx, dX):
        return Im2col.apply(dX, *ctx.args), None, None, None, None


def im2col(X, kernel_size, stride=1, dilation=1):
    """Every ``kh x kw`` window of ``X`` as a column: ``(N, C, H, W) -> (N, C*kh*kw, H'*W')``.

    Row ``c*kh*kw + a*kw + b`` holds, for every output position, the input pixel at offset
    ``(a, b)`` of channel ``c`` in its window: one strided view per offset (:func:`window_views`).
    (No padding here: pad ``X`` first.) Differentiable, twice.
    """
    args.tensor("X", X, 4, "(N, C, H, W)")
    window = args.size_pair("kernel_size", kernel_size, 1)
    stride, dilation = args.size_pair("stride", stride, 1), args.size_pair("dilation", dilation, 1)
    conv_output_shape(X.shape[2:], window, stride, 0, dilation)  # checks the sizes
    return Im2col.apply(X, window, stride, dilation)


def col2im(cols, shape, kernel_size, stride=1, dilation=1):
    """The adjoint of :func:`im2col`: add every column entry back onto the pixel it came from.

    ``cols (N, C*kh*kw, H'*W') -> (N, C, H, W)`` where ``shape = (N, C, H, W)``.
    Overlapping windows add up, which is exactly the gradient of :func:`im2col`.
    """
    args.tensor("cols", cols, 3, "(N, C*kh*kw, H'*W')")
    N, C, H, W = shape
    window = args.size_pair("kernel_size", kernel_size, 1)
    stride, dilation = args.size_pair("stride", stride, 1), args.size_pair("dilation", dilation, 1)
    h_out, w_out = conv_output_shape((H, W), window, stride, 0, dilation)
    if tuple(cols.shape) != (N, C * window[0] * window[1], h_out * w_out):
        raise ValueError(
            f"cols must have shape {(N, C * window[0] * window[1], h_out * w_out)} for shape "
            f"{tuple(shape)}, kernel_size {window}, stride {stride}, got {tuple(cols.shape)}"
        )
    return Col2im.apply(cols, torch.Size(shape), window, stride, dilation)


def conv_padding(padding, kernel_size, dilation=1) -> tuple[int, int, int, int]:
    """``padding`` (an int, a pair, ``"valid"`` or ``"same"``) as ``F.pad``'s
    ``(left, right, top, bottom)``. ``"same"`` pads ``d * (k - 1)`` in all, the odd one out at
    the right and bottom, as PyTorch does; ``"valid"`` means no padding."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        (kh, kw), (dh, dw) = (
            args.size_pair("kernel_size", kernel_size, 1),
            args.size_pair("dilation", dilation, 1),
        )
        th, tw = dh * (kh - 1), dw * (kw - 1)  # total padding per dimension
        return (tw // 2, tw - tw // 2, th // 2, th - th // 2)
    if isinstance(padding, str):
        raise ValueError(f"padding must be 'valid', 'same', an int or a pair, got {padding!r}")
    ph, pw = args.size_pair("padding", padding, 0)
    return (pw, pw, ph, ph)


def conv2d_args(input, weight, bias, stride, padding, dilation, groups):
    """Every check of :func:`conv2d`'s arguments; returns stride, F.pad's padding, dilation."""
    args.tensor("input", input, (3, 4), "(N, C_in, H, W) or (C_in, H, W)")
    args.tensor("weight", weight, 4, "(C_out, C_in / groups, kh, kw)")
    if bias is not None:
        args.tensor("bias", bias, 1, f"({weight.shape[0]},) or None")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(
                f"{name} has dtype {t.dtype} but input has {input.dtype}: they must agree"
            )
        if t is not None and t.device != input.device:
            raise ValueError(
                f"{name} is on {t.device} but input is on {input.device}: they must agree"
            )
    if 0 in input.shape[-3:]:
        raise ValueError(
            f"input may have N = 0 but no other empty dimension, got {tuple(input.shape)}"
        )
    if input.dtype == torch.bool:
        raise TypeError("conv2d needs numbers, got input of dtype torch.bool")
    args.integer("groups", groups, 1)
    C_out, C_in = weight.shape[0], input.shape[-3]
    if C_out == 0 or C_out % groups or C_in != weight.shape[1] * groups:
        raise ValueError(
            f"input has {C_in} channels and weight {tuple(weight.shape)}: with groups={groups}, "
            f"weight must have shape (C_out, {C_in} / {groups}, kh, kw) with C_out a positive "
            f"multiple of {groups}"
        )
    if bias is not None and bias.shape != (C_out,):
        raise ValueError(f"bias must be None or of shape ({C_out},), got {tuple(bias.shape)}")
    stride, dilation = args.size_pair("stride", stride, 1), args.size_pair("dilation", dilation, 1)
    if padding == "same" and stride != (1, 1):
        raise ValueError(f"padding='same' needs stride 1 (as in PyTorch), got stride={stride}")
    pad = conv_padding(padding, weight.shape[2:], dilation)
    size = (input.shape[-2] + pad[2] + pad[3], input.shape[-1] + pad[0] + pad[1])
    conv_output_shape(size, weight.shape[2:], stride, 0, dilation)  # checks the sizes
    return stride, pad, dilation


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Batched 2-D convolution from scratch, with the arguments, defaults and results of
    ``torch.nn.functional.conv2d``: ``input (N, C_in, H, W)`` or ``(C_in, H, W)``,
    ``weight (C_out, C_in / groups, kh, kw)``, ``bias (C_out,)`` or None
    ``-> (N, C_out, H', W')`` (or ``(C_out, H', W')``). ``padding``: an int, a pair, ``"valid"``
    or ``"same"``. Differentiable, twice: autograd differentiates the matrix product and
    :func:`im2col` knows its own gradient.
    """
    stride, pad, dilation = conv2d_args(input, weight, bias, stride, padding, dilation, groups)
    X = input if input.dim() == 4 else input.unsqueeze(0)  # an unbatched input is a batch of 1
    if any(pad):
        X = F.pad(X, pad)  # zeros around the border
    C_out, C_in_per_group, kh, kw = weight.shape
    h_out, w_out = conv_output_shape(X.shape[2:], (kh, kw), stride, 0, dilation)
    cols = Im2col.apply(X, (kh, kw), stride, dilation)  # (N, C_in*kh*kw, L = h_out*w_out)
    # With groups, the channels split into `groups` independent convolutions: group g's
    # C_out/groups kernels see only group g's C_in/groups input channels.
    W = weight.reshape(groups, C_out // groups, C_in_per_group * kh * kw)
    Y = W @ cols.reshape(len(X), groups, W.shape[2], h_out * w_out)  # (N, G, C_out/G, L)
    Y = Y.reshape(len(X), C_out, h_out, w_out)
    if bias is not None:
        Y = Y + bias.reshape(-1, 1, 1)
    # Backward, by autograd and the chain rule: dW = dY @ cols^T summed over the batch,
    # dcols = W^T @ dY, dX = col2im(dcols) (Im2col's gradient), db = dY summed.
    return Y if input.dim() == 4 else Y.squeeze(0)


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
    kh, kw = args.size_pair("kernel", kernel, 1)
    h, w = args.size_pair("output_size", output_size, 1)
    return c_out * c_in * kh * kw + c_out, c_out * h * w * c_in * kh * kw


class Conv2d(nn.Conv2d):
    """``nn.Conv2d`` with the from-scratch :func:`conv2d` as its forward pass. It *is* an
    ``nn.Conv2d``: same constructor arguments, parameters and initialisation, so either can
    replace the other. ``input (N, C_in, H, W) -> (N, C_out, H', W')``."""

    def forward(self, input):
        weights = (self.weight, self.bias, self.stride)
        if self.padding_mode == "zeros":
            return conv2d(input, *weights, self.padding, self.dilation, self.groups)
        # "reflect", "replicate" or "circular": fill the border that way, then pad no more.
        pad = conv_padding(self.padding, self.kernel_size, self.dilation)
        return conv2d(F.pad(input, pad, self.padding_mode), *weights, 0, self.dilation, self.groups)
