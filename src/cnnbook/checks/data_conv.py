"""Self-checks of chapter 00 (the data) and chapter 01 (convolution with one channel)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .answers import as_side, call, describe, is_int, real_tensor, tolerance
from .verdict import Verdict, not_yet, right, self_check


@self_check(pair='the two classes whose mean images are closest, as two class names such as '
                 '("sandal", "bag")')  # fmt: skip
def check_most_alike(pair) -> Verdict:
    """Chapter 00, exercise 2: the two classes whose mean training images are closest in
    Euclidean distance, as two class names in any order, e.g. ``("sandal", "bag")``."""
    from ..data import CLASSES, read_fashion_mnist

    if not isinstance(pair, (tuple, list, set, frozenset)):
        return not_yet(f"expected two class names such as ('sandal', 'bag'), got "
                       f"{describe(pair)}")  # fmt: skip
    names = list(pair)
    unknown = [n for n in names if not isinstance(n, str) or n not in CLASSES]
    if len(names) != 2 or unknown or names[0] == names[1]:
        return not_yet(f"expected two different class names, got {describe(pair)}",
                       f"the names are {', '.join(CLASSES)}")  # fmt: skip
    images, labels, _, _ = read_fashion_mnist()
    pixels = images.reshape(len(images), -1).float() / 255
    means = torch.stack([pixels[labels == c].mean(dim=0) for c in range(10)])
    distances = torch.cdist(means, means).double()
    distances.fill_diagonal_(math.inf)
    a, b = (CLASSES.index(n) for n in names)
    nearest = divmod(int(distances.argmin()), 10)
    if {a, b} == set(nearest):
        return right("no other pair of classes has mean images as close")
    closer = int((distances < distances[a, b]).sum()) // 2  # symmetric; the diagonal is inf
    return not_yet(f"{names[0]} and {names[1]} are at distance {distances[a, b]:.2f}; "
                   f"{closer} pair(s) of the 45 are closer",
                   "average the images of each class (60,000 training images, 784 values "
                   "each), then compare all 45 pairs of means with torch.cdist")  # fmt: skip


@self_check(output_size="a function output_size(n, k, padding, stride) that returns the side "
                        "of the output")  # fmt: skip
def check_output_size(output_size) -> Verdict:
    """Chapter 01, exercise 3: a function ``output_size(n, k, padding, stride)`` giving the side
    of the output of a ``k x k`` convolution on an ``n x n`` input (an int, or an equal
    ``(h, w)`` pair); compared with ``nn.Conv2d`` over many cases."""
    tried = 0
    for n in (5, 7, 12, 28, 31):
        for k in (1, 2, 3, 5):
            for padding in (0, 1, 2):
                for stride in (1, 2, 3):
                    conv = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k),
                                    stride=stride, padding=padding)  # fmt: skip
                    expected = conv.shape[-1]
                    got, failed = call(output_size, n, k, padding, stride)
                    if failed is not None:
                        return failed
                    side = as_side(got)
                    if side is None:
                        hint = "return the side as an int"
                        if isinstance(got, float):
                            hint = "the output size is a whole number: use // to divide"
                        call_text = f"output_size({n}, {k}, {padding}, {stride})"
                        return not_yet(f"{call_text} returned {describe(got)}; expected a "
                                       "positive int", hint)  # fmt: skip
                    if side != expected:
                        return not_yet(
                            f"for n={n}, k={k}, padding={padding}, stride={stride} your function "
                            f"gives {got}, nn.Conv2d gives {expected}",
                            "count the positions the window can take: the padded input has "
                            "n + 2 * padding pixels, the first window starts at 0 and each next "
                            "one starts stride pixels later, as long as it still fits",
                        )
                    tried += 1
    return right(f"your formula agrees with nn.Conv2d in all {tried} cases")


def kernel_values(kernel):
    """``kernel`` (a list, or a real tensor of shape ``(k,)`` or ``(1, k)``) as float64 values
    and the dtype it was computed in; or None and the message saying what was expected."""
    if isinstance(kernel, (str, bytes, dict)) or callable(kernel):
        return (
            None,
            None,
            f"expected a kernel of numbers (a list or a tensor), got {describe(kernel)}",
        )
    dtype = torch.float64
    try:
        if isinstance(kernel, np.ndarray):
            kernel = torch.from_numpy(kernel)
        if isinstance(kernel, torch.Tensor):
            if not real_tensor(kernel):
                return None, None, f"expected a kernel of real numbers, got {describe(kernel)}"
            dtype = kernel.dtype if kernel.is_floating_point() else torch.float64
            values = kernel.detach().cpu().to(torch.float64)
        else:  # a list of Python numbers: float64, as Python computed them
            values = torch.as_tensor(kernel, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return (
            None,
            None,
            f"expected a kernel of numbers (a list or a tensor), got {describe(kernel)}",
        )
    if values.dim() == 2 and values.shape[0] == 1:
        values = values[0]
    if values.dim() != 1 or len(values) == 0 or not bool(values.isfinite().all()):
        return None, None, (f"expected a 1-D kernel of finite numbers such as [1, -1] or one row "
                            f"of shape (1, k), got {describe(kernel)}")  # fmt: skip
    return values, dtype, None


@self_check(kernel="your kernel, a list or a 1-D tensor of numbers (e.g. [1, -1] for the first "
                   "derivative)")  # fmt: skip
def check_derivative_kernel(kernel, d: int) -> Verdict:
    """Chapter 01, exercise 7: a 1-D ``kernel`` (a tensor or list; shape ``(k,)`` or ``(1, k)``)
    that computes a ``d``-th derivative: zero on every polynomial of degree below ``d``, sampled
    along a row, nonzero on ``x^d``, and as small as possible. Zero means zero at the precision
    the kernel was computed in (float64 for a list)."""
    if not is_int(d) or d < 1:
        return not_yet(f"d must be a positive int (the order of the derivative), got {d!r}")
    values, dtype, problem = kernel_values(kernel)
    if problem:
        return not_yet(problem)
    k = len(values)
    x = torch.arange(float(k + d + 4), dtype=torch.float64)
    # zero: within the rounding of the kernel's own dtype, relative to the terms added up
    relative = min(max(16 * tolerance(dtype), 1e-9), 1e-3)
    for j in range(d + 1):
        response = F.conv1d((x**j)[None, None], values[None, None])[0, 0]
        terms = F.conv1d((x**j)[None, None], values.abs()[None, None])[0, 0]
        zero = bool((response.abs() <= relative * terms + 1e-300).all())
        if j < d and not zero:
            shown = ", ".join(f"{v:.3g}" for v in response[:4].tolist())
            return not_yet(f"on x^{j} your kernel gives [{shown}, ...], not 0",
                           "a d-th derivative ignores every polynomial of degree below d: the "
                           f"entries times i^{j} (i = 0, 1, ...) must add up to 0")  # fmt: skip
        if j == d and zero:
            return not_yet(f"your kernel gives 0 on x^{d} too: it computes no {d}-th derivative",
                           "the kernel [1, -1] is the first derivative; each further "
                           "derivative is one more difference of differences")  # fmt: skip
    if k > d + 1:
        return not_yet(f"your kernel works, but it has {k} entries; a smaller one exists",
                       f"{d + 1} entries are enough")  # fmt: skip
    return right(f"your kernel is zero on x^0 ... x^{d - 1} and nonzero on x^{d}, with the "
                 "fewest entries that can be")  # fmt: skip
