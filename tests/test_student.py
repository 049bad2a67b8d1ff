"""`make student`: the chapters without solutions."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def load_tool():
    spec = importlib.util.spec_from_file_location("student", ROOT / "tools" / "student.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    assert load_tool().main([str(out)]) == 0
    return out / "chapters"


def exercise_numbers(nb) -> list[str]:
    """The numbers of the exercises asked in ``nb``'s markdown after its Exercises heading."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    _, _, exercises = text.partition("## Exercises")
    return re.findall(r"^(\d+)\. ", exercises, re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_has_folded_solutions(path):
    nb = nbformat.read(path, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert any("solution" in t for t in tags), f"{path.name} tags no cell as a solution"
    for cell, cell_tags in zip(nb.cells, tags):
        if "solution" not in cell_tags:
            continue
        if cell.cell_type == "code":
            folded = "hide-cell" in cell_tags or "remove-cell" in cell_tags  # a hidden claim check
            assert folded, f"{path.name}: a solution code cell is not folded"
        else:
            text = cell.source.strip()
            assert text.startswith("<details>") and text.endswith("</details>"), (
                f"{path.name}: solution prose must be one <details> block: {text[:60]!r}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_keeps_questions_and_drops_every_solution(edition, path):
    original = nbformat.read(path, as_version=4)
    student = nbformat.read(edition / path.name, as_version=4)
    solutions = [c.source for c in original.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions
    texts = [c.source for c in student.cells]
    for solution in solutions:
        assert solution not in texts
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    assert "<summary>Answer</summary>" not in "\n".join(texts)
    assert exercise_numbers(student) == exercise_numbers(original)
    assert len(exercise_numbers(student)) >= 4
    nbformat.validate(student)


def self_checks(nb) -> list:
    return [c for c in nb.cells if "self-check" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_self_checks_call_the_package_and_stay_in_the_student_edition(edition, path):
    from cnnbook import checks

    original = nbformat.read(path, as_version=4)
    student = nbformat.read(edition / path.name, as_version=4)
    found = self_checks(original)
    assert found, f"{path.name} has no self-check for a code exercise"
    for cell in found:
        called = re.findall(r"^(check_\w+)\(", cell.source, re.M)
        assert called and all(name in checks.__all__ for name in called), cell.source
        assert "solution" not in cell.metadata.get("tags", [])
        assert not any(t.startswith(("hide", "remove")) for t in cell.metadata["tags"])
    kept = self_checks(student)
    assert [c.source for c in kept] == [c.source for c in found]
    for cell in kept:  # the student writes the answer in the cell just above
        above = student.cells[student.cells.index(cell) - 1]
        assert above.cell_type == "code" and above.source == "# Your answer", above.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_of_the_exercises_is_a_solution_or_a_self_check(path):
    """So that the student edition keeps no answer: hidden claim checks of an exercise are
    solutions too."""
    nb = nbformat.read(path, as_version=4)
    exercises = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = [line for line in cell.source.splitlines() if line.startswith("## ")]
            if headings:
                exercises = headings[-1].startswith("## Exercises")
        elif exercises:
            tags = cell.metadata.get("tags", [])
            assert "solution" in tags or "self-check" in tags, f"{path.name}: {cell.source[:80]!r}"
