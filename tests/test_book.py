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


def page_images(page: Path) -> list[tuple[str, str]]:
    """``(src, alt)`` of every figure of a built page: the notebooks' images and the still
    frames of the animations (the theme's own icons and logos left out)."""
    found = []
    for tag in re.findall(r"<img\b[^>]*>", page.read_text()):
        src = re.search(r'\bsrc="([^"]*)"', tag)
        alt = re.search(r'\balt="([^"]*)"', tag)
        src = src.group(1) if src else ""
        if "_static" in src:
            continue
        found.append((src[:60], alt.group(1) if alt else ""))
    return found


@pytest.mark.parametrize("edition", ["", "zh/"], ids=["en", "zh"])
def test_every_chapter_figure_has_alt_text_that_says_what_it_shows(built, edition):
    """WCAG 1.1.1: each figure's text alternative describes it (written from the object the
    figure draws), never the image's file name or a hash."""
    pages = sorted((built / edition / "chapters").glob("*.html"))
    assert len(pages) == len(list((ROOT / "chapters").glob("*.ipynb")))
    count = 0
    for page in pages:
        for src, alt in page_images(page):
            count += 1
            where = f"{edition}{page.name}: image {src!r}"
            assert alt.strip(), f"{where} has no alt text"
            assert not re.search(r"\.(png|jpe?g|svg|gif)$|^[0-9a-f]{20,}", alt), f"{where}: {alt!r}"
            assert len(alt.split()) >= 5, f"{where}: alt text too short to describe it: {alt!r}"
    assert count >= 40
