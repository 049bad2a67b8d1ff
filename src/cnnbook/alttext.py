"""Alt text for the book's figures: what a reader who cannot see a figure needs to know.

Every figure function of the package records on its figure a description written from what it
draws (:func:`describe_figure`; :func:`alt_text` reads it back). Inside IPython (Jupyter, Colab),
importing this module (every picture module does) makes the display of each described figure
carry that text as the image's metadata, ``{"image/png": {"alt": ...}}``; the book's build turns
it into the image's ``alt`` (``_ext/imagealt.py``). A figure drawn by hand is described the same
way:

    fig = figure(4, 3)                    # cnnbook.plot.figure
    ...                                   # draw on it
    describe_figure(fig, "what the figure shows, read from the data it draws")
"""

from __future__ import annotations

import sys

from matplotlib.figure import Figure

IMAGE = "image/png"  # how a notebook shows a figure (matplotlib's inline backend)


def describe_figure(fig, text: str):
    """Record ``text`` as ``fig``'s alt text, what a reader who cannot see it needs to know
    (whitespace, line breaks included, becomes single spaces); return ``fig``."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty description of the figure, got {text!r}")
    fig.cnnbook_alt = " ".join(text.split())
    return fig


def alt_text(fig) -> str | None:
    """The alt text :func:`describe_figure` recorded on ``fig``; None if it has none."""
    return getattr(fig, "cnnbook_alt", None)


def alt_metadata(fig) -> dict:
    """The display metadata that carries ``fig``'s alt text, ``{"image/png": {"alt": ...}}``;
    empty for a figure without one."""
    text = alt_text(fig)
    return {} if text is None else {IMAGE: {"alt": text}}


def register_alt_formatter(shell=None) -> bool:
    """Make ``shell`` (default: the running IPython, if any) publish every figure it displays with
    :func:`alt_metadata`, next to the image its own formatters make (the picture and its
    ``text/plain`` stay as they were). Return whether a shell was there to register with."""
    if shell is None:
        ipython = sys.modules.get("IPython")  # not imported: no IPython is running
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    bundles = shell.display_formatter.mimebundle_formatter
    bundles.for_type(Figure, lambda fig: ({}, alt_metadata(fig)))
    return True


register_alt_formatter()
