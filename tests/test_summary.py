"""layer_summary: totals against independent counts, the layer blamed for a failure, networks
without parameters, unbatched inputs, layers returning tuples, and a network left as it was."""

import pytest
import torch
from torch import nn

from cnnbook import conv
from cnnbook.conv import conv_cost
from cnnbook.models import VGG, VGG11_ARCH, VGG11_SLIM_ARCH, AlexNet, LeNet
from cnnbook.summary import Row, Summary, layer_summary


def count(net):
    return sum(p.numel() for p in net.parameters())


def test_lenet_totals_match_an_independent_count():
    net = LeNet()
    summary = layer_summary(net, (1, 1, 28, 28))
    assert summary.total_parameters == count(net) == sum(r.parameters for r in summary.rows)
    convs = conv_cost(1, 6, 5, 28)[1] + conv_cost(6, 16, 5, 10)[1]
    assert summary.total_macs == convs + 400 * 120 + 120 * 84 + 84 * 10
    names = [f"features.{i}" for i in range(6)] + [f"classifier.{i}" for i in range(5)]
    assert [r.name for r in summary.rows] == names
    assert summary.rows[0] == Row("features.0", "Conv2d", (1, 6, 28, 28), 156, 6 * 784 * 25)
    assert summary.rows[-1].output_shape == (1, 10)
    text = str(summary)
    assert "features.0 Conv2d" in text and f"{count(net):,}" in text.splitlines()[-1]


@pytest.mark.parametrize("make", [AlexNet, lambda: VGG(VGG11_ARCH), lambda: VGG(VGG11_SLIM_ARCH)])
def test_totals_at_224_equal_an_independent_count(make):
    with torch.device("meta"):  # shapes without memory or time
        net = make()
    summary = layer_summary(net, (1, 1, 224, 224))
    assert summary.total_parameters == count(net) and summary.unused == []
    rows = {r.name: r for r in summary.rows}
    macs = 0
    for name, module in net.named_modules():
        if isinstance(module, nn.Linear):
            macs += module.in_features * module.out_features
        if isinstance(module, nn.Conv2d):
            _, _, h, w = rows[name].output_shape
            c_in, c_out, k = module.in_channels, module.out_channels, module.kernel_size
            macs += conv_cost(c_in, c_out, k, (h, w))[1]
    assert summary.total_macs == macs


def test_macs_are_per_example_whatever_the_batch():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(4 * 36, 5))
    one, three = layer_summary(net, (1, 1, 8, 8)), layer_summary(net, (3, 1, 8, 8))
    assert one.total_macs == three.total_macs == conv_cost(1, 4, 3, 6)[1] + 4 * 36 * 5
    assert three.rows[0].output_shape == (3, 4, 6, 6)


def test_the_layer_that_breaks_is_named_with_its_input_shape():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(100, 10))
    with pytest.raises(
        ValueError, match=r"^layer 2 \(Linear\) fails on its input of shape \(1, 2704\): mat1"
    ) as info:
        layer_summary(net, (1, 1, 28, 28))
    assert isinstance(info.value.__cause__, RuntimeError)
    assert "the layers that ran before it:" in str(info.value) and "1 Flatten" in str(info.value)


class TwoPaths(nn.Module):
    """Defines three layers; its forward pass uses ``a`` twice and never ``b``."""

    def __init__(self, broken_width=False, broken_end=False):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 3)
        self.c = nn.Linear(5 if broken_width else 4, 2)
        self.broken_end = broken_end

    def forward(self, x):
        y = self.c(self.a(self.a(x.flatten(1))))
        return y.view(3) if self.broken_end else y


def test_layers_never_called_are_listed():
    summary = layer_summary(TwoPaths(), (1, 1, 2, 2))
    assert [r.name for r in summary.rows] == ["a", "a", "c"]
    assert summary.unused == [("b", 15)]
    assert "never called: b (15 parameters)" in str(summary)


def test_the_running_layer_is_blamed_not_the_last_one_started_or_finished():
    with pytest.raises(
        ValueError, match=r"^layer c \(Linear\) fails on its input of shape \(1, 4\)"
    ):
        layer_summary(TwoPaths(broken_width=True), (1, 1, 2, 2))
    # c has finished when the network's own code fails: the network is blamed, not c
    with pytest.raises(
        ValueError,
        match=r"^the network \(TwoPaths\), outside its layers, fails on its input of shape "
        r"\(1, 1, 2, 2\)",
    ):
        layer_summary(TwoPaths(broken_end=True), (1, 1, 2, 2))


class Residual(nn.Module):
    def __init__(self, channels_in, channels_out):
        super().__init__()
        self.conv = nn.Conv2d(channels_in, channels_out, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        return x + self.relu(self.conv(x))  # breaks when the channels change


def test_a_block_failing_between_its_sub_layers_is_blamed_not_its_last_sub_layer():
    net = nn.Sequential(Residual(2, 2), nn.Sequential(nn.ReLU(), Residual(2, 3)))
    with pytest.raises(
        ValueError,
        match=r"^layer 1\.1 \(Residual\), outside its sub-layers, fails on its input of shape "
        r"\(1, 2, 4, 4\)",
    ):
        layer_summary(net, (1, 2, 4, 4))


class Picky(nn.Module):
    def forward(self, x):
        raise TypeError("Picky wants a list")


@pytest.mark.parametrize(
    "layer, error",
    [(Picky(), TypeError), (conv.Conv2d(3, 4, kernel_size=3), ValueError)],
)
def test_errors_other_than_runtime_errors_are_reported_the_same_way(layer, error):
    net = nn.Sequential(nn.ReLU(), layer)
    with pytest.raises(
        ValueError, match=r"^layer 1 \(\w+\) fails on its input of shape \(1, 1, 5, 5\)"
    ) as info:
        layer_summary(net, (1, 1, 5, 5))
    assert isinstance(info.value.__cause__, error)


def all_hooks(net):
    return [h for m in net.modules() for h in (*m._forward_hooks, *m._forward_pre_hooks)]


@pytest.mark.parametrize("broken", [False, True])
def test_hooks_are_removed_and_modes_restored(broken):
    net = LeNet()
    net.train()
    net.classifier.eval()  # a mixed state must come back as it was
    modes = [m.training for m in net.modules()]
    if broken:
        with pytest.raises(ValueError, match=r"layer classifier\.0 \(Linear\)"):
            layer_summary(net, (1, 1, 32, 32))
    else:
        layer_summary(net, (1, 1, 28, 28))
    assert all_hooks(net) == []
    assert [m.training for m in net.modules()] == modes


def test_a_network_without_parameters():
    net = nn.Sequential(nn.MaxPool2d(2), nn.Flatten())
    summary = layer_summary(net, (2, 3, 4, 4))
    assert [r.output_shape for r in summary.rows] == [(2, 3, 2, 2), (2, 12)]
    assert summary.total_parameters == summary.total_macs == 0


@pytest.mark.parametrize(
    "net",
    [
        nn.Linear(4, 2).double(),
        nn.BatchNorm1d(4, affine=False).double(),  # buffers only
        nn.Linear(4, 2, device="meta"),
    ],
)
def test_the_input_follows_the_networks_dtype_and_device(net):
    captured = []
    net.register_forward_pre_hook(lambda m, inputs: captured.append(inputs[0]))
    summary = layer_summary(net, (2, 4))
    first = next(t for t in (*net.parameters(), *net.buffers()) if t.is_floating_point())
    assert captured[0].dtype == first.dtype and captured[0].device == first.device
    assert summary.rows[0].name == ""


def test_unbatched_input_is_taken_literally():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
    summary = layer_summary(net, (1, 8, 8))  # one example without a batch dimension
    assert summary.rows[0].output_shape == (4, 6, 6)
    assert summary.total_macs == conv_cost(1, 4, 3, 6)[1]
    # LeNet's convolutions accept it too, but flatten(x, 1) then keeps 16 rows: the dense layer
    # that receives them is named
    with pytest.raises(ValueError, match=r"layer classifier\.0 \(Linear\) .* shape \(16, 25\)"):
        layer_summary(LeNet(), (1, 28, 28))


class PoolThenLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.lstm = nn.LSTM(4, 3, batch_first=True)

    def forward(self, x):
        y, _ = self.pool(x)
        out, (h, c) = self.lstm(y.flatten(2))
        return out


def test_layers_returning_tuples_report_their_first_tensor():
    net = PoolThenLSTM()
    summary = layer_summary(net, (1, 2, 4, 4))
    assert [(r.name, r.output_shape) for r in summary.rows] == [
        ("pool", (1, 2, 2, 2)),
        ("lstm", (1, 2, 3)),
    ]
    assert summary.rows[1].parameters == count(net.lstm) == summary.total_parameters


def test_the_table_keeps_its_columns_for_long_names():
    with torch.device("meta"):
        summary = layer_summary(AlexNet(), (1, 1, 224, 224))
    lines = str(summary).splitlines()
    assert lines[0].split() == ["layer", "output", "shape", "parameters", "multiply-adds"]
    column = lines[0].index("output shape")
    assert lines[1].startswith("input") and lines[1].index("(1, 1, 224, 224)") == column
    for line, row in zip(lines[2:], summary.rows):
        assert line.startswith(f"{row.name} {row.layer} ")
        assert line.index(str(row.output_shape)) == column
    assert len({len(line) for line in lines[2:-1]}) == 1
    totals = [f"{summary.total_parameters:,}", f"{summary.total_macs:,}"]
    assert lines[-1].split() == ["total", *totals]


@pytest.mark.parametrize(
    "net, shape, error, message",
    [
        ("LeNet", (1, 1, 28, 28), TypeError, "net must be a torch.nn.Module, got str"),
        (LeNet(), 28, TypeError, "input_shape must be a shape of positive ints .* got int"),
        (LeNet(), torch.zeros(1, 28), TypeError, "input_shape .* got Tensor"),
        (LeNet(), (1, 1.0, 28), TypeError, r"input_shape .* got \(1, 1.0, 28\)"),
        (LeNet(), (1, True, 28), TypeError, "input_shape"),
        (LeNet(), (), ValueError, r"input_shape .* got \(\)"),
        (LeNet(), (1, 0, 28), ValueError, r"input_shape .* got \(1, 0, 28\)"),
    ],
)
def test_arguments_are_checked(net, shape, error, message):
    with pytest.raises(error, match=message):
        layer_summary(net, shape)


def test_summary_can_be_built_from_rows():
    rows = [Row("0", "Linear", (1, 2), 10, 8)]
    summary = Summary(rows, (1, 4), 10, unused=[("1", 6)])
    assert summary.total_macs == 8 and summary.unused == [("1", 6)]
    assert str(summary).splitlines()[-1] == "never called: 1 (6 parameters)"
