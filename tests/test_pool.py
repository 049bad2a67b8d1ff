"""cnnbook.pool against torch.nn.functional's pooling over a seeded sweep, and its errors."""

import random

import pytest
import torch
import torch.nn.functional as F

from cnnbook.pool import avg_pool2d, max_pool2d, pool2d

FAST = {"max": (max_pool2d, F.max_pool2d), "avg": (avg_pool2d, F.avg_pool2d)}


def random_case(seed, max_size=12):
    rng = random.Random(seed)
    kh, kw = rng.randint(1, 4), rng.randint(1, 4)
    ph, pw = rng.randint(0, kh // 2), rng.randint(0, kw // 2)
    return dict(
        shape=(rng.randint(1, 3), rng.randint(1, 4), rng.randint(kh, max_size),
               rng.randint(kw, max_size)),
        kernel=rng.choice([(kh, kw), kh]) if kh == kw else (kh, kw),
        padding=(ph, pw) if (ph, pw) != (0, 0) or rng.random() < 0.5 else 0,
        stride=rng.choice([None, rng.randint(1, 3), (rng.randint(1, 3), rng.randint(1, 3))]),
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("seed", range(40))
def test_fast_pooling_matches_pytorch_forward_and_backward(seed, mode):
    c = random_case(seed)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c["shape"], generator=g, dtype=torch.float64, requires_grad=True)
    ours, theirs = FAST[mode]
    expected = theirs(X, c["kernel"], c["stride"], c["padding"])
    got = ours(X, c["kernel"], c["stride"], c["padding"])
    torch.testing.assert_close(got, expected)
    dY = torch.randn(expected.shape, generator=g, dtype=torch.float64)
    torch.testing.assert_close(
        torch.autograd.grad(got, X, dY)[0], torch.autograd.grad(expected, X, dY)[0]
    )


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("seed", range(15))
def test_loop_pooling_matches_pytorch(seed, mode):
    c = random_case(seed, max_size=8)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c["shape"], generator=g, dtype=torch.float64)
    stride = c["stride"] if c["stride"] is not None else c["kernel"]
    expected = FAST[mode][1](X, c["kernel"], stride, c["padding"])
    torch.testing.assert_close(pool2d(X, c["kernel"], mode, c["padding"], stride), expected)
    torch.testing.assert_close(pool2d(X[0], c["kernel"], mode, c["padding"], stride), expected[0])
    torch.testing.assert_close(
        pool2d(X[0, 0], c["kernel"], mode, c["padding"], stride), expected[0, 0]
    )


def test_three_dimensional_input_and_default_stride():
    X = torch.arange(32.0).reshape(2, 4, 4)
    torch.testing.assert_close(max_pool2d(X, 2), F.max_pool2d(X, 2))
    torch.testing.assert_close(avg_pool2d(X, 2), F.avg_pool2d(X, 2))
    assert max_pool2d(X, 2).shape == (2, 2, 2)


def test_ties_send_the_gradient_where_pytorch_does():
    X = torch.zeros(1, 1, 4, 4, requires_grad=True)  # every window is one big tie
    ours = torch.autograd.grad(max_pool2d(X, 3, 1, 1).sum(), X)[0]
    theirs = torch.autograd.grad(F.max_pool2d(X, 3, 1, 1).sum(), X)[0]
    torch.testing.assert_close(ours, theirs)


def test_classic_example():
    X = torch.arange(9.0).reshape(3, 3)
    assert pool2d(X, (2, 2)).tolist() == [[4, 5], [7, 8]]
    assert pool2d(X, (2, 2), "avg").tolist() == [[2, 3], [5, 6]]


@pytest.mark.parametrize(
    "fn, kernel, stride, padding",
    [(max_pool2d, 3, 2, 1), (avg_pool2d, (2, 3), (1, 2), 1), (max_pool2d, 2, None, 0)],
)
def test_gradcheck(fn, kernel, stride, padding):
    torch.manual_seed(0)
    X = torch.randn(2, 3, 7, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: fn(x, kernel, stride, padding), (X,))


X4 = torch.zeros(1, 1, 5, 5)
ERRORS = [
    (lambda: pool2d(X4, 2, mode="min"), ValueError, "mode must be 'max' or 'avg'"),
    (lambda: pool2d(torch.zeros(5), 2), ValueError, r"X must have shape \(h, w\)"),
    (lambda: pool2d([[1.0]], 1), TypeError, "X must be a torch.Tensor"),
    (lambda: pool2d(X4, 0), ValueError, "pool_size must be at least 1"),
    (lambda: pool2d(X4, 2, stride=0), ValueError, "stride must be at least 1"),
    (lambda: pool2d(X4, 2, padding=-1), ValueError, "padding must be at least 0"),
    (lambda: pool2d(X4, 2, padding=2), ValueError, "at most half the pooling window"),
    (lambda: pool2d(X4, 6), ValueError, "larger than the padded input"),
    (lambda: max_pool2d(torch.zeros(5, 5), 2), ValueError, r"X must have shape \(N, C, H, W\)"),
    (lambda: max_pool2d(X4, 0), ValueError, "kernel_size must be at least 1"),
    (lambda: max_pool2d(X4, 2, stride=0), ValueError, "stride must be at least 1"),
    (lambda: avg_pool2d(X4, 2, padding=-1), ValueError, "padding must be at least 0"),
    (lambda: avg_pool2d(X4, 3, padding=2), ValueError, "at most half the pooling window"),
    (lambda: avg_pool2d(X4, 6), ValueError, "larger than the padded input"),
    (lambda: max_pool2d(X4, "2"), TypeError, "kernel_size must be an int or a pair"),
]


@pytest.mark.parametrize("call, error, message", ERRORS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
