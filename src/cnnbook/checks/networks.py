"""Self-checks of chapters 04 to 06: LeNet, AlexNet and VGG, counted on PyTorch's meta device
(shapes without values: no weights allocated, no arithmetic done)."""

from __future__ import annotations

import torch
from torch import nn

from .answers import as_float, as_int, as_int_tuple, as_side, describe
from .verdict import Verdict, not_yet, right, self_check

COUNTING = ("a convolution with c_in input and c_out output channels and a k x k kernel has "
            "c_out * c_in * k * k weights and c_out biases; a dense layer n -> m has n * m "
            "weights and m biases")  # fmt: skip
LENET_LAYERS = ("conv 1", "conv 2", "dense 1", "dense 2", "dense 3")
VGG16_ARCH = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


def on_meta(name: str) -> nn.Module:
    """The book's model ``name`` (a key of ``cnnbook.models.MODELS``) on the meta device; the
    global random generator stays as it was."""
    from ..models import build

    with torch.random.fork_rng(devices=[]), torch.device("meta"):
        return build(name)


# Chapter 04, exercise 1 asks for the counts of LeNet for colour images and 100 classes.
LENET_ASKED = {"in_channels": 3, "num_classes": 100}


def lenet_counts(**settings) -> tuple[list[int], list[int]]:
    """Per layer with parameters of ``LeNet(**settings)`` (two convolutions, then three dense
    layers), counted on the meta device: ``(weights and biases, weights alone)``."""
    from ..models import LeNet

    with torch.random.fork_rng(devices=[]), torch.device("meta"):
        net = LeNet(**settings)
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    totals = [sum(p.numel() for p in m.parameters()) for m in layers]
    return totals, [m.weight.numel() for m in layers]


@self_check(counts="the five parameter counts of LeNet(in_channels=3, num_classes=100), layer "
                   "by layer: a dict of layer name to count, or a list, in the order of the "
                   "layers")  # fmt: skip
def check_lenet_parameters(counts) -> Verdict:
    """Chapter 04, exercise 1: the parameters of ``LeNet(in_channels=3, num_classes=100)`` (28 x
    28 colour images, 100 classes), as the five layers' counts in the order of the layers (a
    list or tuple of ints, or a dict of layer name to count in that order); a total alone, or
    the counts of the chapter's LeNet (1 channel, 10 classes), are not what the exercise asks."""
    per_layer, weights = lenet_counts(**LENET_ASKED)
    chapter, _ = lenet_counts()  # the chapter's LeNet: 1 input channel, 10 classes
    values = list(counts.values()) if isinstance(counts, dict) else counts
    many = as_int_tuple(values)
    single = as_int(values) if many is None or len(many) != 1 else many[0]
    if single is not None:
        total = sum(per_layer)
        found = (
            "the total is right" if single == total
            else "that is the total of the chapter's LeNet, with 1 channel and 10 classes"
            if single == sum(chapter)
            else "that is not this LeNet's total either"
        )  # fmt: skip
        return not_yet(f"got one number, {single:,}; expected the five layers' counts "
                       f"({found})", "write each layer's count, in the order of the layers, "
                       "in a dict {'conv 1': ..., ...} or a list")  # fmt: skip
    if many is None:
        return not_yet(f"expected the five layers' counts (a dict or a list of ints), got "
                       f"{describe(counts)}")  # fmt: skip
    if len(many) != len(per_layer):
        return not_yet(f"got {len(many)} counts; expected {len(per_layer)}, one for each of "
                       "LeNet's layers with parameters (two convolutions, three dense "
                       "layers)")  # fmt: skip
    wrong = [i for i, (g, e) in enumerate(zip(many, per_layer)) if g != e]
    if not wrong:
        return right("every layer's count agrees with the layers of LeNet(in_channels=3, "
                     "num_classes=100)")  # fmt: skip
    names = [LENET_LAYERS[i] for i in wrong]
    which = (f"the count of {names[0]} is" if len(names) == 1
             else f"the counts of {', '.join(names[:-1])} and {names[-1]} are")  # fmt: skip
    if all(many[i] == chapter[i] for i in wrong):  # only conv 1 and dense 3 differ
        why = {0: "conv 1 reads 3 input channels", 4: "dense 3 has 100 outputs"}
        return not_yet(f"{which} as in the chapter's LeNet (1 channel, 10 classes)",
                       f"in LeNet(in_channels=3, num_classes=100), "
                       f"{' and '.join(why[i] for i in wrong)}; {COUNTING}")  # fmt: skip
    if all(many[i] == weights[i] for i in wrong):
        return not_yet(f"{which} off", "don't forget the biases: one per "
                       "output channel or output unit")  # fmt: skip
    return not_yet(f"{which} off (the counts are read in the order of the layers)", COUNTING)


@self_check(size="the side of the input patch (an int)")
def check_receptive_field(size) -> Verdict:
    """Chapter 04, exercise 4: the side of the input patch that one value of LeNet's last
    feature map depends on; found by asking autograd which input pixels reach that value."""
    from ..models import build

    with torch.random.fork_rng(devices=[]):  # the student's generator stays as it was
        net = build("lenet")  # random weights: any nonzero ones show which pixels reach a value
    x = torch.zeros(1, 1, 28, 28, requires_grad=True)
    noise = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.enable_grad():
        out = net.features(x + noise)
        (grad,) = torch.autograd.grad(out[0, 0, 2, 2], x)
    rows = grad[0, 0].abs().sum(dim=1).nonzero()
    expected = int(rows.max() - rows.min() + 1)
    got = as_side(size)
    if got is None:
        return not_yet(f"expected a positive int (the side of the patch), got {describe(size)}")
    if got == expected:
        return right("autograd finds a patch of that size")
    return not_yet(f"{got} x {got}; the gradient of one value reaches another patch size",
                   "walk back from the output: a k x k convolution with stride 1 adds k - 1 "
                   "pixels, a pooling window k with stride s turns r into "
                   "s * (r - 1) + k")  # fmt: skip


@self_check(share="the share of torchvision's AlexNet's parameters that sits in its dense layers, "
                  "a fraction between 0 and 1")  # fmt: skip
def check_dense_share(share) -> Verdict:
    """Chapter 05, exercise 1: the share of torchvision's AlexNet's parameters
    (``torchvision.models.alexnet(weights=None)``: 3 channels, 1,000 classes) that sits in its
    three dense layers, as a fraction between 0 and 1. The chapter prints this book's share; an
    answer equal to that one is told so."""
    import torchvision

    def dense_share(net: nn.Module) -> float:
        dense = sum(p.numel() for m in net.modules() if isinstance(m, nn.Linear)
                    for p in m.parameters())  # fmt: skip
        return dense / sum(p.numel() for p in net.parameters())

    with torch.random.fork_rng(devices=[]), torch.device("meta"):  # no 244 MB of weights
        expected = dense_share(torchvision.models.alexnet(weights=None))
    got = as_float(share)
    if got is None:
        return not_yet(f"expected a number between 0 and 1, got {describe(share)}")
    if abs(got / 100 - expected) < 5e-4:
        return not_yet(f"{got} looks like a percentage", "give the share as a fraction: 0.5 "
                       "for half")  # fmt: skip
    if not 0 <= got <= 1:
        return not_yet(f"{got} is not between 0 and 1", "a share is a fraction: divide the "
                       "dense layers' parameters by all parameters")  # fmt: skip
    if abs(got - expected) < 5e-4:
        return right("the share agrees with torchvision's layers")
    if abs(got - dense_share(on_meta("alexnet"))) < 5e-4:
        return not_yet(f"{got:.4f} is this book's AlexNet's share, which the chapter printed",
                       "the exercise asks about torchvision.models.alexnet(weights=None): count "
                       "the parameters of its nn.Linear modules")  # fmt: skip
    return not_yet(f"{got:.4f}; torchvision's dense layers hold another share",
                   "add up p.numel() for the parameters of the nn.Linear modules (weights and "
                   "biases), and divide by all parameters")  # fmt: skip


@self_check(size="the side of the smallest square input (an int)")
def check_smallest_input(model: str, size, grid: int = 1) -> Verdict:
    """Chapters 05 and 06: the smallest square input at which ``model`` (a name of
    ``cnnbook.models.MODELS``: ``"alexnet"``, ``"vgg"`` for the slim VGG-11, ...) runs and its
    ``features`` end in maps of at least ``grid`` x ``grid`` (``grid=1``: the smallest input it
    accepts at all); found by running the network on the meta device."""
    from ..models import MODELS

    if not isinstance(model, str) or model not in MODELS:
        return not_yet(f"model must be one of {tuple(MODELS)}, got {describe(model)}")
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 1:
        return not_yet(f"grid must be a positive int, got {describe(grid)}")
    got = as_side(size)
    if got is None:
        return not_yet(f"expected a positive int (the side of the image), got {describe(size)}")
    net = on_meta(model)

    def fits(n: int) -> bool:
        try:
            with torch.device("meta"):
                x = torch.zeros(1, 1, n, n)
                net(x)
                return grid == 1 or min(net.features(x).shape[-2:]) >= grid
        except RuntimeError:
            return False

    expected = next((n for n in range(1, 1025) if fits(n)), None)
    if expected is None:
        return not_yet(f"no input up to 1024 x 1024 gives {model}'s features a {grid} x {grid} "
                       "map")  # fmt: skip
    if got == expected and grid == 1:
        return right("the network runs at that size, and one pixel less is too small for a "
                     "layer's window")  # fmt: skip
    last = f"the features end in a {grid} x {grid} map"
    if got == expected:
        return right(f"{last} from that size on, and one pixel less leaves a smaller one")
    if got > expected:
        what = "the network still runs" if grid == 1 else f"{last} already"
        return not_yet(f"{what} at {got - 1} x {got - 1}",
                       "try smaller sizes, one at a time, until that stops")  # fmt: skip
    if grid == 1:
        return not_yet(f"at {got} x {got} the network fails: some layer's input is smaller than "
                       "its window", "try larger sizes until it runs")  # fmt: skip
    return not_yet(f"at {got} x {got} the features end in a map smaller than {grid} x {grid} "
                   "(or a layer fails)", "try larger sizes, reading the last map's size in "
                   "layer_summary(net, (1, 1, size, size))")  # fmt: skip


@self_check(parameters="VGG-16's number of parameters (an int)",
            macs="VGG-16's multiply-adds at 224 x 224 (an int)")  # fmt: skip
def check_vgg16_counts(parameters, macs) -> Verdict:
    """Chapter 06, exercise 1: VGG-16's parameters and multiply-adds at 224 x 224, one input
    channel, 10 classes (two ints)."""
    from ..models import VGG
    from ..summary import layer_summary

    p, m = as_int(parameters), as_int(macs)
    if p is None or m is None:
        return not_yet(f"expected two ints, got {describe(parameters)} and {describe(macs)}")
    with torch.random.fork_rng(devices=[]), torch.device("meta"):  # no 0.5 GB of weights
        net = VGG(VGG16_ARCH)
    summary = layer_summary(net, (1, 1, 224, 224))
    wrong = []
    if p != summary.total_parameters:
        wrong.append("parameters")
    if m != summary.total_macs:
        wrong.append("multiply-adds")
    if not wrong:
        return right("both agree with VGG-16's layers")
    return not_yet(f"the {' and the '.join(wrong)} differ from VGG-16's",
                   f"build VGG({VGG16_ARCH}) and read layer_summary(net, (1, 1, 224, 224)): "
                   "total_parameters and total_macs")  # fmt: skip
