"""Self-checks of chapter 02 (channels) and chapter 03 (pooling)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .answers import agrees, as_int_tuple, as_side, call, describe, real_tensor, recording_ops
from .verdict import Verdict, not_yet, right, self_check


@self_check(combine="a function combine(A, B) that returns the weight (c_out, c_in) of the one "
                    "1 x 1 convolution")  # fmt: skip
def check_combined_1x1(combine) -> Verdict:
    """Chapter 02, exercise 1: a function ``combine(A, B)`` returning the weight ``(c_out, c_in)``
    of the one 1 x 1 convolution that equals a 1 x 1 convolution with weight ``A`` (``(c_mid,
    c_in)``) followed by one with weight ``B`` (``(c_out, c_mid)``). Compared at the precision
    of the weight returned: ``B.float() @ A.float()`` is right too."""
    generator = torch.Generator().manual_seed(0)
    A = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    B = torch.randn(3, 6, generator=generator, dtype=torch.float64)
    weight, failed = call(combine, A.clone(), B.clone())
    if failed is not None:
        return failed
    if not real_tensor(weight):
        return not_yet(f"expected a tensor of real numbers (the weight), got {describe(weight)}")
    if weight.dim() == 4 and weight.shape[2:] == (1, 1):  # a conv2d weight (c_out, c_in, 1, 1)
        weight = weight[:, :, 0, 0]
    if tuple(weight.shape) != (3, 4):
        return not_yet(f"for A of shape (6, 4) and B of shape (3, 6) your weight has shape "
                       f"{tuple(weight.shape)}, expected (3, 4)",
                       "the weight maps the 4 input channels to the 3 output channels; "
                       "which matrix product has that shape?")  # fmt: skip
    # One 1 x 1 convolution with weight W maps each pixel's channel vector x to W x; the two in a
    # row map it to B (A x). Equal for every x exactly when W = B A.
    if not agrees(weight, B @ A, B.abs() @ A.abs()):
        return not_yet("the single convolution gives different values from the two in a row",
                       "at each pixel, a 1 x 1 convolution multiplies the channel vector by its "
                       "weight matrix: first by A, then by B")  # fmt: skip
    return right("one 1 x 1 convolution with your weight equals the two in a row")


@self_check(shape="the output shape you predict, four ints (N, C, H, W)")
def check_conv_shape(shape) -> Verdict:
    """Chapter 02, exercise 3: the output shape of ``conv2d`` on 8 images of 2 x 28 x 28 with 7
    output channels, a 5 x 3 kernel, stride (2, 3) and padding (2, 1)."""
    expected = tuple(F.conv2d(torch.zeros(8, 2, 28, 28), torch.zeros(7, 2, 5, 3),
                              stride=(2, 3), padding=(2, 1)).shape)  # fmt: skip
    got = as_int_tuple(shape)
    if got is None or len(got) != 4:
        floats = isinstance(shape, (tuple, list)) and any(isinstance(v, float) for v in shape)
        hint = "use // for each division: sizes are whole numbers" if floats else ""
        return not_yet(f"expected a shape of four ints (N, C, H, W), got {describe(shape)}", hint)
    if got == expected:
        return right("the shape F.conv2d gives")
    names = ("batch size", "channels", "height", "width")
    wrong = [name for name, g, e in zip(names, got, expected) if g != e]
    hints = {
        "batch size": "the batch size passes through unchanged",
        "channels": "the output has one channel per output kernel",
        "height": "height: (28 + 2 * padding_h - k_h) // stride_h + 1, with the first number "
        "of each pair",
        "width": "width: (28 + 2 * padding_w - k_w) // stride_w + 1, with the second number "
        "of each pair",
    }
    return not_yet(f"{got} differs in the {' and the '.join(wrong)}",
                   "; ".join(hints[name] for name in wrong))  # fmt: skip


def is_convolution(name: str) -> bool:
    return "conv" in name or "corr2d" in name


def is_rectifier(name: str) -> bool:
    return name.rstrip("_") in ("relu", "clamp", "clamp_min", "clip", "threshold", "hardtanh")


def is_maximum(name: str) -> bool:
    return "max" in name or "pool" in name


@self_check(max_of_row_pairs="a function max_of_row_pairs(x), (N, 1, H, W) -> (N, 1, H // 2, "
                             "W), built from a convolution and a ReLU")  # fmt: skip
def check_max_of_row_pairs(max_of_row_pairs) -> Verdict:
    """Chapter 03, exercise 2: a function taking ``x`` of shape ``(N, 1, H, W)`` and returning
    the 2 x 1 max pooling ``(N, 1, H // 2, W)``, built from a convolution and a ReLU; compared
    with ``F.max_pool2d(x, (2, 1))`` at the precision of the result, and run while the
    operations it calls are recorded: a convolution and a ReLU (or clamp), and no pooling or
    maximum."""
    generator = torch.Generator().manual_seed(0)
    cases = [
        torch.tensor([[[[1.0], [3.0]]]]),
        torch.tensor([[[[-1.0, 2.0], [-3.0, 2.0]]]]),
        torch.randn(3, 1, 6, 5, generator=generator),
        torch.randn(2, 1, 7, 4, generator=generator) - 5,  # all negative, odd height
    ]
    called: set[str] = set()
    for x in cases:
        expected = F.max_pool2d(x, (2, 1))
        with recording_ops() as names:
            got, failed = call(max_of_row_pairs, x.clone())
        called |= names
        if failed is not None:
            return failed
        if not real_tensor(got):
            return not_yet(f"expected a tensor of real numbers, got {describe(got)}")
        if got.shape != expected.shape:
            return not_yet(f"for x of shape {tuple(x.shape)} your result has shape "
                           f"{tuple(got.shape)}, expected {tuple(expected.shape)}",
                           "a 2 x 1 kernel with stride (2, 1) halves the height and keeps the "
                           "width")  # fmt: skip
        pairs = x[:, :, : 2 * (x.shape[2] // 2)].abs().reshape(*expected.shape[:2], -1, 2,
                                                                 x.shape[3])  # fmt: skip
        if not agrees(got, expected, pairs.sum(dim=3)):
            error = (got.detach().cpu().double() - expected.double()).abs()
            where = error.argmax()
            return not_yet(f"for x of shape {tuple(x.shape)} your values differ from "
                           f"max_pool2d (e.g. {got.flatten()[where].item():.4g} instead of "
                           f"{expected.flatten()[where].item():.4g})",
                           "max(a, b) is b plus something that is never negative: which "
                           "ReLU of a and b gives it?")  # fmt: skip
    maxima = sorted(name for name in called if is_maximum(name))
    if maxima:
        return not_yet(f"your values are right, but your function calls {', '.join(maxima)}: "
                       "the exercise asks for the maximum built from a convolution and a ReLU",
                       "answer the exercise's first question (max(a, b) with one ReLU) "
                       "first; then one conv2d with two 2 x 1 kernels can compute, for every "
                       "pair of rows, the two numbers that formula needs")  # fmt: skip
    if not any(is_convolution(name) for name in called):
        return not_yet("your values are right, but your function calls no convolution "
                       "(conv2d)", "let one conv2d with stride (2, 1) compute a - b and b "
                       "for every pair of rows")  # fmt: skip
    if not any(is_rectifier(name) for name in called):
        return not_yet("your values are right, but your function calls no ReLU",
                       "write max(a, b) with one ReLU (the exercise's first question) and "
                       "use that")  # fmt: skip
    return right(f"equal to max_pool2d(x, (2, 1)) on {len(cases)} inputs, negative ones too, "
                 "from a convolution and a ReLU")  # fmt: skip


@self_check(size="the side of the feature map AlexNet's last pooling layer gives, an int")
def check_alexnet_output_size(size) -> Verdict:
    """Chapter 03, exercise 4: the side of the feature map AlexNet's last pooling layer gives for
    a 224 x 224 input (an int, or an ``(h, w)`` pair)."""
    from ..models import build

    with torch.device("meta"):
        expected = build("alexnet").features(torch.zeros(1, 1, 224, 224)).shape[-1]
    got = as_side(size)
    if got is None:
        return not_yet(
            f"expected a positive int or an (h, w) pair of equal ones, got {describe(size)}"
        )
    if got == expected:
        return right("the size AlexNet's layers give")
    first = (224 + 2 * 1 - 11) // 4 + 1
    return not_yet(f"{got} x {got}; AlexNet's layers give another size",
                   f"apply (n + 2p - k) // s + 1 at each of the six steps: the first gives "
                   f"{first}")  # fmt: skip
