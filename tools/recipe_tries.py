"""The tries that led to the CPU recipes of AlexNet and VGG, re-runnable one by one.

    python tools/recipe_tries.py --list          # every try, with its settings
    python tools/recipe_tries.py B4 F1           # run these tries, append them to the results

Each try trains with ``cnnbook.recipes.fit`` (seed 0, the test set evaluated once at the end),
with the settings below in place of the recipe's, and appends a line of JSON to
``results/recipe-tries-cpu.jsonl``: the settings, the test and training accuracy, the wall time
of training plus evaluation (``wall``, the number the two-minute goal is about), examples per
second and the machine. Run them on a quiet machine: anything else running on the cores slows
the try and makes its time meaningless.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "recipe-tries-cpu.jsonl"

ADAM = dict(batch_size=64, num_epochs=1, optimizer="adam")
ALEX, VGG = dict(ADAM, model="alexnet", resize=65), dict(ADAM, model="vgg", resize=64)
ONE = dict(schedule="onecycle")
B128 = dict(batch_size=128)
# tag -> settings (cnnbook.recipes.Recipe's fields, and bf16). A0 is the recipe before these
# tries (with the fused Adam that every later try also uses).
TRIES = {
    "A0": dict(ALEX, num_train=16_384, lr=3e-4),
    "A1": dict(ALEX, batch_size=256, num_train=24_576, lr=1e-3, **ONE),
    "B1": dict(ALEX, num_train=20_480, lr=5e-4, **ONE),
    "B2": dict(ALEX, num_train=20_480, lr=3e-4, schedule="cosine"),
    "C1": dict(ALEX, num_train=20_480, lr=1e-3, **ONE),
    "B4": dict(ALEX, num_train=20_480, lr=5e-4, label_smoothing=0.1, **ONE),
    "D1": dict(ALEX, num_train=24_576, lr=5e-4, label_smoothing=0.1, bf16=True, **ONE),
    "F1": dict(ALEX, num_train=23_552, lr=1e-3, label_smoothing=0.1, bf16=True, **ONE),
    "V1": dict(VGG, num_train=20_480, lr=5e-4, **ONE),
    "D3": dict(VGG, num_train=20_480, lr=5e-4, label_smoothing=0.1, **ONE),
    "D4": dict(VGG, num_train=25_600, lr=5e-4, label_smoothing=0.1, bf16=True, **ONE),
    "E1": dict(VGG, num_train=25_600, lr=1e-3, label_smoothing=0.1, bf16=True, **ONE),
    "F2": dict(VGG, num_train=24_576, lr=1e-3, label_smoothing=0.1, bf16=True, **ONE),
    "G2": dict(VGG, num_train=23_552, lr=1e-3, label_smoothing=0.1, bf16=True, **ONE),
    "G3": dict(VGG, num_train=24_064, lr=1e-3, label_smoothing=0.1, bf16=True, **ONE),
    "H1": dict(ALEX, **B128, num_train=30_720, lr=2e-3, label_smoothing=0.1, bf16=True, **ONE),
    "H2": dict(VGG, **B128, num_train=30_720, lr=2e-3, label_smoothing=0.1, bf16=True, **ONE),
}


def run_try(tag: str) -> dict:
    import torch

    from cnnbook.bench import cpu_name
    from cnnbook.recipes import Recipe, fit

    settings = dict(TRIES[tag])
    name = settings.pop("model")
    r = Recipe(name, "cpu", **settings)
    h = fit(name, device="cpu", settings=r, progress=False, verbose=False).history
    return dict(tag=tag, **TRIES[tag], test_acc=round(h.test_acc[-1], 4),
                train_acc=round(h.train_acc[-1], 4), wall=round(h.wall_time, 1),
                ex_per_s=round(h.examples_per_sec[-1], 1), device=h.device,
                cpu=cpu_name(), torch=torch.__version__)  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tags", nargs="*", help=f"any of {' '.join(TRIES)}")
    parser.add_argument("--list", action="store_true", help="print every try's settings")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    unknown = [t for t in args.tags if t not in TRIES]
    if unknown:
        parser.error(f"unknown tries {unknown}; choose from {list(TRIES)}")
    if args.list or not args.tags:
        for tag, settings in TRIES.items():
            print(tag, json.dumps(settings))
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for tag in args.tags:
        line = json.dumps(run_try(tag))
        print(line, flush=True)
        with open(args.out, "a") as f:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
