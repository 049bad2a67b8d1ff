"""Static checks of the committed notebooks: fast, no kernel needed."""

import importlib.util
import json
import re
import sys
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
        url, ref = repository()
        assert first.source.startswith(BOOTSTRAP_MARK)
        assert first.source == bootstrap_source(url, ref), "run `make bootstrap`"
        installs = re.findall(r'%pip install -q "cnnbook @ git\+(\S+)"', first.source)
        assert installs == [f"{url}@{ref}"], "the cell must install the ref in _config.yml"
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


def test_bootstrap_installs_the_given_ref_and_says_what_to_do_if_it_cannot():
    main, tag = (
        bootstrap_source("https://example.org/a/b", "main"),
        bootstrap_source("https://example.org/a/b", "v1.2.3"),
    )
    assert '"cnnbook @ git+https://example.org/a/b@v1.2.3"' in tag
    assert main.replace("@main", "@v1.2.3") == tag
    assert 'os.environ.get("CNNBOOK_BOOTSTRAP") == "1"' in tag  # CI can force the install
    assert "import cnnbook" in tag and "raise ImportError" in tag
    assert "pip install -e ." in tag  # outside Colab: how to install from a clone


def test_bootstrap_cell_stops_with_a_message_when_cnnbook_is_missing(monkeypatch, tmp_path):
    """The cell run by IPython with ``cnnbook`` unimportable: an ImportError that says what to
    do, where it installs (the install failed) and elsewhere (install from a clone)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    pip_calls = []
    monkeypatch.setattr(shell, "run_line_magic", lambda *args, **kw: pip_calls.append(args))
    monkeypatch.setitem(sys.modules, "cnnbook", None)  # `import cnnbook` fails
    try:
        for env, expected in [("0", "pip install -e ."), ("1", "pip says why above")]:
            monkeypatch.setenv("CNNBOOK_BOOTSTRAP", env)
            result = shell.run_cell(bootstrap_source("https://example.org/a/b", "v1"), silent=True)
            assert isinstance(result.error_in_exec, ImportError)
            assert expected in str(result.error_in_exec)
    finally:
        InteractiveShell.clear_instance()
    assert pip_calls == [("pip", 'install -q "cnnbook @ git+https://example.org/a/b@v1"')]


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
