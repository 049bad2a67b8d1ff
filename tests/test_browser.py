"""The built book in a real headless Chromium (Debian's), served on 127.0.0.1 and opened as files.

Both editions: the English book in _build/html and the Chinese one in _build/html/zh, with the
same pages (zh/_toc.yml is _toc.yml). For every page of each: no console errors, no request
leaving the machine, every formula typeset by the bundled MathJax, every image loaded, every
internal link and anchor resolving, and (on chapters) the Colab link opening the chapter's
student notebook in this repository and every answer folded until its toggle is opened; from
disk, every sliding-window animation plays; the link to the other edition leads to the same
page there, whose link leads back. Search must find the pooling chapter, in Chinese by a Chinese
word.
Each page is loaded once over HTTP and once from disk, and every check of that load runs on it.
Full-page screenshots of each chapter, light and dark, go to _build/screenshots/.
"""

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest
import yaml
from test_notebooks import repository, toc_files

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
# Debian's chromium, or the browser named by $CNNBOOK_CHROMIUM (CI on Ubuntu, where it is a snap).
CHROMIUM = os.environ.get("CNNBOOK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic"]  # fmt: skip
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").is_file():
        pytest.fail("the book is not built: run `make book` first")
    return HTML


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with "
            "`apt-get install chromium chromium-driver` (Debian/Ubuntu); .ci/run does this."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


# Each edition: the folder of its pages inside _build/html, and the other edition's.
EDITIONS = {"en": "", "zh": "zh/"}
OTHER = {"en": "zh", "zh": "en"}
PAGES = [(edition, name) for edition in EDITIONS for name in toc_files()]


def page_path(edition: str, name: str) -> str:
    return f"{EDITIONS[edition]}{name}.html"


PAGE_IDS = [f"{edition}/{name}" for edition, name in PAGES]  # en/chapters/01-convolution


class Visit:
    """Open one page, recording console errors and every request that leaves ``allowed``."""

    def __init__(self, browser, url: str, allowed: str):
        self.errors, self.outside = [], []
        self.context = browser.new_context(service_workers="block")
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r):
            url = r.request.url
            if url.startswith((allowed, "data:", "blob:")):
                return r.continue_()
            self.outside.append(url)
            return r.abort()

        self.page.route("**/*", route)
        self.page.goto(url, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def close(self):
        self.context.close()


def wait_for_math(page) -> int:
    """Wait until MathJax has typeset the page; return the number of formulas in it."""
    count = page.locator(".math").count()
    if count:
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("MathJax.startup.promise")
    return count


def check_page(visit: Visit, name: str):
    page = visit.page
    formulas = wait_for_math(page)
    if formulas:
        typeset = page.locator(".math mjx-container").count()
        assert typeset >= formulas, f"{name}: {typeset} of {formulas} formulas typeset"
    prose = page.evaluate(
        """() => { const c = document.querySelector('article').cloneNode(true);
        c.querySelectorAll('pre, code, .highlight, mjx-container, script').forEach(e => e.remove());
        return c.innerText; }"""
    )
    for raw in ("\\(", "\\[", "$$"):
        assert raw not in prose, f"{name}: untypeset {raw!r} in the text"
    images = page.evaluate(
        """() => Array.from(document.querySelectorAll('article img')).map(
        i => [i.getAttribute('src'), i.complete && i.naturalWidth])"""
    )
    broken = [src for src, width in images if not width]
    assert not broken, f"{name}: images that did not load: {broken}"
    if name.startswith("chapters/"):
        assert images, f"{name} has no figure"
    assert not visit.errors, f"{name}: console errors {visit.errors}"
    assert not visit.outside, f"{name}: requests leaving the machine {visit.outside}"


def check_answers_folded(page, name: str):
    """Every answer (its code and output, and its prose) is hidden until its toggle is clicked,
    and shown after."""
    answers = []  # (what, the toggle's container, the content it hides)
    cells = page.locator("article div.cell.tag_solution")
    for i in range(cells.count()):
        cell = cells.nth(i)
        content = cell.locator(".cell_input, .cell_output")
        answers.append((f"answer code {i + 1}", cell, content))
    prose = page.locator("article details").filter(
        has=page.locator(":scope > summary", has_text=re.compile(r"^\s*(Answer|答案)\s*$"))
    )
    for i in range(prose.count()):
        details = prose.nth(i)
        content = details.locator(":scope > :not(summary)")
        answers.append((f"answer text {i + 1}", details, content))
    assert cells.count() >= 4, f"{name}: {cells.count()} folded answer cells"
    assert prose.count() >= 1, f"{name}: no folded answer text"
    for what, container, content in answers:
        parts = [content.nth(j) for j in range(content.count())]
        assert parts, f"{name}: {what} is empty"
        shown = [part for part in parts if part.is_visible()]
        assert not shown, f"{name}: {what} is visible before its toggle is opened"
        container.locator("summary").first.click()
        hidden = [part for part in parts if not part.is_visible()]
        assert not hidden, f"{name}: {what} stays hidden after its toggle is opened"


@pytest.mark.parametrize("edition, name", PAGES, ids=PAGE_IDS)
def test_page_over_http(browser, server, edition, name):
    visit = Visit(browser, server + page_path(edition, name), server)
    try:
        check_page(visit, name)
        check_links(visit.page, name)
        check_edition_link(visit.page, server, edition, name)
        if name.startswith("chapters/"):
            url, branch = repository()
            owner_repo = urlparse(url).path.strip("/")
            # the chapter's student notebook (_ext/colablinks.py): student/, zh/student/
            path = f"{EDITIONS[edition]}student/{name.removeprefix('chapters/')}.ipynb"
            assert (ROOT / path).is_file(), f"{path} is missing: run `make student`"
            expected = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}"
            colab = visit.page.evaluate(
                """() => Array.from(document.querySelectorAll('a[href*="colab.research"]'))
                .map(a => a.href)"""
            )
            assert colab and set(colab) == {expected}, colab
            if edition == "en":  # the same layout in Chinese: one edition's pictures suffice
                screenshots(visit.page, edition, name)  # with the answers folded
            check_answers_folded(visit.page, name)
    finally:
        visit.close()


ANIMATED = ["chapters/01-convolution", "chapters/02-channels", "chapters/03-pooling"]


@pytest.mark.parametrize("edition, name", PAGES, ids=PAGE_IDS)
def test_page_opened_as_a_file(browser, site, edition, name):
    """Each page works from disk too; on the chapters with sliding-window animations, each plays
    with no network and no kernel: after "Play" its picture changes."""
    visit = Visit(browser, (site / page_path(edition, name)).as_uri(), "file://")
    try:
        check_page(visit, name)
        if name in ANIMATED:
            check_animations_play(visit, name)
    finally:
        visit.close()


def test_every_animated_chapter_is_in_the_book():
    assert set(ANIMATED) <= set(toc_files()), set(ANIMATED) - set(toc_files())


def check_edition_link(page, server: str, edition: str, name: str):
    """The page's link to the other edition leads to the same page there, in that language, and
    that page's link leads back here."""
    link = page.locator("a.edition-link")
    assert link.count() == 1, f"{edition}/{name}: {link.count()} links to the other edition"
    other = OTHER[edition]
    target = urljoin(page.url, link.get_attribute("href"))
    assert target == server + page_path(other, name), f"{edition}/{name}: leads to {target}"
    assert link.get_attribute("hreflang") == ("zh-CN" if other == "zh" else "en")
    there = (HTML / page_path(other, name)).read_text(encoding="utf-8")
    back = re.search(r'<a class="btn btn-sm edition-link" href="([^"]+)"', there)
    assert back, f"{other}/{name} has no link to the other edition"
    assert urljoin(target, back.group(1)) == page.url, f"{other}/{name} links back elsewhere"
    lang = page.evaluate("document.documentElement.lang")
    assert lang == ("zh-CN" if edition == "zh" else "en"), f"{edition}/{name}: lang {lang!r}"


def check_animations_play(visit: Visit, name: str):
    players = visit.page.locator("article div.animation")
    assert players.count() >= 1, f"{name} has no animation"
    for i in range(players.count()):
        player = players.nth(i)
        player.scroll_into_view_if_needed()
        image = player.locator("img").first
        player.get_by_role("button", name="First frame", exact=True).click()
        before = image.screenshot()
        player.get_by_role("button", name="Play", exact=True).click()
        visit.page.wait_for_timeout(1500)
        player.get_by_role("button", name="Pause", exact=True).click()
        assert image.screenshot() != before, f"{name}: animation {i + 1} did not change on play"
    assert not visit.errors, f"{name}: console errors {visit.errors}"
    assert not visit.outside, f"{name}: requests leaving the machine {visit.outside}"


def check_links(page, name: str):
    """Every link inside the site leads to an existing page, and its #anchor exists there."""
    base = page.url
    hrefs = page.evaluate(
        "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
    )
    for href in hrefs:
        if re.match(r"^(https?:|mailto:|javascript:)", href) or href == "#":
            continue
        target, anchor = urldefrag(urljoin(base, href))
        path = HTML / unquote(urlparse(target).path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        assert path.is_file(), f"{name}: link {href!r} leads to a missing page"
        if anchor and path.suffix == ".html":
            html = path.read_text(encoding="utf-8")
            assert re.search(rf'id="{re.escape(anchor)}"', html), f"{name}: no anchor {href!r}"


def screenshots(page, edition: str, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    stem = Path(name).name if edition == "en" else f"{edition}-{Path(name).name}"
    for mode in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
        page.wait_for_timeout(200)
        page.screenshot(path=str(SHOTS / f"{stem}-{mode}.png"), full_page=True)


@pytest.mark.parametrize("edition, word", [("en", "pooling"), ("zh", "池化")])
def test_search_finds_the_pooling_chapter(browser, server, edition, word):
    """In Chinese, by a word that jieba (with the book's dictionary) cuts out of running text."""
    pooling = [name for name in toc_files() if "pool" in name]
    assert pooling, "no pooling chapter in _toc.yml"
    visit = Visit(browser, server + page_path(edition, "search") + f"?q={word}", server)
    try:
        visit.page.wait_for_selector("#search-results li a", timeout=15000)
        hits = visit.page.evaluate(
            """() => Array.from(document.querySelectorAll('#search-results li a'))
            .map(a => a.getAttribute('href'))"""
        )
        assert any(pooling[0] in hit for hit in hits), hits
        assert not visit.errors and not visit.outside
    finally:
        visit.close()


def test_config_keeps_the_site_offline():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    extensions = config["sphinx"]["config"]["extensions"]
    assert "sphinx-mathjax-offline" in extensions
    assert "sphinx_thebe" not in extensions and "sphinx.ext.intersphinx" not in extensions
