"""The Chinese edition (zh/) against the English book: code and outputs identical, prose paired
cell by cell, and every translation current (tools/translate.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from test_markdown import leftovers
from test_notebooks import load_tool

ROOT = Path(__file__).resolve().parent.parent
translate = load_tool("translate")
editions = load_tool("../_ext/editions")  # a path relative to tools/
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
SOURCES = list(translate.sources())

# Sources whose translation is not finished yet: their missing units are expected (the test
# below is xfail for them, strictly, so a finished one must leave this list). Stale translations
# fail for every source, listed here or not.
NOT_YET_REQUIRED: list[str] = []


def listing(waiting) -> str:
    return "\n".join(str(w) for w in waiting)


# The generated files.


def test_chinese_edition_is_written_from_the_current_english_and_translations():
    differing = translate.write(check_only=True)
    assert not differing, "zh/ is out of date, run `make zh`:\n" + "\n".join(differing)


def test_zh_holds_the_generated_files_and_one_translation_per_english_source():
    chapters = {p.name for p in (ROOT / "zh" / "chapters").glob("*.ipynb")}
    assert chapters == {p.name for p in NOTEBOOKS}
    files = {p.stem for p in (ROOT / "zh" / "translations").glob("*.yml")}
    assert files == set(SOURCES), files ^ set(SOURCES)
    for name, path in translate.sources().items():
        data = yaml.safe_load(translate.translation_path(name).read_text())
        assert data["source"] == path.relative_to(ROOT).as_posix(), name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_cells_and_outputs_are_the_english_ones(path):
    """Cell by cell: the same cells, ids, types and tags; every code cell (source, outputs,
    execution count) identical; only the markdown differs."""
    english = nbformat.read(path, as_version=4)
    chinese = nbformat.read(ROOT / "zh" / "chapters" / path.name, as_version=4)
    assert chinese.metadata == english.metadata
    assert len(chinese.cells) == len(english.cells), f"{path.name}: cell count differs"
    for i, (en, zh) in enumerate(zip(english.cells, chinese.cells)):
        where = f"{path.name} cell {i} (id {en.id})"
        assert (zh.id, zh.cell_type, zh.metadata) == (en.id, en.cell_type, en.metadata), where
        if en.cell_type == "code":
            assert zh == en, f"{where}: code or outputs differ from the English"
    nbformat.validate(chinese)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chinese_notebooks_read_as_plain_commonmark_and_link_the_chinese_book(path):
    from markdown_it import MarkdownIt

    md, site = MarkdownIt("commonmark"), translate.english_site()
    nb = nbformat.read(ROOT / "zh" / "chapters" / path.name, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        assert not leftovers(md.render(cell.source)), f"{path.name} cell {i}: MyST syntax"
        pages = re.findall(re.escape(site) + r"([^\s)>]*)", cell.source)
        english = [p for p in pages if not p.startswith("zh/") and p != "cnnbook-zh.pdf"]
        assert not english, f"{path.name} cell {i} links the English book: {english}"


def test_configuration_follows_the_english_one():
    english = yaml.safe_load((ROOT / "_config.yml").read_text())
    chinese = yaml.safe_load((ROOT / "zh" / "_config.yml").read_text())
    settings = chinese["sphinx"]["config"]
    assert settings["language"] == "zh_CN"
    assert chinese["repository"] == {**english["repository"], "path_to_book": "zh"}
    assert chinese["html"]["baseurl"] == english["html"]["baseurl"] + "zh/"
    assert settings["extensions"] == english["sphinx"]["config"]["extensions"]
    assert settings["edition_counterpart"]["path"] == "../"
    assert english["sphinx"]["config"]["edition_counterpart"]["path"] == "zh/"
    assert {"zh/*", "student/*"} <= set(english["exclude_patterns"])
    assert (ROOT / "zh" / settings["html_search_options"]["dict"]).is_file()
    assert (ROOT / "zh" / "_toc.yml").read_text().endswith((ROOT / "_toc.yml").read_text())


# Pairing and staleness.


@pytest.mark.parametrize("name", SOURCES)
def test_no_translation_is_stale_unrecorded_or_orphaned(name):
    waiting = [w for w in translate.check(name) if w.status != translate.MISSING]
    assert not waiting, (
        "fix the Chinese, then `python tools/translate.py done NAME ID` (or `--new`):\n"
        + listing(waiting)
    )


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                strict=True, reason="not yet translated: NOT_YET_REQUIRED in this file"
            ),
        )
        if name in NOT_YET_REQUIRED
        else name
        for name in SOURCES
    ],
)
def test_every_unit_is_translated(name):
    missing = [w for w in translate.check(name) if w.status == translate.MISSING]
    assert not missing, f"{len(missing)} units wait for translation:\n" + listing(missing)


def test_not_yet_required_names_existing_sources():
    assert set(NOT_YET_REQUIRED) <= set(SOURCES)


@pytest.fixture
def copy_of_book(tmp_path) -> Path:
    """The English sources and translations, copied: the tests change the copy only."""
    for name in ("_config.yml", "_toc.yml", "intro.md", "references.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "chapters", tmp_path / "chapters")
    shutil.copytree(ROOT / "zh" / "translations", tmp_path / "zh" / "translations")
    return tmp_path


def edit_cell(root: Path, chapter: str, key: str, edit) -> None:
    path = root / "chapters" / f"{chapter}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.id == key)
    cell.source = edit(cell.source)
    nbformat.write(nb, path)


def set_chinese(root: Path, name: str, key: str, text: str) -> None:
    entries = translate.read_translation(name, root)
    next(e for e in entries if e["id"] == key)["zh"] = text
    translate.write_translation(name, entries, root)


def chinese_cell(root: Path, chapter: str, key: str) -> str:
    path = root / "zh" / "chapters" / f"{chapter}.ipynb"
    return next(c.source for c in nbformat.read(path, as_version=4).cells if c.id == key)


def test_a_changed_english_sentence_marks_its_translation_stale_until_fixed(copy_of_book):
    root, chapter, key = copy_of_book, "00-fashion-mnist", "630ae218"
    assert translate.check(chapter, root) == translate.check(chapter)
    assert not [w for w in translate.check(chapter, root) if w.key == key]
    old = "We then fix\nPyTorch's random seed"
    edit_cell(root, chapter, key, lambda s: s.replace(old, "Then we fix\nPyTorch's random seed"))

    stale = [w for w in translate.check(chapter, root) if w.status == translate.STALE]
    assert [(w.name, w.where, w.key) for w in stale] == [(chapter, "cell 1", key)]
    assert str(stale[0]).startswith(f"{chapter}: cell 1 (id {key}) stale: '## Setting up The code")
    assert translate.write(root) and "译文待更新" in chinese_cell(root, chapter, key)
    assert "Then we fix" in chinese_cell(root, chapter, key)  # the English shows meanwhile

    with pytest.raises(ValueError, match="key must be a unit id of 00-fashion-mnist"):
        translate.done(chapter, ["no-such-cell"], root=root)
    assert translate.done(chapter, [], new=True, root=root) == []  # --new skips stale entries
    assert [w.key for w in translate.check(chapter, root) if w.status == translate.STALE] == [key]
    set_chinese(root, chapter, key, "## 准备工作\n\n然后我们固定 PyTorch 的随机种子。")
    assert translate.done(chapter, [key], root=root) == [key]
    assert not [w for w in translate.check(chapter, root) if w.key == key]
    translate.write(root)
    assert chinese_cell(root, chapter, key) == "## 准备工作\n\n然后我们固定 PyTorch 的随机种子。"


def test_a_new_english_cell_is_missing_until_translated_and_recorded(copy_of_book):
    root, chapter = copy_of_book, "00-fashion-mnist"
    path = root / "chapters" / f"{chapter}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("A new paragraph.", id="new-cell"))
    nbformat.write(nb, path)

    missing = [w for w in translate.check(chapter, root) if w.key == "new-cell"]
    assert [(w.status, w.where, w.words) for w in missing] == [
        ("missing", "cell 1", "A new paragraph.")
    ]
    translate.write(root)
    assert chinese_cell(root, chapter, "new-cell") == "*（尚未翻译）*\n\nA new paragraph."
    with pytest.raises(ValueError, match="has no Chinese text yet"):
        translate.done(chapter, ["new-cell"], root=root)
    assert translate.start(chapter, root) == 1
    set_chinese(root, chapter, "new-cell", "新的一段。")
    assert [w.status for w in translate.check(chapter, root) if w.key == "new-cell"] == [
        translate.NEW
    ]
    assert translate.done(chapter, [], new=True, root=root) == ["new-cell"]
    assert not [w for w in translate.check(chapter, root) if w.key == "new-cell"]
    ids = [e["id"] for e in translate.read_translation(chapter, root)]
    assert ids[:3] == ["0fe82045", "new-cell", "630ae218"]  # entries follow the English order


def test_a_translation_that_drops_a_link_or_a_formula_is_reported(copy_of_book):
    root, chapter, key = copy_of_book, "00-fashion-mnist", "0fe82045"
    entry = next(e for e in translate.read_translation(chapter, root) if e["id"] == key)
    link = "[LeCun et al., 1998](https://cnnbook.github.io/cnnbook/references.html)"
    assert link in entry["zh"]
    set_chinese(root, chapter, key, entry["zh"].replace(link, "LeCun et al., 1998"))
    translate.done(chapter, [key], root=root)
    changed = [w.status for w in translate.check(chapter, root) if w.key == key]
    assert changed == ["changed links"]
    assert translate.structure("a $x_{i}$ `$not$` and $$ y $$\n## H") == {
        "links": [], "citations": [], "directives": [], "formulas": ["x_{i}", "y"],
        "headings": [2], "answers": [0, 0],
    }  # fmt: skip


def test_a_removed_english_cell_leaves_an_orphan(copy_of_book):
    root, chapter = copy_of_book, "00-fashion-mnist"
    path = root / "chapters" / f"{chapter}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.id != "db4d00e6"]
    nbformat.write(nb, path)
    orphans = [w for w in translate.check(chapter, root) if w.status == translate.ORPHAN]
    assert [(w.where, w.key) for w in orphans] == [("gone", "db4d00e6")]


def test_a_changed_section_of_a_page_is_stale(copy_of_book):
    root = copy_of_book
    intro = root / "intro.md"
    intro.write_text(intro.read_text().replace("No GPU is needed", "No GPU is required"))
    stale = [w for w in translate.check("intro", root) if w.status == translate.STALE]
    assert [(w.where, w.key) for w in stale] == [("section 2", "prerequisites")]


def test_the_status_command_lists_what_waits_and_check_fails_on_it(copy_of_book, capsys):
    """On a copy of the book (the tool copied beside it) one translated cell of chapter 00 loses
    its translation: status names it, cell and first words, and --check fails on it alone."""
    (copy_of_book / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "translate.py", copy_of_book / "tools" / "translate.py")

    def status(*names):
        command = [sys.executable, str(copy_of_book / "tools" / "translate.py"), "status", *names]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    assert status("--check", "intro", "references", "book").returncode == 0
    entries = translate.read_translation("00-fashion-mnist", copy_of_book)
    gone = entries.pop(1)
    translate.write_translation("00-fashion-mnist", entries, copy_of_book)
    nb = nbformat.read(copy_of_book / "chapters" / "00-fashion-mnist.ipynb", as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.id == gone["id"])
    listed = status("00-fashion-mnist")
    assert listed.returncode == 0
    assert f"00-fashion-mnist: cell {index} (id {gone['id']}) missing: " in listed.stdout
    assert status("--check", "00-fashion-mnist").returncode == 1
    assert status("--check", "intro").returncode == 0  # the others are unaffected
    unknown = status("no-such-chapter")
    assert unknown.returncode != 0 and "name must be one of book, intro" in unknown.stderr


# The pieces.


def test_translation_files_survive_a_round_trip(tmp_path):
    tricky = [
        "# 标题\n\n  缩进的第二行: 带冒号 #号 \"引号\" 'single'\n\n- 列表",
        "  leading spaces on the first line\n    and more on the next",
        "line\n   \nwith a line of spaces",
        "<details>\n<summary>答案</summary>\n\n$x_{ij}$\n\n</details>",
    ]
    entries = [{"id": str(i), "en": 'e"n', "hash": "", "zh": t} for i, t in enumerate(tricky)]
    text = translate.dump_translation("chapters/x.ipynb", entries)
    back = yaml.safe_load(text)["entries"]
    assert [e["zh"] for e in back] == [re.sub(r"(?m)^ +$", "", t).strip() for t in tricky]
    assert [e["id"] for e in back] == ["0", "1", "2", "3"]  # strings, not numbers


def test_a_duplicated_id_is_an_error(copy_of_book):
    path = translate.translation_path("intro", copy_of_book)
    text = path.read_text()
    path.write_text(text + text[text.index("- id:") :])
    with pytest.raises(ValueError, match="an id appears twice"):
        translate.read_translation("intro", copy_of_book)


def test_pages_split_into_sections_at_headings_outside_code():
    text = "# Title\n\nText.\n\n```python\n# not a heading\n```\n\n## Part\n\nMore.\n\n## Part\n"
    assert translate.sections(text) == [
        ("title", "# Title\n\nText.\n\n```python\n# not a heading\n```"),
        ("part", "## Part\n\nMore."),
        ("part-2", "## Part"),
    ]
    for page in ("intro.md", "references.md"):
        source = (ROOT / page).read_text()
        assert "\n\n".join(s for _, s in translate.sections(source)) == source.strip()


def test_untranslated_text_is_marked_after_its_heading_or_summary():
    assert translate.with_note("# T\n\nx", "N") == "# T\n\nN\n\nx"
    answer = "<details>\n<summary>Answer</summary>\n\nx\n</details>"
    assert translate.with_note(answer, "N") == (
        "<details>\n<summary>Answer</summary>\n\nN\n\nx\n</details>"
    )
    assert translate.with_note("x", "N") == "N\n\nx"


def test_links_into_the_english_book_lead_into_the_chinese_one():
    site = "https://example.org/book/"
    text = f"[a]({site}references.html) <{site}> [p]({site}cnnbook.pdf) {site}zh/x.html"
    assert translate.localise(text, site) == (
        f"[a]({site}zh/references.html) <{site}zh/> [p]({site}cnnbook-zh.pdf) {site}zh/x.html"
    )


def test_edition_links_are_relative_to_the_page():
    assert editions.counterpart_url("intro", "zh/") == "zh/intro.html"
    assert editions.counterpart_url("chapters/01-convolution", "zh/") == (
        "../zh/chapters/01-convolution.html"
    )
    assert editions.counterpart_url("chapters/01-convolution", "../") == (
        "../../chapters/01-convolution.html"
    )


def test_edition_settings_are_checked(tmp_path):
    from types import SimpleNamespace

    def config(**settings):
        base = dict(edition_counterpart={}, html_theme_options={}, templates_path=[],
                    html_static_path=[], html_search_options={}, language="en")  # fmt: skip
        return SimpleNamespace(**{**base, **settings})

    app = SimpleNamespace(srcdir=str(tmp_path), add_css_file=lambda name: None)
    with pytest.raises(ValueError, match="edition_counterpart must be"):
        editions.check_config(app, config(edition_counterpart={"path": "zh", "label": "中文"}))
    with pytest.raises(FileNotFoundError, match="no search dictionary at"):
        editions.check_config(app, config(html_search_options={"dict": "words.txt"}))
    (tmp_path / "words.txt").write_text("池化\n")
    ok = config(edition_counterpart={"path": "../", "label": "English", "lang": "en"},
                html_search_options={"dict": "words.txt"}, language="zh_CN")  # fmt: skip
    editions.check_config(app, ok)
    assert ok.html_search_options["dict"] == str(tmp_path / "words.txt")
    assert ok.html_theme_options["article_header_end"][0] == editions.TEMPLATE


def test_chinese_search_and_fonts_are_installed_by_the_project():
    from sphinx.search import zh

    assert zh.JIEBA, "Sphinx's Chinese search needs jieba (requirements.txt)"
    pins = (ROOT / "constraints.txt").read_text()
    assert re.search(r"^jieba==[\d.]+$", pins, re.M)
    assert re.search(r"^jieba>=", (ROOT / "requirements.txt").read_text(), re.M)
    assert "fonts-noto-cjk" in (ROOT / ".ci" / "run").read_text()


def test_an_inline_formula_may_wrap_onto_the_next_line():
    """Markdown lets `$a -` end one line and `b$` start the next: one formula, kept whole."""
    assert translate.structure("so $\\theta -\n\\theta^*$ shrinks")["formulas"] == [
        "\\theta - \\theta^*"
    ]
    assert translate.structure("$a\n\nb$")["formulas"] == []  # a blank line ends a paragraph
