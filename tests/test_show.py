"""show_source's plain highlighted form, and the progress line in a terminal and a notebook."""

import inspect
import sys

import IPython
import pytest
from IPython.core.formatters import DisplayFormatter
from markdown_it import MarkdownIt

from cnnbook import show
from cnnbook.show import Progress, Source, show_source
from cnnbook.train import train_epoch


def fences(markdown):
    """The fenced code blocks CommonMark finds (myst-nb renders text/markdown outputs with it)."""
    return [t for t in MarkdownIt("commonmark").parse(markdown) if t.type == "fence"]


def test_show_source_is_one_python_block_with_no_stylesheet():
    data, _ = DisplayFormatter().format(show_source(train_epoch))
    assert set(data) == {"text/markdown", "text/plain"}
    source = inspect.getsource(train_epoch)
    [block] = fences(data["text/markdown"])
    assert block.info == "python" and block.content == source
    assert data["text/plain"] == source.rstrip()
    assert "<style" not in data["text/markdown"] and len(data["text/markdown"]) < len(source) + 20


def test_backticks_in_the_code_cannot_close_the_block():
    code = 'doc = """\n```python\nx = 1\n```\n"""\nsplit = "````"\n'
    [block] = fences(Source(code)._repr_markdown_())
    assert block.content == code


def test_a_method_is_shown_from_column_0():
    class Holder:
        def method(self):
            return 1

    shown = str(show_source(Holder.method))
    assert shown.startswith("def method(self):\n") and "\n    return 1" in shown


def test_show_source_rejects_what_has_no_source():
    with pytest.raises(TypeError, match="obj must be a function, class or module"):
        show_source(42)
    with pytest.raises(TypeError, match="code must be a str"):
        Source(b"x = 1")


def kernel_shell(base):
    """An instance of a subclass of ``base``, made without starting a shell."""
    Shell = type("Shell", (base,), {})  # as google.colab._shell.Shell subclasses it
    return Shell.__new__(Shell)


def test_a_notebook_is_recognised_by_its_shell_class_colab_included(monkeypatch):
    from ipykernel.zmqshell import ZMQInteractiveShell
    from IPython.terminal.interactiveshell import TerminalInteractiveShell

    monkeypatch.setattr(IPython, "get_ipython", lambda: kernel_shell(ZMQInteractiveShell))
    assert show.in_notebook()
    monkeypatch.setattr(IPython, "get_ipython", lambda: kernel_shell(TerminalInteractiveShell))
    assert not show.in_notebook()
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert not show.in_notebook()


def test_progress_in_a_terminal_rewrites_one_line(capsys, monkeypatch):
    monkeypatch.setattr(show, "in_notebook", lambda: False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    bar = Progress(every=0)
    bar.update("batch 1")
    bar.update("batch 2")
    bar.close("done")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n")
    assert [part.strip() for part in out.split("\r")[1:]] == ["batch 1", "batch 2", "done"]
    Progress(enabled=False).close("silent")
    assert capsys.readouterr().out == ""


def test_progress_written_to_a_file_keeps_only_whole_lines(capsys, monkeypatch):
    """`python -m cnnbook.reproduce > log`: no carriage returns, one line per forced update."""
    monkeypatch.setattr(show, "in_notebook", lambda: False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    bar = Progress(every=0)
    bar.update("batch 1")
    bar.update("epoch 1/2: test acc 0.5", force=True)
    bar.update("batch 2")
    bar.close("done")
    assert capsys.readouterr().out == "epoch 1/2: test acc 0.5\ndone\n"


def test_progress_in_a_notebook_updates_one_display(monkeypatch):
    import IPython.display

    calls = []

    class Handle:
        display_id = "line"

    def display(data, raw, display_id):
        calls.append(("display", data["text/plain"]))
        return Handle()

    def update_display(data, raw, display_id):
        calls.append((display_id, data["text/plain"]))

    monkeypatch.setattr(show, "in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(IPython.display, "update_display", update_display)
    bar = Progress(every=3600)
    bar.update("batch 1")
    bar.update("batch 2")  # too soon: skipped
    bar.close("done")
    assert calls == [("display", "batch 1"), ("line", "done")]
