"""The whole book as one PDF: the single-page HTML build, printed by headless Chromium.

    jupyter-book build . --builder singlehtml   # _build/singlehtml/intro.html
    python tools/pdf.py                         # _build/pdf/cnnbook.pdf
    python tools/pdf.py _build/zh/_build/singlehtml/intro.html -o _build/pdf/cnnbook-zh.pdf

The page is opened as a file (the book needs no network: MathJax is served from the site), every
formula is typeset before printing, and a print style sheet hides the navigation and buttons and
starts each chapter on a new page; what the HTML folds (the code of the answers) prints unfolded.
Chromium is Debian's (``/usr/bin/chromium``), or the one named by ``$CNNBOOK_CHROMIUM``. A page
in Chinese (``<html lang="zh-…">``, the Chinese edition) is only printed where fontconfig has a
Chinese font (Debian's ``fonts-noto-cjk``): without one, Chromium would print empty boxes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "_build" / "singlehtml" / "intro.html"
OUTPUT = ROOT / "_build" / "pdf" / "cnnbook.pdf"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
.bd-footer-article, .bd-footer-content, .prev-next-area, .header-article-items, .skip-link,
.headerlink, .toggle-button, .copybtn, #pst-back-to-top, .search-button__wrapper {
  display: none !important;
}
.bd-main, .bd-content, .bd-article-container, .bd-page-width, .bd-container, .bd-container__inner {
  max-width: none !important; width: 100% !important; margin: 0 !important; padding: 0 !important;
}
body { font-size: 10.5pt; }
#jb-print-docs-body { break-after: page; }  /* title and contents on a page of their own */
section#chapters > h2 { display: none; }
span[id^="document-"] + section { break-before: page; }
h1, h2, h3 { break-after: avoid; }
pre { white-space: pre-wrap !important; overflow: visible !important; font-size: 8.5pt; }
div.cell, figure, img, table, mjx-container[display="true"] { break-inside: avoid; }
img { max-width: 100% !important; }
details.hide > summary { display: none !important; }  /* folded cells print unfolded */
"""


def chromium() -> str:
    """The browser to print with: ``$CNNBOOK_CHROMIUM``, else Debian's ``chromium``."""
    path = os.environ.get("CNNBOOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"Chromium not found at {path}: install Debian's `chromium` package "
            "or set CNNBOOK_CHROMIUM to a Chromium or Chrome binary"
        )
    return path


def page_language(source: Path) -> str:
    """The ``lang`` of the page's ``<html>`` element ("" if it has none)."""
    head = Path(source).read_text(encoding="utf-8")[:2000]
    found = re.search(r"<html[^>]*\blang=\"([^\"]*)\"", head)
    return found.group(1) if found else ""


def check_fonts(language: str) -> None:
    """For a Chinese page, fail unless fontconfig knows a font with Chinese glyphs."""
    if not language.lower().startswith("zh"):
        return
    fc_list = shutil.which("fc-list")
    found = ""
    if fc_list:
        found = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True
        ).stdout
    if not found.strip():
        raise RuntimeError(
            f"the page is in {language} but no Chinese font is installed: "
            "install Debian's `fonts-noto-cjk` package (.ci/run does)"
        )


def print_pdf(source: Path = SOURCE, output: Path = OUTPUT, timeout_s: float = 120) -> Path:
    """Print the single-page book ``source`` to ``output`` and return ``output``."""
    from playwright.sync_api import sync_playwright

    source, output = Path(source).resolve(), Path(output)
    if not source.is_file():
        raise FileNotFoundError(
            f"{source} does not exist: build it with `jupyter-book build . --builder singlehtml`"
        )
    check_fonts(page_language(source))
    output.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:  # a fresh, temporary profile every time
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=ARGS)
        try:
            page = browser.new_page(color_scheme="light")
            page.set_default_timeout(timeout_s * 1000)
            page.goto(source.as_uri(), wait_until="load")
            page.evaluate("document.documentElement.dataset.theme = 'light'")
            if page.locator(".math").count():
                page.wait_for_function("window.MathJax?.startup?.promise")
                page.evaluate("MathJax.startup.promise")
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            page.add_style_tag(content=PRINT_CSS)
            page.evaluate("document.fonts.ready")
            page.pdf(
                path=str(output),
                prefer_css_page_size=True,
                print_background=True,
                outline=True,
                tagged=True,
            )
        finally:
            browser.close()
    return output


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=SOURCE)
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    output = print_pdf(args.source, args.output)
    size = output.stat().st_size / 2**20
    print(f"{output} ({size:.1f} MiB) in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
