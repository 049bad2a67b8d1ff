"""The models: parameter counts (built on the meta device, so without memory or time), shapes at
each model's sizes, the adaptive pool, the from-scratch LeNet, and the constructors' checks."""

import pytest
import torch
from torch import nn

from cnnbook import conv, pool
from cnnbook.conv import conv_cost
from cnnbook.models import (
    VGG,
    VGG11_ARCH,
    VGG11_SLIM_ARCH,
    AlexNet,
    LeNet,
    LeNetModern,
    vgg_block,
)
from cnnbook.summary import layer_summary


def count(net):
    return sum(p.numel() for p in net.parameters())


def on_meta(make):
    with torch.device("meta"):
        return make()


def dense(*widths):
    """Parameters of dense layers widths[0] -> widths[1] -> ... (weights and biases)."""
    return sum((a + 1) * b for a, b in zip(widths, widths[1:]))


def vgg_convs(arch, c_in=1):
    total = 0
    for num_convs, c_out in arch:
        for _ in range(num_convs):
            total += conv_cost(c_in, c_out, 3, 1)[0]
            c_in = c_out
    return total, c_in


def test_parameter_counts_match_the_documented_ones_and_an_independent_count():
    lenet = conv_cost(1, 6, 5, 1)[0] + conv_cost(6, 16, 5, 1)[0] + dense(400, 120, 84, 10)
    batch_norm = 2 * (6 + 16 + 120 + 84)
    alexnet_convs = sum(
        conv_cost(c_in, c_out, k, 1)[0]
        for c_in, c_out, k in [
            (1, 96, 11),
            (96, 256, 5),
            (256, 384, 3),
            (384, 384, 3),
            (384, 256, 3),
        ]
    )
    expected = {
        LeNet: (61_706, lenet),
        lambda: LeNet(from_scratch=True): (61_706, lenet),
        LeNetModern: (62_158, lenet + batch_norm),
        AlexNet: (46_764_746, alexnet_convs + dense(6400, 4096, 4096, 10)),
    }
    for arch, documented in [(VGG11_ARCH, 128_806_154), (VGG11_SLIM_ARCH, 43_093_322)]:
        convs, c_out = vgg_convs(arch)
        expected[lambda arch=arch: VGG(arch)] = (
            documented,
            convs + dense(c_out * 49, 4096, 4096, 10),
        )
    for make, (documented, independent) in expected.items():
        assert count(on_meta(make)) == documented == independent


def test_in_channels_and_num_classes_are_every_models_first_two_arguments():
    sizes = {LeNet: 28, LeNetModern: 28, AlexNet: 65, lambda *a: VGG(VGG11_SLIM_ARCH, *a): 32}
    for make, size in sizes.items():
        net = on_meta(lambda make=make: make(3, 7))
        first_conv = next(m for m in net.features.modules() if isinstance(m, nn.Conv2d))
        assert first_conv.in_channels == 3 and net.classifier[-1].out_features == 7
        assert net(torch.zeros(2, 3, size, size, device="meta")).shape == (2, 7)
    more = 96 * 121 * 2 + 4097 * 990  # two more input channels, 990 more classes
    assert count(on_meta(lambda: AlexNet(3, 1000))) == 46_764_746 + more
    assert LeNet(3, 7, True)(torch.rand(2, 3, 28, 28)).shape == (2, 7)


@pytest.mark.parametrize("make", [LeNet, lambda: LeNet(from_scratch=True), LeNetModern])
def test_lenet_shapes_at_28(make):
    net = make()
    X = torch.rand(3, 1, 28, 28)
    assert net.features(X).shape == (3, 16, 5, 5)
    assert net(X).shape == (3, 10)
    assert not hasattr(net, "avgpool")  # nothing adaptive: LeNet needs 28 x 28


def test_forward_is_features_avgpool_flatten_classifier():
    torch.manual_seed(0)
    tiny_vgg = VGG(((1, 4), (1, 8)))
    for net, X in [(LeNet(), torch.rand(2, 1, 28, 28)), (tiny_vgg, torch.rand(2, 1, 32, 32))]:
        net.eval()
        x = net.features(X)
        x = net.avgpool(x) if hasattr(net, "avgpool") else x
        assert torch.equal(net(X), net.classifier(torch.flatten(x, 1)))


@pytest.mark.parametrize(
    "make, size, features",
    [
        (AlexNet, 224, (256, 5, 5)),
        (AlexNet, 65, (256, 1, 1)),  # the CPU budget's size, the smallest that runs
        (lambda: VGG(VGG11_ARCH), 224, (512, 7, 7)),
        (lambda: VGG(VGG11_SLIM_ARCH), 224, (128, 7, 7)),
        (lambda: VGG(VGG11_SLIM_ARCH), 64, (128, 2, 2)),  # the CPU budget's size
        (lambda: VGG(VGG11_SLIM_ARCH), 32, (128, 1, 1)),  # the smallest that runs
    ],
)
def test_shapes_at_each_size(make, size, features):
    net = on_meta(make)
    X = torch.zeros(2, 1, size, size, device="meta")
    assert net.features(X).shape == (2, *features)
    assert net.avgpool(net.features(X)).shape[2:] == net.avgpool.output_size
    assert net(X).shape == (2, 10)


@pytest.mark.parametrize(
    "make, size, failing",
    [(AlexNet, 64, "features.12"), (lambda: VGG(VGG11_SLIM_ARCH), 31, "features.4.4")],
)
def test_one_pixel_below_the_smallest_size_a_pooling_layer_fails(make, size, failing):
    with pytest.raises(ValueError, match=rf"layer {failing} \(MaxPool2d\)"):
        layer_summary(on_meta(make), (1, 1, size, size))


@pytest.mark.parametrize("make, size", [(AlexNet, 224), (lambda: VGG(VGG11_ARCH), 224)])
def test_adaptive_pool_is_an_identity_at_224(make, size):
    net = on_meta(make)
    shape = net.features(torch.zeros(1, 1, size, size, device="meta")).shape
    X = torch.rand(shape)
    assert torch.equal(net.avgpool(X), X)


def test_adaptive_pool_repeats_alexnets_single_position_at_65():
    net = on_meta(AlexNet)  # the pool has no parameters: it runs on real numbers
    X = torch.rand(1, 256, 1, 1)  # AlexNet's features at 65 x 65
    assert torch.equal(net.avgpool(X), X.expand(1, 256, 5, 5))


def test_chapters_reach_the_first_convolution_through_features():
    for make in (LeNet, LeNetModern, AlexNet):
        assert isinstance(on_meta(make).features[0], nn.Conv2d)
    assert isinstance(on_meta(lambda: VGG(VGG11_SLIM_ARCH)).features[0][0], nn.Conv2d)
    assert isinstance(on_meta(lambda: VGG(VGG11_SLIM_ARCH)), VGG)


def test_vgg_block_and_the_slim_architecture():
    block = vgg_block(2, 3, 8)
    assert block(torch.zeros(1, 3, 16, 16)).shape == (1, 8, 8, 8)
    assert block(torch.zeros(1, 3, 15, 15)).shape == (1, 8, 7, 7)
    assert [type(m) for m in block] == [nn.Conv2d, nn.ReLU, nn.Conv2d, nn.ReLU, nn.MaxPool2d]
    assert len(on_meta(lambda: VGG(VGG11_ARCH)).features) == len(VGG11_ARCH)
    assert [n for n, _ in VGG11_SLIM_ARCH] == [n for n, _ in VGG11_ARCH]
    assert [c * 4 for _, c in VGG11_SLIM_ARCH] == [c for _, c in VGG11_ARCH]


def test_from_scratch_lenet_equals_nn_lenet_for_the_same_seed():
    torch.manual_seed(0)
    a = LeNet()
    torch.manual_seed(0)
    b = LeNet(from_scratch=True)
    assert isinstance(b.features[0], conv.Conv2d) and isinstance(b.features[2], pool.AvgPool2d)
    assert [p.shape for p in a.parameters()] == [p.shape for p in b.parameters()]
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    X = torch.rand(4, 1, 28, 28)
    torch.testing.assert_close(a(X), b(X), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    "make, error, message",
    [
        (lambda: LeNet(in_channels=0), ValueError, "in_channels must be at least 1, got 0"),
        (lambda: LeNet(in_channels=1.0), TypeError, "in_channels must be an int >= 1, got 1.0"),
        (lambda: LeNet(num_classes=True), TypeError, "num_classes must be an int >= 1, got True"),
        (lambda: LeNet(from_scratch=1), TypeError, "from_scratch must be True or False, got 1"),
        (lambda: LeNetModern(num_classes=-2), ValueError, "num_classes must be at least 1"),
        (lambda: AlexNet("1"), TypeError, "in_channels must be an int >= 1, got '1'"),
        (lambda: AlexNet(1, 0), ValueError, "num_classes must be at least 1, got 0"),
        (lambda: VGG(()), ValueError, "conv_arch must be a non-empty sequence"),
        (lambda: VGG(5), TypeError, "conv_arch must be a non-empty sequence .* got 5"),
        (lambda: VGG("A"), TypeError, "conv_arch must be"),
        (lambda: VGG([(1, 64), 3]), TypeError, "got the entry 3"),
        (lambda: VGG([(1, 64, 3)]), ValueError, r"got the entry \(1, 64, 3\)"),
        (lambda: VGG([(0, 64)]), ValueError, "num_convs in conv_arch must be at least 1"),
        (lambda: VGG([(1, 6.4)]), TypeError, "out_channels in conv_arch must be an int"),
        (lambda: VGG(VGG11_ARCH, in_channels=0), ValueError, "in_channels must be at least 1"),
        (lambda: VGG(VGG11_ARCH, num_classes=None), TypeError, "num_classes must be an int"),
        (lambda: vgg_block(0, 1, 8), ValueError, "num_convs must be at least 1, got 0"),
        (lambda: vgg_block(1, 1, "8"), TypeError, "out_channels must be an int >= 1, got '8'"),
    ],
)
def test_constructors_check_their_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()
