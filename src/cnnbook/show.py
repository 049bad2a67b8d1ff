"""What a chapter displays besides plots: the code that runs, and the one-line progress of a
training run.

    show_source(train_epoch)   # the function's source, highlighted, in a notebook and in the book
    bar = Progress()           # one line, rewritten in place while a loop runs
    bar.update("batch 3/235: loss 2.301")
    bar.close("1 epoch: test acc 0.712")
"""

from __future__ import annotations

import inspect
import math
import re
import sys
import textwrap
import time


class Source:
    """Code shown as a fenced Markdown block: Jupyter, Colab and the built book (myst-nb renders
    ``text/markdown`` outputs as Markdown) all highlight it, and the notebook stores only the
    code, with no stylesheet. ``text/plain`` (a terminal, a plain viewer) is the code itself."""

    def __init__(self, code: str, language: str = "python"):
        if not isinstance(code, str):
            raise TypeError(f"code must be a str, got {type(code).__name__}")
        self.code, self.language = code, language

    def _repr_markdown_(self) -> str:
        # The fence is longer than any run of backticks in the code, so the code cannot close it.
        longest = max((len(run) for run in re.findall(r"`+", self.code)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}{self.language}\n{self.code.rstrip()}\n{fence}"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.code.rstrip())

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"Source({self.code!r}, language={self.language!r})"


def show_source(obj) -> Source:
    """The source of a function or class from ``cnnbook``, shown highlighted in a notebook."""
    try:
        code = inspect.getsource(obj)
    except TypeError as exc:
        raise TypeError(f"obj must be a function, class or module, got {obj!r}") from exc
    return Source(textwrap.dedent(code))  # a method's source, too, starts at column 0


# ---------------------------------------------------------------------------------------------
# Progress


class Progress:
    """A one-line progress display: updated in place in a notebook (Jupyter or Colab; only the
    final text is kept in the saved output), with carriage returns in a terminal; written to a
    file or pipe (``python -m cnnbook.reproduce > log``), only the forced updates (one line per
    epoch) and the final text, each on a line of its own; or silent (``enabled=False``).
    ``every``: seconds between two redraws (``force=True`` redraws now)."""

    def __init__(self, enabled: bool = True, every: float = 0.5):
        self.mode = "off"
        if enabled and in_notebook():
            self.mode = "notebook"
        elif enabled:
            self.mode = "terminal" if sys.stdout.isatty() else "log"
        self.every, self.last, self.handle = every, -math.inf, None  # the first update shows

    def update(self, text: str, force: bool = False) -> None:
        now = time.perf_counter()
        if self.mode == "off" or (not force and now - self.last < self.every):
            return
        self.last = now
        if self.mode == "log":
            if force:
                print(text, flush=True)
            return
        if self.mode == "terminal":
            sys.stdout.write("\r" + text.ljust(100))
            sys.stdout.flush()
            return
        from IPython.display import display, update_display

        if self.handle is None:
            self.handle = display({"text/plain": text}, raw=True, display_id=True)
        else:
            update_display({"text/plain": text}, raw=True, display_id=self.handle.display_id)

    def close(self, text: str) -> None:
        """Show ``text`` as the line's final state and end the line."""
        self.update(text, force=True)
        if self.mode == "terminal":
            sys.stdout.write("\n")
            sys.stdout.flush()


def in_notebook() -> bool:
    """Whether this runs in a notebook kernel: Jupyter's shell or one built on it, as Colab's
    (``google.colab._shell.Shell`` is a subclass of ipykernel's ``ZMQInteractiveShell``)."""
    try:
        from ipykernel.zmqshell import ZMQInteractiveShell
        from IPython import get_ipython
    except ImportError:
        return False
    return isinstance(get_ipython(), ZMQInteractiveShell)
