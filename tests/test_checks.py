"""The exercises' self-checks: a right answer passes, each kind of wrong one fails with a hint,
the stub ``...`` is "no answer yet", and nothing a student passes makes a check raise."""

from __future__ import annotations

import inspect
from math import comb

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from cnnbook import checks
from cnnbook.conv import conv2d, conv_output_shape
from cnnbook.models import VGG, LeNet, build
from cnnbook.summary import layer_summary

CHECKS = [getattr(checks, name) for name in checks.__all__ if name.startswith("check_")]


def passes(verdict) -> bool:
    assert isinstance(verdict, checks.Verdict)
    assert str(verdict).startswith("Right: ") and repr(verdict) == str(verdict), str(verdict)
    return bool(verdict)


def fails(verdict, *words) -> bool:
    """True if ``verdict`` is "not yet" and its text names each of ``words``."""
    assert isinstance(verdict, checks.Verdict)
    text = str(verdict)
    assert text.startswith("Not yet: "), text
    for word in words:
        assert word in text, (word, text)
    return not verdict


VGG16 = layer_summary(VGG(((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))), (1, 1, 224, 224))
# LeNet(in_channels=3, num_classes=100), which chapter 04's exercise 1 asks about, and the
# chapter's LeNet (1 channel, 10 classes)
LENET_LAYERS = [6 * 3 * 25 + 6, 16 * 6 * 25 + 16, 400 * 120 + 120, 120 * 84 + 84, 84 * 100 + 100]
CHAPTER_LENET = [6 * 25 + 6, 16 * 6 * 25 + 16, 400 * 120 + 120, 120 * 84 + 84, 84 * 10 + 10]


def relu_max(x):
    """2 x 1 max pooling from one convolution and a ReLU, as chapter 03's answer builds it."""
    weight = torch.tensor([[[[1.0], [-1.0]]], [[[0.0], [1.0]]]], dtype=x.dtype)
    a_minus_b, b = F.conv2d(x, weight, stride=(2, 1)).unbind(1)
    return (b + F.relu(a_minus_b)).unsqueeze(1)


# A right answer for every check, by parameter: the zoo below replaces one at a time.
RIGHT = {
    checks.check_output_size: {"output_size": lambda n, k, p, s: (n + 2 * p - k) // s + 1},
    checks.check_derivative_kernel: {"kernel": [-1.0, 3.0, -3.0, 1.0], "d": 3},
    checks.check_most_alike: {"pair": ("pullover", "coat")},
    checks.check_combined_1x1: {"combine": lambda A, B: B @ A},
    checks.check_conv_shape: {"shape": (8, 7, 14, 10)},
    checks.check_max_of_row_pairs: {"max_of_row_pairs": relu_max},
    checks.check_alexnet_output_size: {"size": 5},
    checks.check_lenet_parameters: {"counts": LENET_LAYERS},
    checks.check_receptive_field: {"size": 16},
    checks.check_dense_share: {"share": None},  # filled in below, from torchvision
    checks.check_smallest_input: {"model": "vgg", "size": 64, "grid": 2},  # chapter 06's
    checks.check_vgg16_counts: {"parameters": VGG16.total_parameters, "macs": VGG16.total_macs},
}


def dense_share(net: nn.Module) -> float:
    dense = sum(
        p.numel() for m in net.modules() if isinstance(m, nn.Linear) for p in m.parameters()
    )
    return dense / sum(p.numel() for p in net.parameters())


# Chapter 05's exercise 1 asks for torchvision's AlexNet's share; the chapter prints the book's.
RIGHT[checks.check_dense_share]["share"] = dense_share(torchvision.models.alexnet(weights=None))
BOOK_DENSE_SHARE = dense_share(build("alexnet"))


def generator():
    yield 5


# Answers of every wrong kind: where a value is expected, a function; where a function is
# expected, values; and tensors of the wrong dtype, shape or device.
ZOO = [
    None, "65", "", 6.5, float("nan"), float("inf"), -1, 0, 10**30, 1j, True, [], [1, "a"],
    [None, None], (5, 6), {}, {"a": 1}, {"a": "b"}, {1, 2}, object(), int, print,
    lambda *args: 1, lambda: None, generator(), np.array([1.5, 2.5]), np.int64(7),
    torch.zeros(3), torch.zeros(2, 2, dtype=torch.int64), torch.tensor(5.5), torch.tensor(True),
    torch.zeros(3, 4, dtype=torch.complex64), torch.zeros(3, 4, device="meta"),
    torch.ones(2, 3, 4, 5), nn.ReLU(),
]  # fmt: skip


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_every_check_has_a_right_answer_here_and_describes_its_answers(check):
    assert set(check.expects) <= set(inspect.signature(check).parameters)
    assert set(RIGHT[check]) == set(inspect.signature(check).parameters)
    assert passes(check(**RIGHT[check]))
    for words in check.expects.values():
        assert len(words) > 15 and "\n" not in words, words


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_stub_is_no_answer_yet_and_says_what_to_put_there(check):
    for name, words in check.expects.items():
        verdict = check(**{**RIGHT[check], name: ...})
        assert isinstance(verdict, checks.Verdict) and not verdict and not verdict.answered
        text = str(verdict)
        assert text.startswith("No answer yet: replace the ... in the cell above with "), text
        assert words in text and text.endswith("then run this cell again"), text
    every = check(**{**RIGHT[check], **dict.fromkeys(check.expects, ...)})
    assert str(every).startswith("No answer yet: ")
    assert all(words in str(every) for words in check.expects.values())


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_an_answer_of_any_wrong_kind_is_not_yet_with_what_was_expected(check):
    for name in check.expects:
        for wrong in ZOO:
            verdict = check(**{**RIGHT[check], name: wrong})
            assert isinstance(verdict, checks.Verdict), (name, wrong)
            text = str(verdict)
            assert not verdict and text.startswith("Not yet: "), (name, wrong, text)
            # a wrong kind says what was expected (or what the function raised); a wrong value
            # of the right kind gives a hint
            assert "expected" in text or "raised" in text or verdict.hint, (name, wrong, text)
            assert "could not be checked" not in text, (name, wrong, text)
    assert fails(check(), "expected", "do not fit")
    assert fails(check(*RIGHT[check].values(), 1), "do not fit")


def test_verdict_shows_hint_only_when_wrong():
    assert str(checks.Verdict(True, "fine", "unused")) == "Right: fine"
    assert str(checks.Verdict(False, "off", "look here")) == "Not yet: off\nHint: look here"
    assert str(checks.Verdict(False, "put it", "", answered=False)) == "No answer yet: put it"
    assert not checks.Verdict(False, "off") and checks.Verdict(True, "fine")


def test_a_check_that_fails_on_an_answer_says_what_was_expected():
    @checks.verdict.self_check(x="a number")
    def check_x(x):
        return checks.verdict.right("fine") if x + 1 else None

    assert passes(check_x(1))
    assert fails(check_x("a"), "expected x: a number", "could not be checked", "TypeError")
    with pytest.raises(TypeError, match="no parameter"):
        checks.verdict.self_check(y="a number")(lambda x: x)


def test_most_alike():
    assert passes(checks.check_most_alike(["coat", "pullover"]))
    assert fails(checks.check_most_alike(("shirt", "coat")), "2 pair(s) of the 45", "torch.cdist")
    assert fails(checks.check_most_alike(("pullover", "shirt")), "1 pair(s) of the 45")
    assert fails(checks.check_most_alike(("coat", "coat")), "different")
    assert fails(checks.check_most_alike(("coat", "jacket")), "the names are")
    assert fails(checks.check_most_alike("coat"), "two class names")


def test_output_size():
    def formula(n, k, padding, stride):
        return (n + 2 * padding - k) // stride + 1

    assert passes(checks.check_output_size(formula))
    assert passes(checks.check_output_size(lambda n, k, p, s: conv_output_shape(n, k, s, p)[0]))
    assert passes(checks.check_output_size(lambda n, k, p, s: (formula(n, k, p, s),) * 2))
    assert passes(checks.check_output_size(lambda n, k, p, s: torch.tensor(formula(n, k, p, s))))
    assert fails(checks.check_output_size(lambda n, k, p, s: (n + p - k) // s + 1), "2 * padding")
    assert fails(checks.check_output_size(lambda n, k, p, s: (n + 2 * p - k) / s + 1), "//")
    assert fails(checks.check_output_size(lambda n, k, p, s: str(n)), "as an int")
    assert fails(checks.check_output_size(lambda n, k, p, s: (n + 2 * p - k) // s), "nn.Conv2d")
    assert fails(checks.check_output_size(lambda n, k: n), "raised TypeError")
    assert fails(checks.check_output_size(42), "expected a function")
    assert fails(checks.check_output_size(lambda n, k, p, s: None), "returned None", "return")


def test_derivative_kernel():
    for d in (1, 2, 3, 4):
        kernel = [(-1.0) ** (d - i) * comb(d, i) for i in range(d + 1)]
        assert passes(checks.check_derivative_kernel(kernel, d))
        assert passes(checks.check_derivative_kernel(torch.tensor([kernel]), d))
        solved = torch.linalg.solve(  # the same kernel from the equations, in float32
            torch.tensor([[float(i) ** j for i in range(d + 1)] for j in range(d + 1)]),
            torch.tensor([0.0] * d + [float(np.prod(range(1, d + 1)))]),
        )
        assert passes(checks.check_derivative_kernel(solved, d)), solved
    assert passes(checks.check_derivative_kernel([1, -1], 1))  # integers are fine
    assert passes(checks.check_derivative_kernel(torch.tensor([1, -2, 1]).bfloat16(), 2))
    assert fails(checks.check_derivative_kernel([1, -2, 1 + 1e-6], 2), "on x^0", "1e-06")
    assert fails(checks.check_derivative_kernel([1, 1], 1), "not 0")
    assert fails(checks.check_derivative_kernel([1, -2, 1], 3), "on x^2")
    assert fails(checks.check_derivative_kernel([0.0, 0.0, 0.0, 0.0], 3), "0 on x^3 too")
    assert fails(checks.check_derivative_kernel([1, -1, 0], 1), "smaller", "2 entries")
    assert fails(checks.check_derivative_kernel([[1, -1], [1, -1]], 1), "1-D")
    assert fails(checks.check_derivative_kernel("ab", 1), "numbers")
    assert fails(checks.check_derivative_kernel([1, -1], 0), "positive int")


def test_combined_1x1_at_the_precision_of_the_answer():
    assert passes(checks.check_combined_1x1(lambda A, B: B @ A))
    assert passes(checks.check_combined_1x1(lambda A, B: B.float() @ A.float()))
    assert passes(checks.check_combined_1x1(lambda A, B: B.half() @ A.half()))
    assert passes(checks.check_combined_1x1(lambda A, B: (B @ A)[:, :, None, None]))
    assert passes(checks.check_combined_1x1(lambda A, B: torch.einsum("om,mi->oi", B, A)))
    assert fails(checks.check_combined_1x1(lambda A, B: (B @ A).float() + 1e-4), "different")
    assert fails(checks.check_combined_1x1(lambda A, B: (B @ A) + 1e-9), "different values")
    assert fails(checks.check_combined_1x1(lambda A, B: A.T @ B.T), "(4, 3)", "matrix product")
    assert fails(checks.check_combined_1x1(lambda A, B: B @ A + 1), "different values")
    assert fails(checks.check_combined_1x1(lambda A, B: (B @ A).tolist()), "expected a tensor")
    assert fails(checks.check_combined_1x1(lambda A, B: (B @ A).bool()), "real numbers")
    assert fails(checks.check_combined_1x1(lambda A: A), "raised TypeError")


def test_conv_shape():
    assert passes(checks.check_conv_shape(torch.Size([8, 7, 14, 10])))
    assert passes(checks.check_conv_shape([8, 7, 14, 10]))
    assert fails(checks.check_conv_shape((8, 7, 14, 9)), "width", "second number")
    assert fails(checks.check_conv_shape((8, 2, 13, 10)), "channels", "height")
    assert fails(checks.check_conv_shape((8, 7, 14)), "four ints")
    assert fails(checks.check_conv_shape((8, 7, 14.5, 10)), "use //")


def test_max_of_row_pairs_is_built_from_a_convolution_and_a_relu():
    def from_the_book(x):  # chapter 03's answer: the book's own conv2d (im2col)
        weight = torch.tensor([[[[1.0], [-1.0]]], [[[0.0], [1.0]]]])
        a_minus_b, b = conv2d(x, weight, stride=(2, 1)).unbind(1)
        return (b + F.relu(a_minus_b)).unsqueeze(1)

    def with_a_layer(x):  # nn.Conv2d and clamp
        conv = nn.Conv2d(1, 2, (2, 1), stride=(2, 1), bias=False)
        conv.weight.data = torch.tensor([[[[1.0], [-1.0]]], [[[0.0], [1.0]]]])
        a_minus_b, b = conv(x).unbind(1)
        return (b + a_minus_b.clamp(min=0)).unsqueeze(1)

    assert passes(checks.check_max_of_row_pairs(relu_max))
    assert passes(checks.check_max_of_row_pairs(from_the_book))
    assert passes(checks.check_max_of_row_pairs(with_a_layer))
    assert passes(checks.check_max_of_row_pairs(lambda x: relu_max(x.double())))
    pools = lambda x: F.max_pool2d(x, (2, 1))  # noqa: E731 - right values, not the exercise
    verdict = checks.check_max_of_row_pairs(pools)
    assert fails(verdict, "calls max_pool2d", "first question")
    assert "relu(a - b)" not in str(verdict)  # the hint leads to the answer, does not give it
    pairs = lambda x: x[:, :, : x.shape[2] // 2 * 2].unflatten(2, (-1, 2)).amax(3)  # noqa: E731
    assert fails(checks.check_max_of_row_pairs(pairs), "calls amax")
    relu_then_pool = lambda x: relu_max(x) + 0 * F.max_pool2d(x, (2, 1))  # noqa: E731
    assert fails(checks.check_max_of_row_pairs(relu_then_pool), "max_pool2d")

    def without_conv(x):
        a, b = x[:, :, 0 : x.shape[2] // 2 * 2 : 2], x[:, :, 1 : x.shape[2] // 2 * 2 : 2]
        return b + F.relu(a - b)

    assert fails(checks.check_max_of_row_pairs(without_conv), "no convolution")

    def without_relu(x):
        weight = torch.tensor([[[[1.0], [-1.0]]], [[[0.0], [1.0]]]])
        a_minus_b, b = F.conv2d(x, weight, stride=(2, 1)).unbind(1)
        return (b + torch.where(a_minus_b > 0, a_minus_b, 0.0)).unsqueeze(1)

    assert fails(checks.check_max_of_row_pairs(without_relu), "no ReLU")
    assert fails(checks.check_max_of_row_pairs(lambda x: F.avg_pool2d(x, (2, 1))), "differ")
    relu_of_b = lambda x: F.relu(F.max_pool2d(x, (2, 1)))  # noqa: E731 - clips negatives
    assert fails(checks.check_max_of_row_pairs(relu_of_b), "differ", "never negative")
    assert fails(checks.check_max_of_row_pairs(lambda x: relu_max(x).half() + 1e-2), "differ")
    assert fails(checks.check_max_of_row_pairs(lambda x: F.max_pool2d(x, 2)), "shape")
    assert fails(checks.check_max_of_row_pairs(lambda x: 1 / 0), "ZeroDivisionError")


def test_alexnet_output_size():
    assert passes(checks.check_alexnet_output_size((5, 5)))
    assert passes(checks.check_alexnet_output_size(torch.tensor(5)))
    assert fails(checks.check_alexnet_output_size(6), "54")
    assert fails(checks.check_alexnet_output_size((5, 6)), "positive int or")


def test_lenet_parameters_asks_for_the_five_counts_of_the_colour_lenet():
    assert LENET_LAYERS == [456, 2416, 48120, 10164, 8500]  # as layer_summary counts them
    summary = layer_summary(LeNet(in_channels=3, num_classes=100), (1, 3, 28, 28))
    assert [row.parameters for row in summary.rows if row.parameters] == LENET_LAYERS
    assert passes(checks.check_lenet_parameters(LENET_LAYERS))
    assert passes(checks.check_lenet_parameters(tuple(LENET_LAYERS)))
    assert passes(checks.check_lenet_parameters(dict(zip("abcde", LENET_LAYERS))))
    assert passes(checks.check_lenet_parameters([np.int64(n) for n in LENET_LAYERS]))
    total = sum(LENET_LAYERS)
    assert fails(checks.check_lenet_parameters(total), "five layers' counts", "the total is right")
    assert fails(checks.check_lenet_parameters([total]), "five layers' counts", "total is right")
    assert fails(checks.check_lenet_parameters(total + 1), "five layers' counts",
                 "not this LeNet's total")  # fmt: skip
    assert fails(checks.check_lenet_parameters(sum(CHAPTER_LENET)), "chapter's LeNet")
    # the chapter's LeNet's counts: the hint names both layers that change, and why
    assert fails(checks.check_lenet_parameters(CHAPTER_LENET), "conv 1 and dense 3 are",
                 "chapter's LeNet", "3 input channels", "100 outputs")  # fmt: skip
    one_channel = [CHAPTER_LENET[0], *LENET_LAYERS[1:]]
    verdict = checks.check_lenet_parameters(one_channel)
    assert fails(verdict, "count of conv 1 is", "3 input channels")
    assert "100 outputs" not in str(verdict)
    ten_classes = [*LENET_LAYERS[:4], CHAPTER_LENET[4]]
    assert fails(checks.check_lenet_parameters(ten_classes), "dense 3", "100 outputs")
    no_bias = [6 * 3 * 25, 16 * 6 * 25, 400 * 120, 120 * 84, 84 * 100]
    assert fails(checks.check_lenet_parameters(no_bias), "biases", "conv 1, conv 2")
    swapped = [LENET_LAYERS[1], LENET_LAYERS[0], *LENET_LAYERS[2:]]
    assert fails(checks.check_lenet_parameters(swapped), "order of the layers", "c_out * c_in")
    assert fails(checks.check_lenet_parameters(LENET_LAYERS[:4]), "expected 5, one for each")


def test_receptive_field_keeps_the_students_generator():
    state = torch.get_rng_state()
    assert passes(checks.check_receptive_field((16, 16)))
    assert torch.equal(state, torch.get_rng_state()), "the check changed the global generator"
    assert fails(checks.check_receptive_field(14), "pooling window")


def test_dense_share():
    share = RIGHT[checks.check_dense_share]["share"]
    assert passes(checks.check_dense_share(torch.tensor(share)))
    assert fails(checks.check_dense_share(100 * share), "percentage")
    assert fails(checks.check_dense_share(11.56), "not between 0 and 1")
    assert fails(checks.check_dense_share(-0.5), "not between 0 and 1")
    assert fails(checks.check_dense_share(share - 0.01), "nn.Linear")
    assert abs(share - BOOK_DENSE_SHARE) > 0.01  # the two answers are told apart
    assert fails(checks.check_dense_share(BOOK_DENSE_SHARE), "this book's", "torchvision")


@pytest.mark.parametrize("grid", [1, 2])
@pytest.mark.parametrize("model", ["alexnet", "vgg"])
def test_smallest_input(model, grid):
    net = build(model)  # real tensors, not the check's meta device

    def fits(n):
        try:
            return min(net.features(torch.zeros(1, 1, n, n)).shape[-2:]) >= grid
        except RuntimeError:
            return False

    smallest = next(n for n in range(1, 200) if fits(n))
    assert (
        smallest
        == {("alexnet", 1): 65, ("alexnet", 2): 97, ("vgg", 1): 32, ("vgg", 2): 64}[model, grid]
    )
    state = torch.get_rng_state()
    assert passes(checks.check_smallest_input(model, smallest, grid))
    assert torch.equal(state, torch.get_rng_state()), "the check changed the global generator"
    assert passes(checks.check_smallest_input(model, (smallest, smallest), grid=grid))
    above, below = ("still runs", "fails") if grid == 1 else ("already", "smaller than 2 x 2")
    assert fails(checks.check_smallest_input(model, smallest + 1, grid), above)
    assert fails(checks.check_smallest_input(model, smallest - 1, grid), below)
    assert fails(checks.check_smallest_input("resnet", smallest, grid), "one of", "'alexnet'")
    for wrong in (0, 1.5, True, "2"):
        assert fails(checks.check_smallest_input(model, smallest, wrong), "grid must be")


def test_vgg16_counts():
    p, m = VGG16.total_parameters, VGG16.total_macs
    assert passes(checks.check_vgg16_counts(np.int64(p), torch.tensor(m)))
    assert fails(checks.check_vgg16_counts(p, m // 2), "multiply-adds")
    assert fails(checks.check_vgg16_counts(p + 1, m), "parameters")
    assert fails(checks.check_vgg16_counts("138M", m), "two ints")


def test_the_package_splits_the_checks_into_small_modules():
    from pathlib import Path

    package = Path(checks.__file__).parent
    sizes = {p.name: len(p.read_text().splitlines()) for p in package.glob("*.py")}
    assert len(sizes) >= 4 and max(sizes.values()) <= 400, sizes
    assert checks.check_output_size.__module__ == "cnnbook.checks.data_conv"
