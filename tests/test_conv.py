"""cnnbook.conv against torch.nn.functional.conv2d over a seeded sweep of shapes, and its errors."""

import random

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.conv import (
    Conv2d,
    OneChannelConv2d,
    col2im,
    conv2d,
    conv_output_shape,
    conv_padding,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
    im2col,
)

pytestmark = pytest.mark.usefixtures("one_thread")


def pair_of(v):
    return (v, v) if isinstance(v, int) else v


def random_case(seed, max_size=12, max_channels=4, max_batch=3, dilation=False, groups=False):
    """A valid random configuration: sizes, rectangular kernels, paddings, strides and (when
    asked) dilations, groups and the padding strings."""
    rng = random.Random(seed)
    kh, kw = rng.randint(1, 5), rng.randint(1, 5)
    dh, dw = (rng.randint(1, 3), rng.randint(1, 3)) if dilation else (1, 1)
    ph, pw = rng.randint(0, 2), rng.randint(0, 2)
    padding = rng.choice([(ph, pw), ph])
    ph, pw = pair_of(padding)
    stride = rng.choice([(rng.randint(1, 3), rng.randint(1, 3)), rng.randint(1, 3)])
    g = rng.randint(1, 3) if groups else 1
    if dilation and rng.random() < 0.3:  # the padding strings
        padding, stride, ph, pw = rng.choice(["same", "valid"]), 1, 0, 0
    h_min, w_min = max(1, dh * (kh - 1) + 1 - 2 * ph), max(1, dw * (kw - 1) + 1 - 2 * pw)
    h, w = rng.randint(h_min, max(h_min, max_size)), rng.randint(w_min, max(w_min, max_size))
    return dict(
        n=rng.randint(1, max_batch),
        c_in=g * rng.randint(1, max_channels),
        c_out=g * rng.randint(1, max_channels),
        h=h,
        w=w,
        kernel=(kh, kw),
        stride=stride,
        padding=padding,
        dilation=(dh, dw) if dilation else 1,
        groups=g,
    )


def args_of(c):
    return dict(
        stride=c["stride"], padding=c["padding"], dilation=c["dilation"], groups=c["groups"]
    )


@pytest.mark.parametrize("seed", range(40))
def test_conv_output_shape_matches_pytorch(seed):
    c = random_case(seed, dilation=True)
    if isinstance(c["padding"], str):
        c["padding"] = 0
    X = torch.zeros(1, 1, c["h"], c["w"])
    K = torch.zeros(1, 1, *c["kernel"])
    expected = F.conv2d(X, K, None, c["stride"], c["padding"], c["dilation"])
    got = conv_output_shape((c["h"], c["w"]), c["kernel"], c["stride"], c["padding"], c["dilation"])
    assert got == tuple(expected.shape[2:])


@pytest.mark.parametrize("seed", range(25))
def test_corr2d_matches_pytorch(seed):
    c = random_case(seed)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c["h"], c["w"], generator=g, dtype=torch.float64)
    K = torch.randn(*c["kernel"], generator=g, dtype=torch.float64)
    expected = F.conv2d(X[None, None], K[None, None], None, c["stride"], c["padding"])[0, 0]
    torch.testing.assert_close(corr2d(X, K, c["stride"], c["padding"]), expected)
    torch.testing.assert_close(corr2d(X, K, padding=c["padding"], stride=c["stride"]), expected)


@pytest.mark.parametrize("seed", range(15))
def test_multi_channel_loops_match_pytorch(seed):
    c = random_case(seed, max_size=8)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c["c_in"], c["h"], c["w"], generator=g, dtype=torch.float64)
    K = torch.randn(c["c_out"], c["c_in"], *c["kernel"], generator=g, dtype=torch.float64)
    expected = F.conv2d(X[None], K, None, c["stride"], c["padding"])[0]
    torch.testing.assert_close(corr2d_multi_in_out(X, K, c["stride"], c["padding"]), expected)
    torch.testing.assert_close(corr2d_multi_in(X, K[0], c["stride"], c["padding"]), expected[0])


@pytest.mark.parametrize("seed", range(10))
def test_1x1_as_matrix_product(seed):
    g = torch.Generator().manual_seed(seed)
    c_i, c_o, h, w = (int(v) for v in torch.randint(1, 7, (4,), generator=g))
    X = torch.randn(c_i, h, w, generator=g, dtype=torch.float64)
    K = torch.randn(c_o, c_i, 1, 1, generator=g, dtype=torch.float64)
    expected = F.conv2d(X[None], K)[0]
    torch.testing.assert_close(corr2d_multi_in_out_1x1(X, K), expected)
    torch.testing.assert_close(corr2d_multi_in_out_1x1(X, K[:, :, 0, 0]), expected)
    torch.testing.assert_close(corr2d_multi_in_out(X, K), expected)


def test_classic_examples():
    X = torch.tensor([[0.0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = torch.tensor([[0.0, 1], [2, 3]])
    assert corr2d(X, K).tolist() == [[19, 25], [37, 43]]
    X2 = torch.stack([X, X + 1])
    K2 = torch.stack([K, K + 1])
    assert corr2d_multi_in(X2, K2).tolist() == [[56, 72], [104, 120]]
    assert corr2d_multi_in_out(X2, torch.stack([K2, K2 + 1, K2 + 2])).shape == (3, 2, 2)


def test_conv2d_layer_learns_an_edge_kernel():
    torch.manual_seed(0)
    X = torch.ones(6, 8)
    X[:, 2:6] = 0
    Y = corr2d(X, torch.tensor([[1.0, -1.0]]))
    layer = OneChannelConv2d((1, 2))
    for _ in range(60):  # lr 0.01: with the bias, 0.03 diverges (the chapter shows why)
        loss = ((layer(X) - Y) ** 2).sum()
        layer.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in layer.parameters():
                p -= 0.01 * p.grad
    torch.testing.assert_close(
        layer.weight.detach(), torch.tensor([[1.0, -1.0]]), atol=0.05, rtol=0
    )


def check_against_pytorch(X, W, b, args, seed):
    """Same output and same gradients (input, weight, bias) as F.conv2d, in float64."""
    inputs = [t.requires_grad_() for t in (X, W, b) if t is not None]
    ours, theirs = conv2d(X, W, b, **args), F.conv2d(X, W, b, **args)
    torch.testing.assert_close(ours, theirs)
    dY = torch.randn(theirs.shape, generator=torch.Generator().manual_seed(seed), dtype=X.dtype)
    for a, e in zip(torch.autograd.grad(ours, inputs, dY), torch.autograd.grad(theirs, inputs, dY)):
        torch.testing.assert_close(a, e)


@pytest.mark.parametrize("seed", range(80))
def test_conv2d_matches_pytorch_forward_and_backward(seed):
    """Strides, paddings ("same" and "valid" too), dilations, groups, with and without bias,
    batched and unbatched."""
    c = random_case(seed, max_size=14, max_channels=3, max_batch=4, dilation=True, groups=True)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c["n"], c["c_in"], c["h"], c["w"], generator=g, dtype=torch.float64)
    W = torch.randn(c["c_out"], c["c_in"] // c["groups"], *c["kernel"], generator=g).double()
    b = torch.randn(c["c_out"], generator=g, dtype=torch.float64) if seed % 3 else None
    check_against_pytorch(X[0] if seed % 4 == 0 else X, W, b, args_of(c), seed)


@pytest.mark.parametrize(
    "args",
    [
        dict(padding="same", dilation=2),
        dict(padding="valid", stride=2),
        dict(padding="same"),  # even kernel width: one more column on the right, as PyTorch
        dict(dilation=(2, 3), padding=(2, 1)),
        dict(groups=3),
        dict(groups=3, stride=2, padding=1),
    ],
    ids=str,
)
def test_conv2d_padding_strings_dilation_and_groups(args):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(2, 6, 9, 8, generator=g, dtype=torch.float64)
    W = torch.randn(9, 6 // args.get("groups", 1), 3, 4, generator=g, dtype=torch.float64)
    b = torch.randn(9, generator=g, dtype=torch.float64)
    check_against_pytorch(X, W, b, args, 0)


def test_same_padding_pads_the_odd_one_out_at_the_end():
    assert conv_padding("same", (3, 4)) == (1, 2, 1, 1)
    assert conv_padding("same", (3, 4), dilation=2) == (3, 3, 2, 2)
    assert conv_padding("valid", (3, 4)) == (0, 0, 0, 0)
    assert conv_padding((1, 2), (3, 4)) == (2, 2, 1, 1)


def test_unbatched_input():
    g = torch.Generator().manual_seed(1)
    X = torch.randn(3, 7, 6, generator=g, dtype=torch.float64)
    W = torch.randn(4, 3, 3, 3, generator=g, dtype=torch.float64)
    b = torch.randn(4, generator=g, dtype=torch.float64)
    assert conv2d(X, W, b, padding=1).shape == (4, 7, 6)
    check_against_pytorch(X, W, b, dict(stride=2, padding=1), 1)


def test_conv2d_float32_and_no_input_grad():
    torch.manual_seed(0)
    X = torch.rand(64, 3, 32, 32)
    W = torch.randn(16, 3, 3, 3, requires_grad=True)
    b = torch.randn(16, requires_grad=True)
    torch.testing.assert_close(conv2d(X, W, b, 1, 1), F.conv2d(X, W, b, 1, 1), atol=1e-5, rtol=1e-4)
    conv2d(X, W, b, 1, 1).sum().backward()
    assert W.grad.shape == W.shape and X.grad is None


def test_empty_batch_forward_and_backward():
    X = torch.zeros(0, 3, 6, 6, requires_grad=True)
    W = torch.randn(4, 3, 3, 3, requires_grad=True)
    b = torch.randn(4, requires_grad=True)
    Y = conv2d(X, W, b, padding=1)
    assert Y.shape == F.conv2d(X, W, b, padding=1).shape == (0, 4, 6, 6)
    Y.sum().backward()
    assert X.grad.shape == X.shape
    assert W.grad.abs().sum() == 0 and b.grad.abs().sum() == 0


INT_DTYPES = [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8]


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=str)
def test_integer_conv2d_matches_pytorch(dtype):
    """Exact integer results (wrapping around as PyTorch's do). PyTorch's CPU convolution has
    no dilated kernel for integer types other than int64; ours does, and agrees with int64."""
    g = torch.Generator().manual_seed(0)
    X = torch.randint(0, 9, (2, 4, 6, 5), generator=g).to(dtype)
    W = torch.randint(0, 9, (6, 2, 3, 2), generator=g).to(dtype)
    b = torch.randint(0, 9, (6,), generator=g).to(dtype)
    args = dict(stride=(1, 2), padding=1, groups=2)
    got, expected = conv2d(X, W, b, **args), F.conv2d(X, W, b, **args)
    assert got.dtype == expected.dtype == dtype
    assert torch.equal(got, expected)
    dilated = conv2d(X, W, b, dilation=(2, 1), **args)
    assert torch.equal(
        dilated, F.conv2d(X.long(), W.long(), b.long(), dilation=(2, 1), **args).to(dtype)
    )


@pytest.mark.parametrize(
    "args",
    [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2), dict(groups=2)],
    ids=str,
)
def test_conv2d_gradcheck_and_gradgradcheck(args):
    torch.manual_seed(0)
    X = torch.randn(2, 2, 5, 4, dtype=torch.float64, requires_grad=True)
    W = torch.randn(2, 2 // args.get("groups", 1), 3, 2, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, dtype=torch.float64, requires_grad=True)

    def fn(x, w, b):
        return conv2d(x, w, b, **args)

    assert torch.autograd.gradcheck(fn, (X, W, b))
    assert torch.autograd.gradgradcheck(fn, (X, W, b))


def test_second_derivative_matches_pytorch():
    """A gradient penalty: d/dW of |dL/dX|^2 needs the second derivative of the convolution."""
    torch.manual_seed(0)
    X = torch.randn(2, 3, 6, 6, dtype=torch.float64, requires_grad=True)
    W = torch.randn(4, 3, 3, 3, dtype=torch.float64, requires_grad=True)

    def penalty_grad(fn):
        (dX,) = torch.autograd.grad(fn(X, W, padding=1).pow(2).sum(), X, create_graph=True)
        return torch.autograd.grad(dX.pow(2).sum(), W)[0]

    torch.testing.assert_close(penalty_grad(conv2d), penalty_grad(F.conv2d))


def test_im2col_and_col2im_are_adjoint():
    torch.manual_seed(0)
    X = torch.randn(2, 3, 9, 8, dtype=torch.float64)
    args = dict(kernel_size=(3, 2), stride=(2, 1), dilation=(2, 3))
    cols = im2col(X, **args)
    torch.testing.assert_close(cols, F.unfold(X, **args))
    C = torch.randn(cols.shape, dtype=torch.float64)
    # <im2col(X), C> == <X, col2im(C)>
    torch.testing.assert_close((cols * C).sum(), (X * col2im(C, X.shape, **args)).sum())
    torch.testing.assert_close(col2im(C, X.shape, **args), F.fold(C, X.shape[2:], **args))


PADDING_MODES = ["zeros", "reflect", "replicate", "circular"]


@pytest.mark.parametrize("padding_mode", PADDING_MODES)
@pytest.mark.parametrize(
    "args",
    [dict(padding=1), dict(padding=(2, 1), stride=2, dilation=(1, 2)), dict(padding="same")],
    ids=str,
)
def test_module_is_a_drop_in_for_nn_conv2d(args, padding_mode):
    """Same parameters, initialisation, output and gradients as nn.Conv2d, seed for seed."""
    kwargs = dict(groups=2, bias=True, padding_mode=padding_mode, dtype=torch.float64, **args)
    torch.manual_seed(3)
    theirs = nn.Conv2d(4, 6, (3, 2), **kwargs)
    torch.manual_seed(3)
    ours = Conv2d(4, 6, (3, 2), **kwargs)
    assert isinstance(ours, nn.Conv2d)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for a, e in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(a, e)
    X = torch.randn(2, 4, 7, 8, dtype=torch.float64, requires_grad=True)
    for x in (X, X[0]):  # batched and unbatched
        torch.testing.assert_close(ours(x), theirs(x))
        dX = torch.autograd.grad(ours(x).sum(), [x, ours.weight])
        torch.testing.assert_close(dX, torch.autograd.grad(theirs(x).sum(), [x, theirs.weight]))


def test_module_without_bias_and_its_repr():
    layer = Conv2d(3, 8, 3, stride=2, bias=False)
    assert layer.bias is None and layer(torch.zeros(1, 3, 9, 9)).shape == (1, 8, 4, 4)
    assert repr(layer) == repr(nn.Conv2d(3, 8, 3, stride=2, bias=False))


X2, K2 = torch.zeros(5, 5), torch.zeros(2, 2)
X4, W4 = torch.zeros(1, 3, 5, 5), torch.zeros(2, 3, 2, 2)
ERRORS = [
    (lambda: corr2d(torch.zeros(1, 5, 5), K2), ValueError, r"X must have shape \(h, w\)"),
    (lambda: corr2d(X2, torch.zeros(2)), ValueError, "K must have shape"),
    (lambda: corr2d([[1, 2]], K2), TypeError, "X must be a torch.Tensor"),
    (lambda: corr2d(X2, torch.zeros(6, 2)), ValueError, "kernel_size .* larger than the padded"),
    (lambda: corr2d(X2, K2, stride=0), ValueError, "stride must be at least 1"),
    (lambda: corr2d(X2, K2, padding=-1), ValueError, "padding must be at least 0"),
    (lambda: corr2d(X2, K2, padding=(1, 2, 3)), TypeError, "padding must be an int or a pair"),
    (lambda: corr2d(X2, K2, stride=1.5), TypeError, "stride must be an int or a pair"),
    (lambda: corr2d(X2, K2, 0), ValueError, "stride must be at least 1"),  # stride comes first
    (lambda: OneChannelConv2d(0), ValueError, "kernel_size must be at least 1"),
    (
        lambda: corr2d_multi_in(torch.zeros(3, 5, 5), torch.zeros(2, 2, 2)),
        ValueError,
        "X has 3 channels but K has kernels for 2",
    ),
    (lambda: corr2d_multi_in_out(torch.zeros(3, 5, 5), K2), ValueError, "K must have shape"),
    (
        lambda: corr2d_multi_in_out_1x1(torch.zeros(3, 5, 5), torch.zeros(2, 3, 2, 2)),
        ValueError,
        r"K must have shape \(c_o, c_i\)",
    ),
    (
        lambda: corr2d_multi_in_out_1x1(torch.zeros(3, 5, 5), torch.zeros(2, 4)),
        ValueError,
        "X has 3 channels but K expects 4",
    ),
    (lambda: conv2d(torch.zeros(5, 5), W4), ValueError, r"input must have shape \(N, C_in"),
    (lambda: conv2d(X4.numpy(), W4), TypeError, "input must be a torch.Tensor"),
    (lambda: conv2d(X4, torch.zeros(2, 3, 2)), ValueError, "weight must have shape"),
    (lambda: conv2d(X4, torch.zeros(2, 4, 2, 2)), ValueError, "input has 3 channels and weight"),
    (lambda: conv2d(X4, W4, torch.zeros(3)), ValueError, r"bias must be None or of shape \(2,\)"),
    (lambda: conv2d(X4, W4, torch.zeros(2, 1)), ValueError, r"bias must have shape \(2,\)"),
    (lambda: conv2d(X4, W4.double()), TypeError, "weight has dtype torch.float64 but input has"),
    (lambda: conv2d(X4, W4, torch.zeros(2).int()), TypeError, "bias has dtype torch.int32"),
    (lambda: conv2d(X4.bool(), W4.bool()), TypeError, "conv2d needs numbers"),
    (lambda: conv2d(X4, torch.zeros(1, 3, 7, 7)), ValueError, "larger than the padded input"),
    (lambda: conv2d(X4, W4, stride=(1, 0)), ValueError, "stride must be at least 1"),
    (lambda: conv2d(X4, W4, dilation=0), ValueError, "dilation must be at least 1"),
    (lambda: conv2d(X4, W4, padding="full"), ValueError, "padding must be 'valid', 'same'"),
    (lambda: conv2d(X4, W4, stride=2, padding="same"), ValueError, "padding='same' needs stride"),
    (lambda: conv2d(X4, W4, groups=0), ValueError, "groups must be at least 1"),
    (lambda: conv2d(X4, W4, groups=1.0), TypeError, "groups must be an int"),
    (lambda: conv2d(X4, torch.zeros(2, 1, 2, 2), groups=3), ValueError, "with groups=3"),
    (lambda: conv2d(X4, torch.zeros(0, 3, 2, 2)), ValueError, "C_out a positive multiple"),
    (lambda: conv2d(X4[:, :0], W4[:, :0]), ValueError, "no other empty dimension"),
    (lambda: conv_output_shape(5, 3, 1, -1), ValueError, "padding must be at least 0"),
    (lambda: conv_output_shape(5, 3, padding="same"), TypeError, "padding must be an int"),
    (lambda: im2col(torch.zeros(2, 5, 5), 2), ValueError, r"X must have shape \(N, C, H, W\)"),
    (lambda: col2im(torch.zeros(1, 4, 3), (1, 1, 5, 5), 2), ValueError, "cols must have shape"),
]


@pytest.mark.parametrize("call, error, message", ERRORS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
