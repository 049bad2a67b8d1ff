"""Static checks of the committed notebooks: fast, no kernel needed."""

import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml
from notebooks import BOOTSTRAP_MARK, bootstrap_source, repository

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
IGNORE = "# NBVAL_IGNORE_OUTPUT"


def toc_files() -> list[str]:
    def walk(entries):
        for entry in entries:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("sections", []))
            for part in entry.get("parts", []):
                yield from walk(part.get("chapters", []))

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"], *walk(toc.get("chapters", [])), *walk(toc.get("parts", []))]


def output_text(cell) -> str:
    return json.dumps(cell.get("outputs", []))


def test_there_are_notebooks():
    assert NOTEBOOKS, "chapters/ holds no notebooks"


def test_toc_lists_every_chapter_and_only_pages_that_exist():
    listed = toc_files()
    for name in listed:
        assert any((ROOT / f"{name}{ext}").is_file() for ext in ("", ".md", ".ipynb")), name
    for path in NOTEBOOKS:
        assert f"chapters/{path.stem}" in listed, f"{path.name} is missing from _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
class TestNotebook:
    def test_executed_top_to_bottom(self, path):
        nb = nbformat.read(path, as_version=4)
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), "run `make execute`"

    def test_first_code_cell_is_the_bootstrap_from_config(self, path):
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        assert first.source.startswith(BOOTSTRAP_MARK)
        assert first.source == bootstrap_source(*repository()), "run `make bootstrap`"
        assert "torch" not in first.source.split("%pip install", 1)[1]
        assert first.outputs == []

    def test_no_errors_warnings_or_machine_paths_in_outputs(self, path):
        nb = nbformat.read(path, as_version=4)
        forbidden = [str(ROOT), str(Path.home()), "/tmp/", "site-packages", ".venv"]
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for output in cell.outputs:
                assert output.output_type != "error", f"error in cell:\n{cell.source}"
                assert output.get("name") != "stderr", f"stderr in cell:\n{cell.source}"
            text = output_text(cell)
            for word in forbidden:
                if word != "/":
                    assert word not in text, f"{word!r} in the output of:\n{cell.source}"

    def test_clean_metadata(self, path):
        nb = nbformat.read(path, as_version=4)
        assert set(nb.metadata) <= {"kernelspec", "language_info"}
        for cell in nb.cells:
            assert set(cell.metadata) <= {"tags"}, cell.metadata
        assert not re.search(r"NBVAL_SKIP|nbval-skip", path.read_text())

    def test_most_outputs_are_checked_strictly(self, path):
        nb = nbformat.read(path, as_version=4)
        with_output = [c for c in nb.cells if c.cell_type == "code" and c.outputs]
        ignored = [c for c in with_output if c.source.startswith(IGNORE)]
        assert len(ignored) <= len(with_output) // 2, "too many NBVAL_IGNORE_OUTPUT cells"

    def test_exercises_have_runnable_hidden_solutions(self, path):
        nb = nbformat.read(path, as_version=4)
        solutions = [c for c in nb.cells if "hide-input" in c.metadata.get("tags", [])]
        assert len(solutions) >= 4
        assert all(c.cell_type == "code" and c.outputs for c in solutions)
