"""Sliding-window animations: frames computed by corr2d / corr2d_multi_in / pool2d, an HTML page
fragment that needs no network and is the same on every run, small enough for a page."""

import math
import re

import matplotlib.pyplot as plt
import pytest
import torch

from cnnbook import animate
from cnnbook.animate import (
    MAX_FRAMES,
    animate_conv,
    animate_multi_in,
    animate_pool,
    conv_frames,
    multi_in_frames,
    pool_frames,
)
from cnnbook.conv import conv_output_shape, corr2d, corr2d_multi_in
from cnnbook.pool import pool2d

X = torch.tensor([[1.0, -2, 3, 0], [0, 1, 2, 3], [2, 2, 0, -1], [3, 0, 1, 1]])
K = torch.tensor([[1.0, 0], [-1, 2]])


@pytest.fixture(scope="module")
def conv():
    return animate_conv(X, K, stride=2, padding=1)


def check_frames(frames, expected):
    """Frames go through the outputs row by row, each adding one value; the last holds them all."""
    h, w = expected.shape
    assert [f.position for f in frames] == [(i, j) for i in range(h) for j in range(w)]
    for k, frame in enumerate(frames):
        done = torch.zeros(h, w, dtype=torch.bool).flatten()
        done[: k + 1] = True
        assert torch.equal(~frame.output.isnan(), done.view(h, w))
        assert frame.output[frame.position].item() == pytest.approx(frame.value)
    torch.testing.assert_close(frames[-1].output, expected.to(frames[-1].output.dtype))


def test_conv_frames_end_with_corr2d(conv):
    check_frames(conv.frames, corr2d(X, K, 2, 1))
    assert [f.window for f in conv.frames[:3]] == [(0, 0), (0, 2), (0, 4)]


def test_conv_frames_follow_stride_and_padding():
    for stride, padding in [(1, 0), ((1, 2), (0, 1)), (3, 2)]:
        frames = conv_frames(X, K, stride, padding)
        check_frames(frames, corr2d(X, K, stride, padding))
        assert len(frames) == math.prod(conv_output_shape(X.shape, K.shape, stride, padding))


def test_multi_in_adds_channel_by_channel():
    Xm, Km = torch.stack([X, X.T]), torch.stack([K, -K])
    frames = multi_in_frames(Xm, Km)
    assert [f.channel for f in frames[:4]] == [0, 1, 0, 1]
    first, second = frames[0], frames[1]
    assert first.output[0, 0] == first.value  # the running sum after channel 0
    assert second.output[0, 0] == pytest.approx(first.value + second.value)
    torch.testing.assert_close(frames[-1].output, corr2d_multi_in(Xm, Km))
    torch.testing.assert_close(
        frames[-1].parts, torch.stack([corr2d(Xm[0], Km[0]), corr2d(Xm[1], Km[1])])
    )


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_frames_end_with_pool2d(mode):
    check_frames(pool_frames(X, 3, 1, 1, mode), pool2d(X, 3, 1, 1, mode))
    ints = pool_frames(X.long(), 2, 2, 0, mode)  # integer inputs: pool2d's own arithmetic
    check_frames(ints, pool2d(X.long(), 2, 2, 0, mode))


def test_every_animation_shows_its_frames():
    Xm, Km = torch.stack([X[:3, :3], -X[:3, :3]]), torch.stack([K, K.T])
    multi = animate_multi_in(Xm, Km)
    torch.testing.assert_close(multi.frames[-1].output, corr2d_multi_in(Xm, Km))
    pool = animate_pool(X, 2, 2, mode="avg")
    torch.testing.assert_close(pool.frames[-1].output, pool2d(X, 2, 2, 0, "avg"))
    for anim in (multi, pool):
        assert anim.html.count("data:image/png;base64,") == len(anim.frames) + 1  # + the still


def test_html_is_self_contained_and_has_every_frame(conv):
    html = conv._repr_html_()
    assert html == conv.html
    assert not re.search(r"https?://", html)  # no icon font or script from the network
    assert "fa fa-" not in html
    assert len(re.findall(r"frames\[\d+\] = \"data:image/png;base64,", html)) == len(conv.frames)
    assert re.search(r'value="once"[^>]*\n\s*checked', html)  # stops on the full output
    [img] = re.findall(r"<img [^>]*>", html)
    assert 'src="data:image/png;base64,' in img and "alt=" in img  # shown without scripts too
    assert repr(conv).startswith(f"<Animation: {len(conv.frames)} frames")


def test_html_is_the_same_on_every_run_and_ids_follow_the_content(conv):
    again = animate_conv(X, K, stride=2, padding=1)
    assert again.html == conv.html
    ids = set(re.findall(r'id="_anim_img(\w+)"', conv.html))
    assert len(ids) == 1 and not re.fullmatch(r"[0-9a-f]{32}", ids.pop())  # not a random uuid
    other = animate_pool(X[:2, :2], 2)
    assert set(re.findall(r"anim(cnnbook\w+)\.", other.html)).isdisjoint(
        re.findall(r"anim(cnnbook\w+)\.", conv.html)
    )


def test_ids_do_not_depend_on_how_images_are_encoded(conv, monkeypatch):
    """With a sanitizer blanking the images, nbval compares the rest across library versions."""
    monkeypatch.setattr(animate, "COLORS_PER_FRAME", 16)
    coarse = animate_conv(X, K, stride=2, padding=1)
    assert coarse.html != conv.html
    blank = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")
    assert blank.sub("", coarse.html) == blank.sub("", conv.html)


def test_html_stays_small(conv):
    # Bytes per frame: at that rate even the longest animation allowed stays under 1 MB.
    assert len(conv.html) / len(conv.frames) < 1_000_000 / MAX_FRAMES
    with pytest.raises(ValueError, match="frames"):
        animate_conv(torch.zeros(12, 12), torch.ones(2, 2))  # 121 frames


def test_frames_can_be_drawn_and_stay_out_of_pyplot(conv):
    before = plt.get_fignums()
    fig = conv.figure(1)
    assert plt.get_fignums() == before  # a notebook shows the animation only, not a figure too
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("out[0, 1] = ") for t in texts)
    with pytest.raises(ValueError, match=r"k must be an int in -9..8, got 9"):
        conv.figure(len(conv.frames))


def test_save_writes_a_page(conv, tmp_path):
    conv.save(tmp_path / "a.html")
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and conv.html in page


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="X must have shape"):
        animate_conv(X[None], K)
    with pytest.raises(ValueError, match="channels"):
        animate_multi_in(torch.stack([X, X]), K[None])
    with pytest.raises(ValueError, match="mode"):
        animate_pool(X, 2, mode="sum")
    with pytest.raises(ValueError, match="padding"):
        animate_pool(X, 2, padding=2)
    with pytest.raises(TypeError, match="padding"):
        animate_pool(X, 2, 2, "max")  # pool2d's order: padding comes before the mode
    assert animate_pool(X, 3, 2, 1, "avg").frames[-1].output.equal(pool2d(X, 3, 2, 1, "avg"))


def test_the_alt_text_says_what_the_animation_computes(conv):
    [img] = re.findall(r"<img [^>]*>", conv.html)
    alt = re.search(r'alt="([^"]*)"', img)[1]
    assert f"{len(conv.frames)} steps" in alt
    assert "4×4 input" in alt and "2×2 kernel (rows 1 0; -1 2)" in alt and "stride 2" in alt
    assert "padded with 1 cell of zeros" in alt
    assert (
        "rows " + "; ".join(" ".join(str(int(v)) for v in row) for row in corr2d(X, K, 2, 1)) in alt
    )
    pool = animate_pool(X, 2, 2, mode="avg")
    assert "Average pooling with a 2×2 window and stride 2" in pool.html
