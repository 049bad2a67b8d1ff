"""Self-checks for the exercises that ask for code: one call says whether an answer is right,
and gives a hint when it is not.

    from cnnbook.checks import check_output_size
    check_output_size(output_size)   # Right: ... / Not yet: ... Hint: ...

A right answer's message does not repeat the answer (the book shows it next to a folded solution).
Every check computes the right answer itself, from PyTorch's own layers or from the data, at the
moment it is called, and never raises on a wrong answer: an answer of the wrong kind, or a
function that raises, is "not yet", with what was expected. Each returns a :class:`Verdict`,
which is true when the answer is right and shows its message in a notebook.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "Verdict",
    "check_output_size",
    "check_derivative_kernel",
    "check_most_alike",
    "check_combined_1x1",
    "check_conv_shape",
    "check_max_of_row_pairs",
    "check_alexnet_output_size",
    "check_lenet_parameters",
    "check_receptive_field",
    "check_dense_share",
    "check_smallest_input",
    "check_vgg16_counts",
]


@dataclass(frozen=True)
class Verdict:
    """The outcome of a self-check: ``ok``, what was found (``message``) and, when the answer is
    not right yet, a ``hint``. ``bool(verdict)`` is ``ok``."""

    ok: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"Right: {self.message}"
        return f"Not yet: {self.message}" + (f"\nHint: {self.hint}" if self.hint else "")

    __repr__ = __str__


def right(message: str) -> Verdict:
    return Verdict(True, message)


def not_yet(message: str, hint: str = "") -> Verdict:
    return Verdict(False, message, hint)


def is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def as_int(value):
    """``value`` as a Python int if it is an integer (an int, a NumPy integer, a one-element
    integer tensor), else None."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        value = value.item()
    return int(value) if is_int(value) else None


def as_int_tuple(value):
    """``value`` as a tuple of Python ints (a tuple, list, ``torch.Size``), else None."""
    if isinstance(value, (tuple, list, torch.Size)):
        items = [as_int(v) for v in value]
        return tuple(items) if all(v is not None for v in items) else None
    return None


def as_side(value):
    """A square's side given as an int or as an equal ``(h, w)`` pair, as an int; else None."""
    side = as_int(value)
    pair = as_int_tuple(value)
    if side is None and pair is not None and len(pair) == 2 and pair[0] == pair[1]:
        side = pair[0]
    return side


def as_float(value):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    return float(value)


def call(function, *args):
    """``(result, None)`` from ``function(*args)``, or ``(None, a Verdict)`` saying what went
    wrong: not callable, or it raised."""
    if not callable(function):
        return None, not_yet(f"expected a function, got {type(function).__name__} {function!r}")
    try:
        result = function(*args)
    except Exception as exc:  # the student's code: report it, never crash the check
        shown = ", ".join(repr(a) if not isinstance(a, torch.Tensor) else
                          f"a tensor of shape {tuple(a.shape)}" for a in args)  # fmt: skip
        return None, not_yet(f"your function raised {type(exc).__name__}: {exc} "
                             f"(called with {shown})")  # fmt: skip
    if result is None:
        return None, not_yet(f"your function returned None (called with {len(args)} "
                             "argument(s))", "end it with return and the result")  # fmt: skip
    return result, None


# Chapter 00: the data.


def check_most_alike(pair) -> Verdict:
    """Chapter 00, exercise 2: the two classes whose mean training images are closest in
    Euclidean distance, as two class names in any order, e.g. ``("sandal", "bag")``."""
    from .data import CLASSES, read_fashion_mnist

    if isinstance(pair, str) or not isinstance(pair, (tuple, list, set, frozenset)):
        return not_yet(f"expected two class names such as ('sandal', 'bag'), got {pair!r}")
    names = list(pair)
    unknown = [n for n in names if n not in CLASSES]
    if len(names) != 2 or unknown or names[0] == names[1]:
        return not_yet(f"expected two different class names, got {pair!r}",
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


# Chapter 01: one channel.


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
                        return not_yet(f"output_size({n}, {k}, {padding}, {stride}) returned "
                                       f"{got!r}; expected an int", hint)  # fmt: skip
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


def check_derivative_kernel(kernel, d: int) -> Verdict:
    """Chapter 01, exercise 7: a 1-D ``kernel`` (a tensor or list; shape ``(k,)`` or ``(1, k)``)
    that computes a ``d``-th derivative: zero on every polynomial of degree below ``d``, sampled
    along a row, nonzero on ``x^d``, and as small as possible."""
    if not is_int(d) or d < 1:
        return not_yet(f"d must be a positive int (the order of the derivative), got {d!r}")
    try:
        values = torch.as_tensor(kernel, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return not_yet(f"expected a kernel of numbers (a tensor or list), got {kernel!r}")
    if values.dim() == 2 and values.shape[0] == 1:
        values = values[0]
    if values.dim() != 1 or len(values) == 0:
        return not_yet(f"expected a 1-D kernel such as [1, -1] or one row of shape (1, k), got "
                       f"shape {tuple(values.shape)}")  # fmt: skip
    k = len(values)
    x = torch.arange(float(k + d + 4), dtype=torch.float64)
    for j in range(d + 1):
        response = F.conv1d((x**j)[None, None], values[None, None])[0, 0]
        scale = float((x**j).abs().max()) * float(values.abs().sum()) + 1
        zero = bool((response.abs() <= 1e-9 * scale).all())
        if j < d and not zero:
            return not_yet(f"on x^{j} your kernel gives {response[:4].tolist()}, not 0",
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


# Chapter 02: channels.


def check_combined_1x1(combine) -> Verdict:
    """Chapter 02, exercise 1: a function ``combine(A, B)`` returning the weight ``(c_out, c_in)``
    of the one 1 x 1 convolution that equals a 1 x 1 convolution with weight ``A`` (``(c_mid,
    c_in)``) followed by one with weight ``B`` (``(c_out, c_mid)``)."""
    generator = torch.Generator().manual_seed(0)
    A = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    B = torch.randn(3, 6, generator=generator, dtype=torch.float64)
    X = torch.randn(2, 4, 5, 5, generator=generator, dtype=torch.float64)
    two = F.conv2d(F.conv2d(X, A[:, :, None, None]), B[:, :, None, None])
    weight, failed = call(combine, A, B)
    if failed is not None:
        return failed
    if not isinstance(weight, torch.Tensor):
        return not_yet(f"expected a tensor, got {type(weight).__name__}")
    weight = weight.detach().to(torch.float64).squeeze()
    if tuple(weight.shape) != (3, 4):
        return not_yet(f"for A of shape (6, 4) and B of shape (3, 6) your weight has shape "
                       f"{tuple(weight.shape)}, expected (3, 4)",
                       "the weight maps the 4 input channels to the 3 output channels; "
                       "which matrix product has that shape?")  # fmt: skip
    one = F.conv2d(X, weight[:, :, None, None])
    if not torch.allclose(one, two, atol=1e-9):
        return not_yet("the single convolution gives different values from the two in a row",
                       "at each pixel, a 1 x 1 convolution multiplies the channel vector by its "
                       "weight matrix: first by A, then by B")  # fmt: skip
    return right("one 1 x 1 convolution with your weight equals the two in a row")


def check_conv_shape(shape) -> Verdict:
    """Chapter 02, exercise 3: the output shape of ``conv2d`` on 8 images of 2 x 28 x 28 with 7
    output channels, a 5 x 3 kernel, stride (2, 3) and padding (2, 1)."""
    expected = tuple(F.conv2d(torch.zeros(8, 2, 28, 28), torch.zeros(7, 2, 5, 3),
                              stride=(2, 3), padding=(2, 1)).shape)  # fmt: skip
    got = as_int_tuple(shape)
    if got is None or len(got) != 4:
        floats = isinstance(shape, (tuple, list)) and any(isinstance(v, float) for v in shape)
        hint = "use // for each division: sizes are whole numbers" if floats else ""
        return not_yet(f"expected a shape of four ints (N, C, H, W), got {shape!r}", hint)
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


# Chapter 03: pooling.


def check_max_of_row_pairs(max_of_row_pairs) -> Verdict:
    """Chapter 03, exercise 2: a function taking ``x`` of shape ``(N, 1, H, W)`` and returning
    the 2 x 1 max pooling ``(N, 1, H // 2, W)``, built from a convolution and a ReLU; compared
    with ``F.max_pool2d(x, (2, 1))``."""
    generator = torch.Generator().manual_seed(0)
    cases = [
        torch.tensor([[[[1.0], [3.0]]]]),
        torch.tensor([[[[-1.0, 2.0], [-3.0, 2.0]]]]),
        torch.randn(3, 1, 6, 5, generator=generator),
        torch.randn(2, 1, 7, 4, generator=generator) - 5,  # all negative, odd height
    ]
    for x in cases:
        expected = F.max_pool2d(x, (2, 1))
        got, failed = call(max_of_row_pairs, x.clone())
        if failed is not None:
            return failed
        if not isinstance(got, torch.Tensor):
            return not_yet(f"expected a tensor, got {type(got).__name__}")
        if got.shape != expected.shape:
            return not_yet(f"for x of shape {tuple(x.shape)} your result has shape "
                           f"{tuple(got.shape)}, expected {tuple(expected.shape)}",
                           "a 2 x 1 kernel with stride (2, 1) halves the height and keeps the "
                           "width")  # fmt: skip
        if not torch.allclose(got.detach().float(), expected, atol=1e-5):
            where = (got.detach().float() - expected).abs().argmax()
            return not_yet(f"for x of shape {tuple(x.shape)} your values differ from "
                           f"max_pool2d (e.g. {got.flatten()[where].item():.4g} instead of "
                           f"{expected.flatten()[where].item():.4g})",
                           "max(a, b) is b plus the part of a - b that is positive")  # fmt: skip
    return right(f"equal to max_pool2d(x, (2, 1)) on {len(cases)} inputs, negative ones too")


def check_alexnet_output_size(size) -> Verdict:
    """Chapter 03, exercise 4: the side of the feature map AlexNet's last pooling layer gives for
    a 224 x 224 input (an int, or an ``(h, w)`` pair)."""
    from .models import AlexNet

    with torch.device("meta"):
        expected = AlexNet().features(torch.zeros(1, 1, 224, 224)).shape[-1]
    got = as_side(size)
    if got is None:
        return not_yet(f"expected an int or an (h, w) pair, got {size!r}")
    if got == expected:
        return right("the size AlexNet's layers give")
    first = (224 + 2 * 1 - 11) // 4 + 1
    return not_yet(f"{got} x {got}; AlexNet's layers give another size",
                   f"apply (n + 2p - k) // s + 1 at each of the six steps: the first gives "
                   f"{first}")  # fmt: skip


# Chapter 04: LeNet.

COUNTING = ("a convolution with c_in input and c_out output channels and a k x k kernel has "
            "c_out * c_in * k * k weights and c_out biases; a dense layer n -> m has n * m "
            "weights and m biases")  # fmt: skip


def check_lenet_parameters(counts) -> Verdict:
    """Chapter 04, exercise 1: LeNet's parameters, as a total (an int) or as the five layers'
    counts in the order of the layers (a list, or a dict in that order)."""
    from .models import LeNet

    with torch.device("meta"):
        net = LeNet()
    per_layer = [sum(p.numel() for p in m.parameters())
                 for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]  # fmt: skip
    total = sum(per_layer)
    values = list(counts.values()) if isinstance(counts, dict) else counts
    single = as_int(values)
    if single is not None:
        if single == total:
            return right("the total agrees with LeNet's layers")
        return not_yet(f"{single:,}; LeNet has another number of parameters", COUNTING)
    many = as_int_tuple(values)
    if many is None:
        return not_yet(f"expected an int (the total) or the five layers' counts, got {counts!r}")
    if len(many) != len(per_layer):
        return not_yet(f"got {len(many)} counts; LeNet has {len(per_layer)} layers with "
                       f"parameters (two convolutions, three dense layers)")  # fmt: skip
    names = ("conv 1", "conv 2", "dense 1", "dense 2", "dense 3")
    weights = [m.weight.numel() for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    wrong = [i for i, (g, e) in enumerate(zip(many, per_layer)) if g != e]
    if wrong:
        no_bias = all(many[i] == weights[i] for i in wrong)
        return not_yet(f"the count of {', '.join(names[i] for i in wrong)} is off "
                       "(the counts are read in the order of the layers)",
                       "don't forget the biases: one per output channel or output unit"
                       if no_bias else COUNTING)  # fmt: skip
    return right("every layer's count agrees with LeNet's layers")


def check_receptive_field(size) -> Verdict:
    """Chapter 04, exercise 4: the side of the input patch that one value of LeNet's last
    feature map depends on; found by asking autograd which input pixels reach that value."""
    from .models import LeNet

    with torch.random.fork_rng(devices=[]):  # the student's generator stays as it was
        net = LeNet()  # random weights: any nonzero ones show which pixels reach a value
    x = torch.zeros(1, 1, 28, 28, requires_grad=True)
    noise = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.enable_grad():
        out = net.features(x + noise)
        (grad,) = torch.autograd.grad(out[0, 0, 2, 2], x)
    rows = grad[0, 0].abs().sum(dim=1).nonzero()
    expected = int(rows.max() - rows.min() + 1)
    got = as_side(size)
    if got is None:
        return not_yet(f"expected an int (the side of the patch), got {size!r}")
    if got == expected:
        return right("autograd finds a patch of that size")
    return not_yet(f"{got} x {got}; the gradient of one value reaches another patch size",
                   "walk back from the output: a k x k convolution with stride 1 adds k - 1 "
                   "pixels, a pooling window k with stride s turns r into "
                   "s * (r - 1) + k")  # fmt: skip


# Chapter 05: AlexNet.


def check_dense_share(share) -> Verdict:
    """Chapter 05, exercise 1: the share of this book's AlexNet's parameters that sits in its
    three dense layers, as a fraction between 0 and 1."""
    from .models import AlexNet

    with torch.device("meta"):
        net = AlexNet()
    dense = sum(p.numel() for m in net.modules() if isinstance(m, nn.Linear)
                for p in m.parameters())  # fmt: skip
    expected = dense / sum(p.numel() for p in net.parameters())
    got = as_float(share)
    if got is None:
        return not_yet(f"expected a number between 0 and 1, got {share!r}")
    if abs(got / 100 - expected) < 5e-4:
        return not_yet(f"{got} looks like a percentage", "give the share as a fraction: 0.5 "
                       "for half")  # fmt: skip
    if got > 1:
        return not_yet(f"{got} is more than 1", "a share is at most 1: divide the dense layers' "
                       "parameters by all parameters")  # fmt: skip
    if abs(got - expected) < 5e-4:
        return right("the share agrees with the layers' parameters")
    return not_yet(f"{got:.4f}; the dense layers hold another share",
                   "add up p.numel() for the parameters of the nn.Linear modules (weights and "
                   "biases), and divide by all parameters")  # fmt: skip


def check_smallest_input(model: str, size) -> Verdict:
    """Chapters 05 and 06: the smallest square input that ``model`` (``"alexnet"`` or ``"vgg"``,
    the slim VGG-11) accepts; found by running the network on the meta device."""
    from .models import VGG11_SLIM_ARCH, AlexNet, vgg

    builders = {"alexnet": AlexNet, "vgg": lambda: vgg(VGG11_SLIM_ARCH)}
    if model not in builders:
        return not_yet(f"model must be one of {tuple(builders)}, got {model!r}")
    with torch.device("meta"):
        net = builders[model]()

    def runs(n: int) -> bool:
        try:
            with torch.device("meta"):
                net(torch.zeros(1, 1, n, n))
            return True
        except RuntimeError:
            return False

    expected = next(n for n in range(1, 1025) if runs(n))
    got = as_side(size)
    if got is None:
        return not_yet(f"expected an int (the side of the image), got {size!r}")
    if got == expected:
        return right("the network runs at that size, and one pixel less is too small for a "
                     "layer's window")  # fmt: skip
    if got > expected:
        return not_yet(f"the network still runs at {got - 1} x {got - 1}",
                       "try smaller sizes, one at a time, until a layer fails")  # fmt: skip
    return not_yet(f"at {got} x {got} the network fails: some layer's input is smaller than its "
                   "window", "try larger sizes until it runs")  # fmt: skip


# Chapter 06: VGG.


def check_vgg16_counts(parameters, macs) -> Verdict:
    """Chapter 06, exercise 1: VGG-16's parameters and multiply-adds at 224 x 224, one input
    channel, 10 classes (two ints)."""
    from .models import vgg
    from .summary import layer_summary

    arch = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
    with torch.device("meta"):  # counts need no values: no 0.5 GB of weights, no arithmetic
        net = vgg(arch)
    summary = layer_summary(net, (1, 1, 224, 224))
    p, m = as_int(parameters), as_int(macs)
    if p is None or m is None:
        return not_yet(f"expected two ints, got {parameters!r} and {macs!r}")
    wrong = []
    if p != summary.total_parameters:
        wrong.append("parameters")
    if m != summary.total_macs:
        wrong.append("multiply-adds")
    if not wrong:
        return right("both agree with VGG-16's layers")
    return not_yet(f"the {' and the '.join(wrong)} differ from VGG-16's",
                   "build vgg(((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))) and read "
                   "layer_summary(net, (1, 1, 224, 224)): total_parameters and "
                   "total_macs")  # fmt: skip
