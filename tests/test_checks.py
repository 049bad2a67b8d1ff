"""The exercises' self-checks: a right answer passes, each kind of wrong one fails with a hint,
and nothing a student passes makes a check raise."""

from __future__ import annotations

from math import comb

import pytest
import torch
import torch.nn.functional as F

from cnnbook import checks
from cnnbook.conv import conv_output_shape
from cnnbook.models import VGG11_SLIM_ARCH, AlexNet, vgg
from cnnbook.summary import layer_summary


def passes(verdict) -> bool:
    assert isinstance(verdict, checks.Verdict)
    assert str(verdict).startswith("Right: ") and repr(verdict) == str(verdict)
    return bool(verdict)


def fails(verdict, *words) -> bool:
    """True if ``verdict`` is "not yet" and its text names each of ``words``."""
    assert isinstance(verdict, checks.Verdict)
    text = str(verdict)
    assert text.startswith("Not yet: "), text
    for word in words:
        assert word in text, (word, text)
    return not verdict


ANSWERS_THAT_ARE_NOT = [None, "65", 6.5, [1, "a"], object(), True, torch.zeros(3)]


def test_verdict_shows_hint_only_when_wrong():
    assert str(checks.Verdict(True, "fine", "unused")) == "Right: fine"
    assert str(checks.Verdict(False, "off", "look here")) == "Not yet: off\nHint: look here"
    assert not checks.Verdict(False, "off") and checks.Verdict(True, "fine")


def test_most_alike():
    assert passes(checks.check_most_alike(("pullover", "coat")))
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
    assert fails(checks.check_output_size(lambda n, k, p, s: (n + p - k) // s + 1), "2 * padding")
    assert fails(checks.check_output_size(lambda n, k, p, s: (n + 2 * p - k) / s + 1), "//")
    assert passes(checks.check_output_size(lambda n, k, p, s: (formula(n, k, p, s),) * 2))
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
    assert passes(checks.check_derivative_kernel([1, -1], 1))  # integers are fine
    assert fails(checks.check_derivative_kernel([1, 1], 1), "not 0")
    assert fails(checks.check_derivative_kernel([1, -2, 1], 3), "on x^2")
    assert fails(checks.check_derivative_kernel([0.0, 0.0, 0.0, 0.0], 3), "0 on x^3 too")
    assert fails(checks.check_derivative_kernel([1, -1, 0], 1), "smaller", "2 entries")
    assert fails(checks.check_derivative_kernel([[1, -1], [1, -1]], 1), "1-D")
    assert fails(checks.check_derivative_kernel("ab", 1), "numbers")
    assert fails(checks.check_derivative_kernel([1, -1], 0), "positive int")


def test_combined_1x1():
    assert passes(checks.check_combined_1x1(lambda A, B: B @ A))
    assert passes(checks.check_combined_1x1(lambda A, B: (B @ A)[:, :, None, None]))
    assert fails(checks.check_combined_1x1(lambda A, B: A.T @ B.T), "(4, 3)", "matrix product")
    assert fails(checks.check_combined_1x1(lambda A, B: B @ A + 1), "different values")
    assert fails(checks.check_combined_1x1(lambda A, B: (B @ A).tolist()), "expected a tensor")
    assert fails(checks.check_combined_1x1(lambda A: A), "raised TypeError")


def test_conv_shape():
    assert passes(checks.check_conv_shape((8, 7, 14, 10)))
    assert passes(checks.check_conv_shape(torch.Size([8, 7, 14, 10])))
    assert fails(checks.check_conv_shape((8, 7, 14, 9)), "width", "second number")
    assert fails(checks.check_conv_shape((8, 2, 13, 10)), "channels", "height")
    for bad in ANSWERS_THAT_ARE_NOT + [(8, 7, 14)]:
        assert fails(checks.check_conv_shape(bad), "four ints")
    assert fails(checks.check_conv_shape((8, 7, 14.5, 10)), "use //")


def test_max_of_row_pairs():
    def via_relu(x):
        weight = torch.tensor([[[[1.0], [-1.0]]], [[[0.0], [1.0]]]])
        a_minus_b, b = F.conv2d(x, weight, stride=(2, 1)).unbind(1)
        return (b + F.relu(a_minus_b)).unsqueeze(1)

    assert passes(checks.check_max_of_row_pairs(via_relu))
    assert passes(checks.check_max_of_row_pairs(lambda x: F.max_pool2d(x, (2, 1))))
    assert fails(checks.check_max_of_row_pairs(lambda x: F.avg_pool2d(x, (2, 1))), "differ")
    relu_of_b = lambda x: F.relu(F.max_pool2d(x, (2, 1)))  # noqa: E731 - clips negatives
    assert fails(checks.check_max_of_row_pairs(relu_of_b), "differ", "positive")
    assert fails(checks.check_max_of_row_pairs(lambda x: F.max_pool2d(x, 2)), "shape")
    assert fails(checks.check_max_of_row_pairs(lambda x: 1 / 0), "ZeroDivisionError")


def test_alexnet_output_size():
    assert passes(checks.check_alexnet_output_size(5))
    assert passes(checks.check_alexnet_output_size((5, 5)))
    assert passes(checks.check_alexnet_output_size(torch.tensor(5)))
    assert fails(checks.check_alexnet_output_size(6), "54")
    assert fails(checks.check_alexnet_output_size((5, 6)), "an int or")
    for bad in ANSWERS_THAT_ARE_NOT:
        assert fails(checks.check_alexnet_output_size(bad), "expected")


def test_lenet_parameters():
    layers = [6 * 25 + 6, 16 * 6 * 25 + 16, 400 * 120 + 120, 120 * 84 + 84, 84 * 10 + 10]
    assert passes(checks.check_lenet_parameters(sum(layers)))
    assert passes(checks.check_lenet_parameters(layers))
    assert passes(checks.check_lenet_parameters(dict(zip("abcde", layers))))
    no_bias = [6 * 25, 16 * 6 * 25, 400 * 120, 120 * 84, 84 * 10]
    assert fails(checks.check_lenet_parameters(no_bias), "biases", "conv 1")
    swapped = [layers[1], layers[0], *layers[2:]]
    assert fails(checks.check_lenet_parameters(swapped), "order of the layers", "c_out * c_in")
    assert fails(checks.check_lenet_parameters(sum(no_bias)), "c_out biases")
    assert fails(checks.check_lenet_parameters(layers[:4]), "5 layers")
    for bad in ANSWERS_THAT_ARE_NOT:
        assert fails(checks.check_lenet_parameters(bad), "expected")


def test_receptive_field():
    assert passes(checks.check_receptive_field(16))
    assert passes(checks.check_receptive_field((16, 16)))
    state = torch.get_rng_state()
    checks.check_receptive_field(16)
    assert torch.equal(state, torch.get_rng_state()), "the check changed the global generator"
    assert fails(checks.check_receptive_field(14), "pooling window")
    for bad in ANSWERS_THAT_ARE_NOT:
        assert fails(checks.check_receptive_field(bad), "expected an int")


def test_dense_share():
    net = AlexNet()
    dense = sum(p.numel() for m in net.classifier for p in m.parameters())
    share = dense / sum(p.numel() for p in net.parameters())
    assert passes(checks.check_dense_share(share))
    assert passes(checks.check_dense_share(torch.tensor(share)))
    assert fails(checks.check_dense_share(100 * share), "percentage")
    assert fails(checks.check_dense_share(11.56), "more than 1", "at most 1")
    assert fails(checks.check_dense_share(share - 0.01), "nn.Linear")
    for bad in [None, "0.9", object(), True]:
        assert fails(checks.check_dense_share(bad), "between 0 and 1")


SLIM_VGG = ("vgg", lambda: vgg(VGG11_SLIM_ARCH))


@pytest.mark.parametrize("model, build", [("alexnet", AlexNet), SLIM_VGG])
def test_smallest_input(model, build):
    net = build().features  # real tensors, not the check's meta device

    def runs(n):
        try:
            net(torch.zeros(1, 1, n, n))
            return True
        except RuntimeError:
            return False

    smallest = next(n for n in range(1, 100) if runs(n))
    assert passes(checks.check_smallest_input(model, smallest))
    assert passes(checks.check_smallest_input(model, (smallest, smallest)))
    assert fails(checks.check_smallest_input(model, smallest + 1), "still runs")
    assert fails(checks.check_smallest_input(model, smallest - 1), "fails")
    assert fails(checks.check_smallest_input("resnet", smallest), "one of")
    for bad in ANSWERS_THAT_ARE_NOT:
        assert fails(checks.check_smallest_input(model, bad), "expected an int")


def test_vgg16_counts():
    s = layer_summary(vgg(((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))), (1, 1, 224, 224))
    assert passes(checks.check_vgg16_counts(s.total_parameters, s.total_macs))
    assert fails(checks.check_vgg16_counts(s.total_parameters, s.total_macs // 2),
                 "multiply-adds")  # fmt: skip
    assert fails(checks.check_vgg16_counts(s.total_parameters + 1, s.total_macs), "parameters")
    assert fails(checks.check_vgg16_counts("138M", s.total_macs), "two ints")
