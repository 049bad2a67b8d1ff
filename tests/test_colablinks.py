"""The Colab buttons open the student notebooks (_ext/colablinks.py): the address form, a small
book built with sphinx-book-theme's launch buttons, and every chapter page of both editions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import colablinks  # noqa: E402
from test_notebooks import toc_files  # noqa: E402

COLAB = "https://colab.research.google.com/github/cnnbook/cnnbook/blob"


def test_student_url_replaces_the_chapters_folder_under_any_book_path():
    assert (
        colablinks.student_url(f"{COLAB}/main/chapters/01-convolution.ipynb")
        == f"{COLAB}/main/student/01-convolution.ipynb"
    )
    assert (
        colablinks.student_url(f"{COLAB}/v0.2.0/zh/chapters/01-convolution.ipynb")
        == f"{COLAB}/v0.2.0/zh/student/01-convolution.ipynb"
    )
    assert (
        colablinks.student_url(f"{COLAB}/main/a/chapters/b/chapters/03-pooling.ipynb")
        == f"{COLAB}/main/a/chapters/b/student/03-pooling.ipynb"
    )
    assert colablinks.student_url(f"{COLAB}/main/intro.ipynb") is None
    assert colablinks.student_url(f"{COLAB}/main/chapters/notes.md") is None


def book_config(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def chapter_pages(book: Path) -> list[str]:
    return [f for f in toc_files(book) if f.startswith("chapters/")]


BOOKS = [ROOT] + ([ROOT / "zh"] if (ROOT / "zh" / "_config.yml").is_file() else [])


@pytest.mark.parametrize("book", BOOKS, ids=lambda b: b.relative_to(ROOT).as_posix() or "en")
def test_every_chapter_button_opens_a_committed_student_notebook(book):
    """The address sphinx-book-theme builds from the book's _config.yml, as the extension
    rewrites it, names a notebook of the repository's student/ folder, committed in git."""
    config = book_config(book / "_config.yml")
    assert "colablinks" in config["sphinx"]["config"]["extensions"]
    repo, launch = config["repository"], config["launch_buttons"]
    org_repo = urlparse(repo["url"]).path.strip("/")
    prefix = (repo.get("path_to_book") or "").strip("/")
    prefix = prefix + "/" if prefix else ""
    tracked = set(
        subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split("\0")
    )
    pages = chapter_pages(book)
    assert len(pages) >= 7
    for page in pages:
        blob = f"{launch['colab_url']}/github/{org_repo}/blob/{repo['branch']}"
        theirs = f"{blob}/{prefix}{page}.ipynb"
        ours = colablinks.student_url(theirs)
        path = ours.split(f"/blob/{repo['branch']}/", 1)[1]
        assert path == f"{prefix}student/{page.removeprefix('chapters/')}.ipynb"
        assert path in tracked, f"{path} is not committed: run `make student` and commit it"
        nb = nbformat.read(ROOT / path, as_version=4)
        assert any("self-check" in c.metadata.get("tags", []) for c in nb.cells)
        assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)


NOTEBOOK = nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_markdown_cell("# A chapter"), nbformat.v4.new_code_cell("1 + 1")],
    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
)


def build(tmp_path: Path, with_student: bool) -> tuple[str, str]:
    """A one-chapter book under ``zh/`` of a repository, built by Sphinx with sphinx-book-theme's
    Colab button and this extension: the chapter page's HTML and Sphinx's warnings."""
    source = tmp_path / "src"
    (source / "chapters").mkdir(parents=True)
    nbformat.write(NOTEBOOK, source / "chapters" / "01-one.ipynb")
    if with_student:
        (source / "student").mkdir()
        nbformat.write(NOTEBOOK, source / "student" / "01-one.ipynb")
    (source / "index.md").write_text("# Book\n\n```{toctree}\nchapters/01-one\n```\n")
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'sphinx_book_theme', 'colablinks']\n"
        "exclude_patterns = ['student/*']\n"
        "html_theme = 'sphinx_book_theme'\n"
        "nb_execution_mode = 'off'\n"
        "html_theme_options = {'repository_url': 'https://github.com/cnnbook/cnnbook',\n"
        "    'repository_branch': 'v9.9.9', 'path_to_docs': 'zh',\n"
        "    'launch_buttons': {'colab_url': 'https://colab.research.google.com'}}\n"
    )
    out = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(source), str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return (out / "chapters" / "01-one.html").read_text(), result.stderr


def test_a_built_book_s_colab_button_opens_the_student_notebook(tmp_path):
    html, warnings = build(tmp_path / "a", with_student=True)
    assert f'href="{COLAB}/v9.9.9/zh/student/01-one.ipynb"' in html, warnings
    assert "chapters/01-one.ipynb" not in html.split("launch-buttons", 1)[-1].split("</ul>")[0]
    html, warnings = build(tmp_path / "b", with_student=False)
    assert "no student notebook" in warnings and "make student" in warnings
