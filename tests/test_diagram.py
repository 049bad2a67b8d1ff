"""Architecture diagrams: every label and shape comes from the network and layer_summary."""

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from cnnbook.alttext import alt_text
from cnnbook.conv import OneChannelConv2d
from cnnbook.diagram import WIDTH, blocks, compare_networks, draw_network, kind, label
from cnnbook.models import VGG, VGG11_SLIM_ARCH, AlexNet, LeNet, LeNetModern, vgg_block
from cnnbook.summary import layer_summary

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def shape_text(shape):
    return "×".join(str(d) for d in shape)


def test_changing_a_layer_changes_the_figure():
    net = LeNet()
    before = texts(draw_network(net, (1, 1, 28, 28)))
    assert "6×28×28" in before and not any(t.startswith("Conv 5×5, 8") for t in before)
    net.features[0] = nn.Conv2d(1, 8, kernel_size=5, padding=2)
    net.features[3] = nn.Conv2d(8, 16, kernel_size=5)
    after = texts(draw_network(net, (1, 1, 28, 28)))
    assert "Conv 5×5, 8, p2 + Sigmoid" in after and "8×28×28" in after
    assert "6×28×28" not in after


@pytest.mark.parametrize(
    "net, input_shape",
    [
        (LeNet(), (2, 1, 28, 28)),
        (LeNetModern(), (2, 1, 28, 28)),
        (VGG(VGG11_SLIM_ARCH), (1, 1, 32, 32)),
    ],
)
def test_shapes_are_layer_summary_shapes(net, input_shape):
    summary = layer_summary(net, input_shape)
    outputs = {row.name: row.output_shape[1:] for row in summary.rows}
    items = blocks(net, input_shape)
    assert items[0].shape == input_shape[1:]
    for block in items[1:]:
        assert block.shape == outputs[block.names[-1]]
    # Every layer is drawn once, in order.
    assert [name for b in items for name in b.names] == [row.name for row in summary.rows]
    found = texts(draw_network(net, input_shape))
    for block in items:
        assert any(t.startswith(shape_text(block.shape)) for t in found), block


def test_activations_join_the_block_before_them():
    grouped, plain = blocks(LeNet(), (1, 1, 28, 28)), blocks(LeNet(), (1, 1, 28, 28), group=False)
    assert len(plain) == len(layer_summary(LeNet(), (1, 1, 28, 28)).rows) + 1
    assert "activation" not in {b.kind for b in grouped} and "activation" in {b.kind for b in plain}
    assert grouped[1].label == "Conv 5×5, 6, p2 + Sigmoid"
    assert grouped[1].names == ("features.0", "features.1")


def test_labels_say_kind_kernel_stride_and_channels():
    labels = [b.label for b in blocks(AlexNet(), (1, 1, 65, 65))]
    assert labels[1] == "Conv 11×11, 96, s4, p1 + ReLU"
    assert labels[2] == "MaxPool 3×3, s2"
    assert "AdaptiveAvgPool to 5×5" in labels and "Dropout 0.5" in labels
    assert labels[-1] == "Dense 10"


def test_a_vgg_block_alone():
    fig = draw_network(vgg_block(2, 4, 8), (1, 4, 16, 16), title="VGG block")
    found = texts(fig)
    assert found.count("Conv 3×3, 8, p1 + ReLU") == 2
    assert "MaxPool 2×2, s2" in found and "8×8×8" in found and "VGG block" in found


def test_compare_networks_side_by_side_at_one_scale():
    fig = compare_networks(
        [("LeNet", LeNet(), (1, 1, 28, 28)), ("AlexNet", AlexNet(), (1, 1, 65, 65))]
    )
    left, right = fig.axes
    assert fig.get_figwidth() == pytest.approx(2 * WIDTH)
    assert left.get_ylim() == right.get_ylim()  # the same scale, tops aligned
    assert {"LeNet", "AlexNet"} <= set(texts(fig))
    [legend] = fig.legends
    assert {"convolution", "pooling", "dense", "dropout"} <= {t.get_text() for t in legend.texts}


def test_draw_network_on_given_axes_and_errors():
    fig = plt.figure()
    ax = fig.add_subplot()
    assert draw_network(LeNet(), (1, 1, 28, 28), ax=ax, title="") is fig
    with pytest.raises(TypeError, match="net must be"):
        draw_network("LeNet", (1, 1, 28, 28))
    with pytest.raises(ValueError, match="networks"):
        compare_networks([])
    with pytest.raises(ValueError, match="fails on its input"):
        draw_network(LeNet(), (1, 1, 5, 5))


class RowPool(nn.Module):
    """A layer of one's own whose name says Pool: no kernel_size, no stride."""

    def forward(self, x):
        return x.amax(dim=2, keepdim=True)


@pytest.mark.parametrize(
    "layer, shape, expected",
    [
        (nn.LPPool2d(2, 3), (1, 2, 9, 9), "LPPool 3×3, s3, norm 2"),
        (nn.FractionalMaxPool2d(3, output_size=5), (1, 2, 12, 12), "FractionalMaxPool 3×3 to 5×5"),
        (
            nn.FractionalMaxPool2d(2, output_ratio=0.5),
            (1, 2, 12, 12),
            "FractionalMaxPool 2×2 to 0.5 of the input",
        ),
        (RowPool(), (1, 2, 6, 6), "RowPool"),
        (nn.MaxPool1d(3), (1, 2, 9), "MaxPool 3, s3"),
        (nn.AvgPool3d(2), (1, 2, 4, 4, 4), "AvgPool 2×2×2, s2"),
        (nn.AdaptiveAvgPool1d(4), (1, 2, 9), "AdaptiveAvgPool to 4"),
        (nn.AdaptiveMaxPool2d((None, 3)), (1, 2, 9, 9), "AdaptiveMaxPool to same×3"),
        (nn.Conv1d(1, 2, 3), (1, 1, 9), "Conv 3, 2"),
        (nn.Conv1d(1, 2, 3, stride=2, padding=1), (1, 1, 9), "Conv 3, 2, s2, p1"),
        (nn.Conv3d(1, 2, 3), (1, 1, 5, 5, 5), "Conv 3×3×3, 2"),
        (nn.ConvTranspose2d(2, 4, 2, stride=2), (1, 2, 4, 4), "ConvTranspose 2×2, 4, s2"),
    ],
)
def test_every_layer_gets_a_label_of_its_own_dimensions_and_never_a_crash(layer, shape, expected):
    net = nn.Sequential(layer)
    [first, block] = blocks(net, shape)
    assert block.label.startswith(expected), block.label
    assert first.shape == shape[1:] and block.shape == tuple(net(torch.zeros(shape)).shape[1:])
    assert block.label in texts(draw_network(net, shape))


def test_kinds_come_from_the_classes_not_the_names():
    assert kind(RowPool()) == "other"  # "Pool" in a name is not a pooling layer
    assert kind(nn.LPPool2d(2, 2)) == kind(nn.FractionalMaxPool2d(2, output_size=3)) == "pool"
    conv = OneChannelConv2d((2, 3))
    assert kind(conv) == "conv" and label(conv) == "Conv 2×3, 1"

    class Conv2D(nn.Module):  # the old class name alone no longer makes a convolution
        def forward(self, x):
            return x

    assert kind(Conv2D()) == "other"


def test_a_diagram_alt_text_is_its_blocks_in_words():
    fig = draw_network(LeNet(), (1, 1, 28, 28))
    text = alt_text(fig)
    assert text.startswith("Diagram of LeNet")
    for block in blocks(LeNet(), (1, 1, 28, 28)):
        assert f"{block.label}" in text and block.shape_text in text
    assert text.index("Conv 5×5, 6, p2 + Sigmoid") < text.index("Dense 10, out 10")
    both = alt_text(
        compare_networks(
            [("LeNet", LeNet(), (1, 1, 28, 28)), ("AlexNet", AlexNet(), (1, 1, 65, 65))]
        )
    )
    assert "LeNet and AlexNet" in both and "Conv 11×11, 96, s4, p1 + ReLU" in both
    small = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())
    assert "2×6×6" in alt_text(draw_network(small, (1, 1, 8, 8), title="tiny"))
