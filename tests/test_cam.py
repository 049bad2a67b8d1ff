"""Grad-CAM: maps in [0, 1] at the input's size that follow the evidence in the image, with the
network left exactly as it was."""

import time

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnbook.cam import grad_cam, show_cam
from cnnbook.models import AlexNet, LeNet

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def patch_detector() -> nn.Sequential:
    """Its convolution responds to brightness (a 3x3 box filter); class 0 is "bright", class 1
    "dark", from the mean response."""
    net = nn.Sequential(
        nn.Conv2d(1, 1, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(1, 2),
    )  # fmt: skip
    with torch.no_grad():
        net[0].weight.fill_(1 / 9)
        net[0].bias.zero_()
        net[4].weight.copy_(torch.tensor([[1.0], [-1.0]]))
        net[4].bias.zero_()
    return net


def images_with_patches(corners, size=16):
    X = torch.zeros(len(corners), 1, size, size)
    for n, (i, j) in enumerate(corners):
        X[n, 0, i : i + 3, j : j + 3] = 1.0
    return X


def peak(m):
    return divmod(int(m.argmax()), m.shape[1])


def test_the_map_peaks_where_the_evidence_is_and_moves_with_it():
    net = patch_detector()
    corners = [(2, 3), (10, 11), (4, 12)]
    maps = grad_cam(net, images_with_patches(corners), net[0], class_idx=0)
    assert maps.shape == (3, 16, 16)
    assert maps.min() >= 0 and maps.max() <= 1
    for m, (i, j) in zip(maps, corners):
        assert m.max() == pytest.approx(1.0)
        assert peak(m) == (i + 1, j + 1)  # the patch's centre
        assert m[i + 1, j + 1] > 4 * m[(i + 9) % 16, (j + 9) % 16]  # far away: little


def test_no_evidence_gives_a_map_of_zeros():
    net = patch_detector()
    maps = grad_cam(net, images_with_patches([(5, 5)]), net[0], class_idx=1)  # "dark"
    assert torch.equal(maps, torch.zeros(1, 16, 16))


def test_the_network_is_left_as_it_was():
    net = patch_detector().train()
    X = images_with_patches([(1, 1), (8, 8)])
    before = {name: p.clone() for name, p in net.named_parameters()}
    with torch.no_grad():  # works inside no_grad too
        grad_cam(net, X, net[0])
    assert all(m.training for m in net.modules())
    assert all(p.grad is None for p in net.parameters())
    assert all(torch.equal(p, before[name]) for name, p in net.named_parameters())
    for m in net.modules():
        assert not m._forward_hooks and not m._backward_hooks and not m._forward_pre_hooks
    with pytest.raises(ValueError, match="class_idx"):
        grad_cam(net, X, net[0], class_idx=7)
    assert not net[0]._forward_hooks and all(m.training for m in net.modules())


def test_class_choices_and_layer_names_agree():
    torch.manual_seed(0)
    net, X = LeNet(), torch.rand(3, 1, 28, 28)
    predicted = net.eval()(X).argmax(1)
    by_module = grad_cam(net, X, net.features[3])
    torch.testing.assert_close(by_module, grad_cam(net, X, "features.3", class_idx=predicted))
    torch.testing.assert_close(
        grad_cam(net, X, net.features[3], class_idx=2)[1],
        grad_cam(net, X[1:2], net.features[3], class_idx=[2])[0],
    )


@pytest.mark.parametrize("make, size, layer", [(LeNet, 28, 3), (AlexNet, 65, 10)])
def test_book_networks_on_cpu_in_seconds(make, size, layer):
    torch.manual_seed(0)
    net, X = make(), torch.rand(4, 1, size, size)
    start = time.perf_counter()
    maps = grad_cam(net, X, net.features[layer])
    assert time.perf_counter() - start < 5
    assert maps.shape == (4, size, size)
    assert maps.min() >= 0 and maps.max() <= 1


def test_arguments_are_checked():
    net = patch_detector()
    X = images_with_patches([(1, 1)])
    with pytest.raises(ValueError, match="must be a layer of net, got a"):
        grad_cam(net, X, nn.Conv2d(1, 1, 3))
    with pytest.raises(ValueError, match="must name a layer of net, got 'features.9'"):
        grad_cam(net, X, "features.9")
    with pytest.raises(ValueError, match=r"\(N, K, h, w\)"):
        grad_cam(net, X, net[4])  # a dense layer: no feature maps
    with pytest.raises(ValueError, match="X must have shape"):
        grad_cam(net, X[0], net[0])
    with pytest.raises(TypeError, match="class_idx"):
        grad_cam(net, X, net[0], class_idx=0.5)


def test_show_cam_overlays_each_map_with_a_colour_bar():
    X = images_with_patches([(2, 3), (10, 11)])
    maps = grad_cam(patch_detector(), X, "0", class_idx=0)
    fig = show_cam(X, maps, ["left", "right"])
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 4  # image and overlay, for each
    sizes = {tuple(round(v, 3) for v in ax.get_position().size) for ax in panels}
    assert len(sizes) == 1  # every panel the same size
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert any("evidence" in label for label in labels)  # the colour bar says what colours mean
    assert {"left", "right"} <= {ax.get_title() for ax in fig.axes}
    with pytest.raises(ValueError, match="same height and width"):
        show_cam(X, F.interpolate(maps[:, None], size=8)[:, 0])


def test_an_in_place_relu_after_the_layer_does_not_change_its_maps():
    """torchvision's models follow each convolution with nn.ReLU(inplace=True): Grad-CAM must
    weigh the convolution's own maps, not the ReLU's (which once were up to 0.27 off)."""
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 4, 3, padding=1)
    head = [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3)]
    in_place = nn.Sequential(conv, nn.ReLU(inplace=True), *head)
    plain = nn.Sequential(conv, nn.ReLU(), *head)
    X = torch.randn(3, 1, 8, 8)
    assert torch.equal(grad_cam(in_place, X, conv), grad_cam(plain, X, conv))
    assert torch.equal(in_place(X), plain(X))  # and the network computes what it did


def test_a_layer_off_the_path_to_the_scores_and_inference_mode_are_named():
    class SideBranch(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Conv2d(1, 2, 3), nn.Conv2d(1, 2, 3)
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3))

        def forward(self, X):
            self.unused(X)  # computed, but the scores do not depend on it
            return self.head(self.used(X))

    net, X = SideBranch(), torch.rand(2, 1, 8, 8)
    with pytest.raises(ValueError, match="target_layer must lie on the path from X to the class"):
        grad_cam(net, X, net.unused)
    with torch.inference_mode():
        with pytest.raises(RuntimeError, match=r"outside .*torch.inference_mode"):
            grad_cam(net, X, net.used)
        made_there = torch.rand(2, 1, 8, 8)
    assert grad_cam(net, made_there, net.used).shape == (2, 8, 8)  # such a tensor is fine
