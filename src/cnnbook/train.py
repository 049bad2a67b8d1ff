"""Training and evaluation: one loop for every chapter, with its numbers, device and time.

history = train(net, train_iter, test_iter, num_epochs=10, lr=0.9)
# ... progress per batch, test accuracy per epoch, then one line:
# loss 0.471, train acc 0.824, test acc 0.808 | 8,700 examples/sec on cpu (2 threads) | 69 s
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field

import torch
from torch import nn

# ---------------------------------------------------------------------------------------------
# Devices and budgets


def default_device() -> torch.device:
    """The fastest device here: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def device_name(device) -> str:
    """How a result names its device, e.g. ``cpu (2 threads)`` or ``NVIDIA H100 (cuda)``."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (cuda)"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


BUDGETS = ("full", "cpu")


def budget() -> str:
    """The training budget every chapter uses: ``$CNNBOOK_BUDGET`` if set, else ``full`` on a
    GPU and ``cpu`` elsewhere. ``full`` is the published recipe; ``cpu`` the largest honest run
    that keeps a notebook within minutes on a 2-core laptop."""
    value = os.environ.get("CNNBOOK_BUDGET")
    if value is None:
        return "full" if default_device().type == "cuda" else "cpu"
    if value not in BUDGETS:
        raise ValueError(f"CNNBOOK_BUDGET must be one of {BUDGETS}, got {value!r}")
    return value


# The training recipes of the chapters, per budget. `full` is the published recipe; `cpu` is what
# a 2-core laptop runs within a chapter's time share (the same recipe where it fits).
_LENET = dict(batch_size=256, num_epochs=10, lr=0.9, optimizer="sgd")
_MODERN = dict(batch_size=256, num_epochs=10, lr=0.01, optimizer="adam", schedule="cosine")
# AlexNet and VGG: the full recipes are d2l's (224 px, plain SGD, 10 epochs, a GPU's work). On a
# CPU, d2l's SGD at lr 0.01 stays at chance level for thousands of images; Adam at 3e-4 with
# batches of 64 learns within one partial epoch, on small images (AlexNet's smallest, 65 px).
_ALEXNET_CPU = dict(resize=65, batch_size=64, num_epochs=1, num_train=16_384, lr=3e-4,
                    optimizer="adam")  # fmt: skip
RECIPES = {
    "lenet": {"full": _LENET, "cpu": _LENET},
    "lenet-modern": {"full": _MODERN, "cpu": _MODERN},
    "lenet-scratch": {"full": _LENET, "cpu": dict(_LENET, num_epochs=3)},
    "alexnet": {
        "full": dict(resize=224, batch_size=128, num_epochs=10, lr=0.01, optimizer="sgd"),
        "cpu": _ALEXNET_CPU,
    },
    "vgg": {
        "full": dict(resize=224, batch_size=128, num_epochs=10, lr=0.05, optimizer="sgd"),
        "cpu": dict(_ALEXNET_CPU, resize=64),  # 64: the last block keeps a 2 x 2 map
    },
}


def recipe(name: str, which: str | None = None) -> dict:
    """The settings a chapter trains ``name`` with under budget ``which`` (default:
    :func:`budget`), including the key ``budget``."""
    if name not in RECIPES:
        raise ValueError(f"name must be one of {sorted(RECIPES)}, got {name!r}")
    which = which or budget()
    if which not in BUDGETS:
        raise ValueError(f"which must be one of {BUDGETS}, got {which!r}")
    return dict(RECIPES[name][which], budget=which)


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
# Progress


class Progress:
    """A one-line progress display: updated in place in a notebook (only the final text is kept
    in the saved output), with carriage returns in a terminal, or silent."""

    def __init__(self, enabled: bool = True, every: float = 0.5):
        self.mode = "off"
        if enabled:
            self.mode = "notebook" if _in_notebook() else "terminal"
        self.every, self.last, self.handle = every, 0.0, None

    def update(self, text: str, force: bool = False) -> None:
        now = time.perf_counter()
        if self.mode == "off" or (not force and now - self.last < self.every):
            return
        self.last = now
        if self.mode == "terminal":
            sys.stdout.write("\r" + text.ljust(100))
            sys.stdout.flush()
            return
        from IPython.display import display, update_display

        if self.handle is None:
            self.handle = display({"text/plain": text}, raw=True, display_id=True)
        else:
            update_display({"text/plain": text}, raw=True, display_id=self.handle.display_id)

    def close(self, text: str) -> None:
        self.update(text, force=True)
        if self.mode == "terminal":
            sys.stdout.write("\n")


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


# ---------------------------------------------------------------------------------------------
# Evaluation and training


def evaluate_accuracy(net: nn.Module, data_iter, device=None) -> float:
    """Share of correctly classified examples in ``data_iter``, in evaluation mode."""
    predicted, true = predict(net, data_iter, device)
    return (predicted == true).sum().item() / len(true)


def _device_of(net: nn.Module) -> torch.device:
    parameter = next(net.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")


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
        speed = sum(self.examples_per_sec) / len(self.examples_per_sec)
        return (
            f"loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}, "
            f"test acc {self.test_acc[-1]:.3f} | {speed:,.0f} examples/sec on {self.device} "
            f"| {self.wall_time:.0f} s"
        )

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _check_train_args(num_epochs, lr, train_iter, test_iter) -> None:
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be an int >= 1, got {num_epochs!r}")
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not lr > 0:
        raise ValueError(f"lr must be a number > 0, got {lr!r}")
    for name, data_iter in (("train_iter", train_iter), ("test_iter", test_iter)):
        if hasattr(data_iter, "__len__") and len(data_iter) == 0:
            raise ValueError(f"{name} is empty: it yields no batches")


def train_epoch(net, train_iter, loss_fn, opt, scheduler, device, bar, label="", losses=None):
    """One pass over ``train_iter``: forward, loss, backward, update, for every batch.
    Returns ``(mean loss, accuracy, examples)`` over the epoch; appends each batch's loss to
    ``losses`` if given."""
    net.train()
    loss_sum, correct, seen = 0.0, 0, 0
    of = f"/{len(train_iter)}" if hasattr(train_iter, "__len__") else ""
    for i, (X, y) in enumerate(train_iter, start=1):
        X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
        y_hat = net(X)
        loss = loss_fn(y_hat, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        with torch.no_grad():
            if losses is not None:
                losses.append(loss.item())
            loss_sum += loss.item() * y.numel()
            correct += (y_hat.argmax(dim=1) == y).sum().item()
            seen += y.numel()
        bar.update(f"{label}batch {i}{of}: loss {loss_sum / seen:.3f}, acc {correct / seen:.3f}")
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return loss_sum / seen, correct / seen, seen


def _prepare(net, train_iter, test_iter, num_epochs, lr, optimizer, schedule, init, num_classes,
             device):  # fmt: skip
    """Check everything before the first step; give lazy layers their shapes; initialise."""
    _check_train_args(num_epochs, lr, train_iter, test_iter)
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    if schedule not in ("cosine", None):
        raise ValueError(f"schedule must be 'cosine' or None, got {schedule!r}")
    if init not in ("xavier", None):
        raise ValueError(f"init must be 'xavier' or None, got {init!r}")
    first = next(iter(train_iter), None)
    if first is None:
        raise ValueError("train_iter is empty: it yields no batches")
    net.to(device)
    with torch.no_grad():  # gives lazy layers their shapes, and checks the output
        X = first[0].to(device)
        out = net(X)
    if out.dim() != 2 or out.shape != (X.shape[0], num_classes):
        raise ValueError(
            f"net must map a batch of {X.shape[0]} examples to ({X.shape[0]}, {num_classes}) "
            f"class scores, got output of shape {tuple(out.shape)}"
        )
    if init == "xavier" and init_xavier(net) == 0:
        raise ValueError("init='xavier' found no linear or convolutional layer to initialise")


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
    init: str | None = "xavier",
    num_classes: int = 10,
    seed: int | None = 0,
    progress: bool = True,
    verbose: bool = True,
) -> History:
    """Train ``net`` with cross-entropy and return its :class:`History`.

    ``optimizer``: ``"sgd"`` (plain, as d2l) or ``"adam"``. ``schedule``: ``None`` (a constant
    learning rate) or ``"cosine"`` (lowered after every batch along a half cosine, from ``lr`` to
    0 at the end of training). ``init``: ``"xavier"`` re-initialises every linear and
    convolutional layer (after one forward pass has given lazy layers their shapes), ``None``
    keeps the network's own initialisation. ``seed`` seeds the initialisation and dropout, so the
    same seed on the same device gives the same numbers. Everything is checked before the first
    step: arguments, data, the network's output shape.
    """
    device = torch.device(device) if device is not None else default_device()
    if seed is not None:
        torch.manual_seed(seed)
    _prepare(net, train_iter, test_iter, num_epochs, lr, optimizer, schedule, init, num_classes,
             device)  # fmt: skip
    Optimizer = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
    opt = Optimizer(net.parameters(), lr=lr)
    scheduler = None
    if schedule == "cosine":
        steps = num_epochs * (len(train_iter) if hasattr(train_iter, "__len__") else 1)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    loss_fn = nn.CrossEntropyLoss()
    history = History(device=device_name(device))
    bar = Progress(progress)
    start = time.perf_counter()
    for epoch in range(1, num_epochs + 1):
        epoch_start = time.perf_counter()
        label = f"epoch {epoch}/{num_epochs}, "
        loss, acc, seen = train_epoch(net, train_iter, loss_fn, opt, scheduler, device, bar, label,
                                      history.batch_loss)  # fmt: skip
        train_time = time.perf_counter() - epoch_start
        history.train_loss.append(loss)
        history.train_acc.append(acc)
        history.test_acc.append(evaluate_accuracy(net, test_iter, device))
        history.examples_per_sec.append(seen / train_time)
        history.epoch_time.append(time.perf_counter() - epoch_start)
        bar.update(f"{label}loss {loss:.3f}, train acc {acc:.3f}, "
                   f"test acc {history.test_acc[-1]:.3f}", force=True)  # fmt: skip
        if not math.isfinite(loss):
            break  # diverged: the history shows it
    history.wall_time = time.perf_counter() - start
    accuracies = ", ".join(f"{a:.3f}" for a in history.test_acc)
    epochs = len(history.train_loss)
    bar.close(f"{epochs} epoch{'s' if epochs > 1 else ''}: test acc per epoch {accuracies}")
    if verbose:
        print(history.summary())
    return history


def predict(net: nn.Module, data_iter, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(predicted, true)`` labels for every example of ``data_iter``, on the CPU."""
    device = torch.device(device) if device is not None else _device_of(net)
    was_training = net.training
    net.eval()
    predicted, true = [], []
    with torch.no_grad():
        for X, y in data_iter:
            predicted.append(net(X.to(device)).argmax(dim=1).cpu())
            true.append(y.cpu())
    net.train(was_training)
    if not true:
        raise ValueError("data_iter yielded no examples")
    return torch.cat(predicted), torch.cat(true)


def confusion_matrix(predicted, true, num_classes: int = 10) -> torch.Tensor:
    """``M[i, j]``: how many examples of class ``i`` were predicted as ``j``."""
    index = true.long() * num_classes + predicted.long()
    return torch.bincount(index, minlength=num_classes**2).reshape(num_classes, num_classes)
