"""cnnbook.args: one signature (name, value, ...), one message style, TypeError vs ValueError."""

import math

import pytest
import torch
from torch import nn

from cnnbook import args


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: args.integer("n", 1.5), TypeError, r"^n must be an int, got 1.5$"),
        (lambda: args.integer("n", True, 1), TypeError, r"^n must be an int >= 1, got True$"),
        (lambda: args.integer("n", 0, 1), ValueError, r"^n must be at least 1, got 0$"),
        (lambda: args.integer("n", 11, 1, 10), ValueError, r"^n must be an int in 1..10, got 11$"),
        (lambda: args.real("lr", "0.1", 0, low_open=True), TypeError, r"^lr must be a finite"),
        (lambda: args.real("lr", 0, 0, low_open=True), ValueError, r"> 0, got 0.0$"),
        (lambda: args.real("x", math.nan), ValueError, r"^x must be a finite number, got nan$"),
        (lambda: args.real("p", 1, 0, 1, high_open=True), ValueError, r"in \[0, 1\), got 1.0$"),
        (lambda: args.flag("bf16", 1), TypeError, r"^bf16 must be True or False, got 1$"),
        (lambda: args.choice("mode", "min", ("max", "avg")), ValueError, r"one of \('max'"),
        (lambda: args.choice("mode", 3, ("max", "avg")), TypeError, r"got 3$"),
        (lambda: args.size_pair("stride", (1, 2, 3)), TypeError, r"an int or a pair of ints"),
        (lambda: args.size_pair("stride", 0, 1), ValueError, r"^stride must be at least 1"),
        (lambda: args.tensor("X", [1], 2, "(h, w)"), TypeError, r"torch.Tensor of shape \(h, w\)"),
        (lambda: args.tensor("X", torch.zeros(2), 2, "(h, w)"), ValueError, r"got \(2,\)$"),
        (lambda: args.module("net", "lenet"), TypeError, r"^net must be a torch.nn.Module, got"),
        (lambda: args.device("device", 0.5), TypeError, r"^device must be None, a str, an int"),
        (lambda: args.device("device", "abacus"), ValueError, r"^device must name a device"),
    ],
)
def test_one_message_style(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_checked_values_come_back_in_the_form_the_caller_uses():
    assert args.integer("n", 3, 1) == 3
    assert args.real("lr", 1) == 1.0 and isinstance(args.real("lr", 1), float)
    assert args.size_pair("k", 3) == (3, 3) and args.size_pair("k", (2,)) == (2, 2)
    assert args.size_pair("k", torch.Size([2, 3])) == (2, 3)
    assert args.choice("s", None, (None, "cosine")) is None
    assert args.device("device", None) is None
    assert args.device("device", "cpu") == torch.device("cpu")
    assert isinstance(args.module("net", nn.Linear(1, 1)), nn.Linear)


def test_a_cuda_device_is_named_the_same_way_everywhere():
    """load_fashion_mnist(device=0) and fit(device=0) once disagreed: both go through here."""
    if torch.cuda.is_available():
        assert args.device("device", 0) == torch.device("cuda", 0)
    else:
        with pytest.raises(ValueError, match="device must be a device this machine has, got 0"):
            args.device("device", 0)
