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
