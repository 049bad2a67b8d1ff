"""Run the book's training recipes and save what they produce, for the reference tables.

    python -m cnnbook.reproduce                    # lenet, alexnet, vgg with $CNNBOOK_BUDGET
    python -m cnnbook.reproduce alexnet --budget full --out results

Each run writes ``<out>/<name>-<budget>.json``: the recipe, the per-epoch history, the device
(a GPU's name), the wall time, examples per second, torch's version and the date. The files are
written by the code, never by hand; ``load_result`` reads them back.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
from pathlib import Path

import torch

from .data import load_fashion_mnist
from .models import VGG11_SLIM_ARCH, AlexNet, LeNet, vgg
from .train import BUDGETS, budget, default_device, recipe, train

MODELS = {"lenet": LeNet, "alexnet": AlexNet, "vgg": lambda: vgg(VGG11_SLIM_ARCH)}
# results/ of the repository when cnnbook runs from a clone (editable install), else of the cwd.
_CLONE = Path(__file__).resolve().parents[2]
RESULTS = (_CLONE if (_CLONE / "pyproject.toml").is_file() else Path.cwd()) / "results"


def run(name: str, which: str, device=None, seed: int = 0) -> dict:
    """Train model ``name`` with its recipe for budget ``which``; return the result record."""
    settings = recipe(name, which)
    device = torch.device(device) if device is not None else default_device()
    train_iter, test_iter = load_fashion_mnist(
        settings["batch_size"], resize=settings.get("resize"), seed=seed, device=device,
        num_train=settings.get("num_train"),
    )  # fmt: skip
    history = train(
        MODELS[name](), train_iter, test_iter, settings["num_epochs"], settings["lr"], device,
        optimizer=settings["optimizer"], schedule=settings.get("schedule"), seed=seed,
    )  # fmt: skip
    return {
        "model": name,
        "budget": which,
        "recipe": settings,
        "history": history.as_dict(),
        "summary": history.summary(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
    }


def save(record: dict, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{record['model']}-{record['budget']}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(partial, path)  # never a half-written results file
    return path


def load_result(name: str, which: str = "full", directory: Path = RESULTS) -> dict | None:
    """The saved record of model ``name`` under budget ``which``, or None if none was run."""
    path = Path(directory) / f"{name}-{which}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=list(MODELS), help=f"any of {list(MODELS)}")
    parser.add_argument("--budget", choices=BUDGETS, default=None, help="default: $CNNBOOK_BUDGET")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {list(MODELS)}")
    which = args.budget or budget()
    for name in args.models:
        print(f"== {name}, budget {which!r}: {recipe(name, which)}", flush=True)
        print(f"   wrote {save(run(name, which), args.out)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def reference_table(name: str, published, history, which: str, directory: Path = RESULTS) -> str:
    """d2l's published ``(loss, train acc, test acc)`` for model ``name``, this book's run
    ``history`` under budget ``which``, and the saved full-budget run if there is one."""

    def row(label, loss, train_acc, test_acc, where):
        return f"{label:32s} {loss:6.3f} {train_acc:6.3f} {test_acc:6.3f}  {where}"

    lines = [f"{'run':32s} {'loss':>6s} {'train':>6s} {'test':>6s}  hardware, time"]
    lines.append(row("d2l (published, full recipe)", *published, "GPU"))
    h = history
    lines.append(row(f"this book, {which!r} budget", h.train_loss[-1], h.train_acc[-1],
                     h.test_acc[-1], f"{h.device}, {h.wall_time:.0f} s"))  # fmt: skip
    full = load_result(name, "full", directory)
    if full is None:
        lines.append(f"{'this book, full budget':32s} no run yet: `make reproduce` on a GPU")
    else:
        f = full["history"]
        where = f"{f['device']}, {f['wall_time']:.0f} s, {full['date']}"
        lines.append(row("this book, full budget", f["train_loss"][-1], f["train_acc"][-1],
                         f["test_acc"][-1], where))  # fmt: skip
    return "\n".join(lines)
