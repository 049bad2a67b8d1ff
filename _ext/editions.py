"""The book's two editions, English and Chinese: every page links to the same page in the other.

The English book is built into ``_build/html`` and the Chinese one (``zh/``) into
``_build/html/zh``, with the same page names. Each edition's configuration names the other's root
relative to its own, and its label::

    edition_counterpart: {path: zh/, label: 中文, lang: zh-CN}   # in _config.yml
    edition_counterpart: {path: ../, label: English, lang: en}   # in zh/_config.yml

Each HTML page then shows that label at the top of the article, linked to the same page of the
other edition by a relative address (the book opens from disk), and names it in a
``<link rel="alternate" hreflang>``. A book in Chinese needs jieba, which Sphinx's Chinese search
uses to split the text into words (without it the search finds no Chinese word, silently): the
build stops if it is missing. A relative ``dict`` in ``html_search_options`` (jieba's dictionary
of the book's words) is read from the book's folder, wherever the build runs.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path

TEMPLATE = "edition-link.html"


def counterpart_url(pagename: str, path: str) -> str:
    """The address of page ``pagename`` in the other edition, whose root is ``path`` relative to
    this edition's root, as seen from the page itself."""
    return "../" * pagename.count("/") + path + pagename + ".html"


def check_config(app, config) -> None:
    other = config.edition_counterpart
    if other:
        missing = {"path", "label", "lang"} - set(other)
        if missing or not str(other["path"]).endswith("/"):
            raise ValueError(
                "edition_counterpart must be {path: 'DIR/', label: ..., lang: ...}, "
                f"got {other!r}"
            )
        options = dict(config.html_theme_options or {})
        end = options.get("article_header_end", ["article-header-buttons.html"])
        if TEMPLATE not in end:
            options["article_header_end"] = [TEMPLATE, *end]
        config.html_theme_options = options
        here = Path(__file__).parent
        config.templates_path = [*config.templates_path, str(here / "templates")]
        config.html_static_path = [*config.html_static_path, str(here / "static")]
        app.add_css_file("editions.css")
    if str(config.language or "").startswith("zh"):
        try:
            import jieba
        except ImportError:
            raise ImportError(
                "the Chinese book's search needs jieba: `pip install -r requirements.txt`"
            ) from None
        jieba.setLogLevel(logging.WARNING)  # not its dictionary-loading chatter in the build log
    search = dict(config.html_search_options or {})
    if search.get("dict") and not Path(search["dict"]).is_absolute():
        path = Path(app.srcdir) / search["dict"]
        if not path.is_file():
            raise FileNotFoundError(f"html_search_options: no search dictionary at {path}")
        config.html_search_options = {**search, "dict": str(path)}


def add_link(app, pagename, templatename, context, doctree) -> None:
    other = app.config.edition_counterpart
    if not other or app.builder.name != "html":
        return
    url = counterpart_url(pagename, other["path"])
    context["edition_link"] = {"url": url, "label": other["label"], "lang": other["lang"]}
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{escape(other["lang"])}" href="{escape(url)}" />'
    )


def setup(app):
    app.add_config_value("edition_counterpart", {}, "html", dict)
    app.connect("config-inited", check_config)
    app.connect("html-page-context", add_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
