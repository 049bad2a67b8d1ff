"""Show the code that runs: a chapter displays an implementation from ``cnnbook`` instead of
keeping a second copy of it in a cell."""

from __future__ import annotations

import inspect


def show_source(obj):
    """The source of a function or class from ``cnnbook``, highlighted for a notebook."""
    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")
