"""Sliding-window pictures: every number drawn is the one corr2d, corr2d_multi_in,
corr2d_multi_in_out or pool2d computes, at the place it belongs."""

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.patches import Rectangle

from cnnbook.alttext import alt_text
from cnnbook.cells import PADDING, cell_text
from cnnbook.conv import conv_output_shape, corr2d, corr2d_multi_in, corr2d_multi_in_out, im2col
from cnnbook.figures import (
    show_1x1,
    show_correlation,
    show_im2col,
    show_multi_in,
    show_padding_stride,
    show_pooling,
)
from cnnbook.pool import pool2d

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def cells(fig, name):
    """{(i, j): text} of the cells drawn under ``name``."""
    found = {}
    for text in fig.axes[0].texts:
        gid = text.get_gid() or ""
        if gid.startswith(name + "["):
            i, j = gid[len(name) + 1 : -1].split(",")
            found[int(i), int(j)] = text.get_text()
    return found


def as_cells(M):
    return {(i, j): cell_text(M[i, j]) for i in range(M.shape[0]) for j in range(M.shape[1])}


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


X = torch.tensor([[1.0, -2, 3, 0, 5], [0, 1, 2, 3, 4], [2, 2, 0, -1, 1], [3, 0, 1, 1, 0]])
K = torch.tensor([[1.0, 0, -1], [2, 1, 0]])


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), ((3, 2), (1, 2))])
def test_padding_stride_draws_corr2d_output_and_the_padded_input(stride, padding):
    fig = show_padding_stride(X, K, stride=stride, padding=padding)
    Y = corr2d(X, K, stride, padding)
    assert cells(fig, "output") == as_cells(Y)
    assert cells(fig, "kernel") == as_cells(K)
    p = (padding, padding) if isinstance(padding, int) else padding
    padded = torch.nn.functional.pad(X, (p[1], p[1], p[0], p[0]))
    assert cells(fig, "input") == as_cells(padded)
    shaded = [r for r in fig.axes[0].patches if isinstance(r, Rectangle)
              and matplotlib.colors.same_color(r.get_facecolor(), PADDING)]  # fmt: skip
    assert len(shaded) == padded.numel() - X.numel()
    h_out, w_out = conv_output_shape(X.shape, K.shape, stride, padding)
    assert any(f"= {h_out} rows" in t and f"= {w_out} columns" in t for t in texts(fig))
    # The sum written out for output (0, 0) ends with corr2d's value.
    assert any(
        t.startswith("out[0, 0] = ") and t.endswith(f"= {cell_text(Y[0, 0])}") for t in texts(fig)
    )


def test_padding_stride_follows_the_kernel_and_takes_keywords_only():
    changed = show_padding_stride(X, -K, padding=1)
    assert cells(changed, "output") == as_cells(corr2d(X, -K, 1, 1))
    with pytest.raises(TypeError):
        show_padding_stride(X, K, 1, 2)  # which is the stride? keywords say
    with pytest.raises(ValueError, match="positions"):
        show_padding_stride(X, K, positions=[(9, 0)])
    with pytest.raises(ValueError, match="X must have shape"):
        show_padding_stride(X[None], K)


def test_multi_in_draws_each_channel_part_and_their_sum():
    Xm = torch.stack([X, X.flip(0), X * 0.5])
    Km = torch.stack([K, K.flip(1), -K])
    fig = show_multi_in(Xm, Km, position=(1, 2))
    assert cells(fig, "output") == as_cells(corr2d_multi_in(Xm, Km))
    for c in range(3):
        assert cells(fig, f"part{c}") == as_cells(corr2d(Xm[c], Km[c]))
        assert cells(fig, f"kernel{c}") == as_cells(Km[c])
    total = cell_text(corr2d_multi_in(Xm, Km)[1, 2])
    assert any(t.startswith("out[1, 2] = ") and t.endswith(f"= {total}") for t in texts(fig))
    with pytest.raises(ValueError, match="channels"):
        show_multi_in(Xm, Km[:2])


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 1, 1)])
def test_1x1_is_a_matrix_product_per_pixel(shape):
    Xc = torch.arange(24.0).reshape(3, 2, 4) % 7 - 2
    Kc = torch.tensor([[1.0, 0.5, -1], [0, 2, 1]]).reshape(shape)
    fig = show_1x1(Xc, Kc, pixel=(1, 3))
    Y = corr2d_multi_in_out(Xc, Kc.reshape(2, 3, 1, 1))
    for o in range(2):
        assert cells(fig, f"output{o}") == as_cells(Y[o])
    assert cells(fig, "x") == as_cells(Xc[:, 1, 3].reshape(3, 1))
    assert cells(fig, "y") == as_cells(Y[:, 1, 3].reshape(2, 1))  # K x, the same numbers
    with pytest.raises(ValueError, match="channels"):
        show_1x1(Xc, torch.ones(2, 4))


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1)])
def test_pooling_draws_pool2d_output(mode, stride, padding):
    fig = show_pooling(X, 3, stride, padding, mode)
    Y = pool2d(X, 3, stride, padding, mode)
    assert cells(fig, "output") == as_cells(Y)
    assert any(
        t.startswith("out[0, 0] = ") and t.endswith(f"= {cell_text(Y[0, 0])}") for t in texts(fig)
    )
    if mode == "max":  # the winner of output (0, 0)'s window is in bold
        bold = [t for t in fig.axes[0].texts if t.get_fontweight() == "bold"]
        assert cell_text(Y[0, 0]) in [t.get_text() for t in bold]


def test_pooling_takes_pool2d_arguments_in_pool2d_order():
    fig = show_pooling(X, 3, 2, 1, "avg")
    assert cells(fig, "output") == as_cells(pool2d(X, 3, 2, 1, "avg"))
    with pytest.raises(ValueError, match="mode"):
        show_pooling(X, 2, 1, 0, "mean")
    with pytest.raises(TypeError, match="padding"):
        show_pooling(X, 2, 1, "max")  # the mode where pool2d has its padding: a clear error


def test_cell_text_never_reads_minus_zero():
    assert cell_text(-0.001) == "0"
    assert cell_text(-0.25) == "-0.25"
    assert cell_text(3.0) == "3"


def test_correlation_draws_corr2d_and_one_window():
    Xs = torch.tensor([[0.0, 1, 2], [3, 4, 5], [6, 7, 8]])
    Ks = torch.tensor([[0.0, 1], [2, 3]])
    fig = show_correlation(Xs, Ks)
    assert cells(fig, "output") == as_cells(corr2d(Xs, Ks))
    assert cells(fig, "input") == as_cells(Xs)
    assert "out[0, 0] = 0·0 + 1·1 + 3·2 + 4·3 = 19" in texts(fig)
    assert "out[1, 1]" in " ".join(texts(show_correlation(Xs, Ks, position=(1, 1))))
    with pytest.raises(ValueError, match="position"):
        show_correlation(Xs, Ks, position=(2, 0))


@pytest.mark.parametrize("column", [0, 5])
def test_im2col_draws_im2col_and_the_window_of_a_column(column):
    Xs = torch.arange(16.0).reshape(4, 4)
    fig = show_im2col(Xs, 2, column=column)
    cols = im2col(Xs[None, None], 2)[0]
    assert cells(fig, "columns") == as_cells(cols)
    i, j = divmod(column, 3)
    window = Xs[i : i + 2, j : j + 2].flatten()
    assert cols[:, column].tolist() == window.tolist()
    note = [t for t in texts(fig) if t.startswith(f"column {column}:")]
    assert note and note[0].endswith(", ".join(cell_text(v) for v in window))
    with pytest.raises(ValueError, match="column"):
        show_im2col(Xs, 2, column=9)


# ---------------------------------------------------------------------------------------------
# Alt text: every picture says what it shows, read from the numbers it draws.


def test_every_picture_has_an_alt_text_from_its_numbers():
    Xs, Ks = torch.tensor([[0.0, 1, 2], [3, 4, 5], [6, 7, 8]]), torch.tensor([[0.0, 1], [2, 3]])
    Xm, Km = torch.stack([Xs, Xs + 1]), torch.stack([Ks, -Ks])
    pictures = {
        "correlation": (show_correlation(Xs, Ks), ["3×3 input", "2×2 kernel", "19 25; 37 43"]),
        "padding": (show_padding_stride(Xs, Ks, padding=1), ["padded with 1", "4×4 output"]),
        "stride": (show_padding_stride(Xs, Ks, stride=(3, 2), padding=1), ["stride 3×2"]),
        "multi": (show_multi_in(Xm, Km), ["2 input channels", "channel 1", "2×2 output"]),
        "1x1": (show_1x1(Xm, torch.ones(4, 2)), ["1×1 convolution", "4 output channels"]),
        "max": (show_pooling(Xs, 2), ["Max pooling", "2×2 window", "rows 4 5; 7 8"]),
        "avg": (show_pooling(Xs, 3, 1, 1, "avg"), ["Average pooling", "padded with 1 cell"]),
        "im2col": (show_im2col(Xs, 2), ["im2col", "4×4 matrix", "0, 1, 3, 4"]),
    }
    for name, (fig, words) in pictures.items():
        text = alt_text(fig)
        assert text and all(w in text for w in words), (name, text)
    changed = alt_text(show_correlation(Xs, -Ks))  # drawn from the numbers: they follow
    assert "rows -19 -25; -37 -43" in changed


def test_a_large_grid_is_described_by_its_size():
    fig = show_padding_stride(torch.ones(9, 9), torch.ones(3, 3), padding=1)
    text = alt_text(fig)
    assert "9×9 input," in text and "(rows" not in text.split("9×9 input")[1][:6]
