"""Slow checks, run by `make test` after the notebooks and the book: nbval's strictness on a real
chapter, and the built HTML."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
pytestmark = pytest.mark.slow


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests/nbval_sanitize.cfg"),
         str(path)],
        capture_output=True, text=True, cwd=path.parent, timeout=600,
    )  # fmt: skip


def test_nbval_fails_when_a_stored_output_is_edited_by_hand(tmp_path):
    """The first chapter up to its class-count table, once as committed and once with one number
    in that table changed by hand: the first passes nbval, the second fails on that cell."""
    nb = nbformat.read(ROOT / "chapters/00-fashion-mnist.ipynb", as_version=4)
    end = next(i for i, c in enumerate(nb.cells) if "torch.bincount(train_labels" in c.source)
    nb.cells = nb.cells[: end + 1]
    table = nb.cells[end].outputs[0]
    assert "6000" in table.text

    honest = tmp_path / "honest.ipynb"
    nbformat.write(nb, honest)
    result = run_nbval(honest)
    assert result.returncode == 0, result.stdout[-3000:]

    table.text = table.text.replace("6000", "6001", 1)
    edited = tmp_path / "edited.ipynb"
    nbformat.write(nb, edited)
    result = run_nbval(edited)
    assert result.returncode != 0
    assert "Cell outputs differ" in result.stdout and "6001" in result.stdout


@pytest.fixture(scope="module")
def built():
    if not (HTML / "index.html").is_file():
        pytest.fail("the book is not built: run `make book` first")
    return HTML


def test_book_has_landing_page_and_every_chapter(built):
    assert (built / "intro.html").is_file()
    for notebook in (ROOT / "chapters").glob("*.ipynb"):
        assert (built / "chapters" / f"{notebook.stem}.html").is_file(), notebook.name


def test_every_chapter_page_shows_its_images(built):
    for page in (built / "chapters").glob("*.html"):
        html = page.read_text()
        sources = re.findall(r'<img[^>]+src="([^"]+)"', html)
        figures = [s for s in sources if s.endswith(".png") and "_static" not in s]
        assert figures, f"{page.name} has no figure"
        for src in figures:
            assert (page.parent / src).resolve().is_file(), f"{page.name}: missing {src}"
