"""Slow checks of the built Chinese edition (`make book`, `make pdf`): its pages in Chinese, its
search index split into Chinese words, and its PDF read back as Chinese text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import nbformat
import pytest
import yaml
from test_notebooks import toc_files

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
ZH_HTML = HTML / "zh"
PDF = ROOT / "_build" / "pdf" / "cnnbook-zh.pdf"
pytestmark = pytest.mark.slow


def chinese_title() -> str:
    return yaml.safe_load((ROOT / "zh" / "_config.yml").read_text())["title"]


def page_titles() -> list[str]:
    """The first heading of each page of the Chinese book, in the order of its contents."""
    titles = []
    for name in toc_files():
        path = ROOT / "zh" / f"{name}.ipynb"
        if path.is_file():
            nb = nbformat.read(path, as_version=4)
            text = next(c.source for c in nb.cells if c.cell_type == "markdown")
        else:
            text = (ROOT / "zh" / f"{name}.md").read_text().split("\n# ", 1)[1]
        titles.append(text.lstrip("# ").splitlines()[0].strip())
    return titles


@pytest.fixture(scope="module")
def built() -> Path:
    if not (ZH_HTML / "index.html").is_file():
        pytest.fail("the Chinese book is not built: run `make book` first")
    return ZH_HTML


def test_every_page_is_built_in_chinese(built):
    for name in toc_files():
        html = (built / f"{name}.html").read_text(encoding="utf-8")
        assert '<html lang="zh-CN"' in html, name
        assert chinese_title() in html, name
    assert re.search(r"[\u4e00-\u9fff]", chinese_title()), "the title is not translated"
    intro = (built / "intro.html").read_text(encoding="utf-8")
    assert "Fashion-MNIST 数据集" in intro  # the contents list the translated chapter title


def test_search_index_holds_chinese_words(built):
    """Sphinx's Chinese search splits the text with jieba and the book's own dictionary
    (zh/translations/search-words.txt): terms of the course are whole words in its index."""
    text = (built / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    expected = {"池化": "chapters/03-pooling", "数据集": "chapters/00-fashion-mnist",
                "感受野": "chapters/01-convolution", "参考文献": "references"}  # fmt: skip
    for word, page in expected.items():
        found = set()
        for kind in ("terms", "titleterms"):
            hits = index[kind].get(word, [])
            found |= {hits} if isinstance(hits, int) else set(hits)  # one page is a number
        assert page in {index["docnames"][i] for i in found}, f"search for {word!r} misses {page}"


def plain(text: str) -> str:
    """NFKC (PDF text may carry CJK radicals for ideographs) without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def pdf_text() -> str:
    if not PDF.is_file():
        pytest.fail(f"{PDF} is missing: run `make pdf` first")
    sources = [*(ROOT / "zh" / "chapters").glob("*.ipynb"), *(ROOT / "zh").glob("*.md")]
    assert PDF.stat().st_mtime >= max(p.stat().st_mtime for p in sources), "run `make pdf`"
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.fail("pdftotext is missing: install Debian's poppler-utils (.ci/run does)")
    # -raw: the text in the order the page draws it; without it pdftotext lays out columns and
    # may set a heading's Latin word after its Chinese ("：用块构建的网络 VGG")
    result = subprocess.run([pdftotext, "-raw", "-enc", "UTF-8", str(PDF), "-"],
                            capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    return result.stdout


def test_pdftotext_reads_the_chinese_pdf_back_as_chinese_in_order(pdf_text):
    text = plain(pdf_text)
    titles = [chinese_title(), *page_titles()[1:]]
    positions = [text.find(plain(title)) for title in titles]
    assert -1 not in positions, dict(zip(titles, positions))
    assert positions == sorted(positions), "pages out of order"
    intro = yaml.safe_load((ROOT / "zh" / "translations" / "intro.yml").read_text())
    first = intro["entries"][0]["zh"].split("\n\n")[1]  # the first paragraph of the landing page
    assert plain(first) in text, first[:40]
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 1000


def test_the_chinese_is_drawn_with_chinese_glyphs():
    """Each character's glyph maps back to the character (pypdf reads the glyphs' fonts): where
    no Chinese font was found, Chromium draws empty boxes, which read back as NUL."""
    from pypdf import PdfReader

    if not PDF.is_file():
        pytest.fail(f"{PDF} is missing: run `make pdf` first")
    reader = PdfReader(PDF)
    text = plain(" ".join(page.extract_text() for page in reader.pages[:3]))
    assert plain(chinese_title()) in text
    assert "\x00" not in text, "glyphs without characters: is a Chinese font installed?"
