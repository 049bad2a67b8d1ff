"""Training: one loop for every chapter, with its numbers, device and time.

    history = train_net(net, train_iter, test_iter, num_epochs=10, lr=0.9)
    # ... progress per batch, test accuracy per epoch, then one line:
    # loss 0.471, train acc 0.824, test acc 0.808 | 8,700 examples/sec on cpu (2 threads) | 69 s

Read it top to bottom: the :class:`History` a run returns, the optimiser and schedule, the
checks made before the first step, one epoch (:func:`train_epoch`: forward, loss, backward,
update), and :func:`train_net`, which runs the epochs and evaluates after each.

A run stopped with Ctrl-C (``KeyboardInterrupt``) returns its history so far, with
``history.stopped`` saying where it stopped; a run whose loss becomes NaN or infinite, or grows
a hundredfold, raises :class:`TrainingDiverged`, whose ``history`` holds the numbers so far. Either
way the network keeps the weights it has reached. The recipes per model and budget, and ``fit``,
which loads the data and calls :func:`train_net`, live in :mod:`cnnbook.recipes`.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import torch
from torch import nn

from . import args
from .devices import as_device, bf16_native, device_name, device_of
from .evaluate import evaluate_accuracy
from .preflight import Resumed, count_batches, first_forward, refuse_batch_of_one, validate_batches
from .show import Progress

TRAINED = "_cnnbook_trained"  # set on a network once train_net has trained it; see ``init``
OPTIMIZERS = ("sgd", "adam")
SCHEDULES = (None, "cosine", "onecycle")
GROWTH = 100  # a loss this many times its value before training means training diverged


@dataclass
class History:
    """What a training run produced, epoch by epoch, and where and how fast. ``stopped`` is None
    for a run that finished, else where it was interrupted."""

    device: str
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    examples_per_sec: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)  # every training batch, in order
    wall_time: float = 0.0
    stopped: str | None = None

    def summary(self) -> str:
        """The one line a run ends with."""
        if not self.test_acc:
            return f"no epoch finished | {self.device} | {self.wall_time:.0f} s"
        speed = sum(self.examples_per_sec) / len(self.examples_per_sec)
        return (
            f"loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}, "
            f"test acc {self.test_acc[-1]:.3f} | {speed:,.0f} examples/sec on {self.device} "
            f"| {self.wall_time:.0f} s"
        )

    def as_dict(self) -> dict:
        return asdict(self)


class TrainingDiverged(ArithmeticError):
    """The loss became NaN or infinite, or grew to ``limit``, so training stopped before that
    batch's update. ``history``: the numbers up to there."""

    def __init__(self, loss: float, batch: int, limit: float = math.inf, epoch=None, history=None):
        super().__init__(loss, batch, epoch)
        self.loss, self.batch, self.limit = loss, batch, limit
        self.epoch, self.history = epoch, history

    def __str__(self) -> str:
        where = (
            f"batch {self.batch}"
            if self.epoch is None
            else f"epoch {self.epoch}, batch {self.batch}"
        )
        if math.isfinite(self.loss):
            what = f"grew to {self.loss:.4g}, over {GROWTH} times its value before training"
        else:
            what = f"became {self.loss}"
        kept = "; the numbers so far are in this error's .history" if self.history else ""
        return f"training diverged: the loss {what}, in {where}. Try a smaller lr{kept}."


class Step(NamedTuple):
    """What :func:`train_epoch` reports to its callback after every batch."""

    batch: int  # 1, 2, ...
    num_batches: int | None  # None when the data has no length
    loss: float  # this batch's loss
    mean_loss: float  # mean loss per example so far in this epoch
    acc: float  # accuracy so far in this epoch


class EpochResult(NamedTuple):
    """One epoch's mean loss per example, accuracy, number of examples and every batch's loss."""

    loss: float
    acc: float
    examples: int
    batch_loss: list


def make_optimizer(kind: str, params, lr: float, device: torch.device) -> torch.optim.Optimizer:
    """``"sgd"`` (plain, as d2l) or ``"adam"`` over ``params`` at rate ``lr``. Adam is the fused
    implementation where this torch has it for ``device`` (one kernel updates every tensor: on a
    CPU about ten times faster than the per-tensor loop for AlexNet's 47 M parameters, with the
    same numbers to float rounding); otherwise the default one."""
    params = list(params)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if device.type in ("cpu", "cuda"):
        try:
            return torch.optim.Adam(params, lr=lr, fused=True)
        except (RuntimeError, TypeError, ValueError):  # older torch: no fused Adam here
            pass
    return torch.optim.Adam(params, lr=lr)


def make_scheduler(schedule: str | None, opt, lr: float, total_steps: int):
    """The learning-rate schedule ``schedule`` over ``total_steps`` batches: ``None`` (constant),
    ``"cosine"`` (from ``lr`` down to 0 along a half cosine) or ``"onecycle"`` (a warm-up from
    ``lr / 25`` to ``lr`` over the first 30 % of the steps, then a cosine down to almost 0;
    Smith & Topin, 2017)."""
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
    if schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total_steps,
                                                   cycle_momentum=False)  # fmt: skip
    return None


INITS = ("auto", "xavier", "kaiming", None)


def init_weights(net: nn.Module, scheme: str = "xavier") -> int:
    """New random weights and zero biases for every ``nn.Linear`` and ``nn.Conv2d`` (and layers
    built like them): ``"xavier"``, uniform with the variance of Glorot and Bengio (2010), as
    d2l does, or ``"kaiming"``, normal with the variance of He et al. (2015), made for ReLU
    networks (the signal keeps its scale through the layers). Return how many were initialised."""
    count = 0
    for module in net.modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, nn.Parameter) and weight.dim() in (2, 4):
            if scheme == "kaiming":
                nn.init.kaiming_normal_(weight, nonlinearity="relu")
            else:
                nn.init.xavier_uniform_(weight)
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)
            count += 1
    return count


# ---------------------------------------------------------------------------------------------
# One epoch, then the whole run


def train_epoch(net, train_iter, loss_fn, optimizer, scheduler=None, device=None, callback=None,
                bf16=False, max_loss=math.inf):  # fmt: skip
    """One pass over ``train_iter``: forward, loss, backward, update, for every batch.

    Batches are ``X: (B, ...)`` and ``y: (B,)``; ``net(X)`` gives scores ``(B, num_classes)``.
    ``scheduler`` (if any) steps after every batch. ``callback(step)``, if given, is called after
    every batch with a :class:`Step`. ``bf16``: the forward pass and the loss under bfloat16
    autocast (the caller decides; :func:`train_net` does so only where it is native). A loss
    that is NaN, infinite or above ``max_loss`` raises :class:`TrainingDiverged` before its
    update. Returns an :class:`EpochResult` ``(loss, acc, examples, batch_loss)``.
    """
    device = device if device is not None else device_of(net)
    net.train()
    num_batches = count_batches(train_iter)
    loss_sum, correct, seen, batch_loss = 0.0, 0, 0, []
    for i, (X, y) in enumerate(train_iter, start=1):
        X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            y_hat = net(X)
            loss = loss_fn(y_hat, y)
        value = loss.item()
        if not math.isfinite(value) or value > max_loss:
            raise TrainingDiverged(value, i, max_loss)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        batch_loss.append(value)
        loss_sum += value * len(y)
        correct += (y_hat.argmax(dim=1) == y).sum().item()
        seen += len(y)
        if callback is not None:
            callback(Step(i, num_batches, value, loss_sum / seen, correct / seen))
    if seen == 0:
        raise ValueError("train_iter must yield at least one batch in every epoch, got none")
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return EpochResult(loss_sum / seen, correct / seen, seen, batch_loss)


def train_net(
    net: nn.Module,
    train_iter,
    test_iter,
    num_epochs: int,
    lr: float,
    device=None,
    *,
    optimizer: str = "sgd",
    schedule: str | None = None,
    label_smoothing: float = 0.0,
    bf16: bool = False,
    init: str | None = "auto",
    num_classes: int = 10,
    seed: int | None = 0,
    progress: bool = True,
    verbose: bool = True,
) -> History:
    """Train ``net`` with cross-entropy and return its :class:`History`.

    ``train_iter``, ``test_iter``: re-iterable sources of batches ``X: (B, ...)``, ``y: (B,)``
    (a list, a ``cnnbook.data.Batches``, a ``DataLoader``; a one-shot iterator is refused, since
    every epoch goes through the data again). ``net(X)`` must give scores ``(B, num_classes)``.
    ``device``: where to train (default: the fastest here; see :func:`cnnbook.devices.as_device`).

    ``optimizer``: ``"sgd"`` (plain, as d2l) or ``"adam"`` (see :func:`make_optimizer`).
    ``schedule``: ``None`` (a constant learning rate), ``"cosine"`` or ``"onecycle"`` (see
    :func:`make_scheduler`), stepped after every batch. ``label_smoothing``: the share of each
    target spread evenly over all classes (0: plain cross-entropy). ``bf16``: the forward pass and
    the loss under bfloat16 autocast where the device computes bfloat16 natively (see
    :func:`cnnbook.devices.bf16_native`; elsewhere float32, which would be faster there), which
    the history's device then says; weights, gradients and evaluation stay float32.
    ``init``: ``"xavier"`` or ``"kaiming"`` re-initialises every linear and convolutional layer
    (see :func:`init_weights`; after one forward pass has given lazy layers their shapes);
    ``None`` keeps the current weights (to continue training); ``"auto"`` is ``"xavier"`` for a
    network train_net has not trained yet and refuses one it has (marked by the attribute
    ``TRAINED``), so that training is never thrown away.
    ``seed`` seeds the initialisation, dropout and the order of the batches (torch's generator and
    the loader's own, ``train_iter.generator``); ``None`` leaves every generator as it is.

    Everything is checked before the first step: the arguments, the data, batch normalisation
    against a last batch of one, and the network on the first batch (one forward pass in
    evaluation mode that changes nothing; a failing layer is named). Ctrl-C stops training and
    returns the history so far, with ``stopped`` set; a diverging loss raises
    :class:`TrainingDiverged` carrying it. The network's train/eval mode is restored either way.
    """
    args.module("net", net)
    if next(net.parameters(), None) is None:
        raise ValueError(f"net must have parameters to train, got {type(net).__name__} with none")
    validate_batches("train_iter", train_iter)
    validate_batches("test_iter", test_iter)
    args.integer("num_epochs", num_epochs, 1)
    args.real("lr", lr, 0, low_open=True)
    args.choice("optimizer", optimizer, OPTIMIZERS)
    args.choice("schedule", schedule, SCHEDULES)
    args.real("label_smoothing", label_smoothing, 0, 1, high_open=True)
    args.flag("bf16", bf16)
    args.choice("init", init, INITS)
    args.integer("num_classes", num_classes, 1)
    if seed is not None:
        args.integer("seed", seed, 0)
    args.flag("progress", progress)
    args.flag("verbose", verbose)
    device = as_device(device)
    num_batches = count_batches(train_iter)
    if schedule is not None and num_batches is None:
        raise TypeError(f"schedule={schedule!r} needs a train_iter with a length (len(train_iter))")
    if init == "auto" and getattr(net, TRAINED, False):
        raise ValueError(
            "init must be None (continue from the current weights) or 'xavier' or 'kaiming' "
            "(start again) for a net train_net has trained before, got 'auto'"
        )
    refuse_batch_of_one(net, train_iter)

    # Seed, check the network on the first batch, initialise.
    if seed is not None:
        torch.manual_seed(seed)
        if isinstance(getattr(train_iter, "generator", None), torch.Generator):
            train_iter.generator.manual_seed(seed)
    batches = iter(train_iter)
    first = next(batches, None)
    if first is None:
        raise ValueError("train_iter must yield at least one batch, got none")
    loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    net.to(device)
    start_loss = first_forward(net, first, num_classes, loss_fn, device)
    scheme = "xavier" if init == "auto" else init
    if scheme is not None and init_weights(net, scheme) == 0:
        raise ValueError(f"init={init!r} found no linear or convolutional layer to initialise")
    setattr(net, TRAINED, True)

    opt = make_optimizer(optimizer, net.parameters(), lr, device)
    total = num_epochs * num_batches if num_batches is not None else None
    scheduler = make_scheduler(schedule, opt, lr, total)
    bf16 = bf16 and bf16_native(device)
    history = History(device=device_name(device) + (" + bf16 autocast" if bf16 else ""))
    max_loss = GROWTH * max(start_loss, math.log(num_classes))
    line, of = Progress(progress), f"/{num_batches}" if num_batches is not None else ""
    was_training, start, epoch = net.training, time.perf_counter(), 1

    def on_batch(step: Step) -> None:  # train_epoch's callback: keep the loss, show progress
        history.batch_loss.append(step.loss)
        line.update(f"epoch {epoch}/{num_epochs}, batch {step.batch}{of}: "
                    f"loss {step.mean_loss:.3f}, acc {step.acc:.3f}")  # fmt: skip

    try:
        for epoch in range(1, num_epochs + 1):
            epoch_start = time.perf_counter()
            data = Resumed(first, batches, train_iter) if epoch == 1 else train_iter
            result = train_epoch(net, data, loss_fn, opt, scheduler, device, on_batch, bf16,
                                 max_loss)  # fmt: skip
            train_time = time.perf_counter() - epoch_start
            test_acc = evaluate_accuracy(net, test_iter, device)
            history.train_loss.append(result.loss)
            history.train_acc.append(result.acc)
            history.test_acc.append(test_acc)
            history.examples_per_sec.append(result.examples / train_time)
            history.epoch_time.append(time.perf_counter() - epoch_start)
            history.wall_time = time.perf_counter() - start
            text = f"loss {result.loss:.3f}, train acc {result.acc:.3f}, test acc {test_acc:.3f}"
            line.update(f"epoch {epoch}/{num_epochs}, {text}", force=True)
    except KeyboardInterrupt:
        done = len(history.test_acc)
        history.stopped = f"interrupted in epoch {epoch}/{num_epochs} ({done} finished)"
        line.close(f"{history.stopped}: the history so far is returned")
    except TrainingDiverged as exc:
        exc.epoch, exc.history = epoch, history
        line.close(str(exc))
        raise
    finally:
        history.wall_time = time.perf_counter() - start
        net.train(was_training)
    if history.stopped is None:
        accuracies = ", ".join(f"{a:.3f}" for a in history.test_acc)
        if num_epochs == 1:
            line.close(f"test acc after its one epoch: {accuracies}")
        else:
            line.close(f"{num_epochs} epochs: test acc per epoch {accuracies}")
    if verbose:
        print(history.summary())
    return history
