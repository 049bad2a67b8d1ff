"""cnnbook.pool against torch.nn.functional's pooling over a seeded sweep, and its errors."""

import random

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.pool import AvgPool2d, MaxPool2d, avg_pool2d, max_pool2d, pool2d

FAST = {"max": (max_pool2d, F.max_pool2d), "avg": (avg_pool2d, F.avg_pool2d)}
NAN = float("nan")


pytestmark = pytest.mark.usefixtures("one_thread")


def random_case(seed, mode, max_size=12):
    """Valid arguments for ``mode`` pooling, every option drawn at random."""
    rng = random.Random(seed)
    kh, kw = rng.randint(1, 4), rng.randint(1, 4)
    ph, pw = rng.randint(0, kh // 2), rng.randint(0, kw // 2)
    kwargs = dict(
        kernel_size=rng.choice([(kh, kw), kh]) if kh == kw else (kh, kw),
        stride=rng.choice([None, rng.randint(1, 3), (rng.randint(1, 3), rng.randint(1, 3))]),
        padding=(ph, pw) if (ph, pw) != (0, 0) or rng.random() < 0.5 else 0,
        ceil_mode=rng.random() < 0.5,
    )
    dh, dw = 1, 1
    if mode == "max":
        dh, dw = rng.randint(1, 3), rng.randint(1, 3)
        kwargs.update(dilation=(dh, dw), return_indices=rng.random() < 0.5)
    else:
        kwargs.update(count_include_pad=rng.random() < 0.5)
        kwargs.update(divisor_override=rng.choice([None, None, rng.randint(-3, 5) or 1]))
    h_min, w_min = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    shape = (rng.randint(1, 3), rng.randint(1, 4), rng.randint(h_min, h_min + max_size),
             rng.randint(w_min, w_min + max_size))  # fmt: skip
    return shape[1:] if rng.random() < 0.2 else shape, kwargs


def check_against_pytorch(X, mode, kwargs, seed):
    """Same outputs (and indices) and the same input gradient as PyTorch, in float64."""
    ours, theirs = FAST[mode]
    got, expected = ours(X, **kwargs), theirs(X, **kwargs)
    if kwargs.get("return_indices"):
        assert torch.equal(got[1], expected[1])
        got, expected = got[0], expected[0]
    torch.testing.assert_close(got, expected, equal_nan=True)
    dY = torch.randn(expected.shape, generator=torch.Generator().manual_seed(seed), dtype=X.dtype)
    torch.testing.assert_close(
        torch.autograd.grad(got, X, dY)[0], torch.autograd.grad(expected, X, dY)[0]
    )


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("seed", range(60))
def test_fast_pooling_matches_pytorch_forward_and_backward(seed, mode):
    """Strides, paddings, dilation (max), ceil_mode, count_include_pad and divisor_override
    (avg), return_indices, batched and unbatched."""
    shape, kwargs = random_case(seed, mode)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    check_against_pytorch(X, mode, kwargs, seed)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2, ceil_mode=True),  # a last, partial window
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
        dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),  # that last window is dropped
        dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        dict(kernel_size=(3, 2), padding=(1, 1), divisor_override=2),
        dict(kernel_size=2, stride=1, divisor_override=-3),
    ],
    ids=str,
)
def test_avg_pool_options(kwargs):
    X = torch.randn(2, 3, 4, 5, dtype=torch.float64, requires_grad=True)
    check_against_pytorch(X, "avg", kwargs, 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2, ceil_mode=True),
        dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
        dict(kernel_size=3, stride=1, padding=1, dilation=2),
        dict(kernel_size=(3, 2), stride=(2, 1), dilation=(1, 3), ceil_mode=True),
        dict(kernel_size=3, stride=2, padding=1, return_indices=True),
    ],
    ids=str,
)
def test_max_pool_options(kwargs):
    X = torch.randn(2, 3, 7, 8, dtype=torch.float64, requires_grad=True)
    check_against_pytorch(X, "max", kwargs, 0)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("seed", range(15))
def test_loop_pooling_matches_pytorch(seed, mode):
    shape, kwargs = random_case(seed, "avg", max_size=6)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn((2, *shape[-3:]), generator=g, dtype=torch.float64)
    k, p = kwargs["kernel_size"], kwargs["padding"]
    s = kwargs["stride"] if kwargs["stride"] is not None else k
    expected = FAST[mode][1](X, k, s, p)
    torch.testing.assert_close(pool2d(X, k, s, p, mode), expected)
    torch.testing.assert_close(pool2d(X[0], k, s, p, mode), expected[0])
    torch.testing.assert_close(pool2d(X[0, 0], k, s, p, mode=mode), expected[0, 0])


def test_three_dimensional_input_and_default_stride():
    X = torch.arange(32.0).reshape(2, 4, 4)
    torch.testing.assert_close(max_pool2d(X, 2), F.max_pool2d(X, 2))
    torch.testing.assert_close(avg_pool2d(X, 2), F.avg_pool2d(X, 2))
    assert max_pool2d(X, 2).shape == (2, 2, 2)
    assert max_pool2d(X, 2, stride=()).shape == (2, 2, 2)  # () is PyTorch's "the default" too


def test_ties_send_the_gradient_where_pytorch_does():
    X = torch.zeros(1, 1, 4, 4, requires_grad=True)  # every window is one big tie
    ours = torch.autograd.grad(max_pool2d(X, 3, 1, 1).sum(), X)[0]
    theirs = torch.autograd.grad(F.max_pool2d(X, 3, 1, 1).sum(), X)[0]
    torch.testing.assert_close(ours, theirs)


def test_classic_example():
    X = torch.arange(9.0).reshape(3, 3)
    assert pool2d(X, (2, 2)).tolist() == [[4, 5], [7, 8]]
    assert pool2d(X, (2, 2), mode="avg").tolist() == [[2, 3], [5, 6]]


@pytest.mark.parametrize("where", [(0, 0), (1, 2), (3, 3), (0, 1)])
def test_a_nan_in_a_window_makes_its_maximum_nan(where):
    """As PyTorch: NaN wherever it stands in the window; its index is that of the last NaN
    (reading the window row by row), and so is where the gradient goes."""
    X = torch.arange(16.0).reshape(1, 1, 4, 4)
    X[0, 0, where[0], where[1]] = NAN
    X[0, 0, 3, 0] = NAN  # a second NaN, after the first in some windows
    X.requires_grad_()
    for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        check_against_pytorch(X, "max", dict(return_indices=True, **kwargs), 0)
        assert max_pool2d(X, **kwargs).isnan().any()
        loop = pool2d(X.detach(), kwargs["kernel_size"], kwargs.get("stride", 2),
                      kwargs.get("padding", 0))  # fmt: skip
        torch.testing.assert_close(loop, F.max_pool2d(X, **kwargs), equal_nan=True)


def test_windows_of_minus_infinity_point_where_pytorch_does():
    """A window whose maximum is -inf (as low as the padding): PyTorch's index is the window's
    first real pixel, never one in the padding."""
    X = torch.full((1, 2, 5, 5), float("-inf"), dtype=torch.float64)
    X[0, 1, 2:, 2:] = 1.0
    X.requires_grad_()
    for kwargs in (dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, padding=1,
                   dilation=2, stride=1, ceil_mode=True)):  # fmt: skip
        check_against_pytorch(X, "max", dict(return_indices=True, **kwargs), 0)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int16, torch.uint8], ids=str)
def test_integer_max_pooling_matches_pytorch(dtype):
    X = torch.randint(0, 200, (2, 3, 7, 6), generator=torch.Generator().manual_seed(0)).to(dtype)
    X[0, 0, :3, :3] = torch.iinfo(dtype).min  # a window as low as the padding
    for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)):
        (got, where), (expected, theirs) = (
            max_pool2d(X, return_indices=True, **kwargs),
            F.max_pool2d(X, return_indices=True, **kwargs),
        )
        assert got.dtype == expected.dtype == dtype
        assert torch.equal(got, expected) and torch.equal(where, theirs)
        assert torch.equal(pool2d(X[0], 3, 2, 1), F.max_pool2d(X[0], 3, 2, 1))


def test_int64_average_pooling_is_cut_toward_zero_as_in_pytorch():
    X = torch.randint(-50, 50, (2, 3, 7, 6), generator=torch.Generator().manual_seed(0))
    for kwargs in (
        dict(kernel_size=2),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        dict(kernel_size=2, divisor_override=-3),
    ):
        got, expected = avg_pool2d(X, **kwargs), F.avg_pool2d(X, **kwargs)
        assert got.dtype == expected.dtype == torch.int64
        assert torch.equal(got, expected)
    assert torch.equal(pool2d(X, 3, 2, 1, "avg"), F.avg_pool2d(X, 3, 2, 1))


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_empty_batch_forward_and_backward(mode):
    X = torch.zeros(0, 3, 6, 6, requires_grad=True)
    ours, theirs = FAST[mode]
    Y = ours(X, 3, 2, 1)
    assert Y.shape == theirs(X, 3, 2, 1).shape == (0, 3, 3, 3)
    Y.sum().backward()
    assert X.grad.shape == X.shape


@pytest.mark.parametrize(
    "fn, kwargs",
    [
        (max_pool2d, dict(kernel_size=3, stride=2, padding=1)),
        (max_pool2d, dict(kernel_size=2, dilation=2, ceil_mode=True)),
        (avg_pool2d, dict(kernel_size=(2, 3), stride=(1, 2), padding=1)),
        (avg_pool2d, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                          count_include_pad=False)),
        (avg_pool2d, dict(kernel_size=2, divisor_override=3)),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),  # the same in every xdist worker
)  # fmt: skip
def test_gradcheck_and_gradgradcheck(fn, kwargs):
    torch.manual_seed(0)
    X = torch.randn(2, 2, 7, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: fn(x, **kwargs), (X,))
    assert torch.autograd.gradgradcheck(lambda x: fn(x, **kwargs), (X,))


@pytest.mark.parametrize(
    "ours, theirs, args, kwargs",
    [
        (MaxPool2d, nn.MaxPool2d, (3, 2, 1), dict(dilation=1, ceil_mode=True)),
        (MaxPool2d, nn.MaxPool2d, ((3, 2),), dict(return_indices=True)),
        (AvgPool2d, nn.AvgPool2d, (3, 2, 1), dict(ceil_mode=True, count_include_pad=False)),
        (AvgPool2d, nn.AvgPool2d, (2,), dict(divisor_override=3)),
    ],
    ids=str,
)
def test_modules_are_drop_ins(ours, theirs, args, kwargs):
    mine, reference = ours(*args, **kwargs), theirs(*args, **kwargs)
    assert isinstance(mine, theirs) and repr(mine) == repr(reference)
    X = torch.randn(2, 3, 7, 8, dtype=torch.float64)
    for x in (X, X[0]):
        got, expected = mine(x), reference(x)
        if kwargs.get("return_indices"):
            assert torch.equal(got[1], expected[1])
            got, expected = got[0], expected[0]
        torch.testing.assert_close(got, expected)


X4 = torch.zeros(1, 1, 5, 5)
ERRORS = [
    (
        lambda: pool2d(X4, 2, mode="min"),
        ValueError,
        r"mode must be one of \('max', 'avg'\), got 'min'",
    ),
    (lambda: pool2d(torch.zeros(5), 2), ValueError, r"X must have shape \(h, w\)"),
    (lambda: pool2d([[1.0]], 1), TypeError, "X must be a torch.Tensor"),
    (lambda: pool2d(X4, 0), ValueError, "kernel_size must be at least 1"),
    (lambda: pool2d(X4, 2, stride=0), ValueError, "stride must be at least 1"),
    (lambda: pool2d(X4, 2, 0), ValueError, "stride must be at least 1"),  # stride comes first
    (lambda: pool2d(X4, 2, padding=-1), ValueError, "padding must be at least 0"),
    (lambda: pool2d(X4, 2, padding=2), ValueError, "at most half the pooling window"),
    (lambda: pool2d(X4, 6), ValueError, "larger than the padded input"),
    (lambda: pool2d(X4.bool(), 2), TypeError, "max pooling needs X of floating point or integer"),
    (lambda: pool2d(X4.int(), 2, mode="avg"), TypeError, "floating point or int64 dtype"),
    (lambda: pool2d(X4[:0], 2), ValueError, "no empty dimension"),
    (lambda: max_pool2d(torch.zeros(5, 5), 2), ValueError, r"input must have shape \(N, C, H, W\)"),
    (lambda: max_pool2d(X4.numpy(), 2), TypeError, "input must be a torch.Tensor"),
    (lambda: max_pool2d(X4[:, :0], 1), ValueError, r"no empty dimension \(but N may be 0\)"),
    (lambda: max_pool2d(X4, 0), ValueError, "kernel_size must be at least 1"),
    (lambda: max_pool2d(X4, 2, stride=0), ValueError, "stride must be at least 1"),
    (lambda: max_pool2d(X4, 2, dilation=0), ValueError, "dilation must be at least 1"),
    (lambda: max_pool2d(X4, 3, padding=2), ValueError, "at most half the pooling window"),
    (lambda: max_pool2d(X4, 2, ceil_mode=1), TypeError, "ceil_mode must be True or False"),
    (lambda: max_pool2d(X4, 2, return_indices="y"), TypeError, "return_indices must be True"),
    (lambda: max_pool2d(X4, "2"), TypeError, "kernel_size must be an int or a pair"),
    (lambda: max_pool2d(X4, (2, 2, 2)), TypeError, "kernel_size must be an int or a pair"),
    (lambda: max_pool2d(X4.bool(), 2), TypeError, "max pooling needs input of floating point"),
    (lambda: max_pool2d(X4, 3, dilation=3), ValueError, r"the output would be empty, \(0, 0\)"),
    (lambda: avg_pool2d(X4, 2, padding=-1), ValueError, "padding must be at least 0"),
    (lambda: avg_pool2d(X4, 3, padding=2), ValueError, "at most half the pooling window"),
    (lambda: avg_pool2d(X4, 6), ValueError, r"the output would be empty, \(0, 0\)"),
    (lambda: avg_pool2d(X4.int(), 2), TypeError, "needs input of floating point or int64 dtype"),
    (lambda: avg_pool2d(X4, 2, divisor_override=0), ValueError, "divisor_override must not be 0"),
    (
        lambda: avg_pool2d(X4, 2, divisor_override=2.0),
        TypeError,
        "divisor_override must be an int, got 2.0",
    ),
    (lambda: avg_pool2d(X4, 2, count_include_pad=0), TypeError, "count_include_pad must be"),
    (lambda: MaxPool2d(2)(torch.zeros(1, 1, 1, 5, 5)), ValueError, "input must have shape"),
]


@pytest.mark.parametrize("call, error, message", ERRORS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_windows_wholly_in_the_padding_give_minus_infinity_as_in_pytorch():
    """Dilation or ceil_mode can put a whole window in the padding: PyTorch returns -inf there
    (and an index past the input). 720 random cases, values, indices and gradients."""
    rng, checked, empty = random.Random(0), 0, 0
    while checked < 720:
        H, W = rng.randint(1, 8), rng.randint(1, 8)
        k = (rng.randint(1, 4), rng.randint(1, 4))
        s, d = (rng.randint(1, 3), rng.randint(1, 3)), (rng.randint(1, 3), rng.randint(1, 3))
        p, ceil = (rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2)), rng.random() < 0.5
        X = torch.randn(2, 2, H, W, dtype=torch.float64, requires_grad=True)
        try:
            theirs, where = F.max_pool2d(X, k, s, p, d, ceil, True)
        except RuntimeError:
            continue  # PyTorch refuses these sizes too (an empty output)
        ours, index = max_pool2d(X, k, s, p, d, ceil, True)
        case = (H, W, k, s, p, d, ceil)
        assert torch.equal(ours, theirs) and torch.equal(index, where), case
        grad = torch.randn_like(theirs).masked_fill(theirs.isinf(), 0)
        assert torch.allclose(*(torch.autograd.grad(y, X, grad)[0] for y in (ours, theirs)))
        checked += 1
        empty += bool(theirs.isinf().any())
    assert empty > 20  # the cases that used to raise IndexError are among them
    Y = max_pool2d(torch.randn(1, 1, 1, 8), 2, 1, 1, 2)  # the case of the report
    assert Y.shape == (1, 1, 1, 8) and bool((Y == float("-inf")).all())


def test_d2ls_call_with_the_mode_third_says_to_name_it():
    X = torch.arange(9.0).reshape(3, 3)
    with pytest.raises(TypeError, match=r"stride must be an int .*got 'avg'.*mode='avg'"):
        pool2d(X, (2, 2), "avg")
    assert torch.equal(pool2d(X, (2, 2), mode="avg"), F.avg_pool2d(X[None], 2, 1)[0])
