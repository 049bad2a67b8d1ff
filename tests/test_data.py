"""cnnbook.data: shapes, order, resizing, and every way the files can be missing or wrong."""

import gzip
import io
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch

from cnnbook import data


def test_loaders_yield_documented_shapes_and_types(fashion_dir):
    train_iter, test_iter = data.load_fashion_mnist(256, root=fashion_dir)
    assert (len(train_iter), len(test_iter)) == (235, 40)
    X, y = next(iter(train_iter))
    assert X.shape == (256, 1, 28, 28) and X.dtype == torch.float32
    assert y.shape == (256,) and y.dtype == torch.int64
    assert 0.0 <= X.min() and X.max() <= 1.0
    sizes = [X.shape[0] for X, _ in test_iter]
    assert sum(sizes) == 10_000 and sizes[-1] == 10_000 - 39 * 256


def test_files_are_decoded_once_per_process(fashion_dir):
    first = data.read_fashion_mnist(fashion_dir)
    assert data.read_fashion_mnist(fashion_dir)[0] is first[0]
    assert first[0].shape == (60_000, 28, 28) and first[0].dtype == torch.uint8
    assert first[2].shape == (10_000, 28, 28)
    assert torch.bincount(first[1]).tolist() == [6000] * 10


def test_training_order_is_reshuffled_each_epoch_and_seeded(fashion_dir):
    def epochs(seed, n=2):
        train_iter, test_iter = data.load_fashion_mnist(1000, root=fashion_dir, seed=seed)
        train = [torch.cat([y for _, y in train_iter]) for _ in range(n)]
        test = [torch.cat([y for _, y in test_iter]) for _ in range(n)]
        return train, test

    (first, second), (test1, test2) = epochs(seed=3)
    assert not torch.equal(first, second)  # a new order every epoch
    assert torch.equal(torch.sort(first).values, torch.sort(second).values)  # same examples
    again, _ = epochs(seed=3)
    assert torch.equal(first, again[0]) and torch.equal(second, again[1])  # same seed, same orders
    other, _ = epochs(seed=4, n=1)
    assert not torch.equal(first, other[0])
    assert torch.equal(test1, test2)  # the test order is fixed


@pytest.mark.parametrize("resize, shape", [(32, (32, 32)), ((20, 40), (20, 40)), (28, (28, 28))])
def test_resize_gives_requested_size(fashion_dir, resize, shape):
    _, test_iter = data.load_fashion_mnist(64, resize=resize, root=fashion_dir)
    X, _ = next(iter(test_iter))
    assert X.shape == (64, 1, *shape)
    assert 0.0 <= X.min() and X.max() <= 1.0


def test_resize_matches_interpolating_each_image(fashion_dir):
    _, test_iter = data.load_fashion_mnist(8, resize=56, root=fashion_dir)
    X, _ = next(iter(test_iter))
    one = data.read_fashion_mnist(fashion_dir)[2][:1].float().div(255).unsqueeze(1)
    expected = torch.nn.functional.interpolate(one, size=(56, 56), mode="bilinear")
    torch.testing.assert_close(X[:1], expected.clamp(0, 1))


@pytest.mark.parametrize("bad", [0, -3])
def test_batch_size_below_one_is_rejected(fashion_dir, bad):
    with pytest.raises(ValueError, match="batch_size"):
        data.load_fashion_mnist(bad, root=fashion_dir)


def test_batch_size_of_wrong_type_is_rejected(fashion_dir):
    with pytest.raises(TypeError, match="batch_size"):
        data.load_fashion_mnist(2.5, root=fashion_dir)


@pytest.mark.parametrize("bad", [0, -1, (28,), (1, 2, 3), "224", 2.0, (32, 0), (True, 3)])
def test_malformed_resize_is_rejected(fashion_dir, bad):
    with pytest.raises(ValueError, match="resize"):
        data.load_fashion_mnist(32, resize=bad, root=fashion_dir)


def test_text_labels():
    assert data.text_labels([0, 9, 5]) == ["t-shirt", "ankle boot", "sandal"]
    assert data.text_labels(torch.tensor([1, 2])) == ["trouser", "pullover"]
    with pytest.raises(ValueError, match="indices"):
        data.text_labels([10])


def test_search_order(isolated, monkeypatch):
    monkeypatch.setenv("CNNBOOK_DATA", "/env/place")
    places = [str(p) for _, p in data.search_path("/my/root")]
    assert places == [
        "/my/root",
        "/env/place",
        str(isolated / "cache" / "cnnbook" / "fashion-mnist"),
        str(isolated / "no-debian-package"),
    ]


def test_cnnbook_data_variable_is_used(isolated, copy_of_files, monkeypatch):
    monkeypatch.setenv("CNNBOOK_DATA", str(copy_of_files))
    assert data.find_data_dir(download=False) == copy_of_files


def _refuse_network(request, *args, **kwargs):
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


def test_no_files_and_no_network_gives_one_error_listing_places_and_fixes(isolated, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _refuse_network)
    with pytest.raises(data.DatasetNotFoundError) as info:
        data.load_fashion_mnist(32, root=isolated / "mine")
    message = str(info.value)
    for place in data.search_path(isolated / "mine"):
        assert str(place[1]) in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "CNNBOOK_DATA" in message and "root=" in message
    assert "name resolution" in message
    assert not any((data.cache_dir()).glob("*-ubyte*"))


def test_truncated_gzip_names_the_file(isolated, copy_of_files):
    victim = copy_of_files / "t10k-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:-100])
    with pytest.raises(data.CorruptFileError, match=str(victim)):
        data.load_fashion_mnist(32, root=copy_of_files)


def test_altered_content_names_the_file(isolated, copy_of_files):
    victim = copy_of_files / "train-images-idx3-ubyte.gz"
    content = bytearray(gzip.decompress(victim.read_bytes()))
    content[5000] ^= 0xFF
    victim.unlink()
    altered = copy_of_files / "train-images-idx3-ubyte"  # uncompressed copies are accepted too
    altered.write_bytes(bytes(content))
    with pytest.raises(data.CorruptFileError, match=str(altered)) as info:
        data.read_fashion_mnist(copy_of_files)
    assert data.FILES["train-images-idx3-ubyte"] in str(info.value)


class _Response(io.BytesIO):
    def __init__(self, url, payload):
        super().__init__(payload)
        self.url, self.length = url, len(payload)


def test_download_cut_off_midway_leaves_nothing_trusted(isolated, copy_of_files, monkeypatch):
    """The server sends half of each file: torchvision's check fails, the cache stays empty."""

    def half_a_file(request, *args, **kwargs):
        url = request.full_url if hasattr(request, "full_url") else request
        if request.headers.get("Method") == "HEAD":
            return _Response(url, b"")
        payload = (copy_of_files / url.rsplit("/", 1)[-1]).read_bytes()
        return _Response(url, payload[: len(payload) // 2])

    monkeypatch.setattr(urllib.request, "urlopen", half_a_file)
    with pytest.raises(data.DatasetNotFoundError, match="corrupted"):
        data.find_data_dir()
    cache = data.cache_dir()
    assert [p.name for p in cache.iterdir()] == []


def _good_fetch(source: Path):
    def fetch(directory: Path) -> Path:
        raw = directory / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        for path in source.iterdir():
            (raw / path.name).write_bytes(path.read_bytes())
        return raw

    return fetch


def test_interrupted_download_then_a_good_one(isolated, copy_of_files, monkeypatch):
    def interrupted(directory: Path) -> Path:
        raw = directory / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        (raw / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(data, "_fetch_with_torchvision", interrupted)
    with pytest.raises(KeyboardInterrupt):
        data.find_data_dir()
    assert list(data.cache_dir().iterdir()) == []

    # A run killed outright leaves its scratch directory: it is never read, and removed next time.
    (data.cache_dir() / ".download-killed").mkdir()
    for name in data.FILES:
        (data.cache_dir() / ".download-killed" / f"{name}.gz").write_bytes(b"junk")
    monkeypatch.setattr(data, "_fetch_with_torchvision", _good_fetch(copy_of_files))
    assert data.find_data_dir() == data.cache_dir()
    assert sorted(p.name for p in data.cache_dir().iterdir()) == sorted(
        f"{name}.gz" for name in data.FILES
    )
    train_images = data.read_fashion_mnist()[0]
    assert train_images.shape == (60_000, 28, 28)


def test_corrupt_download_is_not_moved_into_the_cache(isolated, copy_of_files, monkeypatch):
    victim = copy_of_files / "t10k-images-idx3-ubyte.gz"
    victim.write_bytes(gzip.compress(gzip.decompress(victim.read_bytes())[:-10]))
    monkeypatch.setattr(data, "_fetch_with_torchvision", _good_fetch(copy_of_files))
    with pytest.raises(data.DatasetNotFoundError, match="t10k-images-idx3-ubyte"):
        data.find_data_dir()
    assert list(data.cache_dir().iterdir()) == []


def test_torchvision_loader_reads_the_same_images(fashion_dir):
    loader = data.torchvision_loader(100, train=False, root=fashion_dir)
    X, y = next(iter(loader))
    _, test_iter = data.load_fashion_mnist(100, root=fashion_dir)
    X2, y2 = next(iter(test_iter))
    torch.testing.assert_close(X, X2)
    assert torch.equal(y, y2)


def test_num_train_draws_a_seeded_subset(fashion_dir):
    train_a, test_a = data.load_fashion_mnist(100, root=fashion_dir, num_train=1000, seed=5)
    train_b, _ = data.load_fashion_mnist(100, root=fashion_dir, num_train=1000, seed=5)
    assert len(train_a) == 10 and len(test_a) == 100
    assert torch.equal(train_a.labels, train_b.labels)
    assert 50 < torch.bincount(train_a.labels, minlength=10).min()  # roughly balanced
    for bad in (0, 60_001, 2.5):
        with pytest.raises(ValueError, match="num_train"):
            data.load_fashion_mnist(100, root=fashion_dir, num_train=bad)
