"""AlexNet and VGG: shapes at 224 and at the CPU budget's sizes, exact parameter counts, the layer
summary against an independent count, and the adaptive pool being an identity at 224."""

import pytest
import torch
from torch import nn

from cnnbook.conv import conv_cost
from cnnbook.models import VGG11_ARCH, VGG11_SLIM_ARCH, AlexNet, vgg, vgg_block
from cnnbook.summary import layer_summary
from cnnbook.train import RECIPES


def count(net):
    return sum(p.numel() for p in net.parameters())


def test_alexnet_parameter_count_and_shapes():
    net = AlexNet()
    assert count(net) == 46_764_746
    assert net(torch.zeros(2, 1, 224, 224)).shape == (2, 10)
    size = RECIPES["alexnet"]["cpu"]["resize"]
    assert net(torch.zeros(2, 1, size, size)).shape == (2, 10)
    assert (
        count(AlexNet(num_classes=1000, in_channels=3))
        == 46_764_746 - 96 * 121 + (96 * 3 * 121) - 4097 * 10 + 4097 * 1000
    )


@pytest.mark.parametrize(
    "arch, expected",
    [(VGG11_ARCH, 128_806_154), (VGG11_SLIM_ARCH, 43_093_322)],
)
def test_vgg_parameter_counts(arch, expected):
    net = vgg(arch)
    assert count(net) == expected
    # independently: the convolutions, then 512 (or 128) * 7 * 7 -> 4096 -> 4096 -> 10
    convs, c_in = 0, 1
    for num_convs, c_out in arch:
        for _ in range(num_convs):
            convs += conv_cost(c_in, c_out, 3, 1)[0]
            c_in = c_out
    dense = (c_in * 49 + 1) * 4096 + 4097 * 4096 + 4097 * 10
    assert expected == convs + dense


def test_vgg_shapes_at_224_and_at_the_cpu_budget():
    assert vgg(VGG11_SLIM_ARCH)(torch.zeros(2, 1, 224, 224)).shape == (2, 10)
    size = RECIPES["vgg"]["cpu"]["resize"]
    assert vgg(VGG11_SLIM_ARCH)(torch.zeros(2, 1, size, size)).shape == (2, 10)
    block = vgg_block(2, 3, 8)
    assert block(torch.zeros(1, 3, 16, 16)).shape == (1, 8, 8, 8)
    assert sum(isinstance(m, nn.Conv2d) for m in block) == 2


@pytest.mark.parametrize("make", [AlexNet, lambda: vgg(VGG11_ARCH), lambda: vgg(VGG11_SLIM_ARCH)])
def test_layer_summary_totals_equal_an_independent_count(make):
    net = make()
    summary = layer_summary(net, (1, 1, 224, 224))
    assert summary.total_parameters == count(net)
    macs = 0
    for module in net.modules():
        if isinstance(module, nn.Linear):
            macs += module.in_features * module.out_features
    rows = {r.name: r for r in summary.rows}
    for name, module in net.named_modules():
        if isinstance(module, nn.Conv2d):
            _, _, h, w = rows[name].output_shape
            macs += conv_cost(module.in_channels, module.out_channels, module.kernel_size, (h, w))[
                1
            ]
    assert summary.total_macs == macs


@pytest.mark.parametrize("make", [AlexNet, lambda: vgg(VGG11_SLIM_ARCH)])
def test_adaptive_pool_is_an_identity_at_224(make):
    net = make()
    pool = next(m for m in net if isinstance(m, nn.AdaptiveAvgPool2d))
    seen = {}
    pool.register_forward_hook(lambda m, i, o: seen.update(input=i[0], output=o))
    with torch.no_grad():
        net(torch.rand(1, 1, 224, 224))
    assert seen["input"].shape == seen["output"].shape
    assert torch.equal(seen["input"], seen["output"])
