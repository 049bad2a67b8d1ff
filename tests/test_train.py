"""The training engine on a tiny synthetic problem: numbers, seeds, checks, interruptions."""

import copy
import math

import pytest
import torch
from torch import nn

from cnnbook import devices
from cnnbook import train as engine
from cnnbook.data import Batches
from cnnbook.evaluate import confusion_matrix, evaluate_accuracy, predict
from cnnbook.train import (
    EpochResult,
    History,
    Step,
    TrainingDiverged,
    train_epoch,
    train_net,
)


class Loader:
    """A re-iterable of ``(X, y)`` batches that reshuffles on every pass from its own
    ``generator`` (as ``cnnbook.data.Batches`` does) and counts its passes."""

    def __init__(self, X, y, batch_size, shuffle=False, seed=0):
        self.X, self.y, self.batch_size, self.shuffle = X, y, batch_size, shuffle
        self.generator = torch.Generator().manual_seed(seed)
        self.passes = 0

    def __len__(self):
        return math.ceil(len(self.y) / self.batch_size)

    def __iter__(self):
        self.passes += 1
        n = len(self.y)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            index = order[start : start + self.batch_size]
            yield self.X[index], self.y[index]


def toy_tensors(n=512, seed=0):
    """Two classes of 8x8 images: a bright left half or a bright right half, with noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    X = torch.rand(n, 1, 8, 8, generator=g) * 0.4
    X[y == 0, :, :, :4] += 0.5
    X[y == 1, :, :, 4:] += 0.5
    return X, y


def toy_data(n=512, seed=0):
    X, y = toy_tensors(n, seed)
    train_iter = Loader(X[: n // 2], y[: n // 2], 32, shuffle=True, seed=seed)
    return train_iter, Loader(X[n // 2 :], y[n // 2 :], 64)


def toy_net():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Tanh(), nn.Flatten(), nn.LazyLinear(2))


QUIET = dict(device="cpu", num_classes=2, progress=False, verbose=False)


def run(net=None, data=None, **kwargs):
    train_iter, test_iter = data or toy_data()
    args = dict(QUIET, num_epochs=4, lr=0.5)
    args.update(kwargs)
    return train_net(net if net is not None else toy_net(), train_iter, test_iter, **args)


def weights(net):
    return [p.detach().clone() for p in net.parameters()]


def test_loss_falls_and_history_has_every_field():
    history = run()
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.9
    for name in ("train_loss", "train_acc", "test_acc", "examples_per_sec", "epoch_time"):
        values = getattr(history, name)
        assert len(values) == 4 and all(v >= 0 for v in values), name
    assert len(history.batch_loss) == 4 * 8
    assert history.wall_time > 0 and history.device.startswith("cpu")
    line = history.summary()
    assert line.startswith("loss ") and "examples/sec on cpu" in line and line.endswith(" s")
    assert history.stopped is None


def test_same_seed_same_numbers_other_seed_other_numbers():
    a, b, c = run(seed=1), run(seed=1), run(seed=2)
    assert a.train_loss == b.train_loss and a.test_acc == b.test_acc
    assert a.train_loss != c.train_loss


def test_reusing_a_loader_with_the_same_seed_gives_the_same_numbers():
    """A notebook cell run twice: the same Batches object, trained on again."""
    X, y = toy_tensors()
    images, labels = (X[:, 0] * 255).to(torch.uint8), y
    train_iter = Batches(images[:256], labels[:256], 32, shuffle=True, seed=0)
    test_iter = Batches(images[256:], labels[256:], 64)
    first = run(data=(train_iter, test_iter), num_epochs=2)
    again = run(data=(train_iter, test_iter), num_epochs=2)
    assert first.batch_loss == again.batch_loss and first.test_acc == again.test_acc


def test_the_check_before_training_costs_the_loader_nothing():
    """Epoch 1 starts with the batch the check looked at: one pass per epoch, the same batches
    in the same order as a fresh copy of the loader gives, and batch norm counts only the
    training batches."""
    seen = []

    class Record(nn.Module):
        def forward(self, X):
            if self.training:
                seen.append(X.clone())
            return X

    net = nn.Sequential(Record(), nn.Flatten(), nn.Linear(64, 8), nn.BatchNorm1d(8),
                        nn.Linear(8, 2))  # fmt: skip
    train_iter, test_iter = toy_data()
    run(net=net, data=(train_iter, test_iter), num_epochs=2, lr=0.1)
    assert train_iter.passes == 2
    fresh, _ = toy_data()
    expected = [X for _ in range(2) for X, _ in fresh]
    assert len(seen) == len(expected) == 16
    assert all(torch.equal(a, b) for a, b in zip(seen, expected))
    assert net[3].num_batches_tracked.item() == 16


@pytest.mark.parametrize("which", ["train_iter", "test_iter"])
def test_a_one_shot_iterator_is_refused_before_training(which):
    train_iter, test_iter = toy_data()
    data = {"train_iter": train_iter, "test_iter": test_iter}
    data[which] = (batch for batch in data[which])
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 2))
    before = weights(net)
    with pytest.raises(TypeError, match=f"{which} must be re-iterable, got a one-shot iterator"):
        train_net(net, data["train_iter"], data["test_iter"], 1, 0.1, init=None, **QUIET)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert train_iter.passes == 0


def test_a_list_of_batches_is_trained_on_completely():
    train_iter, test_iter = toy_data()
    batches = list(train_iter)
    history = run(data=(batches, test_iter), num_epochs=2)
    assert len(history.batch_loss) == 2 * len(batches)


def test_adam_and_a_cosine_schedule_also_learn():
    assert run(optimizer="adam", lr=0.01, schedule="cosine").test_acc[-1] > 0.9


def test_one_cycle_and_label_smoothing_also_learn():
    history = run(optimizer="adam", lr=0.02, schedule="onecycle", label_smoothing=0.1)
    assert history.test_acc[-1] > 0.9


def test_one_cycle_warms_up_then_anneals():
    net = toy_net()
    run(net=net, num_epochs=1)  # materialise the lazy layer
    opt = engine.make_optimizer("adam", net.parameters(), 0.1, torch.device("cpu"))
    scheduler = engine.make_scheduler("onecycle", opt, 0.1, 100)
    rates = []
    for _ in range(100):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    assert rates[0] == pytest.approx(0.1 / 25)
    assert max(rates) == pytest.approx(0.1) and rates.index(max(rates)) in (29, 30)
    assert rates[-1] < 1e-4 and rates[30:] == sorted(rates[30:], reverse=True)


@pytest.mark.parametrize("native", [True, False])
def test_bf16_autocast_only_where_native_and_said_in_the_history(monkeypatch, native):
    monkeypatch.setattr(engine, "bf16_native", lambda device: native)
    history = run(optimizer="adam", lr=0.01, bf16=True)
    assert history.device.endswith(" + bf16 autocast") == native
    assert history.test_acc[-1] > 0.9
    assert not run(optimizer="adam", lr=0.01).device.endswith("bf16 autocast")
    again = run(optimizer="adam", lr=0.01, bf16=True)  # same seed, same numbers
    assert again.batch_loss == history.batch_loss and again.test_acc == history.test_acc


def test_bf16_native_reads_the_device():
    assert isinstance(devices.bf16_native(torch.device("cpu")), bool)
    assert devices.bf16_native(torch.device("meta")) is False


def test_fused_adam_gives_the_plain_adams_numbers():
    torch.manual_seed(0)
    nets = [toy_net(), None]
    run(net=nets[0], num_epochs=1)
    nets[1] = copy.deepcopy(nets[0])
    X, y = next(iter(toy_data()[0]))
    fused = engine.make_optimizer("adam", nets[0].parameters(), 0.01, torch.device("cpu"))
    plain = torch.optim.Adam(nets[1].parameters(), lr=0.01)
    for net, opt in zip(nets, (fused, plain)):
        for _ in range(3):
            opt.zero_grad()
            nn.functional.cross_entropy(net(X), y).backward()
            opt.step()
    for a, b in zip(*(n.parameters() for n in nets)):
        assert torch.allclose(a, b, atol=1e-6)


def test_xavier_init_reaches_lazy_layers():
    torch.manual_seed(0)
    net = toy_net()
    run(net=net, num_epochs=1, lr=0.1)
    assert net[3].weight.shape == (2, 144)  # materialised, then initialised and trained
    assert engine.init_weights(net) == 2


def test_kaiming_initialisation_keeps_the_signal_of_a_relu_network():
    """He et al.'s variance keeps activations at their scale through ReLU layers; Xavier's,
    made for symmetric activations, shrinks them layer by layer."""
    torch.manual_seed(0)
    layers = [m for _ in range(8) for m in (nn.Linear(256, 256), nn.ReLU())]
    net, X = nn.Sequential(*layers), torch.randn(512, 256)
    scales = {}
    for scheme in ("xavier", "kaiming"):
        assert engine.init_weights(net, scheme) == 8
        with torch.no_grad():
            scales[scheme] = net(X).pow(2).mean().sqrt().item()
        assert all(bool((m.bias == 0).all()) for m in net if isinstance(m, nn.Linear))
    assert 0.5 < scales["kaiming"] < 2 and scales["xavier"] < 0.1, scales
    # Kaiming's weights are larger than PyTorch's default: at run()'s lr 0.5 the toy net's loss
    # jumps to about 20 and whether it comes back depends on the order of float sums (threads)
    history = run(init="kaiming", lr=0.1)
    assert history.test_acc[-1] > 0.9


def test_a_trained_network_is_retrained_only_by_an_explicit_choice():
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 2))
    first = run(net=net, num_epochs=2)
    trained = weights(net)
    with pytest.raises(ValueError, match=r"init must be None .* or 'xavier' .* got 'auto'"):
        run(net=net)
    assert all(torch.equal(a, b) for a, b in zip(trained, net.parameters()))
    more = run(net=net, num_epochs=1, init=None)  # continues: starts where the first run ended
    assert more.batch_loss[0] < first.batch_loss[0] / 2
    again = run(net=net, num_epochs=2, init="xavier")  # starts again, as the first run did
    assert again.batch_loss == first.batch_loss


@pytest.mark.parametrize(
    "change, error, message",
    [
        (dict(lr=0), ValueError, "lr must be a finite number > 0"),
        (dict(lr=-0.1), ValueError, "lr must be a finite number > 0"),
        (dict(lr=math.inf), ValueError, "lr must be a finite number > 0, got inf"),
        (dict(lr=math.nan), ValueError, "lr must be a finite number > 0, got nan"),
        (dict(lr="0.1"), TypeError, "lr must be a finite number"),
        (dict(num_epochs=0), ValueError, "num_epochs must be at least 1"),
        (dict(num_epochs=1.5), TypeError, "num_epochs must be an int >= 1, got 1.5"),
        (dict(num_epochs=True), TypeError, "num_epochs must be an int"),
        (dict(num_classes=10), ValueError, r"must map a batch of 32 examples to \(32, 10\)"),
        (dict(optimizer="rmsprop"), ValueError, "optimizer must be one of"),
        (dict(optimizer=torch.optim.SGD), TypeError, "optimizer must be one of"),
        (dict(schedule="step"), ValueError, "schedule must be one of"),
        (
            dict(label_smoothing=1.0),
            ValueError,
            r"label_smoothing must be a finite number in \[0, 1\)",
        ),
        (dict(label_smoothing="0.1"), TypeError, "label_smoothing must be a finite number"),
        (dict(bf16="yes"), TypeError, "bf16 must be True or False"),
        (dict(init="he"), ValueError, "init must be one of .*'kaiming'"),
        (dict(seed=-1), ValueError, "seed must be at least 0"),
        (dict(seed=0.5), TypeError, "seed must be an int"),
        (dict(device="abacus"), ValueError, "device must name a device"),
        (dict(device=0.5), TypeError, "device must be None, a str, an int or a torch.device"),
        (dict(progress="yes"), TypeError, "progress must be True or False"),
    ],
)
def test_wrong_input_is_rejected_before_training(change, error, message):
    net = toy_net()
    train_iter, test_iter = toy_data()
    with pytest.raises(error, match=message):
        run(net=net, data=(train_iter, test_iter), **change)
    assert not getattr(net, engine.TRAINED, False)


def test_wrong_data_and_networks_are_rejected():
    train_iter, test_iter = toy_data()
    empty = Loader(torch.zeros(0, 1, 8, 8), torch.zeros(0, dtype=torch.long), 4)
    for args, name in [((empty, test_iter), "train_iter"), ((train_iter, empty), "test_iter"),
                       (([], test_iter), "train_iter")]:  # fmt: skip
        with pytest.raises(ValueError, match=f"{name} must yield at least one batch"):
            run(data=args, num_epochs=1)
    with pytest.raises(TypeError, match="train_iter must be an iterable"):
        run(data=(5, test_iter))
    with pytest.raises(TypeError, match=r"train_iter must yield \(X, y\) pairs"):
        run(data=([torch.zeros(4, 1, 8, 8)], test_iter))
    with pytest.raises(TypeError, match="net must be a torch.nn.Module"):
        run(net=lambda X: X)
    with pytest.raises(ValueError, match="net must have parameters"):
        run(net=nn.Flatten())
    for schedule in ("cosine", "onecycle"):
        with pytest.raises(TypeError, match=f"schedule='{schedule}' needs a train_iter with a len"):
            run(data=(Unsized(list(train_iter)), test_iter), schedule=schedule)


class Unsized:
    """Re-iterable, without a length."""

    def __init__(self, batches):
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)


def test_wrong_output_shape_is_found_before_any_step():
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    before = weights(net)
    with pytest.raises(ValueError, match=r"got output of shape \(32, 3\)"):
        run(net=net, init=None)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


class Breaks(nn.Module):
    """A small classifier whose forward pass, at training call ``at``, raises ``error`` or (with
    ``error=None``) gives NaN scores."""

    def __init__(self, at, error=None):
        super().__init__()
        self.net, self.at, self.error, self.calls = toy_net(), at, error, 0

    def forward(self, X):
        out = self.net(X)
        if self.training:
            self.calls += 1
            if self.calls == self.at:
                if self.error is not None:
                    raise self.error
                return out * math.nan
        return out


def test_ctrl_c_returns_the_history_so_far_and_restores_the_mode(capsys, monkeypatch):
    monkeypatch.setattr("cnnbook.show.in_notebook", lambda: False)
    net = Breaks(at=8 + 3, error=KeyboardInterrupt)  # the third batch of epoch 2
    net.eval()
    history = run(net=net, num_epochs=3, progress=True)  # returns: no KeyboardInterrupt
    assert not net.training
    assert history.stopped == "interrupted in epoch 2/3 (1 finished)"
    assert len(history.test_acc) == len(history.train_loss) == 1
    assert len(history.batch_loss) == 8 + 2 and history.wall_time > 0
    out = capsys.readouterr().out
    assert "interrupted in epoch 2/3 (1 finished): the history so far is returned" in out
    assert out.endswith("\n")


def test_a_nan_loss_stops_training_with_a_clear_error():
    net = Breaks(at=8 + 5)  # the fifth batch of epoch 2
    with pytest.raises(TrainingDiverged, match=r"epoch 2, batch 5.*smaller lr") as info:
        run(net=net, num_epochs=3)
    assert isinstance(info.value, ArithmeticError)
    history = info.value.history
    assert len(history.test_acc) == 1 and len(history.batch_loss) == 12
    assert all(torch.isfinite(p).all() for p in net.parameters())  # the NaN step was not taken
    assert net.training


def test_a_loss_that_grows_a_hundredfold_stops_training():
    """lr=100 makes the loss explode without ever becoming NaN on this problem."""
    with pytest.raises(TrainingDiverged, match=r"grew to .*over 100 times .* smaller lr") as info:
        run(lr=100.0, num_epochs=3)
    assert math.isfinite(info.value.loss) and info.value.loss > 100 * math.log(2)
    assert info.value.history is not None


def test_progress_written_to_a_file_has_no_carriage_returns(capsys, monkeypatch):
    monkeypatch.setattr("cnnbook.show.in_notebook", lambda: False)
    run(num_epochs=2, progress=True)
    out = capsys.readouterr().out  # pytest's capture is no terminal: as `> log` would be
    assert "\r" not in out
    assert out.splitlines()[:2] == [line for line in out.splitlines() if line.startswith("epoch")]
    assert "2 epochs: test acc per epoch" in out
    run(num_epochs=1, progress=True)
    assert capsys.readouterr().out.splitlines()[-1].startswith("test acc after its one epoch: ")


def test_batch_norm_with_a_last_batch_of_one_is_refused_before_training():
    X, y = toy_tensors(33)
    train_iter, test_iter = Loader(X, y, 32), Loader(X, y, 32)  # 33 = 32 + 1
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    before = weights(net)
    with pytest.raises(
        ValueError, match=r"single example when net has batch normalisation \(layer 2\)"
    ):
        train_net(net, Batches((X[:, 0] * 255).byte(), y, 32), test_iter, 1, 0.1, **QUIET)
    with pytest.raises(ValueError, match="single example"):
        train_net(net, list(train_iter), test_iter, 1, 0.1, **QUIET)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert not getattr(net, engine.TRAINED, False)
    run(net=nn.Sequential(nn.Flatten(), nn.Linear(64, 2)), data=(train_iter, test_iter))  # no BN


def test_a_layer_that_fails_on_the_first_batch_is_named_with_the_image_size():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(5), nn.MaxPool2d(5), nn.Flatten(),
                        nn.LazyLinear(2))  # fmt: skip
    with pytest.raises(ValueError, match=r"first batch.*layer 2 \(MaxPool2d\).*8 x 8 pixels"):
        run(net=net)


def test_a_device_may_be_named_by_an_int_as_in_the_data_loader():
    for place in (0, "cuda:3"):
        if not torch.cuda.is_available():
            with pytest.raises(ValueError, match="device must be a device this machine has"):
                run(device=place)


def test_train_epoch_returns_its_numbers_and_reports_every_batch():
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 2))
    train_iter, _ = toy_data()
    steps = []
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    result = train_epoch(net, train_iter, nn.CrossEntropyLoss(), opt, callback=steps.append)
    assert isinstance(result, EpochResult) and result.examples == 256
    assert [s.batch for s in steps] == list(range(1, 9)) and steps[0].num_batches == 8
    assert all(isinstance(s, Step) for s in steps)
    assert result.batch_loss == [s.loss for s in steps]
    assert result.loss == pytest.approx(sum(result.batch_loss) * 32 / 256)
    assert result.acc == steps[-1].acc and result.loss == steps[-1].mean_loss


def test_evaluation_restores_the_mode_even_when_interrupted():
    class Interrupt(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(64, 2)

        def forward(self, X):
            raise KeyboardInterrupt

    net = Interrupt()
    _, test_iter = toy_data()
    with pytest.raises(KeyboardInterrupt):
        predict(net, test_iter)
    assert net.training and torch.is_grad_enabled()
    net.eval()
    with pytest.raises(KeyboardInterrupt):
        evaluate_accuracy(net, test_iter)
    assert not net.training and torch.is_grad_enabled()


def test_evaluate_accuracy_and_predict():
    class Oracle(nn.Module):  # predicts class 0 for a bright left half
        def forward(self, X):
            left, right = X[..., :4].mean((1, 2, 3)), X[..., 4:].mean((1, 2, 3))
            return torch.stack([left - right, right - left], 1)

    _, test_iter = toy_data()
    assert evaluate_accuracy(Oracle(), test_iter) == 1.0
    predicted, true = predict(Oracle(), test_iter)
    assert predicted.shape == true.shape == (256,) and torch.equal(true, test_iter.y)
    with pytest.raises(ValueError, match="data_iter must yield at least one batch"):
        predict(Oracle(), [])


def test_confusion_matrix_counts_each_pair():
    g = torch.Generator().manual_seed(0)
    true, predicted = (
        torch.randint(0, 4, (200,), generator=g),
        torch.randint(0, 4, (200,), generator=g),
    )
    M = confusion_matrix(predicted, true, 4)
    assert M.shape == (4, 4) and M.sum() == 200
    for i in range(4):
        for j in range(4):
            assert M[i, j] == ((true == i) & (predicted == j)).sum()
    assert confusion_matrix([0, 1, 1], [0, 0, 1], 2).tolist() == [[1, 1], [0, 1]]


def test_confusion_matrix_rejects_labels_it_cannot_count():
    with pytest.raises(ValueError, match=r"true must hold labels in 0..9 .*got \[-1, 10\]"):
        confusion_matrix(torch.tensor([0, 1, 2]), torch.tensor([10, -1, 2]))
    with pytest.raises(ValueError, match=r"predicted must hold labels in 0..1 .*got \[2\]"):
        confusion_matrix(torch.tensor([2, 0]), torch.tensor([0, 0]), 2)
    with pytest.raises(ValueError, match="same shape"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 1, 1]))
    with pytest.raises(TypeError, match="integer labels"):
        confusion_matrix(torch.tensor([0.0, 1.0]), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="num_classes must be an int"):
        confusion_matrix(torch.tensor([0]), torch.tensor([0]), 2.0)


def test_history_round_trips_as_a_dict_and_sums_up_an_empty_run():
    h = History(device="cpu (2 threads)", train_loss=[1.0], train_acc=[0.5], test_acc=[0.4],
                examples_per_sec=[100.0], epoch_time=[2.0], wall_time=2.0)  # fmt: skip
    assert History(**h.as_dict()) == h
    assert h.as_dict()["train_loss"] is not h.train_loss
    assert History(device="cpu").summary().startswith("no epoch finished")
