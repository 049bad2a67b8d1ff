"""Links to the published book become relative links in the built book.

The notebooks link other chapters and the references page by their public address (``html.baseurl``
in ``_config.yml``), because Colab shows a notebook on its own, where a relative link leads
nowhere. In the built book such a link is rewritten to the page's relative address, so the book
also works offline and before it is published; a link to a page the book does not have is a
warning (an error under ``-W``).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)


def localise(app, doctree, docname: str) -> None:
    base = app.config.html_baseurl
    if not base:
        return
    base = base.rstrip("/") + "/"
    for ref in doctree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        if not uri.startswith(base):
            continue
        path, _, anchor = uri[len(base) :].partition("#")
        if path in ("", "index.html"):
            path = app.config.root_doc + ".html"
        if not path.endswith(".html"):
            continue  # a file beside the pages (the PDF): left as it is
        target = path[: -len(".html")]
        if target not in app.env.all_docs:
            logger.warning(
                f"link to {uri}: the book has no page {target!r}",
                location=(docname, ref.line),
            )
            continue
        relative = app.builder.get_relative_uri(docname, target)
        ref["refuri"] = relative + ("#" + anchor if anchor else "")


def setup(app):
    app.connect("doctree-resolved", localise)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
