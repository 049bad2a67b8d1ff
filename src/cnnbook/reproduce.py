"""Run the book's training recipes and save what they produce, for the reference tables.

    python -m cnnbook.reproduce                    # lenet, alexnet, vgg with the default budget
    python -m cnnbook.reproduce alexnet vgg --budget cpu --out /tmp/runs

Each run writes ``<out>/<name>-<budget>.json`` (default ``out``: the package's own ``results``
folder, ``src/cnnbook/results`` in a clone, so that the reference runs travel with the package
and a chapter prints the same reference table in Colab as in the book): the recipe, the
per-epoch history, the device (a GPU's name), the machine (with the processor's name), the wall
time, examples per second, torch's version and the date. The files are strict JSON: a number
that is NaN or infinite (a diverged loss) is written as ``null``. They are written by the code,
never by hand; ``load_result`` reads them back and ``reference_table`` sets them next to a
chapter's own run. ``--out`` is checked to be writable before any training.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
from pathlib import Path

import torch

from .devices import machine_info
from .recipes import BUDGETS, RECIPES, default_budget, fit, recipe

DEFAULT_MODELS = ("lenet", "alexnet", "vgg")
RESULTS = Path(__file__).resolve().parent / "results"  # package data: see pyproject.toml


def run(name: str, budget: str | None = None, device=None, seed: int = 0) -> dict:
    """Train model ``name`` with its recipe for ``budget`` (see ``cnnbook.recipes.fit``); return
    the result record. A run interrupted with Ctrl-C is not a result: it raises
    ``KeyboardInterrupt`` again, after training has stopped."""
    result = fit(name, budget, device=device, seed=seed)
    if result.history.stopped is not None:
        raise KeyboardInterrupt(result.history.stopped)
    return {
        "model": name,
        "budget": result.recipe.budget,
        "recipe": result.recipe.as_dict(),
        "history": result.history.as_dict(),
        "summary": result.history.summary(),
        "machine": machine_info(result.device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
    }


def finite(value):
    """``value`` with every NaN or infinite float, in any nesting of dicts, lists and tuples,
    replaced by ``None`` (JSON's ``null``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def ensure_writable(out: Path) -> None:
    """Create directory ``out`` if needed and write and delete a probe file in it; raise
    ``OSError`` if it cannot hold the results."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    probe = out / f".probe-{os.getpid()}"
    probe.write_text("")
    probe.unlink()


def save(record: dict, out: Path) -> Path:
    """Write ``record`` as strict JSON to ``<out>/<model>-<budget>.json``, atomically."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{record['model']}-{record['budget']}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(finite(record), indent=2, allow_nan=False) + "\n")
    os.replace(partial, path)  # never a half-written results file
    return path


def load_result(name: str, budget: str = "full", directory: Path = RESULTS) -> dict | None:
    """The saved record of model ``name`` under ``budget``, or None if none was run."""
    path = Path(directory) / f"{name}-{budget}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def reference_table(name: str, published, history, budget: str, directory: Path = RESULTS) -> str:
    """d2l's published ``(loss, train acc, test acc)`` for model ``name``, this book's run
    ``history`` under ``budget``, and the saved full-budget run if there is one."""

    def number(value) -> str:
        return f"{value:6.3f}" if value is not None else f"{'nan':>6s}"

    def row(label, loss, train_acc, test_acc, where):
        return f"{label:32s} {number(loss)} {number(train_acc)} {number(test_acc)}  {where}"

    lines = [f"{'run':32s} {'loss':>6s} {'train':>6s} {'test':>6s}  hardware, time"]
    lines.append(row("d2l (published, full recipe)", *published, "GPU"))
    h = history
    lines.append(row(f"this book, {budget!r} budget", h.train_loss[-1], h.train_acc[-1],
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


def rerun(argv=None) -> int:
    """The command line: ``python -m cnnbook.reproduce [models] [--budget B] [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "models",
        nargs="*",
        default=list(DEFAULT_MODELS),
        help=f"any of {list(RECIPES)} (default: {' '.join(DEFAULT_MODELS)})",
    )
    parser.add_argument("--budget", choices=BUDGETS, default=None, help="default: as the device")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    options = parser.parse_args(argv)
    unknown = [m for m in options.models if m not in RECIPES]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {list(RECIPES)}")
    try:
        budget = options.budget or default_budget()
    except ValueError as exc:
        parser.error(str(exc))
    out = options.out.expanduser().resolve()  # `--out=~/runs`: the shell leaves the ~ to us
    try:
        ensure_writable(out)
    except OSError as exc:
        parser.error(f"--out {out} cannot hold the results: {exc}")
    for name in options.models:
        print(f"== {name}, budget {budget!r}: {recipe(name, budget)}", flush=True)
        print(f"   wrote {save(run(name, budget), out)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(rerun())
