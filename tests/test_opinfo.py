"""cnnbook's conv2d and pooling against PyTorch's own test inputs: every sample and error input of
the OpInfos of F.conv2d, F.max_pool2d and F.avg_pool2d, and every ModuleInfo input of nn.Conv2d,
nn.MaxPool2d and nn.AvgPool2d, run exactly as written, on the CPU."""

import pytest
import torch
from torch.testing._internal import common_methods_invocations, common_modules

from cnnbook import conv, pool

OURS = {
    "nn.functional.conv2d": conv.conv2d,
    "nn.functional.max_pool2d": pool.max_pool2d,
    "nn.functional.avg_pool2d": pool.avg_pool2d,
}
OPS = {op.name: op for op in common_methods_invocations.op_db if op.name in OURS}
MODULES = {
    torch.nn.Conv2d: conv.Conv2d,
    torch.nn.MaxPool2d: pool.MaxPool2d,
    torch.nn.AvgPool2d: pool.AvgPool2d,
}
MODULE_INFOS = [m for m in common_modules.module_db if m.module_cls in MODULES]
DTYPES = [torch.float64, torch.float32]


pytestmark = pytest.mark.usefixtures("one_thread")


def test_every_op_and_module_is_found():
    assert sorted(OPS) == sorted(OURS)
    assert sorted(m.module_cls.__name__ for m in MODULE_INFOS) == sorted(
        c.__name__ for c in MODULES
    )


def as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def describe(sample) -> str:
    def show(v):
        return f"Tensor{tuple(v.shape)}" if isinstance(v, torch.Tensor) else repr(v)

    args = ", ".join(show(v) for v in (sample.input, *sample.args))
    kwargs = ", ".join(f"{k}={show(v)}" for k, v in sample.kwargs.items())
    return f"({args}{', ' if kwargs else ''}{kwargs})"


def check_same(ours, theirs, our_leaves, their_leaves, generator, what: str):
    """Equal outputs (values, dtypes, shapes; indices too), and equal gradients of the first
    output with respect to the leaves, for one random output gradient."""
    ours, theirs = as_tuple(ours), as_tuple(theirs)
    assert len(ours) == len(theirs), what
    for a, e in zip(ours, theirs):
        torch.testing.assert_close(a, e, msg=lambda m: f"{what}: {m}")
    dY = torch.randn(theirs[0].shape, generator=generator, dtype=theirs[0].dtype)
    ours_grad = torch.autograd.grad(ours[0], our_leaves, dY)
    theirs_grad = torch.autograd.grad(theirs[0], their_leaves, dY)
    for a, e in zip(ours_grad, theirs_grad):
        torch.testing.assert_close(a, e, msg=lambda m: f"{what}, gradient: {m}")


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", sorted(OURS))
def test_every_sample_input_matches_pytorch(name, dtype):
    op, ours = OPS[name], OURS[name]
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)  # the samples are random
    samples = list(op.sample_inputs("cpu", dtype, requires_grad=True))
    assert samples
    for sample in samples:
        what = f"{name}{describe(sample)}, {dtype}"
        leaves = [t for t in (sample.input, *sample.args) if isinstance(t, torch.Tensor)]
        got = ours(sample.input, *sample.args, **sample.kwargs)
        expected = op.op(sample.input, *sample.args, **sample.kwargs)
        check_same(got, expected, leaves, leaves, generator, what)


@pytest.mark.parametrize("name", sorted(OURS))
def test_every_sample_input_has_exact_second_derivatives(name):
    """gradcheck and gradgradcheck (float64, fast mode) on the samples; every 24th max-pooling
    sample, since there are 1440 of them."""
    op, ours = OPS[name], OURS[name]
    torch.manual_seed(0)
    samples = list(op.sample_inputs("cpu", torch.float64, requires_grad=True))
    step = 24 if len(samples) > 100 else 1
    for sample in samples[::step]:
        leaves = [t for t in (sample.input, *sample.args) if isinstance(t, torch.Tensor)]
        others = sample.args[len(leaves) - 1 :]

        def fn(*tensors, sample=sample, others=others):
            out = ours(*tensors, *others, **sample.kwargs)
            return as_tuple(out)[0]

        assert torch.autograd.gradcheck(fn, leaves, fast_mode=True), describe(sample)
        assert torch.autograd.gradgradcheck(fn, leaves, fast_mode=True), describe(sample)


@pytest.mark.parametrize("name", sorted(OURS))
def test_every_error_input_gets_a_clear_error(name):
    op, ours = OPS[name], OURS[name]
    errors = list(op.error_inputs("cpu"))
    assert errors
    for error in errors:
        sample = error.sample_input
        with pytest.raises(error.error_type):  # PyTorch's own error, to be sure of the input
            op.op(sample.input, *sample.args, **sample.kwargs)
        with pytest.raises((TypeError, ValueError)) as raised:
            ours(sample.input, *sample.args, **sample.kwargs)
        assert len(str(raised.value)) > 20, f"{describe(sample)}: {raised.value!r}"


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("info", MODULE_INFOS, ids=lambda m: m.module_cls.__name__)
def test_every_module_input_matches_pytorch(info, dtype):
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    inputs = info.module_inputs_func(
        info, device="cpu", dtype=dtype, requires_grad=True, training=True
    )
    assert inputs
    for module_input in inputs:
        args, kwargs = module_input.constructor_input.args, module_input.constructor_input.kwargs
        forward = module_input.forward_input
        theirs = info.module_cls(*args, **kwargs).to(dtype)
        ours = MODULES[info.module_cls](*args, **kwargs).to(dtype)
        ours.load_state_dict(theirs.state_dict())
        what = f"{info.module_cls.__name__}{args}{kwargs}, input {describe_module(forward)}"
        got, expected = (
            ours(*forward.args, **forward.kwargs),
            theirs(*forward.args, **forward.kwargs),
        )
        our_leaves = [*forward.args, *ours.parameters()]
        their_leaves = [*forward.args, *theirs.parameters()]
        check_same(got, expected, our_leaves, their_leaves, generator, what)


def describe_module(forward) -> str:
    return ", ".join(str(tuple(t.shape)) for t in forward.args)


@pytest.mark.parametrize(
    "info",
    [m for m in MODULE_INFOS if m.module_error_inputs_func],
    ids=lambda m: m.module_cls.__name__,
)
def test_every_module_error_input_gets_a_clear_error(info):
    errors = info.module_error_inputs_func(
        info, device="cpu", dtype=torch.float64, requires_grad=False, training=True
    )
    for error in errors:
        inputs = error.module_error_input
        args, kwargs = inputs.constructor_input.args, inputs.constructor_input.kwargs
        with pytest.raises(error.error_type):  # PyTorch's own error, to be sure of the input
            info.module_cls(*args, **kwargs)(*inputs.forward_input.args)
        with pytest.raises((TypeError, ValueError)):
            MODULES[info.module_cls](*args, **kwargs)(*inputs.forward_input.args)
