"""The training engine on a tiny synthetic problem, the models' shapes and counts, the summary."""

import pytest
import torch
from torch import nn

from cnnbook import train as engine
from cnnbook.conv import conv_cost
from cnnbook.data import Batches
from cnnbook.models import LeNet, LeNetModern
from cnnbook.summary import layer_summary
from cnnbook.train import History, confusion_matrix, evaluate_accuracy, train


def toy_data(n=512, seed=0):
    """Two classes of 8x8 images: a bright left half or a bright right half, with noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    images = torch.rand(n, 8, 8, generator=g) * 100
    images[y == 0, :, :4] += 120
    images[y == 1, :, 4:] += 120
    images = images.clamp(0, 255).to(torch.uint8)
    train = Batches(images[: n // 2], y[: n // 2], 32, shuffle=True, seed=seed)
    test = Batches(images[n // 2 :], y[n // 2 :], 64)
    return train, test


def toy_net():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Tanh(), nn.Flatten(), nn.LazyLinear(2))


def run(**kwargs):
    train_iter, test_iter = toy_data()
    args = dict(num_epochs=4, lr=0.5, device="cpu", num_classes=2, progress=False, verbose=False)
    args.update(kwargs)
    return train(toy_net(), train_iter, test_iter, **args)


def test_loss_falls_and_history_has_every_field():
    history = run()
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.9
    for name in ("train_loss", "train_acc", "test_acc", "examples_per_sec", "epoch_time"):
        values = getattr(history, name)
        assert len(values) == 4 and all(v >= 0 for v in values), name
    assert history.wall_time > 0 and history.device.startswith("cpu")
    line = history.summary()
    assert line.startswith("loss ") and "examples/sec on cpu" in line and line.endswith(" s")


def test_same_seed_same_numbers_other_seed_other_numbers():
    a, b, c = run(seed=1), run(seed=1), run(seed=2)
    assert a.train_loss == b.train_loss and a.test_acc == b.test_acc
    assert a.train_loss != c.train_loss


def test_adam_also_learns():
    assert run(optimizer="adam", lr=0.01).test_acc[-1] > 0.9


def test_xavier_init_reaches_lazy_layers():
    torch.manual_seed(0)
    net = toy_net()
    train_iter, test_iter = toy_data()
    train(net, train_iter, test_iter, 1, 0.1, "cpu", num_classes=2, progress=False, verbose=False)
    assert net[3].weight.shape == (2, 144)  # materialised, then initialised and trained
    assert engine.init_xavier(net) == 2


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(lr=0), "lr must be a number > 0"),
        (dict(lr=-0.1), "lr must be a number > 0"),
        (dict(num_epochs=0), "num_epochs must be an int >= 1"),
        (dict(num_epochs=1.5), "num_epochs must be an int >= 1"),
        (dict(num_classes=10), r"must map a batch of 32 examples to \(32, 10\)"),
        (dict(optimizer="rmsprop"), "optimizer must be 'sgd' or 'adam'"),
        (dict(init="he"), "init must be 'xavier' or None"),
    ],
)
def test_wrong_input_is_rejected_before_training(change, message):
    with pytest.raises(ValueError, match=message):
        run(**change)


def test_empty_iterators_are_rejected():
    train_iter, test_iter = toy_data()
    empty = Batches(torch.zeros(0, 8, 8, dtype=torch.uint8), torch.zeros(0, dtype=torch.long), 4)
    with pytest.raises(ValueError, match="train_iter is empty"):
        train(toy_net(), empty, test_iter, 1, 0.1, "cpu", num_classes=2, progress=False)
    with pytest.raises(ValueError, match="test_iter is empty"):
        train(toy_net(), train_iter, empty, 1, 0.1, "cpu", num_classes=2, progress=False)
    with pytest.raises(ValueError, match="train_iter is empty"):
        train(toy_net(), [], test_iter, 1, 0.1, "cpu", num_classes=2, progress=False)


def test_wrong_output_shape_is_found_before_any_step():
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    before = [p.detach().clone() for p in net.parameters()]
    train_iter, test_iter = toy_data()
    with pytest.raises(ValueError, match=r"got output of shape \(32, 3\)"):
        train(net, train_iter, test_iter, 1, 0.1, "cpu", num_classes=2, init=None)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_evaluate_accuracy_and_confusion_matrix():
    class Oracle(nn.Module):  # predicts class 0 for a bright left half
        def forward(self, X):
            left, right = X[..., :4].mean((1, 2, 3)), X[..., 4:].mean((1, 2, 3))
            return torch.stack([left - right, right - left], 1)

    _, test_iter = toy_data()
    assert evaluate_accuracy(Oracle(), test_iter) == 1.0
    M = confusion_matrix(torch.tensor([0, 1, 1, 1]), torch.tensor([0, 0, 1, 1]), 2)
    assert M.tolist() == [[1, 1], [0, 2]]


def test_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CNNBOOK_BUDGET", "full")
    assert engine.budget() == "full"
    monkeypatch.setenv("CNNBOOK_BUDGET", "huge")
    with pytest.raises(ValueError, match="CNNBOOK_BUDGET"):
        engine.budget()
    monkeypatch.delenv("CNNBOOK_BUDGET")
    assert engine.budget() == ("full" if torch.cuda.is_available() else "cpu")


def test_history_round_trips_as_a_dict():
    h = History(device="cpu (2 threads)", train_loss=[1.0], train_acc=[0.5], test_acc=[0.4],
                examples_per_sec=[100.0], epoch_time=[2.0], wall_time=2.0)  # fmt: skip
    assert History(**h.as_dict()) == h


@pytest.mark.parametrize("make", [LeNet, lambda: LeNet(from_scratch=True), LeNetModern])
def test_lenet_shapes_and_parameter_counts(make):
    net = make()
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    expected = 62_158 if make is LeNetModern else 61_706
    assert sum(p.numel() for p in net.parameters()) == expected


def test_from_scratch_lenet_equals_nn_lenet_for_the_same_seed():
    torch.manual_seed(0)
    a = LeNet()
    torch.manual_seed(0)
    b = LeNet(from_scratch=True)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    X = torch.rand(4, 1, 28, 28)
    torch.testing.assert_close(a(X), b(X), atol=1e-5, rtol=1e-4)


def test_layer_summary_totals_match_an_independent_count():
    net = LeNet()
    summary = layer_summary(net, (1, 1, 28, 28))
    assert summary.total_parameters == 61_706 == sum(r.parameters for r in summary.rows)
    convs = conv_cost(1, 6, 5, 28)[1] + conv_cost(6, 16, 5, 10)[1]
    assert summary.total_macs == convs + 400 * 120 + 120 * 84 + 84 * 10
    assert summary.rows[0].output_shape == (1, 6, 28, 28)
    assert summary.rows[-1].output_shape == (1, 10)
    assert "total" in str(summary) and "61,706" in str(summary)


def test_layer_summary_names_the_layer_that_breaks():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten(), nn.Linear(100, 10))
    with pytest.raises(
        ValueError, match=r"layer 2 \(Linear\) fails on its input of shape \(1, 2704\)"
    ):
        layer_summary(net, (1, 1, 28, 28))
    with pytest.raises(ValueError, match="input_shape"):
        layer_summary(net, (1, 0, 28))


def test_reproduce_writes_a_complete_results_file(tmp_path, monkeypatch):
    from cnnbook import reproduce

    tiny = dict(batch_size=256, num_epochs=1, num_train=512, lr=0.9, optimizer="sgd")
    monkeypatch.setitem(engine.RECIPES, "lenet", {"full": tiny, "cpu": tiny})
    assert reproduce.main(["lenet", "--budget", "cpu", "--out", str(tmp_path)]) == 0
    record = reproduce.load_result("lenet", "cpu", tmp_path)
    assert record["recipe"] == dict(tiny, budget="cpu") and record["model"] == "lenet"
    assert len(record["history"]["test_acc"]) == 1 and record["history"]["device"]
    assert record["summary"].startswith("loss ")
    assert reproduce.load_result("vgg", "full", tmp_path) is None
    assert [p.name for p in tmp_path.iterdir()] == ["lenet-cpu.json"]


class TwoPaths(nn.Module):
    """Defines three layers; its forward pass uses ``a`` twice and never ``b``."""

    def __init__(self, broken_width=False):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 3)
        self.c = nn.Linear(5 if broken_width else 4, 2)

    def forward(self, x):
        return self.c(self.a(self.a(x.flatten(1))))


def test_layer_summary_lists_layers_never_called():
    summary = layer_summary(TwoPaths(), (1, 1, 2, 2))
    assert [r.name for r in summary.rows] == ["a", "a", "c"]
    assert summary.unused == [("b", 15)]
    assert "never called: b (15 parameters)" in str(summary)


def test_layer_summary_blames_the_layer_that_was_running():
    with pytest.raises(
        ValueError, match=r"layer c \(Linear\) fails on its input of shape \(1, 4\)"
    ):
        layer_summary(TwoPaths(broken_width=True), (1, 1, 2, 2))
