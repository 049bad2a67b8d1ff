"""Training and evaluation: one loop for every chapter, with its numbers, device and time.

    history = train(net, train_iter, test_iter, num_epochs=10, lr=0.9)
    # ... progress per batch, test accuracy per epoch, then one line:
    # loss 0.471, train acc 0.824, test acc 0.808 | 8,700 examples/sec on cpu (2 threads) | 69 s

The recipes (batch size, epochs, learning rate per model and budget) and ``fit``, which loads
the data and calls :func:`train`, live in :mod:`cnnbook.recipes`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import torch
from torch import nn

from .show import Progress

# The history of the latest call to train(), kept up to date after every batch and epoch, so
# that a run stopped by Ctrl-C or by a diverging loss still leaves its numbers.
last_history: History | None = None

# Set on a network once train() has trained it; see train()'s ``init``.
TRAINED = "_cnnbook_trained"

# ---------------------------------------------------------------------------------------------
# Devices


def default_device() -> torch.device:
    """The fastest device here: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def device_name(device) -> str:
    """How a result names its device, e.g. ``cpu (2 threads)`` or ``NVIDIA H100 (cuda)``."""
    device = as_device(device)
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (cuda)"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


def bf16_native(device) -> bool:
    """Whether ``device`` computes in bfloat16 natively, so that bf16 autocast makes training
    faster rather than slower: a CUDA GPU that supports it, or a CPU with AVX-512 BF16 or AMX
    instructions (read from ``/proc/cpuinfo``; False where that file is missing)."""
    device = as_device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def as_device(device) -> torch.device:
    """``device`` (a name such as ``"cuda"`` or a ``torch.device``) as a ``torch.device``;
    ``None`` gives :func:`default_device`."""
    if device is None:
        return default_device()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be None, a str or a torch.device, got {device!r}")
    try:
        return torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device must name a device such as 'cpu' or 'cuda', got {device!r}"
        ) from exc


# ---------------------------------------------------------------------------------------------
# Checks of the arguments, each written once and called where the arguments come in


def _check_int(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


def _check_lr(lr) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)):
        raise TypeError(f"lr must be a number, got {lr!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return lr


def check_label_smoothing(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"label_smoothing must be a number in [0, 1), got {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"label_smoothing must be a number in [0, 1), got {value!r}")
    return float(value)


def check_bf16(value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"bf16 must be True or False, got {value!r}")
    return value


def _check_choice(name: str, value, choices: tuple):
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _check_seed(seed) -> int | None:
    return None if seed is None else _check_int("seed", seed, minimum=0)


def _check_net(net) -> nn.Module:
    if not isinstance(net, nn.Module):
        raise TypeError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    if next(net.parameters(), None) is None:
        raise ValueError(f"net has no parameters to train: {type(net).__name__}")
    return net


def _check_batches(name: str, data_iter):
    """``data_iter`` must be re-iterable: train() goes through it once per epoch."""
    if isinstance(data_iter, Iterator):
        raise TypeError(
            f"{name} is a one-shot iterator ({type(data_iter).__name__}), but it is iterated "
            "once per epoch: pass a re-iterable such as a list of (X, y) batches, a "
            "cnnbook.data.Batches or a torch DataLoader"
        )
    if not isinstance(data_iter, Iterable):
        raise TypeError(f"{name} must be an iterable of (X, y) batches, got {data_iter!r}")
    if count_batches(data_iter) == 0:
        raise ValueError(f"{name} is empty: it yields no batches")
    return data_iter


def count_batches(data_iter) -> int | None:
    try:
        return len(data_iter)
    except TypeError:
        return None


# ---------------------------------------------------------------------------------------------
# Initialisation


def init_xavier(net: nn.Module) -> int:
    """Xavier-uniform weights and zero biases for every ``nn.Linear`` and ``nn.Conv2d`` (and
    layers built like them); return how many layers were initialised."""
    count = 0
    for module in net.modules():
        weight = getattr(module, "weight", None)
        if isinstance(weight, nn.Parameter) and weight.dim() in (2, 4):
            nn.init.xavier_uniform_(weight)
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)
            count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Evaluation


def device_of(net: nn.Module) -> torch.device:
    parameter = next(net.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


def predict(net: nn.Module, data_iter, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(predicted, true)`` labels, each ``(N,)`` on the CPU, for every example of
    ``data_iter`` (batches ``X: (B, ...)``, ``y: (B,)``), in evaluation mode and without
    gradients. The network's mode is restored afterwards, also when interrupted."""
    device = as_device(device) if device is not None else device_of(net)
    was_training = net.training
    net.eval()
    predicted, true = [], []
    try:
        with torch.no_grad():
            for X, y in data_iter:
                predicted.append(net(X.to(device)).argmax(dim=1).cpu())
                true.append(y.cpu())
    finally:
        net.train(was_training)
    if not true:
        raise ValueError("data_iter yielded no examples")
    return torch.cat(predicted), torch.cat(true)


def evaluate_accuracy(net: nn.Module, data_iter, device=None) -> float:
    """Share of correctly classified examples in ``data_iter``, in evaluation mode."""
    predicted, true = predict(net, data_iter, device)
    return (predicted == true).sum().item() / len(true)


def _labels(name: str, labels) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor):
        try:
            labels = torch.as_tensor(labels)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(f"{name} must be a tensor or sequence of ints, got {labels!r}") from exc
    if labels.dtype == torch.bool or labels.is_floating_point() or labels.is_complex():
        raise TypeError(f"{name} must hold integer labels, got dtype {labels.dtype}")
    return labels.long()


def confusion_matrix(predicted, true, num_classes: int = 10) -> torch.Tensor:
    """``M[i, j]``: how many examples of class ``i`` were predicted as ``j``.

    ``predicted``, ``true``: ``(N,)`` integer labels in ``0..num_classes - 1`` ->
    ``M``: ``(num_classes, num_classes)`` int64, whose entries sum to ``N``."""
    _check_int("num_classes", num_classes)
    predicted, true = _labels("predicted", predicted), _labels("true", true)
    if predicted.shape != true.shape:
        shapes = f"{tuple(predicted.shape)} and {tuple(true.shape)}"
        raise ValueError(f"predicted and true must have the same shape, got {shapes}")
    predicted, true = predicted.reshape(-1), true.reshape(-1)
    for name, labels in (("predicted", predicted), ("true", true)):
        outside = labels[(labels < 0) | (labels >= num_classes)]
        if len(outside):
            values = sorted(set(outside.tolist()))
            raise ValueError(
                f"{name} must hold labels in 0..{num_classes - 1} (num_classes={num_classes}), "
                f"got {values[:10]}{' ...' if len(values) > 10 else ''}"
            )
    index = true * num_classes + predicted
    return torch.bincount(index, minlength=num_classes**2).reshape(num_classes, num_classes)


# ---------------------------------------------------------------------------------------------
# One epoch


class TrainingDiverged(ArithmeticError):
    """The loss became NaN or infinite, so training stopped before that batch's update."""

    def __init__(self, loss: float, batch: int, epoch: int | None = None, history=None):
        super().__init__(loss, batch, epoch)
        self.loss, self.batch, self.epoch, self.history = loss, batch, epoch, history

    def __str__(self) -> str:
        where = (
            f"batch {self.batch}"
            if self.epoch is None
            else f"epoch {self.epoch}, batch {self.batch}"
        )
        kept = ""
        if self.history is not None:
            kept = "; the history up to here is in cnnbook.train.last_history"
        return (
            f"training diverged: the loss became {self.loss} in {where}. "
            f"Try a smaller learning rate (lr){kept}."
        )


class Step(NamedTuple):
    """What ``train_epoch`` reports to its callback after every batch."""

    batch: int  # 1, 2, ...
    num_batches: int | None  # None when the data has no length
    loss: float  # this batch's loss
    mean_loss: float  # mean loss per example so far in this epoch
    acc: float  # accuracy so far in this epoch


class EpochResult(NamedTuple):
    """What one epoch produced: its mean loss per example, accuracy, number of examples and the
    loss of every batch, in order."""

    loss: float
    acc: float
    examples: int
    batch_loss: list


def train_epoch(net, train_iter, loss_fn, optimizer, scheduler=None, device=None, callback=None,
                bf16=False):  # fmt: skip
    """One pass over ``train_iter``: forward, loss, backward, update, for every batch.

    Batches are ``X: (B, ...)`` and ``y: (B,)``; ``net(X)`` gives scores ``(B, num_classes)``.
    ``scheduler`` (if any) steps after every batch. ``callback(step)``, if given, is called after
    every batch with a :class:`Step`. ``bf16``: the forward pass and the loss under bfloat16
    autocast (the caller decides; :func:`train` does so only where it is native). A NaN or
    infinite loss raises :class:`TrainingDiverged`
    before its update. Returns an :class:`EpochResult` ``(loss, acc, examples, batch_loss)``.
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
        if not math.isfinite(value):
            raise TrainingDiverged(value, i)
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
        raise ValueError("train_iter yielded no batches in this epoch")
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return EpochResult(loss_sum / seen, correct / seen, seen, batch_loss)


# ---------------------------------------------------------------------------------------------
# Training


@dataclass
class History:
    """What a training run produced, epoch by epoch, and where and how fast."""

    device: str
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    examples_per_sec: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)  # every training batch, in order
    wall_time: float = 0.0

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


class _FirstThenRest:
    """Epoch 1's batches: the one the check before training looked at, then the rest of the same
    pass, so that the check costs the loader nothing (no batch lost, no extra shuffle drawn)."""

    def __init__(self, first, rest, loader):
        self.first, self.rest, self.loader = first, rest, loader

    def __iter__(self):
        yield self.first
        yield from self.rest

    def __len__(self) -> int:
        return len(self.loader)


def _check_output(net: nn.Module, first, num_classes: int, device) -> None:
    """One forward pass in evaluation mode, without gradients: gives lazy layers their shapes and
    checks the output's, leaving no trace (batch norm's running statistics stay as they were)."""
    if not (isinstance(first, (tuple, list)) and len(first) == 2
            and all(isinstance(t, torch.Tensor) for t in first)):  # fmt: skip
        raise TypeError(
            f"train_iter must yield (X, y) pairs of tensors, got {type(first).__name__}"
        )
    X = first[0].to(device)
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            out = net(X)
    finally:
        net.train(was_training)
    if out.dim() != 2 or out.shape != (X.shape[0], num_classes):
        raise ValueError(
            f"net must map a batch of {X.shape[0]} examples to ({X.shape[0]}, {num_classes}) "
            f"class scores, got output of shape {tuple(out.shape)}"
        )


SCHEDULES = (None, "cosine", "onecycle")


def make_optimizer(kind: str, params, lr: float, device) -> torch.optim.Optimizer:
    """``"sgd"`` (plain, as d2l) or ``"adam"`` over ``params`` at rate ``lr``. Adam is the fused
    implementation where this torch has it for ``device`` (one kernel updates every tensor: on a
    CPU about ten times faster than the per-tensor loop for AlexNet's 47 M parameters, with the
    same numbers to float rounding); otherwise the default one."""
    params = list(params)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if torch.device(device).type in ("cpu", "cuda"):
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


def _prepare(net, train_iter, test_iter, num_epochs, lr, optimizer, schedule, init, num_classes,
             seed, device):  # fmt: skip
    """Everything train() does before the first step: check the arguments and the data, seed,
    check the network's output on the first batch, initialise. Returns the device and epoch 1's
    batches (the first batch, then the rest of the same pass)."""
    _check_net(net)
    _check_batches("train_iter", train_iter)
    _check_batches("test_iter", test_iter)
    _check_int("num_epochs", num_epochs)
    _check_lr(lr)
    _check_choice("optimizer", optimizer, ("sgd", "adam"))
    _check_choice("schedule", schedule, SCHEDULES)
    _check_choice("init", init, ("auto", "xavier", None))
    _check_int("num_classes", num_classes)
    _check_seed(seed)
    device = as_device(device)
    num_batches = count_batches(train_iter)
    if schedule is not None and num_batches is None:
        raise TypeError(f"schedule={schedule!r} needs a train_iter with a length (len(train_iter))")
    if init == "auto":
        if getattr(net, TRAINED, False):
            raise ValueError(
                "net was trained by train() before: pass init=None to continue from its current "
                "weights, or init='xavier' to start again from new random weights"
            )
        init = "xavier"
    if seed is not None:
        torch.manual_seed(seed)
        generator = getattr(train_iter, "generator", None)
        if isinstance(generator, torch.Generator):
            generator.manual_seed(seed)
    batches = iter(train_iter)
    first = next(batches, None)
    if first is None:
        raise ValueError("train_iter is empty: it yields no batches")
    net.to(device)
    _check_output(net, first, num_classes, device)
    if init == "xavier" and init_xavier(net) == 0:
        raise ValueError("init='xavier' found no linear or convolutional layer to initialise")
    return device, _FirstThenRest(first, batches, train_iter)


def train(
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
    (a list, a ``cnnbook.data.Batches``, a ``DataLoader``; a one-shot iterator such as a
    generator is refused, since every epoch goes through the data again). ``net(X)`` must give
    scores ``(B, num_classes)``.

    ``optimizer``: ``"sgd"`` (plain, as d2l) or ``"adam"`` (see :func:`make_optimizer`).
    ``schedule``: ``None`` (a constant learning rate), ``"cosine"`` (lowered after every batch
    along a half cosine, from ``lr`` to 0 at the end of training) or ``"onecycle"`` (warm-up to
    ``lr``, then cosine; see :func:`make_scheduler`). ``label_smoothing``: the share of each
    target spread evenly over all classes (0: plain cross-entropy). ``bf16``: run the forward
    pass and the loss under bfloat16 autocast where the device computes bfloat16 natively (see
    :func:`bf16_native`; elsewhere it would be slower, and float32 is used), which the history's
    device then says; weights, gradients and evaluation stay float32.
    ``init``: ``"xavier"`` re-initialises every linear and convolutional layer (after one
    forward pass has given lazy layers their shapes); ``None`` keeps the current weights (to
    continue training); ``"auto"`` (default) is ``"xavier"`` for a network that train() has not
    trained yet and refuses one it has (marked by the attribute ``TRAINED``), so that finished
    training is never thrown away silently.

    ``seed`` seeds the initialisation, dropout and the order of the batches: torch's generator,
    and the loader's own shuffle generator when it has one (``train_iter.generator``, as
    ``Batches`` and ``DataLoader``), so the same seed on the same device gives the same numbers,
    also when the same loader is used again (a notebook cell run twice). ``seed=None`` leaves
    every generator as it is.

    Everything is checked before the first step: the arguments, the data, and the network's
    output shape, by one forward pass in evaluation mode that changes nothing (its batch is the
    first batch of epoch 1). A NaN or infinite loss stops training with :class:`TrainingDiverged`.
    Ctrl-C stops it with ``KeyboardInterrupt``. Either way the network's mode is restored and
    the history so far is kept in ``cnnbook.train.last_history`` (updated after every batch).
    """
    global last_history
    check_label_smoothing(label_smoothing)
    check_bf16(bf16)
    device, epoch_one = _prepare(net, train_iter, test_iter, num_epochs, lr, optimizer, schedule,
                                 init, num_classes, seed, device)  # fmt: skip
    num_batches = count_batches(train_iter)
    opt = make_optimizer(optimizer, net.parameters(), lr, device)
    total_steps = num_epochs * num_batches if num_batches is not None else None
    scheduler = make_scheduler(schedule, opt, lr, total_steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=label_smoothing)
    bf16 = bool(bf16) and bf16_native(device)
    where = device_name(device) + (" + bf16 autocast" if bf16 else "")
    history = last_history = History(device=where)
    bar = Progress(progress)
    of = f"/{num_batches}" if num_batches is not None else ""
    epoch, was_training = 1, net.training

    def on_batch(step: Step) -> None:
        history.batch_loss.append(step.loss)
        bar.update(f"epoch {epoch}/{num_epochs}, batch {step.batch}{of}: "
                   f"loss {step.mean_loss:.3f}, acc {step.acc:.3f}")  # fmt: skip

    setattr(net, TRAINED, True)
    start = time.perf_counter()
    try:
        for epoch in range(1, num_epochs + 1):
            epoch_start = time.perf_counter()
            data = epoch_one if epoch == 1 else train_iter
            result = train_epoch(net, data, loss_fn, opt, scheduler, device, on_batch, bf16)
            train_time = time.perf_counter() - epoch_start
            test_acc = evaluate_accuracy(net, test_iter, device)
            history.train_loss.append(result.loss)
            history.train_acc.append(result.acc)
            history.test_acc.append(test_acc)
            history.examples_per_sec.append(result.examples / train_time)
            history.epoch_time.append(time.perf_counter() - epoch_start)
            history.wall_time = time.perf_counter() - start
            text = f"loss {result.loss:.3f}, train acc {result.acc:.3f}, test acc {test_acc:.3f}"
            bar.update(f"epoch {epoch}/{num_epochs}, {text}", force=True)
    except KeyboardInterrupt:
        history.wall_time = time.perf_counter() - start
        done = len(history.test_acc)
        bar.close(f"interrupted in epoch {epoch}/{num_epochs} ({done} done): the history so far "
                  "is in cnnbook.train.last_history")  # fmt: skip
        raise
    except TrainingDiverged as exc:
        history.wall_time = time.perf_counter() - start
        exc.epoch, exc.history = epoch, history
        bar.close(str(exc))
        raise
    finally:
        net.train(was_training)
    accuracies = ", ".join(f"{a:.3f}" for a in history.test_acc)
    bar.close(f"{num_epochs} epoch{'s' if num_epochs > 1 else ''}: test acc per epoch {accuracies}")
    if verbose:
        print(history.summary())
    return history
