"""python -m cnnbook.reproduce: the results file, strict JSON, --out checked before training."""

import json
import math
import os
import subprocess
import sys

import pytest
import torch
from torch import nn

from cnnbook import devices, recipes, reproduce
from cnnbook.models import MODELS
from cnnbook.recipes import RECIPES, Recipe
from cnnbook.train import History


def strict(text):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def tiny(monkeypatch):
    """Model "lenet" as a linear net with a one-epoch recipe on random data standing in for
    Fashion-MNIST; counts the loads."""
    loads = []

    def load(
        batch_size, resize=None, root=None, *, seed=0, device=None, num_train=None, num_test=None
    ):
        loads.append(batch_size)
        g = torch.Generator().manual_seed(seed)
        batches = [(torch.rand(16, 1, 4, 4, generator=g), torch.randint(0, 10, (16,), generator=g))
                   for _ in range(4)]  # fmt: skip
        return batches, batches

    monkeypatch.setattr(recipes, "load_fashion_mnist", load)
    monkeypatch.setitem(MODELS, "lenet", lambda: nn.Sequential(nn.Flatten(), nn.Linear(16, 10)))
    small = Recipe("lenet", "cpu", batch_size=16, num_epochs=1, lr=0.1, resize=4, num_train=64)
    monkeypatch.setitem(RECIPES, "lenet", {"cpu": small, "full": small})
    return loads


def test_reproduce_writes_a_complete_results_file(tmp_path, tiny):
    out = tmp_path / "new" / "results"  # created
    assert reproduce.rerun(["lenet", "--budget", "cpu", "--out", str(out)]) == 0
    record = strict((out / "lenet-cpu.json").read_text())
    assert record == reproduce.load_result("lenet", "cpu", out)
    assert record["recipe"] == RECIPES["lenet"]["cpu"].as_dict() and record["model"] == "lenet"
    assert len(record["history"]["test_acc"]) == 1 and record["history"]["device"]
    assert record["machine"].startswith(devices.cpu_name()) and "torch" in record["machine"]
    assert History(**record["history"]).summary() == record["summary"]
    assert reproduce.load_result("vgg", "full", out) is None
    assert [p.name for p in out.iterdir()] == ["lenet-cpu.json"]


def test_non_finite_numbers_are_written_as_null(tmp_path):
    record = {"model": "m", "budget": "cpu", "history": {"train_loss": [0.5, math.nan],
              "test_acc": (math.inf, 0.1)}, "wall_time": -math.inf, "n": 3}  # fmt: skip
    path = reproduce.save(record, tmp_path)
    saved = strict(path.read_text())
    assert saved == {"model": "m", "budget": "cpu", "wall_time": None, "n": 3,
                     "history": {"train_loss": [0.5, None], "test_acc": [None, 0.1]}}  # fmt: skip
    assert record["history"]["train_loss"][1] != record["history"]["train_loss"][1]  # untouched


def test_a_saved_null_still_makes_a_reference_table(tmp_path):
    h = History(device="cpu", train_loss=[math.nan], train_acc=[0.1], test_acc=[0.1],
                examples_per_sec=[1.0], epoch_time=[1.0], wall_time=1.0)  # fmt: skip
    reproduce.save({"model": "m", "budget": "full", "history": h.as_dict(), "date": "d"}, tmp_path)
    table = reproduce.reference_table("m", (0.3, 0.9, 0.9), h, "cpu", tmp_path)
    assert table.count("nan") == 2 and "this book, full budget" in table


def test_an_unusable_out_is_an_error_before_any_training(tmp_path, tiny, capsys):
    a_file = tmp_path / "file.json"
    a_file.write_text("{}")
    for out in (a_file, a_file / "below"):
        with pytest.raises(SystemExit) as info:
            reproduce.rerun(["lenet", "--budget", "cpu", "--out", str(out)])
        assert info.value.code == 2
        assert f"--out {out} cannot hold the results" in capsys.readouterr().err
    assert tiny == [] and a_file.read_text() == "{}"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_out_is_an_error_before_any_training(tmp_path, tiny):
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o500)
    with pytest.raises(SystemExit):
        reproduce.rerun(["lenet", "--budget", "cpu", "--out", str(read_only)])
    assert tiny == [] and list(read_only.iterdir()) == []


def test_unknown_models_and_budgets_are_refused(tmp_path, tiny):
    with pytest.raises(SystemExit):
        reproduce.rerun(["resnet", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        reproduce.rerun(["lenet", "--budget", "huge", "--out", str(tmp_path)])
    assert tiny == [] and list(tmp_path.iterdir()) == []


def test_it_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "cnnbook.reproduce", "--help"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "alexnet" in done.stdout and "--out" in done.stdout


def test_a_tilde_in_out_means_the_home_directory(tmp_path, tiny, monkeypatch, capsys):
    """`--out=~/results`: the shell leaves the ~ alone; the results go home, as printed."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    assert reproduce.rerun(["lenet", "--budget", "cpu", "--out=~/results"]) == 0
    written = tmp_path / "home" / "results" / "lenet-cpu.json"
    assert written.is_file() and not (tmp_path / "~").exists()
    assert f"wrote {written}" in capsys.readouterr().out


def test_an_interrupted_run_is_not_saved(tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(recipes, "train_net", lambda *a, **k: History("cpu", stopped="interrupted"))
    with pytest.raises(KeyboardInterrupt):
        reproduce.rerun(["lenet", "--budget", "cpu", "--out", str(tmp_path)])
    assert list(tmp_path.iterdir()) == []


def test_the_reference_runs_travel_with_the_package():
    """In Colab, cnnbook is installed from the repository: the full-budget runs must be package
    data, where reference_table finds them."""
    import importlib.resources

    for name in ("lenet", "alexnet", "vgg"):
        files = importlib.resources.files("cnnbook") / "results" / f"{name}-full.json"
        assert files.is_file(), name
        assert reproduce.load_result(name, "full")["model"] == name
    text = (pathlib_root() / "pyproject.toml").read_text()
    assert 'cnnbook = ["results/*.json"]' in text


def pathlib_root():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
