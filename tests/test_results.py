"""The numbers the README quotes from the recipe tries are the recorded ones: each row of its
table of CPU recipes, and the small-GPU tries, read back from results/*.jsonl."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"


def tries(name: str) -> list[dict]:
    return [json.loads(line) for line in (RESULTS / name).read_text().splitlines() if line]


CPUS = {"Xeon": "Intel(R) Xeon(R) Processor", "EPYC": "AMD EPYC"}


def test_the_readmes_table_of_cpu_recipes_is_what_the_tries_recorded():
    row = (r"^\| (before|now) \((\w+)\) \| (\w+), (\d+) px \| (\w+) \| (yes|no) \| ([\d,]+) "
           r"\| ([\d.]+) \| (\d+) \|$")  # fmt: skip
    rows = re.findall(row, (ROOT / "README.md").read_text(), re.M)
    assert len(rows) == 12
    recorded = tries("recipe-tries-cpu.jsonl")
    for when, tag, model, size, cpu, native, images, accuracy, seconds in rows:
        runs = [
            r
            for r in recorded
            if r["tag"] == tag
            and r.get("bf16_native") == (native == "yes")
            and r.get("cpu") == CPUS[cpu]
        ]
        assert runs, (tag, cpu, native)
        run = runs[-1]  # the latest run of that try on that kind of CPU
        assert (run["model"], run["resize"]) == (model.lower(), int(size)), tag
        assert run["num_train"] == int(images.replace(",", "")), tag
        assert f"{run['test_acc']:.3f}" == accuracy, (tag, cpu, native, run["test_acc"])
        assert int(run["wall"] + 0.5) == int(seconds), (tag, cpu, native, run["wall"])  # 60.5: 61
        if when == "now":
            assert run["test_acc"] >= 0.85, (tag, cpu, native)
        if when == "now" and cpu == "Xeon":  # the README: under two minutes on the Xeon
            assert run["wall"] <= 120, (tag, native)


def test_the_small_gpu_accuracies_quoted_are_the_recorded_ones():
    text = (ROOT / "README.md").read_text()
    quoted = re.search(r"AlexNet reached ([\d.]+) and VGG\s+([\d.]+) \(tries (\w+), (\w+)\)", text)
    assert quoted, "the README's sentence on the gpu budget's tries"
    recorded = {r["tag"]: r for r in tries("recipe-tries-gpu.jsonl")}
    for accuracy, tag in zip(quoted.groups()[:2], quoted.groups()[2:]):
        assert f"{recorded[tag]['test_acc']:.3f}" == accuracy, tag
