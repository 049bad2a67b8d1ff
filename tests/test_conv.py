"""cnnbook.conv against torch.nn.functional.conv2d over a seeded sweep of shapes, and its errors."""

import random

import pytest
import torch
import torch.nn.functional as F

from cnnbook.conv import (
    Conv2D,
    col2im,
    conv2d,
    conv_output_shape,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_multi_in_out_1x1,
    im2col,
)


def random_case(seed, max_size=12, max_channels=4, max_batch=3):
    """A valid random configuration: sizes, rectangular kernels, paddings and strides."""
    rng = random.Random(seed)
    kh, kw = rng.randint(1, 5), rng.randint(1, 5)
    ph, pw = rng.randint(0, 2), rng.randint(0, 2)
    padding = rng.choice([(ph, pw), ph])
    ph, pw = pair_of(padding)
    h = rng.randint(max(1, kh - 2 * ph), max_size)
    w = rng.randint(max(1, kw - 2 * pw), max_size)
    return dict(
        n=rng.randint(1, max_batch),
        c_in=rng.randint(1, max_channels),
        c_out=rng.randint(1, max_channels),
        h=h,
        w=w,
        kernel=(kh, kw),
        padding=padding,
        stride=rng.choice([(rng.randint(1, 3), rng.randint(1, 3)), rng.randint(1, 3)]),
    )


def pair_of(v):
    return (v, v) if isinstance(v, int) else v


@pytest.mark.parametrize("seed", range(40))
def test_conv_output_shape_matches_pytorch(seed):
    c = random_case(seed)
    X = torch.zeros(1, 1, c["h"], c["w"])
    expected = F.conv2d(X, torch.zeros(1, 1, *c["kernel"]), None, c["stride"], c["padding"])
    got = conv_output_shape((c["h"], c["w"]), c["kernel"], c["padding"], c["stride"])
    assert got == tuple(expected.shape[2:])


@pytest.mark.parametrize("seed", range(25))
def test_corr2d_matches_pytorch(seed):
    c = random_case(seed)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c["h"], c["w"], generator=g, dtype=torch.float64)
    K = torch.randn(*c["kernel"], generator=g, dtype=torch.float64)
    expected = F.conv2d(X[None, None], K[None, None], None, c["stride"], c["padding"])[0, 0]
    torch.testing.assert_close(corr2d(X, K, c["padding"], c["stride"]), expected)


@pytest.mark.parametrize("seed", range(15))
def test_multi_channel_loops_match_pytorch(seed):
    c = random_case(seed, max_size=8)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c["c_in"], c["h"], c["w"], generator=g, dtype=torch.float64)
    K = torch.randn(c["c_out"], c["c_in"], *c["kernel"], generator=g, dtype=torch.float64)
    expected = F.conv2d(X[None], K, None, c["stride"], c["padding"])[0]
    torch.testing.assert_close(corr2d_multi_in_out(X, K, c["padding"], c["stride"]), expected)
    torch.testing.assert_close(corr2d_multi_in(X, K[0], c["padding"], c["stride"]), expected[0])


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
    layer = Conv2D((1, 2))
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


@pytest.mark.parametrize("seed", range(60))
def test_conv2d_matches_pytorch_forward_and_backward(seed):
    c = random_case(seed, max_size=14, max_channels=5, max_batch=4)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(c["n"], c["c_in"], c["h"], c["w"], generator=g, dtype=torch.float64)
    W = torch.randn(c["c_out"], c["c_in"], *c["kernel"], generator=g, dtype=torch.float64)
    b = torch.randn(c["c_out"], generator=g, dtype=torch.float64) if seed % 3 else None
    inputs = [t.requires_grad_() for t in (X, W, b) if t is not None]
    ours = conv2d(X, W, b, c["stride"], c["padding"])
    theirs = F.conv2d(X, W, b, c["stride"], c["padding"])
    torch.testing.assert_close(ours, theirs)
    dY = torch.randn(theirs.shape, generator=g, dtype=torch.float64)
    for a, e in zip(torch.autograd.grad(ours, inputs, dY), torch.autograd.grad(theirs, inputs, dY)):
        torch.testing.assert_close(a, e)


def test_conv2d_float32_and_no_input_grad():
    torch.manual_seed(0)
    X = torch.rand(64, 3, 32, 32)
    W = torch.randn(16, 3, 3, 3, requires_grad=True)
    b = torch.randn(16, requires_grad=True)
    torch.testing.assert_close(conv2d(X, W, b, 1, 1), F.conv2d(X, W, b, 1, 1), atol=1e-5, rtol=1e-4)
    conv2d(X, W, b, 1, 1).sum().backward()
    assert W.grad.shape == W.shape and X.grad is None


@pytest.mark.parametrize(
    "stride, padding, kernel", [(1, 1, (3, 3)), (2, 0, (2, 3)), ((2, 1), (1, 2), (3, 1))]
)
def test_conv2d_gradcheck(stride, padding, kernel):
    torch.manual_seed(0)
    X = torch.randn(2, 3, 7, 6, dtype=torch.float64, requires_grad=True)
    W = torch.randn(4, 3, *kernel, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w, b: conv2d(x, w, b, stride, padding), (X, W, b))


def test_im2col_and_col2im_are_adjoint():
    torch.manual_seed(0)
    X = torch.randn(2, 3, 7, 8, dtype=torch.float64)
    cols = im2col(X, (3, 2), (2, 1))
    torch.testing.assert_close(cols, F.unfold(X, (3, 2), stride=(2, 1)))
    C = torch.randn(cols.shape, dtype=torch.float64)
    # <im2col(X), C> == <X, col2im(C)>
    torch.testing.assert_close((cols * C).sum(), (X * col2im(C, X.shape, (3, 2), (2, 1))).sum())


X2, K2 = torch.zeros(5, 5), torch.zeros(2, 2)
ERRORS = [
    (lambda: corr2d(torch.zeros(1, 5, 5), K2), ValueError, r"X must have shape \(h, w\)"),
    (lambda: corr2d(X2, torch.zeros(2)), ValueError, "K must have shape"),
    (lambda: corr2d([[1, 2]], K2), TypeError, "X must be a torch.Tensor"),
    (lambda: corr2d(X2, torch.zeros(6, 2)), ValueError, "kernel_size .* larger than the padded"),
    (lambda: corr2d(X2, K2, stride=0), ValueError, "stride must be at least 1"),
    (lambda: corr2d(X2, K2, padding=-1), ValueError, "padding must be at least 0"),
    (lambda: corr2d(X2, K2, padding=(1, 2, 3)), TypeError, "padding must be an int or a pair"),
    (lambda: corr2d(X2, K2, stride=1.5), TypeError, "stride must be an int or a pair"),
    (lambda: Conv2D(0), ValueError, "kernel_size must be at least 1"),
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
    (lambda: conv2d(torch.zeros(3, 5, 5), torch.zeros(2, 3, 2, 2)), ValueError, "X must have"),
    (lambda: conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(2, 3, 2)), ValueError, "weight must"),
    (
        lambda: conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(2, 4, 2, 2)),
        ValueError,
        "X has 3 input channels but weight expects 4",
    ),
    (
        lambda: conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(2, 3, 2, 2), torch.zeros(3)),
        ValueError,
        r"bias must be None or of shape \(2,\)",
    ),
    (
        lambda: conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 7, 7), padding=0),
        ValueError,
        "larger than the padded input",
    ),
    (
        lambda: conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), stride=(1, 0)),
        ValueError,
        "stride must be at least 1",
    ),
    (lambda: conv_output_shape(5, 3, -1), ValueError, "padding must be at least 0"),
]


@pytest.mark.parametrize("call, error, message", ERRORS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
