"""The book's training recipes, per model and budget, and ``fit``: the one way the chapters and
``python -m cnnbook.reproduce`` train a model.

    recipe("alexnet", "cpu")   # Recipe(model='alexnet', budget='cpu', batch_size=128, ...)
    run = fit("alexnet")       # load Fashion-MNIST as the recipe says, build AlexNet, train it
    run.history.test_acc[-1], run.net

The budgets: ``full`` is the published recipe (a large GPU's work); ``gpu`` the same networks
sized for a small GPU such as Colab's T4; ``cpu`` the largest honest run that keeps a notebook
within minutes on a 2-core laptop (the same recipe where it fits); ``smoke`` a few batches, to
check that a notebook runs from top to bottom (its numbers mean nothing).
:func:`default_budget` picks one: ``$CNNBOOK_BUDGET`` if set, else by the device.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import torch
from torch import nn

from . import args
from .data import load_fashion_mnist
from .devices import as_device
from .models import MODELS, build
from .train import INITS, OPTIMIZERS, SCHEDULES, TRAINED, History, train_net

BUDGETS = ("full", "gpu", "cpu", "smoke")


def default_budget() -> str:
    """The training budget every chapter uses: ``$CNNBOOK_BUDGET`` if set; else ``full`` on a
    CUDA GPU of compute capability 8.0 or newer (A100, L4, H100: bfloat16 and TF32 arithmetic),
    ``gpu`` on an older one (Colab's T4), and ``cpu`` elsewhere."""
    value = os.environ.get("CNNBOOK_BUDGET")
    if value is not None:
        return args.choice("CNNBOOK_BUDGET", value, BUDGETS)
    if torch.cuda.is_available():
        return "full" if torch.cuda.get_device_capability() >= (8, 0) else "gpu"
    return "cpu"


@dataclass(frozen=True)
class Recipe:
    """How model ``model`` is trained under budget ``budget``: batches of ``batch_size`` images
    resized to ``resize`` x ``resize`` (None: 28 x 28), from ``num_train`` training examples
    (None: all 60,000), tested on the first ``num_test`` test examples (None: all 10,000), for
    ``num_epochs`` epochs with ``optimizer`` (``"sgd"`` or ``"adam"``)
    at learning rate ``lr``, constant or along a ``schedule`` (``"cosine"``, ``"onecycle"``), with
    cross-entropy whose targets are smoothed by ``label_smoothing``, with the forward pass under
    bfloat16 autocast if ``bf16`` (where the device computes bfloat16 natively), from weights
    drawn as ``init`` says (``"xavier"`` or ``"kaiming"``: see ``cnnbook.train.init_weights``)."""

    model: str
    budget: str
    batch_size: int
    num_epochs: int
    lr: float
    optimizer: str = "sgd"
    schedule: str | None = None
    resize: int | None = None
    num_train: int | None = None
    num_test: int | None = None
    label_smoothing: float = 0.0
    bf16: bool = False
    init: str = "xavier"

    def __post_init__(self):
        args.choice("model", self.model, tuple(MODELS))
        args.choice("budget", self.budget, BUDGETS)
        args.integer("batch_size", self.batch_size, 1)
        args.integer("num_epochs", self.num_epochs, 1)
        args.real("lr", self.lr, 0, low_open=True)
        args.choice("optimizer", self.optimizer, OPTIMIZERS)
        args.choice("schedule", self.schedule, SCHEDULES)
        args.real("label_smoothing", self.label_smoothing, 0, 1, high_open=True)
        args.flag("bf16", self.bf16)
        args.choice("init", self.init, tuple(i for i in INITS if i not in ("auto", None)))
        for name in ("resize", "num_train", "num_test"):
            if getattr(self, name) is not None:
                args.integer(name, getattr(self, name), 1)

    def as_dict(self) -> dict:
        return asdict(self)


# The recipes. LeNet's is d2l's; the modern LeNet's is Adam with a cosine schedule.
_LENET = dict(batch_size=256, num_epochs=10, lr=0.9, optimizer="sgd")
_MODERN = dict(batch_size=256, num_epochs=10, lr=0.01, optimizer="adam", schedule="cosine")
# AlexNet and VGG: the full recipes are d2l's (224 px, plain SGD, 10 epochs, a GPU's work). The
# CPU recipes train the same networks in about two minutes (training plus evaluation) on 2 cores
# (the times measured on each CPU: README, "Training budgets"): each network's smallest images
# (AlexNet 65 px, VGG 32 px), one pass over part of the training set, and what makes each step
# count: Kaiming's initialisation for ReLU networks, Adam (d2l's SGD at lr 0.01 stays at chance
# level for thousands of images) along one cycle, label smoothing, and bf16 autocast where the
# processor has it. The tries that led here: results/recipe-tries-cpu.jsonl (and -gpu.jsonl,
# the screen).
_SHORT = dict(batch_size=128, num_epochs=1, lr=2e-3, optimizer="adam", schedule="onecycle",
              label_smoothing=0.1, bf16=True, init="kaiming")  # fmt: skip
# A small GPU's budget (Colab's T4): d2l's 224 px and the whole training set for three epochs,
# from Xavier's weights as tried (results/recipe-tries-gpu.jsonl, W1 and W3): about three minutes
# a network on a T4 by `make bench gpu`'s estimate.
_WIDE = dict(_SHORT, resize=224, num_epochs=3, init="xavier")
# The smoke budget: a few batches of one epoch, tested on a few batches, to see a notebook run
# from top to bottom.
_SMOKE = dict(batch_size=64, num_epochs=1, lr=1e-3, optimizer="adam", num_train=256, num_test=512)
_SETTINGS = {
    "lenet": {"full": _LENET, "gpu": _LENET, "cpu": _LENET, "smoke": _SMOKE},
    "lenet-modern": {"full": _MODERN, "gpu": _MODERN, "cpu": _MODERN, "smoke": _SMOKE},
    "lenet-scratch": {
        "full": _LENET,
        "gpu": _LENET,
        "cpu": dict(_LENET, num_epochs=3),
        "smoke": _SMOKE,
    },  # fmt: skip
    "alexnet": {
        "full": dict(resize=224, batch_size=128, num_epochs=10, lr=0.01, optimizer="sgd"),
        "gpu": dict(_WIDE, lr=1e-3),
        "cpu": dict(_SHORT, resize=65, num_train=25_600),
        "smoke": dict(_SMOKE, resize=65),
    },
    "vgg": {
        "full": dict(resize=224, batch_size=128, num_epochs=10, lr=0.05, optimizer="sgd"),
        "gpu": dict(_WIDE, lr=1e-3),
        "cpu": dict(_SHORT, resize=32, num_train=40_960),
        "smoke": dict(_SMOKE, resize=64),
    },
}
RECIPES = {
    name: {budget: Recipe(name, budget, **settings) for budget, settings in per_budget.items()}
    for name, per_budget in _SETTINGS.items()
}


def recipe(name: str, budget: str | None = None) -> Recipe:
    """The recipe model ``name`` trains with under ``budget`` (default: :func:`default_budget`)."""
    args.choice("name", name, tuple(RECIPES))
    budget = default_budget() if budget is None else args.choice("budget", budget, BUDGETS)
    return RECIPES[name][budget]


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
    :func:`default_budget`) and return a :class:`FitResult`.

    Loads the data as the recipe says (batch size, image size, training subset; shuffled with
    ``seed``, held on ``device``), builds ``models.build(name)`` unless ``net`` is given (e.g. a
    variant trained with the same recipe), and trains it with :func:`cnnbook.train.train_net`
    (``seed``, ``progress`` and ``verbose`` are passed on; ``init="auto"`` starts a fresh network
    from the recipe's initialisation and refuses to restart a trained one). ``device``: default the
    fastest one here. ``settings``: a :class:`Recipe` for model ``name`` to follow instead of the
    book's (a variant being tried, as ``tools/recipe_tries.py`` does). An interrupted run
    (Ctrl-C) returns what it has, with ``history.stopped`` saying where it stopped.
    """
    if settings is None:
        settings = recipe(name, budget)
    elif not isinstance(settings, Recipe) or settings.model != name:
        raise TypeError(f"settings must be a Recipe for model {name!r}, got {settings!r}")
    device = as_device(device)
    args.integer("seed", seed, 0)
    if net is not None:
        args.module("net", net)
    train_iter, test_iter = load_fashion_mnist(
        settings.batch_size,
        resize=settings.resize,
        seed=seed,
        device=device,
        num_train=settings.num_train,
        num_test=settings.num_test,
    )
    net = net if net is not None else build(name)
    if init == "auto" and not getattr(net, TRAINED, False):
        init = settings.init  # a fresh network starts from the recipe's initialisation
    history = train_net(
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
