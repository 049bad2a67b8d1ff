"""The Chinese edition (中文版), written from the English book and the hand-written translations.

    python tools/translate.py status [NAME ...]    # what waits for translation (make translations)
    python tools/translate.py start NAME ...       # an empty entry for each unit that has none
    python tools/translate.py done NAME ID ...     # record these translations as up to date
    python tools/translate.py done NAME --new      # ... and every one translated for the first time
    python tools/translate.py write [--check]      # write zh/ (make zh); --check: compare only

Layout. The English book is the single source. ``zh/translations/`` is written by hand: one YAML
file per English source, named after it (``00-fashion-mnist.yml`` for
``chapters/00-fashion-mnist.ipynb``, ``intro.yml``, ``references.yml``, and ``book.yml`` for the
title and author in ``_config.yml``), plus ``search-words.txt``, the words the Chinese search must
know (jieba's user dictionary). Everything else in ``zh/`` is written by ``write`` and committed:
``_config.yml`` and ``_toc.yml`` (from the English ones), ``intro.md``, ``references.md`` and
``chapters/NN-*.ipynb``. The Chinese book and the Chinese Colab notebooks are built from those
notebooks; ``tools/student.py`` makes the Chinese student notebooks from them. The Chinese book
has every page of the English one (``_toc.yml`` copied), so every page has its counterpart:
``make book`` builds ``zh/`` on its own (``jupyter-book build zh --path-output _build/zh``) and
copies it into ``_build/html/zh``; ``_ext/editions.py`` links each page to the same page of the
other edition; ``zh/_config.yml`` sets ``language: zh_CN`` (``<html lang="zh-CN">``, Sphinx's
Chinese search, which splits words with jieba) and ``repository.path_to_book: zh`` (the Colab
buttons open ``zh/`` notebooks); ``make pdf`` prints ``_build/pdf/cnnbook-zh.pdf``.

Units. A chapter is translated cell by cell: each English markdown cell is one unit, keyed by the
cell's id. A markdown page is translated section by section (a heading and the text under it, up
to the next heading), keyed by the heading's slug. A Chinese notebook is the English one with
every code cell (source, outputs, metadata, id) copied as it is and every markdown cell replaced
by its translation; links into the English book (``html.baseurl``) become links into the Chinese
one (``…/zh/…``). A unit without a translation keeps its English text, marked (尚未翻译); one
whose English changed since it was translated keeps its English text too, marked (译文待更新).

Entries. Each entry of a translation file is ``id`` (the English cell's id or section's slug),
``en`` (the English text's first words, for people), ``hash`` (of the English text the
translation was made from) and ``zh`` (the translation). The hash is recorded by ``done``, never
typed: after changing the English, ``status`` lists the unit as stale until a translator has
fixed the Chinese and run ``done NAME ID``. ``done NAME --new`` records every entry translated
for the first time (with text and no hash yet); a stale entry is only recorded by its id. A
translation keeps its English unit's link targets, citations, directives, formulas, heading
levels and folded answers (``<details>``, with the summary 答案); ``status`` lists one that does
not as "changed". Links are written as in the English: ``write`` points them at the Chinese book.

Why not Sphinx's gettext (sphinx-intl): its catalogues translate the built pages, paragraph by
paragraph, far from the notebooks, and cannot write a notebook. The Chinese Colab notebooks must
be real .ipynb files with the English code and outputs, and a translation has to live next to
the cell it pairs with, keyed so that a change to that cell shows. A file per chapter with an
entry per cell, keyed by cell id and the English text's hash, does both; a test fails, naming
the chapter, cell and first words, on any stale or missing translation (tests/test_translate.py;
a chapter still being translated is listed there in NOT_YET_REQUIRED, which makes its missing
units an expected failure and nothing else).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import NamedTuple

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
ZH = "zh"
TRANSLATIONS = "translations"
CONFIG_KEYS = ("title", "author")  # what book.yml translates in _config.yml
MISSING, STALE, NEW, ORPHAN, CHANGED = "missing", "stale", "not recorded", "orphan", "changed"
NOTE = {MISSING: "*（尚未翻译）*", STALE: "*（译文待更新）*"}
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
PDF = ("cnnbook.pdf", "cnnbook-zh.pdf")  # the English book's PDF and the Chinese one's


class Unit(NamedTuple):
    """One piece of English to translate: ``key`` (cell id or section slug), ``index`` (its cell
    or section number) and ``text``."""

    key: str
    index: int
    text: str

    @property
    def hash(self) -> str:
        return text_hash(self.text)

    @property
    def first_words(self) -> str:
        return first_words(self.text)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()[:12]


def first_words(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


# The English sources and their units.


def sources(root: Path = ROOT) -> dict[str, Path]:
    """Translation file name -> English source: ``book`` (_config.yml), then every page of the
    English table of contents in order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found = {"book": root / "_config.yml"}
    for name in toc_files(toc):
        for ext in (".ipynb", ".md"):
            if (root / f"{name}{ext}").is_file():
                found[Path(name).name] = root / f"{name}{ext}"
                break
        else:
            raise FileNotFoundError(f"_toc.yml lists {name!r}, which has no .ipynb or .md file")
    return found


def toc_files(toc: dict) -> list[str]:
    def walk(entries):
        for entry in entries:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("sections", []))

    chapters = [c for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [toc["root"], *walk(toc.get("chapters", []) + chapters)]


def units(path: Path) -> list[Unit]:
    """The units of an English source: markdown cells, markdown sections or config strings."""
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [
            Unit(c.id, i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
        ]
    if path.suffix == ".md":
        return [Unit(slug, i, text) for i, (slug, text) in enumerate(sections(path.read_text()))]
    config = yaml.safe_load(path.read_text())
    return [Unit(key, i, str(config[key])) for i, key in enumerate(CONFIG_KEYS)]


def in_code(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (its fences included)."""
    flags, fence = [], None
    for line in lines:
        opened = FENCE.match(line)
        flags.append(bool(fence or opened))
        if fence and opened and opened.group(1).startswith(fence):
            fence = None
        elif not fence and opened:
            fence = opened.group(1)
    return flags


def sections(text: str) -> list[tuple[str, str]]:
    """``text`` cut before each heading outside code: (the heading's slug, the section)."""
    lines = text.strip("\n").split("\n")
    parts: list[list[str]] = [[]]
    for line, code in zip(lines, in_code(lines)):
        if not code and HEADING.match(line) and parts[-1]:
            parts.append([])
        parts[-1].append(line)
    result, seen = [], set()
    for part in parts:
        heading = HEADING.match(part[0])
        slug = re.sub(r"[^\w]+", "-", heading.group(2).lower()).strip("-") if heading else "top"
        key, n = slug, 1
        while key in seen:
            n += 1
            key = f"{slug}-{n}"
        seen.add(key)
        result.append((key, "\n".join(part).strip("\n")))
    return result


# Translation files.


def translation_path(name: str, root: Path = ROOT) -> Path:
    return root / ZH / TRANSLATIONS / f"{name}.yml"


def read_translation(name: str, root: Path = ROOT) -> list[dict]:
    """The entries of ``zh/translations/NAME.yml`` (none if the file does not exist)."""
    path = translation_path(name, root)
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    entries = data.get("entries") or []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ValueError(f"{path}: entry {i} must be a mapping with a string id, got {entry!r}")
        entry["zh"] = clean(str(entry.get("zh") or ""))
        entry["hash"] = str(entry.get("hash") or "")
        entry["en"] = str(entry.get("en") or "")
    ids = [e["id"] for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError(
            f"{path}: an id appears twice: {sorted(i for i in ids if ids.count(i) > 1)}"
        )
    return entries


def clean(text: str) -> str:
    """``text`` as a translation file keeps it: no blank lines around, no spaces on empty lines."""
    return re.sub(r"(?m)^[ \t]+$", "", text).strip()


def dump_translation(source: str, entries: list[dict]) -> str:
    """The YAML text of a translation file: quoted scalars, the Chinese as a literal block."""
    out = [
        f"# The Chinese text of {source}: one entry per English unit, in order.",
        "# `zh` is written by hand; `hash` is recorded by `python tools/translate.py done`",
        "# (never typed); `en` shows the English text's first words. The tool's docstring",
        "# explains the format.",
        f"source: {json.dumps(source)}",
        "entries:",
    ]
    for entry in entries:
        out.append(f"- id: {json.dumps(entry['id'])}")
        out.append(f"  en: {json.dumps(entry['en'], ensure_ascii=False)}")
        out.append(f"  hash: {json.dumps(entry['hash'])}")
        zh = clean(entry["zh"])
        if not zh:
            out.append('  zh: ""')
            continue
        out.append("  zh: |-")  # stripped: its first line sets the indentation
        out.extend(f"    {line}" if line.strip() else "" for line in zh.split("\n"))
    text = "\n".join(out) + "\n"
    back = yaml.safe_load(text)["entries"]
    if [e["zh"] for e in back] != [clean(e["zh"]) for e in entries]:
        raise ValueError(f"the translation of {source} does not survive YAML: check its whitespace")
    return text


def write_translation(name: str, entries: list[dict], root: Path = ROOT) -> None:
    path = translation_path(name, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_translation(source_name(name, root), entries))


def source_name(name: str, root: Path = ROOT) -> str:
    return sources(root)[name].relative_to(root).as_posix()


# What waits for translation.


def structure(text: str) -> dict[str, list]:
    """What a translation keeps from the English: link targets, citation keys, directives,
    formulas, heading levels and folded answers (outside code, where it applies)."""
    lines = text.split("\n")
    code_free = [line for line, code in zip(lines, in_code(lines)) if not code]
    prose = re.sub(r"`+[^`]*`+", " ", "\n".join(code_free))
    display = re.findall(r"\$\$(.+?)\$\$", prose, re.S)
    # An inline formula may wrap onto the next line (as Markdown allows), not across a blank one.
    inline_formula = r"\$((?:[^$\n]|\n(?![ \t]*\n))+?)\$"
    inline = re.findall(inline_formula, re.sub(r"\$\$.+?\$\$", " ", prose, flags=re.S))
    return {
        "links": sorted(
            re.findall(r"\]\(([^)\s]+)", text) + re.findall(r"<(https?://[^>\s]+)>", text)
        ),
        "citations": sorted(re.findall(r"\{cite[:\w]*\}`([^`]+)`", text)),
        "directives": re.findall(r"^\s*(?:`{3,}|~{3,}|:{3,})\{([\w-]+)\}", text, re.M),
        "formulas": sorted(" ".join(m.split()) for m in display + inline),
        "headings": [len(m.group(1)) for line in code_free if (m := HEADING.match(line))],
        "answers": [text.count("<details>"), text.count("<summary>")],
    }


class Waiting(NamedTuple):
    name: str  # translation file name (chapter stem, intro, references, book)
    status: str  # MISSING, STALE, NEW, ORPHAN, or CHANGED and what changed
    where: str  # "cell 5", "section 2" or "setting 0" of the English source; "gone" for an orphan
    key: str
    words: str

    def __str__(self) -> str:
        return f"{self.name}: {self.where} (id {self.key}) {self.status}: {self.words!r}"


def check(name: str, root: Path = ROOT) -> list[Waiting]:
    """Every unit of source ``name`` whose translation is missing, stale, not recorded or
    changes what it must keep (``structure``), and every entry whose English unit is gone."""
    path = sources(root)[name]
    english = units(path)
    kind = {".ipynb": "cell", ".md": "section"}.get(path.suffix, "setting")
    entries = {e["id"]: e for e in read_translation(name, root)}
    waiting = []
    for unit in english:
        entry = entries.get(unit.key)
        if entry is None or not entry["zh"]:
            status = MISSING
        elif not entry["hash"]:
            status = NEW
        elif entry["hash"] != unit.hash:
            status = STALE
        elif path.suffix != ".yml":
            en, zh = structure(unit.text), structure(entry["zh"])
            differ = [what for what in en if en[what] != zh[what]]
            if not differ:
                continue
            status = f"{CHANGED} {', '.join(differ)}"
        else:
            continue
        waiting.append(Waiting(name, status, f"{kind} {unit.index}", unit.key, unit.first_words))
    keys = {u.key for u in english}
    for key, entry in entries.items():
        if key not in keys:
            waiting.append(Waiting(name, ORPHAN, "gone", key, first_words(entry["zh"])))
    return waiting


def start(name: str, root: Path = ROOT) -> int:
    """Add an empty entry for each unit of ``name`` that has none; entries follow the English
    order, entries of removed units stay at the end. Returns the number added."""
    old = {e["id"]: e for e in read_translation(name, root)}
    english = units(sources(root)[name])
    empty = {"hash": "", "zh": ""}
    entries = [old.get(u.key) or {"id": u.key, "en": u.first_words, **empty} for u in english]
    keys = {u.key for u in english}
    entries += [e for k, e in old.items() if k not in keys]
    write_translation(name, entries, root)
    return sum(u.key not in old for u in english)


def done(name: str, keys: list[str], new: bool = False, root: Path = ROOT) -> list[str]:
    """Record the current English hash (and first words) of the entries ``keys`` of ``name``, and
    with ``new`` of every entry that has Chinese text but no hash yet. Returns the keys recorded."""
    english = {u.key: u for u in units(sources(root)[name])}
    entries = read_translation(name, root)
    by_key = {e["id"]: e for e in entries}
    for key in keys:
        if key not in english:
            raise ValueError(f"key must be a unit id of {name}, got {key!r}")
        if key not in by_key or not by_key[key]["zh"]:
            raise ValueError(f"{name}: unit {key!r} has no Chinese text yet: write its `zh` first")
    chosen = list(keys) + [e["id"] for e in entries if new and e["zh"] and not e["hash"]]
    for key in chosen:
        if key in english:
            by_key[key].update(hash=english[key].hash, en=english[key].first_words)
    write_translation(name, entries, root)
    return [k for k in dict.fromkeys(chosen) if k in english]


# Writing the Chinese edition.


def is_current(unit: Unit, entry: dict | None) -> bool:
    """Whether ``entry`` translates ``unit`` as it is now (or is new, not yet recorded)."""
    return bool(entry and entry["zh"] and entry["hash"] in ("", unit.hash))


def translated(unit: Unit, entry: dict | None, site: str) -> str:
    """The Chinese text of ``unit``, or its English text with a note saying why not."""
    if is_current(unit, entry):
        return localise(entry["zh"], site)
    note = NOTE[STALE if entry and entry["zh"] else MISSING]
    return localise(with_note(unit.text, note), site)


def with_note(text: str, note: str) -> str:
    """``text`` with ``note`` after its heading or its ``<summary>`` line, else before it."""
    lines = text.split("\n")
    first = lines[0].strip()
    if HEADING.match(first) or first == "<details>" and len(lines) > 1 and "<summary>" in lines[1]:
        at = 1 if HEADING.match(first) else 2
        return "\n".join([*lines[:at], "", note, *lines[at:]])
    return f"{note}\n\n{text}"


def english_site(root: Path = ROOT) -> str:
    """The published English book, ``html.baseurl``, ending in /; the Chinese one is under zh/."""
    return yaml.safe_load((root / "_config.yml").read_text())["html"]["baseurl"].rstrip("/") + "/"


def localise(text: str, site: str) -> str:
    """Links into the English book ``site`` become links into the Chinese one: its pages under
    ``zh/``, and its PDF ``cnnbook-zh.pdf`` beside the English ``cnnbook.pdf``."""

    def chinese(match: re.Match) -> str:
        path = match.group(1)
        return site + (PDF[1] if path == PDF[0] else f"{ZH}/{path}")

    return re.sub(re.escape(site) + rf"(?!{ZH}/)([^\s)>\]\"']*)", chinese, text)


def chinese_notebook(path: Path, entries: dict[str, dict], site: str):
    nb = nbformat.read(path, as_version=4)
    zh = copy.deepcopy(nb)
    for cell, unit in zip(zh.cells, [Unit(c.id, i, c.source) for i, c in enumerate(nb.cells)]):
        if cell.cell_type == "markdown":
            cell.source = translated(unit, entries.get(unit.key), site)
    return zh


def chinese_config(root: Path = ROOT) -> dict:
    """zh/_config.yml: the English settings, with the Chinese title, language and addresses."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    entries = {e["id"]: e for e in read_translation("book", root)}
    for unit in units(root / "_config.yml"):
        entry = entries.get(unit.key)
        config[unit.key] = entry["zh"] if is_current(unit, entry) else unit.text
    config["exclude_patterns"] = ["_build/*", "translations/*", "student/*", "**.ipynb_checkpoints"]
    config["repository"]["path_to_book"] = ZH
    config["html"]["baseurl"] = f"{english_site(root)}{ZH}/"
    config["bibtex_bibfiles"] = [f"../{f}" for f in config.get("bibtex_bibfiles", [])]
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {k: f"../{v}" for k, v in sphinx["local_extensions"].items()}
    settings = sphinx.setdefault("config", {})
    settings["language"] = "zh_CN"
    settings["edition_counterpart"] = {"path": "../", "label": "English", "lang": "en"}
    settings["html_search_options"] = {"dict": f"{TRANSLATIONS}/search-words.txt"}
    return config


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Every file ``write`` makes under zh/, with its text."""
    out, zh, site = {}, root / ZH, english_site(root)
    head = (
        "# Written by tools/translate.py from ../{}: change that file or the tool, not this one.\n"
    )
    config = yaml.safe_dump(chinese_config(root), allow_unicode=True, sort_keys=False, width=100)
    out[zh / "_config.yml"] = head.format("_config.yml") + config
    out[zh / "_toc.yml"] = head.format("_toc.yml") + (root / "_toc.yml").read_text()
    for name, path in sources(root).items():
        if name == "book":
            continue
        entries = {e["id"]: e for e in read_translation(name, root)}
        target = zh / path.relative_to(root)
        if path.suffix == ".ipynb":
            nb = chinese_notebook(path, entries, site)
            out[target] = nbformat.writes(nb).rstrip("\n") + "\n"
        else:
            parts = [translated(u, entries.get(u.key), site) for u in units(path)]
            note = (
                f"% Written by tools/translate.py from ../{path.name} and {TRANSLATIONS}/{name}.yml"
            )
            out[target] = "\n\n".join([note, *parts]) + "\n"
    return out


def write(root: Path = ROOT, check_only: bool = False) -> list[str]:
    """Write (or with ``check_only`` compare) zh/'s generated files; return those that differed,
    each with the first cell that differs where it is a notebook."""
    differing = []
    for path, text in generated(root).items():
        old = path.read_text() if path.is_file() else None
        if old == text:
            continue
        differing.append(describe_difference(path, old, text, root))
        if not check_only:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return differing


def describe_difference(path: Path, old: str | None, new: str, root: Path) -> str:
    name = path.relative_to(root).as_posix()
    if old is None or path.suffix != ".ipynb":
        return name + (" (new)" if old is None else "")
    try:
        a, b = nbformat.reads(old, as_version=4).cells, nbformat.reads(new, as_version=4).cells
    except Exception:  # noqa: BLE001 - an unreadable file is simply out of date
        return f"{name} (not a readable notebook)"
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"{name}: cell {i} (id {y.id}) {first_words(y.source)!r}"
    return f"{name}: {len(a)} cells where the English has {len(b)}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    status_cmd = commands.add_parser("status", help="list what waits for translation")
    status_cmd.add_argument("names", nargs="*", help="translation files (default: all)")
    status_cmd.add_argument("--check", action="store_true", help="exit 1 if anything waits")
    commands.add_parser("start", help="add empty entries").add_argument("names", nargs="+")
    done_cmd = commands.add_parser("done", help="record up-to-date translations")
    done_cmd.add_argument("name")
    done_cmd.add_argument("ids", nargs="*")
    done_cmd.add_argument(
        "--new", action="store_true", help="every entry translated for the first time"
    )
    commands.add_parser("write", help="write zh/").add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    known = list(sources())
    for name in getattr(args, "names", None) or [getattr(args, "name", known[0])]:
        if name not in known:
            parser.error(f"name must be one of {', '.join(known)}, got {name!r}")

    if args.command == "status":
        waiting = [w for name in args.names or known for w in check(name)]
        for item in waiting:
            print(item)
        statuses = (MISSING, STALE, NEW, ORPHAN, CHANGED)
        counts = {s: sum(w.status.startswith(s) for w in waiting) for s in statuses}
        print(", ".join(f"{n} {s}" for s, n in counts.items()) + " (`translate.py --help`)")
        return 1 if args.check and waiting else 0
    if args.command == "start":
        for name in args.names:
            print(f"{translation_path(name).relative_to(ROOT)}: {start(name)} entries added")
        return 0
    if args.command == "done":
        if not args.ids and not args.new:
            parser.error("done needs the ids of the units translated, or --new")
        recorded = done(args.name, args.ids, args.new)
        print(f"{args.name}: recorded {len(recorded)}: {', '.join(recorded) or 'nothing'}")
        return 0
    differing = write(check_only=args.check)
    for item in differing:
        print(("out of date: " if args.check else "wrote ") + item)
    if args.check and differing:
        print("run `make zh` (python tools/translate.py write) and commit zh/")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
