"""Alt text from the figure to the built page: a figure records its description, IPython
publishes it with the image, a notebook run in a real kernel stores it, and the book's build
(myst-nb with _ext/imagealt.py) writes it as the image's alt."""

import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import pytest
import torch

from cnnbook.alttext import alt_metadata, alt_text, describe_figure, register_alt_formatter
from cnnbook.plot import figure, show_images

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
CELLS = [
    "import torch\nfrom cnnbook.alttext import describe_figure\n"
    "from cnnbook.plot import figure, show_maps",
    'fig = show_maps([torch.eye(3), -torch.eye(3)], ["eye", "minus eye"], shared=True)',
    "fig = figure(1, 1)\n_ = fig.subplots()  # drawn by hand, not described: no alt text",
    'fig = figure(1, 1)\n_ = fig.subplots()\n_ = describe_figure(fig, "empty axes, described")',
]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_describe_records_an_alt_text_and_checks_it():
    fig = figure(2, 2)
    assert alt_text(fig) is None and alt_metadata(fig) == {}
    assert describe_figure(fig, "  a line\n across ") is fig
    assert alt_text(fig) == "a line across"
    assert alt_metadata(fig)["image/png"] == {"alt": "a line across"}
    with pytest.raises(ValueError, match="text"):
        describe_figure(fig, " ")
    with pytest.raises(TypeError, match="fig"):
        describe_figure("a figure", "text")


def test_ipython_publishes_the_alt_text_with_the_image():
    """The real display path: IPython's formatters, then display(), as the inline backend calls
    it for every figure a cell leaves open."""
    formatters = pytest.importorskip("IPython.core.formatters")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    class Shell:  # what register_alt_formatter needs of a shell: IPython's own formatters
        display_formatter = formatters.DisplayFormatter()

    shell = Shell()
    png = shell.display_formatter.formatters["image/png"]
    png.for_type(Figure, lambda fig: "PNG")  # as matplotlib's inline backend registers
    assert register_alt_formatter(shell)
    fig = show_images(torch.zeros(2, 4, 4), 1, 2, titles=["coat", "bag"])
    data, metadata = shell.display_formatter.format(fig)
    assert data["image/png"] == "PNG" and data["text/plain"].startswith("<Figure size")
    assert metadata["image/png"] == {"alt": alt_text(fig)}
    plain = Figure()
    FigureCanvasAgg(plain)
    assert "image/png" not in shell.display_formatter.format(plain)[1]  # not described: no alt
    assert not register_alt_formatter()  # no IPython running here: nothing to register with


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The cells above, run by nbclient in a fresh kernel as `make execute` runs the chapters."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def images(cell):
    return [o for o in cell.outputs if "image/png" in o.get("data", {})]


def test_a_kernel_stores_each_figures_alt_text_with_its_image(executed):
    [maps] = images(executed.cells[1])
    alt = maps.metadata["image/png"]["alt"]
    assert alt.startswith("2 maps side by side, on one scale from -1 to 1")
    assert "eye (3×3, values 0 to 1)" in alt and "minus eye (3×3, values -1 to 0)" in alt
    assert maps.data["text/plain"].startswith("<Figure size")  # what nbval compares is unchanged
    [plain] = images(executed.cells[2])
    assert "alt" not in plain.metadata.get("image/png", {})
    [by_hand] = images(executed.cells[3])
    assert by_hand.metadata["image/png"]["alt"] == "empty axes, described"


def test_the_book_writes_the_stored_alt_text_into_the_page(executed, tmp_path):
    """A one-page book with the book's own myst-nb settings and _ext/imagealt.py; the cell that
    sets its own alt (myst-nb's cell metadata) keeps it."""
    nb = nbformat.from_dict(executed)
    nb.cells[2].metadata["mystnb"] = {"image": {"alt": "set by the cell"}}
    src = tmp_path / "src"
    src.mkdir()
    nbformat.write(nb, src / "page.ipynb")
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'imagealt']\nnb_execution_mode = 'off'\n"
        "root_doc = 'page'\nexclude_patterns = ['_build']\n"
    )
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html", str(src), str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    page = (tmp_path / "out" / "page.html").read_text(encoding="utf-8")
    alts = [unescape(a) for a in re.findall(r'<img [^>]*alt="([^"]*)"', page)]
    maps, by_cell, by_hand = executed.cells[1], executed.cells[2], executed.cells[3]
    assert alts == [
        images(maps)[0].metadata["image/png"]["alt"],
        "set by the cell",
        images(by_hand)[0].metadata["image/png"]["alt"],
    ], alts
    assert images(by_cell)  # the cell's own alt was the one used: it had none stored


def test_every_figure_function_of_the_package_describes_its_figure():
    """Each public function that returns a figure, found by name in the picture modules, gives
    an alt text that names what it draws; a new one without an entry here fails the test."""
    import inspect

    from torch import nn

    from cnnbook import cam, diagram, figures, plot
    from cnnbook.models import LeNet
    from cnnbook.train import History

    X, K = torch.arange(9.0).reshape(3, 3), torch.ones(2, 2)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(18, 3))
    history = History("cpu", [1.0, 0.5], [0.5, 0.7], [0.6, 0.8], [1.0] * 2, [1.0] * 2, [1.0] * 8)
    calls = {
        "show_images": (lambda: plot.show_images(torch.zeros(2, 5, 5), 1, 2), "2 grey images"),
        "show_maps": (lambda: plot.show_maps([X], ["X"]), "X (3×3, values 0 to 8)"),
        "plot_history": (lambda: plot.plot_history(history), "test 0.600, 0.800"),
        "plot_confusion": (lambda: plot.plot_confusion(torch.eye(2).long(), "ab"), "2 right"),
        "show_kernels": (
            lambda: plot.show_kernels(torch.ones(3, 1, 2, 2)),
            "3 convolution kernels",
        ),
        "show_correlation": (lambda: figures.show_correlation(X, K), "rows 8 12; 20 24"),
        "show_padding_stride": (lambda: figures.show_padding_stride(X, K, padding=1), "4×4 output"),
        "show_multi_in": (lambda: figures.show_multi_in(X[None], K[None]), "1 input channels"),
        "show_1x1": (lambda: figures.show_1x1(X[None], torch.ones(2, 1)), "2 output channels"),
        "show_pooling": (lambda: figures.show_pooling(X, 2), "rows 4 5; 7 8"),
        "show_im2col": (lambda: figures.show_im2col(X, 2), "4×4 matrix"),
        "draw_network": (lambda: diagram.draw_network(net, (1, 1, 5, 5)), "Dense 3, out 3"),
        "compare_networks": (
            lambda: diagram.compare_networks(
                [("a", net, (1, 1, 5, 5)), ("b", LeNet(), (1, 1, 28, 28))]
            ),
            "a and b",
        ),
        "show_cam": (lambda: cam.show_cam(X[None], (X / 8)[None], ["nine"]), "image 0 (nine)"),
    }
    found = {
        name
        for module in (plot, figures, diagram, cam)
        for name, fn in vars(module).items()
        if inspect.isfunction(fn) and fn.__module__ == module.__name__
        and name.startswith(("show_", "plot_", "draw_", "compare_"))
    }  # fmt: skip
    assert found == set(calls)
    for name, (call, words) in calls.items():
        text = alt_text(call())
        assert text and words in text, (name, text)
