"""The tries that led to the CPU recipes of AlexNet and VGG, re-runnable one by one.

    python tools/recipe_tries.py --list          # every try, with its settings
    python tools/recipe_tries.py B4 F1           # run these tries, append them to the results
    python tools/recipe_tries.py --device cuda --seeds 0 1 X1 Z1   # screen tries on a GPU

Each try trains with ``cnnbook.recipes.fit`` (seed 0, the test set evaluated once at the end),
with the settings below in place of the recipe's, and appends a line of JSON to
``results/recipe-tries-cpu.jsonl``: the settings, the test and training accuracy, the wall time
of training plus evaluation (``wall``, the number the two-minute goal is about), examples per
second and the machine. Run them on a quiet machine: anything else running on the cores slows
the try and makes its time meaningless.

The tries X*, Y*, Z* are for CPUs without native bfloat16 (most laptops; this machine under
``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2``): float32
throughout. W* size a budget for a small GPU (224 px, the whole training set, a few epochs).
On a GPU (``--device cuda``) the tries are screened for accuracy only, in float32 without TF32
as a CPU computes (``--tf32`` allows it): its times say nothing of a CPU's, and the lines go to
``results/recipe-tries-gpu.jsonl``; each candidate is then run on the CPU itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "recipe-tries-cpu.jsonl"
OUT_GPU = ROOT / "results" / "recipe-tries-gpu.jsonl"

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
# Without native bfloat16: float32, and fewer or cheaper images for the same two minutes.
F32 = dict(B128, label_smoothing=0.1, bf16=False, **ONE)
VGG32 = dict(VGG, resize=32)
TRIES.update({
    "X1": dict(ALEX, **F32, num_train=30_720, lr=2e-3),
    "X2": dict(ALEX, **F32, num_train=20_480, lr=2e-3),
    "X3": dict(ALEX, **F32, num_train=24_576, lr=2e-3),
    "X4": dict(ALEX, **F32, num_train=24_576, lr=3e-3),
    "X5": dict(ALEX, **dict(F32, batch_size=256), num_train=30_720, lr=4e-3),
    "X6": dict(ALEX, **dict(F32, batch_size=256), num_train=40_960, lr=4e-3),
    "X7": dict(ALEX, **dict(F32, batch_size=256), num_train=30_720, lr=3e-3),
    "X8": dict(ALEX, **F32, num_train=20_480, lr=3e-3),
    "Y1": dict(VGG, **F32, num_train=30_720, lr=2e-3),
    "Y2": dict(VGG, **F32, num_train=20_480, lr=2e-3),
    "Y3": dict(VGG, **F32, num_train=24_576, lr=3e-3),
    "Z1": dict(VGG32, **F32, num_train=30_720, lr=2e-3),
    "Z2": dict(VGG32, **F32, num_train=40_960, lr=2e-3),
    "Z3": dict(VGG32, **dict(F32, batch_size=256), num_train=40_960, lr=4e-3),
    "Z4": dict(VGG32, **F32, num_train=51_200, lr=2e-3),
    "Z5": dict(VGG32, **dict(F32, batch_size=256), num_train=51_200, lr=4e-3),
    "Z6": dict(VGG32, **F32, num_train=30_720, lr=3e-3),
})  # fmt: skip
# Second round, three seeds each: smaller batches (more steps per image), Kaiming's
# initialisation for ReLU networks (``init``: He et al., 2015) instead of train_net's Xavier,
# and the budgets of a CPU with native bfloat16.
KAIMING = dict(init="kaiming")
TRIES.update({
    "P1": dict(ALEX, **dict(F32, batch_size=64), num_train=20_480, lr=1e-3),
    "P2": dict(ALEX, **F32, num_train=25_600, lr=2e-3),
    "P3": dict(ALEX, **F32, num_train=25_600, lr=2e-3, **KAIMING),
    "P4": dict(ALEX, **dict(F32, batch_size=64), num_train=20_480, lr=1e-3, **KAIMING),
    "P5": dict(ALEX, **F32, num_train=25_600, lr=1e-3, **KAIMING),
    "P6": dict(ALEX, **dict(F32, batch_size=96), num_train=23_040, lr=1.5e-3, **KAIMING),
    "Q1": dict(VGG32, **F32, num_train=44_800, lr=2e-3),
    "Q2": dict(VGG32, **F32, num_train=44_800, lr=2e-3, **KAIMING),
    "R1": dict(ALEX, **dict(F32, bf16=True), num_train=40_960, lr=2e-3),
    "R2": dict(ALEX, **dict(F32, bf16=True), num_train=40_960, lr=2e-3, **KAIMING),
    "R3": dict(VGG32, **dict(F32, bf16=True), num_train=44_800, lr=2e-3),
})  # fmt: skip
# The candidates on the CPU itself, with and without native bfloat16 (bf16 where native).
TRIES.update({
    "K1": dict(ALEX, **dict(F32, bf16=True), num_train=25_600, lr=2e-3, **KAIMING),
    "K2": dict(VGG32, **dict(F32, bf16=True), num_train=40_960, lr=2e-3, **KAIMING),
    "K3": dict(VGG32, **dict(F32, bf16=True), num_train=44_800, lr=2e-3, **KAIMING),
    "K4": dict(ALEX, **dict(F32, bf16=True), num_train=24_576, lr=2e-3, **KAIMING),
})  # fmt: skip
# A small GPU's budget: d2l's 224 px and the whole training set, for a few epochs.
WIDE = dict(B128, num_epochs=3, resize=224, label_smoothing=0.1, bf16=True, **ONE)
TRIES.update({
    "W1": dict(ALEX, **WIDE, lr=1e-3),
    "W2": dict(ALEX, **WIDE, lr=5e-4),
    "W3": dict(VGG, **WIDE, lr=1e-3),
    "W4": dict(VGG, **WIDE, lr=5e-4),
})  # fmt: skip


def run_try(tag: str, device: str = "cpu", seed: int = 0) -> dict:
    import torch

    from cnnbook.devices import bf16_native, cpu_name
    from cnnbook.models import build
    from cnnbook.recipes import Recipe, fit

    settings = dict(TRIES[tag])
    name, init = settings.pop("model"), settings.pop("init", "xavier")
    r = Recipe(name, "cpu" if settings.get("resize") != 224 else "gpu", **settings)
    net = None
    if init == "kaiming":  # built and initialised here; fit keeps these weights (init=None)
        torch.manual_seed(seed)
        net = build(name)
        for module in net.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                torch.nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                torch.nn.init.zeros_(module.bias)
    h = fit(name, device=device, seed=seed, settings=r, net=net, init=None if net else "auto",
            progress=False, verbose=False).history  # fmt: skip
    native = bf16_native(torch.device(device))
    return dict(tag=tag, **TRIES[tag], seed=seed, test_acc=round(h.test_acc[-1], 4),
                train_acc=round(h.train_acc[-1], 4), wall=round(h.wall_time, 1),
                ex_per_s=round(h.examples_per_sec[-1], 1), device=h.device, bf16_native=native,
                cpu=cpu_name(), torch=torch.__version__)  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tags", nargs="*", help=f"any of {' '.join(TRIES)}")
    parser.add_argument("--list", action="store_true", help="print every try's settings")
    parser.add_argument("--out", type=Path, default=None, help=f"default: {OUT.name} on a CPU, "
                        f"{OUT_GPU.name} on a GPU")  # fmt: skip
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda: a GPU screens")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--tf32", action="store_true", help="on a GPU, allow TF32 arithmetic")
    args = parser.parse_args(argv)
    gpu = args.device != "cpu"
    args.out = args.out or (OUT_GPU if gpu else OUT)
    if gpu:
        import torch

        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = args.tf32
    unknown = [t for t in args.tags if t not in TRIES]
    if unknown:
        parser.error(f"unknown tries {unknown}; choose from {list(TRIES)}")
    if args.list or not args.tags:
        for tag, settings in TRIES.items():
            print(tag, json.dumps(settings))
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for tag in args.tags:
        for seed in args.seeds:
            record = run_try(tag, args.device, seed)
            if gpu:
                record.update(tf32=args.tf32, screen="accuracy only: a GPU's times are not a CPU's")
            line = json.dumps(record)
            print(line, flush=True)
            with open(args.out, "a") as f:
                f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
