"""`make bench`'s helpers: the recipes section measures what it says."""

from __future__ import annotations

import pytest

from cnnbook import bench
from cnnbook.recipes import recipe


@pytest.mark.parametrize("name", ["alexnet", "vgg"])
def test_recipe_variants_start_with_the_recipe_and_change_one_thing_each(name):
    variants = bench.recipe_variants(name)
    first, *others = variants
    assert first.startswith("recipe: fused Adam, batch 128") and variants[first] == {}
    assert all(len(change) == 1 for label, change in variants.items() if label != first)
    assert len(others) == 7


def test_recipe_step_speed_measures_training_steps():
    for change in ({}, dict(adam="loop", layout="channels_last", bf16=False, pre_resized=True)):
        speed = bench.recipe_step_speed("vgg", batch_size=2, steps=1, warmup=0, **change)
        assert speed > 0
    assert recipe("vgg", "cpu").resize == 32


def test_report_says_which_of_two_was_faster(capsys):
    times = {"F.conv2d": {"forward": 1e-3, "forward+backward": 3e-3},
             "cnnbook conv2d": {"forward": 2e-3, "forward+backward": 2e-3}}  # fmt: skip
    bench.report("a shape:", times, "F.conv2d", versus="cnnbook conv2d")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "a shape:" and "0.7x" in out[2]
    assert out[-1] == (
        "  faster here: forward F.conv2d by 2.0x, forward+backward cnnbook conv2d by 1.5x"
    )
    assert bench.faster({"a": 2.0, "b": 1.0}, "a", "b") == ["time b by 2.0x"]


def test_unknown_sections_are_refused(capsys):
    with pytest.raises(SystemExit):
        bench.measure(["nonsense"])
    assert "unknown section" in capsys.readouterr().err
