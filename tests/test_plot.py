"""Figures: training curves that say something after one epoch or many, kernels in a labelled
grid of a sensible size, maps on their own or one shared scale; every figure with an alt text
written from what it draws."""

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

from cnnbook.alttext import alt_text
from cnnbook.plot import plot_confusion, plot_history, show_images, show_kernels, show_maps
from cnnbook.train import History

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def history(num_epochs, batches_per_epoch=40):
    losses = torch.linspace(2.3, 0.5, num_epochs * batches_per_epoch).tolist()
    train_acc = torch.linspace(0.5, 0.9, num_epochs).tolist()
    test_acc = torch.linspace(0.6, 0.88, num_epochs).tolist()
    means = [sum(losses[e * batches_per_epoch : (e + 1) * batches_per_epoch]) / batches_per_epoch
             for e in range(num_epochs)]  # fmt: skip
    return History("cpu", means, train_acc, test_acc, [1.0] * num_epochs, [1.0] * num_epochs,
                   losses)  # fmt: skip


@pytest.mark.parametrize("num_epochs", [1, 3, 10])
def test_plot_history_axes_are_labelled_and_cover_the_run(num_epochs):
    fig = plot_history(history(num_epochs), "a run")
    loss, acc = fig.axes
    assert loss.get_xlabel() == "epoch" and loss.get_ylabel() and acc.get_ylabel() == "accuracy"
    assert loss.get_xlim() == (0, num_epochs)
    [batches] = [line for line in loss.get_lines() if line.get_label() == "batch loss"]
    x = batches.get_xdata()
    assert len(x) == num_epochs * 40 and x[0] > 0 and x[-1] == pytest.approx(num_epochs)
    low, high = acc.get_ylim()
    assert 0 <= low <= 0.5 and high >= 1.0  # a range of accuracies, not a sliver around one dot
    if num_epochs > 1:
        assert acc.get_xlim() == (0, num_epochs) and acc.get_xlabel() == "epoch"
        assert [len(line.get_xdata()) for line in acc.get_lines()] == [num_epochs] * 2


def test_plot_history_after_one_epoch_shows_labelled_bars():
    h = history(1)
    fig = plot_history(h)
    acc = fig.axes[1]
    heights = [bar.get_height() for bar in acc.patches]
    assert heights == pytest.approx([h.train_acc[0], h.test_acc[0]])
    labels = [t.get_text() for t in acc.get_xticklabels()]
    assert labels[0].startswith("train") and labels[1].startswith("test")
    assert f"{h.test_acc[0]:.3f}" in [t.get_text() for t in acc.texts]


def test_plot_history_without_a_finished_epoch_is_an_error():
    with pytest.raises(ValueError, match="no finished epoch"):
        plot_history(History("cpu"))


@pytest.mark.parametrize(
    ("count", "num_cols", "scale"), [(96, 16, 0.6), (16, 16, 0.6), (6, 6, 1.2)]
)
def test_show_kernels_is_a_numbered_grid_at_most_8_inches_wide(count, num_cols, scale):
    fig = show_kernels(torch.randn(count, 3, 5, 5), num_cols=num_cols, scale=scale, title="conv1")
    width, height = fig.get_size_inches()
    rows = -(-count // num_cols)
    assert width <= 8.0 + 1e-9 and height >= rows * width / num_cols  # square cells, all rows
    drawn = [ax for ax in fig.axes if ax.get_images()]
    assert [ax.get_title() for ax in drawn] == [str(i) for i in range(count)]
    title = fig.get_suptitle()
    assert "conv1" in title and f"{count} kernels" in title
    assert "red positive" in title and "blue negative" in title


def test_show_kernels_draws_each_kernel_on_its_own_symmetric_scale():
    weight = torch.zeros(2, 1, 3, 3)
    weight[0, 0, 0, 0], weight[1, 0, 1, 1] = 0.5, -4.0
    fig = show_kernels(weight, num_cols=8)
    limits = [ax.get_images()[0].get_clim() for ax in fig.axes if ax.get_images()]
    assert limits == [(-0.5, 0.5), (-4.0, 4.0)]
    assert fig.get_size_inches()[0] == pytest.approx(2.0)  # two kernels: two columns


@pytest.mark.parametrize("weight", [torch.zeros(4, 5, 5), torch.zeros(2, 1, 3, 3, 3)])
def test_show_kernels_refuses_a_weight_that_is_not_4d(weight):
    with pytest.raises(ValueError, match="weight must be a convolution weight"):
        show_kernels(weight)


def test_show_maps_states_each_scale_or_shares_one():
    image = torch.tensor([[0.0, 0.5], [1.0, 0.5]])
    blurred = image * 0.5  # half as bright: on their own scales the two would look the same
    own = show_maps([image, blurred], ["image", "half"])
    assert [ax.get_images()[0].get_clim() for ax in own.axes] == [(0, 1.0), (0, 0.5)]
    assert [ax.get_xlabel() for ax in own.axes] == ["black 1", "black 0.5"]
    shared = show_maps([image, blurred], ["image", "half"], shared=True)
    maps = [ax for ax in shared.axes if ax.get_title()]
    assert [ax.get_images()[0].get_clim() for ax in maps] == [(0, 1.0), (0, 1.0)]
    assert len(shared.axes) == 3 and "one scale" in shared.axes[2].get_ylabel()  # a colour bar
    signed = show_maps([image, -blurred], ["image", "negative"], shared=True)
    assert [ax.get_images()[0].get_clim() for ax in signed.axes[:2]] == [(-1.0, 1.0)] * 2
    assert "one scale from -1 to 1" in alt_text(signed)
    assert "each on its own scale" in alt_text(own) and "one scale from 0 to 1" in alt_text(shared)
    with pytest.raises(ValueError, match="titles"):
        show_maps([image, blurred], ["only one"])
    with pytest.raises(TypeError, match="shared"):
        show_maps([image], ["image"], shared="yes")


def test_every_figure_function_describes_what_it_draws():
    images = torch.zeros(3, 28, 28)
    confusion = torch.tensor([[5, 1, 0], [3, 4, 0], [0, 0, 7]])
    h = history(3)
    texts = {
        "images": alt_text(show_images(images, 1, 3, titles=["coat", "bag", "shirt"])),
        "maps": alt_text(show_maps([images[0], -images[1] - 1], ["a", "b"])),
        "history": alt_text(plot_history(h, "LeNet")),
        "one epoch": alt_text(plot_history(history(1))),
        "confusion": alt_text(plot_confusion(confusion, ["x", "y", "z"])),
        "kernels": alt_text(show_kernels(torch.randn(6, 1, 5, 5), title="conv1")),
    }
    assert "3 grey images (28×28 pixels each, dark is high) side by side" in texts["images"]
    one = alt_text(show_maps([images[0]], ["alone"], num_rows=1))
    assert one.startswith("1 map, on its own scale (gray from white at 0")
    assert "coat; bag; shirt" in texts["images"]
    assert (
        "a (28×28, values 0 to 0)" in texts["maps"]
        and "b (28×28, values -1 to -1)" in texts["maps"]
    )
    assert texts["history"].startswith("LeNet: training curves of 3 epochs on cpu")
    assert (
        f"{h.test_acc[-1]:.3f}" in texts["history"] and f"{h.train_acc[-1]:.3f}" in texts["history"]
    )
    assert "after 1 epoch: train 0.500, test 0.600" in texts["one epoch"]
    assert (
        "20 examples over 3 classes" in texts["confusion"]
        and "16 right (0.800)" in texts["confusion"]
    )
    assert "y taken for x 3 times" in texts["confusion"]
    assert (
        texts["kernels"].startswith("conv1: a grid of 6 convolution kernels")
        and "5×5" in texts["kernels"]
    )
