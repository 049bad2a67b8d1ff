"""The Colab button of a chapter's page opens the chapter's student notebook.

sphinx-book-theme's launch button opens the page's own notebook in Colab,
``https://colab.research.google.com/github/ORG/REPO/blob/REF/PATH_TO_BOOK/chapters/NN-name.ipynb``:
the chapter with its answers, which Colab shows unfolded. This extension points the button at
``.../blob/REF/PATH_TO_BOOK/student/NN-name.ipynb`` instead (the notebook ``tools/student.py``
writes, with an answer cell and the self-checks for each exercise), for any ``path_to_book``: the
Chinese book (``zh/``) opens ``zh/student/``. A chapter whose student notebook is missing from
the book's folder is a warning (an error under ``-W``). Teachers open the full chapter with the
address the button had (README: Open a chapter in Colab).
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

CHAPTERS, STUDENT = "chapters/", "student/"
CHAPTER_URL = re.compile(r"^(?P<head>.+/blob/[^/]+/(?:.+/)?)chapters/(?P<name>[^/?#]+\.ipynb)$")


def student_url(url: str) -> str | None:
    """The address of the student notebook for a Colab address of a chapter, or None if ``url``
    does not open a notebook in a ``chapters/`` folder."""
    match = CHAPTER_URL.match(url)
    return f"{match['head']}{STUDENT}{match['name']}" if match else None


def colab_buttons(context) -> list[dict]:
    """The Colab entries among the page's launch buttons."""
    return [
        button
        for group in context.get("header_buttons", [])
        if group.get("label") == "launch-buttons"
        for button in group.get("buttons", [])
        if button.get("text") == "Colab"
    ]


def point_at_student(app, pagename, templatename, context, doctree) -> None:
    if not pagename.startswith(CHAPTERS):
        return
    for button in colab_buttons(context):
        url = student_url(button.get("url", ""))
        if url is None:
            continue
        notebook = Path(app.srcdir) / STUDENT / (pagename[len(CHAPTERS) :] + ".ipynb")
        if not notebook.is_file():
            logger.warning(
                f"no student notebook {notebook} for the Colab button: run `make student`",
                location=pagename,
            )
            continue
        button["url"] = url


def setup(app):
    # after sphinx-book-theme's add_launch_buttons (priority 501), before the page is written
    app.connect("html-page-context", point_at_student, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
