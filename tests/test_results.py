"""The numbers the README quotes from the recipe tries are the recorded ones: each row of its
table of CPU recipes, and the small-GPU tries, read back from results/*.jsonl."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"


def tries(name: str) -> list[dict]:
    return [json.loads(line) for line in (RESULTS / name).read_text().splitlines() if line]


def test_the_readmes_table_of_cpu_recipes_is_what_the_tries_recorded():
    row = (r"^\| (?:before|now) \((\w+)\) \| (\w+), (\d+) px \| (yes|no) \| ([\d,]+) "
           r"\| ([\d.]+) \| (\d+) \|$")  # fmt: skip
    rows = re.findall(row, (ROOT / "README.md").read_text(), re.M)
    assert len(rows) == 8
    recorded = tries("recipe-tries-cpu.jsonl")
    for tag, model, size, native, images, accuracy, seconds in rows:
        runs = [
            r for r in recorded if r["tag"] == tag and r.get("bf16_native") == (native == "yes")
        ]
        assert runs, (tag, native)
        run = runs[-1]  # the latest run of that try on that kind of CPU
        assert (run["model"], run["resize"]) == (model.lower(), int(size)), tag
        assert run["num_train"] == int(images.replace(",", "")), tag
        assert f"{run['test_acc']:.3f}" == accuracy, (tag, native, run["test_acc"])
        assert int(run["wall"] + 0.5) == int(seconds), (tag, native, run["wall"])  # 60.5 s: 61
        assert run["test_acc"] >= 0.85 or tag.startswith("H"), (tag, native)
        assert run["wall"] <= 120 or tag.startswith("H"), (tag, native)


def test_the_small_gpu_accuracies_quoted_are_the_recorded_ones():
    text = (ROOT / "README.md").read_text()
    quoted = re.search(r"AlexNet reached ([\d.]+) and VGG\s+([\d.]+) \(tries (\w+), (\w+)\)", text)
    assert quoted, "the README's sentence on the gpu budget's tries"
    recorded = {r["tag"]: r for r in tries("recipe-tries-gpu.jsonl")}
    for accuracy, tag in zip(quoted.groups()[:2], quoted.groups()[2:]):
        assert f"{recorded[tag]['test_acc']:.3f}" == accuracy, tag
