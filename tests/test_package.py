"""The package's metadata: the version is written in exactly one place."""

import re
from pathlib import Path

import pytest

import cnnbook

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_written_once_in_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cnnbook.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", cnnbook.__version__)
    literal = re.compile(rf"""["']{re.escape(cnnbook.__version__)}["']""")
    places = [ROOT / "pyproject.toml", ROOT / "README.md", *(ROOT / "src").rglob("*.py")]
    holding = [p.relative_to(ROOT).as_posix() for p in places if literal.search(p.read_text())]
    assert holding == ["src/cnnbook/__init__.py"]


PACKAGE = ROOT / "src" / "cnnbook"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_module_is_a_file_a_reader_can_hold(path):
    lines = len(path.read_text().splitlines())
    assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines (at most 400; aim at 300)"


def test_no_top_level_name_is_defined_in_two_modules():
    import ast

    where = {}
    for path in MODULES:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names = [node.target.id]
            else:
                continue
            for name in names:
                if name == "__all__":
                    continue
                where.setdefault(name, []).append(module_name(path))
    twice = {name: modules for name, modules in where.items() if len(set(modules)) > 1}
    assert twice == {}


def test_the_check_prefix_is_kept_for_the_self_checks():
    import ast

    for path in MODULES:
        if module_name(path).startswith("cnnbook.checks"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                assert not node.name.lstrip("_").startswith("check"), (module_name(path), node.name)


def test_the_package_docstring_lists_every_module():
    listed = set(re.findall(r"``(cnnbook\.[a-z_]+)``", cnnbook.__doc__))
    modules = {module_name(p) for p in MODULES} - {"cnnbook"}
    top = {m for m in modules if m.count(".") == 1}
    assert listed == top


def test_every_public_function_checks_arguments_through_one_module():
    """No private argument checkers left: `_check_*`, `check_count`, `check_tensor`, `pair`."""
    text = "\n".join(p.read_text() for p in MODULES)
    for old in ("def _check_int", "def check_count", "def check_tensor", "def pair(",
                "_check_choice", "last_history", "_budget_now"):  # fmt: skip
        assert old not in text, old
