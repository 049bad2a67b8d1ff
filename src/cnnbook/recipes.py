"""The book's training recipes, per model and budget, and ``fit``: the one way the chapters and
``python -m cnnbook.reproduce`` train a model.

    recipe("alexnet", "cpu")   # Recipe(model='alexnet', budget='cpu', batch_size=64, ...)
    run = fit("alexnet")       # load Fashion-MNIST as the recipe says, build AlexNet, train it
    run.history.test_acc[-1], run.net

Two budgets: ``full`` is the published recipe (a GPU's work); ``cpu`` is the largest honest run
that keeps a notebook within minutes on a 2-core laptop (the same recipe where it fits).
:func:`budget` picks one: ``$CNNBOOK_BUDGET`` if set, else ``full`` on CUDA and ``cpu`` elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from functools import partial

import torch
from torch import nn

from .data import load_fashion_mnist
from .models import VGG11_SLIM_ARCH, AlexNet, LeNet, LeNetModern, vgg
from .train import (
    SCHEDULES,
    History,
    _check_choice,
    _check_int,
    _check_lr,
    _check_net,
    as_device,
    check_bf16,
    check_label_smoothing,
    train,
)

BUDGETS = ("full", "cpu")


def budget() -> str:
    """The training budget every chapter uses: ``$CNNBOOK_BUDGET`` if set, else ``full`` on a
    CUDA GPU and ``cpu`` elsewhere."""
    value = os.environ.get("CNNBOOK_BUDGET")
    if value is None:
        return "full" if torch.cuda.is_available() else "cpu"
    if value not in BUDGETS:
        raise ValueError(f"CNNBOOK_BUDGET must be one of {BUDGETS}, got {value!r}")
    return value


_budget_now = budget  # recipe() and fit() take an argument named budget


# Model name -> a function building a fresh network (1 input channel, 10 classes).
MODELS = {
    "lenet": LeNet,
    "lenet-modern": LeNetModern,
    "lenet-scratch": partial(LeNet, from_scratch=True),
    "alexnet": AlexNet,
    "vgg": partial(vgg, VGG11_SLIM_ARCH),
}


@dataclass(frozen=True)
class Recipe:
    """How model ``model`` is trained under budget ``budget``: batches of ``batch_size`` images
    resized to ``resize`` x ``resize`` (None: 28 x 28), from ``num_train`` training examples
    (None: all 60,000), for ``num_epochs`` epochs with ``optimizer`` (``"sgd"`` or ``"adam"``)
    at learning rate ``lr``, constant or along a ``schedule`` (``"cosine"``, ``"onecycle"``), with
    cross-entropy whose targets are smoothed by ``label_smoothing``, and with the forward pass
    under bfloat16 autocast if ``bf16`` (where the device computes bfloat16 natively)."""

    model: str
    budget: str
    batch_size: int
    num_epochs: int
    lr: float
    optimizer: str = "sgd"
    schedule: str | None = None
    resize: int | None = None
    num_train: int | None = None
    label_smoothing: float = 0.0
    bf16: bool = False

    def __post_init__(self):
        if not isinstance(self.model, str):
            raise TypeError(f"model must be a str, got {self.model!r}")
        _check_choice("budget", self.budget, BUDGETS)
        _check_int("batch_size", self.batch_size)
        _check_int("num_epochs", self.num_epochs)
        _check_lr(self.lr)
        _check_choice("optimizer", self.optimizer, ("sgd", "adam"))
        _check_choice("schedule", self.schedule, SCHEDULES)
        check_label_smoothing(self.label_smoothing)
        check_bf16(self.bf16)
        for name in ("resize", "num_train"):
            if getattr(self, name) is not None:
                _check_int(name, getattr(self, name))

    def as_dict(self) -> dict:
        return asdict(self)


# The recipes. LeNet's is d2l's; the modern LeNet's is Adam with a cosine schedule.
_LENET = dict(batch_size=256, num_epochs=10, lr=0.9, optimizer="sgd")
_MODERN = dict(batch_size=256, num_epochs=10, lr=0.01, optimizer="adam", schedule="cosine")
# AlexNet and VGG: the full recipes are d2l's (224 px, plain SGD, 10 epochs, a GPU's work). The
# CPU recipes train the same networks within two minutes (training plus evaluation) on 2 cores:
# small images (AlexNet's smallest, 65 px; 64 px, where VGG's last block keeps a 2 x 2 map), one
# pass over part of the training set, and what makes each step count: Adam (d2l's SGD at lr 0.01
# stays at chance level for thousands of images) along one cycle, label smoothing, and bf16
# autocast where the device has it. The tries that led here: results/recipe-tries-cpu.jsonl.
_SHORT = dict(batch_size=128, num_epochs=1, lr=2e-3, optimizer="adam", schedule="onecycle",
              label_smoothing=0.1, bf16=True)  # fmt: skip
_ALEXNET_CPU = dict(_SHORT, resize=65, num_train=30_720)
_VGG_CPU = dict(_SHORT, resize=64, num_train=30_720)
_SETTINGS = {
    "lenet": {"full": _LENET, "cpu": _LENET},
    "lenet-modern": {"full": _MODERN, "cpu": _MODERN},
    "lenet-scratch": {"full": _LENET, "cpu": dict(_LENET, num_epochs=3)},
    "alexnet": {
        "full": dict(resize=224, batch_size=128, num_epochs=10, lr=0.01, optimizer="sgd"),
        "cpu": _ALEXNET_CPU,
    },
    "vgg": {
        "full": dict(resize=224, batch_size=128, num_epochs=10, lr=0.05, optimizer="sgd"),
        "cpu": _VGG_CPU,
    },
}
RECIPES = {
    name: {which: Recipe(name, which, **settings) for which, settings in per_budget.items()}
    for name, per_budget in _SETTINGS.items()
}


def recipe(name: str, budget: str | None = None) -> Recipe:
    """The recipe model ``name`` trains with under ``budget`` (default: :func:`budget`)."""
    _check_choice("name", name, tuple(RECIPES))
    which = _budget_now() if budget is None else _check_choice("budget", budget, BUDGETS)
    return RECIPES[name][which]


@dataclass
class FitResult:
    """What :func:`fit` produced: the trained network, its history, the recipe it followed, the
    data it saw and the device it ran on."""

    net: nn.Module
    history: History
    recipe: Recipe
    train_iter: object
    test_iter: object
    device: torch.device


def fit(
    name: str,
    budget: str | None = None,
    *,
    device=None,
    seed: int = 0,
    net: nn.Module | None = None,
    init: str | None = "auto",
    progress: bool = True,
    verbose: bool = True,
    settings: Recipe | None = None,
) -> FitResult:
    """Train model ``name`` on Fashion-MNIST with its recipe under ``budget`` (default:
    :func:`budget`) and return a :class:`FitResult`.

    Loads the data as the recipe says (batch size, image size, training subset; shuffled with
    ``seed``, held on ``device``), builds ``MODELS[name]()`` unless ``net`` is given (e.g. a
    variant trained with the same recipe), and trains it with :func:`cnnbook.train.train`
    (``seed``, ``init``, ``progress`` and ``verbose`` are passed on). ``device``: default the
    fastest one here. ``settings``: a :class:`Recipe` for model ``name`` to follow instead of the
    book's (a variant being tried, as ``tools/recipe_tries.py`` does).
    """
    if settings is None:
        settings = recipe(name, budget)
    elif not isinstance(settings, Recipe) or settings.model != name:
        raise TypeError(f"settings must be a Recipe for model {name!r}, got {settings!r}")
    device = as_device(device)
    _check_int("seed", seed, minimum=0)
    if net is not None:
        _check_net(net)
    train_iter, test_iter = load_fashion_mnist(
        settings.batch_size,
        resize=settings.resize,
        seed=seed,
        device=device,
        num_train=settings.num_train,
    )
    net = net if net is not None else MODELS[name]()
    history = train(
        net,
        train_iter,
        test_iter,
        settings.num_epochs,
        settings.lr,
        device,
        optimizer=settings.optimizer,
        schedule=settings.schedule,
        label_smoothing=settings.label_smoothing,
        bf16=settings.bf16,
        init=init,
        seed=seed,
        progress=progress,
        verbose=verbose,
    )
    return FitResult(net, history, settings, train_iter, test_iter, device)
