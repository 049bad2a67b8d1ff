"""Static checks of the committed notebooks: fast, no kernel needed."""

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_tool(name: str):
    """A script of tools/ as a module, loaded from its file (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


notebooks = load_tool("notebooks")
BOOTSTRAP_MARK, bootstrap_source, repository = (
    notebooks.BOOTSTRAP_MARK,
    notebooks.bootstrap_source,
    notebooks.repository,
)
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
IGNORE = "# NBVAL_IGNORE_OUTPUT"


def toc_files(book: Path = ROOT) -> list[str]:
    """The pages of ``book``'s table of contents, its root page first."""

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("sections", []))
            for part in entry.get("parts", []):
                yield from walk(part.get("chapters", []))

    toc = yaml.safe_load((book / "_toc.yml").read_text())
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
        url, ref = repository()
        assert first.source.startswith(BOOTSTRAP_MARK)
        assert first.source == bootstrap_source(url, ref), "run `make bootstrap`"
        installs = re.findall(r'^URL, REF = "(\S+)", "(\S+)"$', first.source, re.M)
        assert installs == [(url, ref)], "the cell must install the ref in _config.yml"
        assert first.outputs == []  # outside Colab the cell says nothing

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

    def test_exercises_have_runnable_folded_solutions(self, path):
        nb = nbformat.read(path, as_version=4)
        solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
        code = [
            c
            for c in solutions
            if c.cell_type == "code" and "remove-cell" not in c.metadata["tags"]
        ]
        assert len(code) >= 4, "at least four exercises with runnable answers"
        assert all(c.outputs and "hide-cell" in c.metadata["tags"] for c in code)


def test_bootstrap_command_points_cells_at_another_ref(tmp_path):
    """`notebooks.py bootstrap --url --ref` rewrites the first cell and touches nothing else."""
    source = NOTEBOOKS[0]
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes())
    assert notebooks.main(["bootstrap", "--url", "https://example.org/a/b", "--ref", "abc123",
                           str(copy)]) == 0  # fmt: skip
    before, after = nbformat.read(source, as_version=4), nbformat.read(copy, as_version=4)
    changed = [i for i, (a, b) in enumerate(zip(before.cells, after.cells)) if a != b]
    first = next(i for i, c in enumerate(after.cells) if c.cell_type == "code")
    assert changed == [first] and len(before.cells) == len(after.cells)
    assert after.cells[first].source == bootstrap_source("https://example.org/a/b", "abc123")
