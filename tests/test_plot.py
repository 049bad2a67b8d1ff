"""Figures: training curves that say something after one epoch or many, kernels in a labelled
grid of a sensible size."""

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

from cnnbook.plot import plot_history, show_kernels
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
