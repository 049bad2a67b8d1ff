"""cnnbook.data: shapes, order, resizing, and every way the files can be missing or wrong."""

import errno
import gzip
import io
import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch

from cnnbook import data, datafiles


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


@pytest.fixture
def no_data(isolated, monkeypatch):
    """Nothing on disk and any download fails: a check that passes would end in this error."""

    def no_download(directory, names, shown):
        raise AssertionError("the arguments were not checked before looking for the files")

    monkeypatch.setattr(datafiles, "fetch", no_download)
    return isolated


@pytest.mark.parametrize("bad", ["224", 2.0, True, (True, 3), (32.0, 32), {32: 32}])
def test_resize_of_wrong_type_is_a_type_error(no_data, bad):
    with pytest.raises(TypeError, match="resize"):
        data.load_fashion_mnist(32, resize=bad)


@pytest.mark.parametrize("bad", [0, -1, (28,), (1, 2, 3), (32, 0), 100_000, (2000, 28)])
def test_resize_of_wrong_value_is_a_value_error(no_data, bad):
    with pytest.raises(ValueError, match=f"resize.*1..{data.MAX_RESIZE}"):
        data.load_fashion_mnist(32, resize=bad)


def test_resize_at_the_limit_is_accepted(fashion_dir):
    _, test_iter = data.load_fashion_mnist(2, resize=(data.MAX_RESIZE, 1), root=fashion_dir)
    assert next(iter(test_iter))[0].shape == (2, 1, data.MAX_RESIZE, 1)


def test_batch_too_large_for_memory_is_refused_before_anything_is_read(no_data):
    with pytest.raises(ValueError, match=r"resize=\(1024, 1024\).*8\.0 GiB.*4 GiB") as info:
        data.load_fashion_mnist(2048, resize=(1024, 1024))
    assert "batch_size=2048" in str(info.value)
    # The same limit holds for Batches built by hand, checked before any pass allocates a batch.
    images, labels = torch.zeros(2048, 1, 1, dtype=torch.uint8), torch.zeros(2048).long()
    with pytest.raises(ValueError, match="resize=1024 with batch_size=2048"):
        data.Batches(images, labels, 2048, resize=1024)
    assert len(data.Batches(images, labels, 1024, resize=1024)) == 2  # 4 GiB is still allowed


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"num_train": 2.5}, TypeError),
        ({"num_train": True}, TypeError),
        ({"num_train": 0}, ValueError),
        ({"num_train": data.NUM_TRAIN + 1}, ValueError),
        ({"seed": 1.0}, TypeError),
        ({"seed": "1"}, TypeError),
        ({"seed": -1}, ValueError),
        ({"device": 2.5}, TypeError),
        ({"device": ["cpu"]}, TypeError),
        ({"device": "not-a-device"}, ValueError),
        ({"root": 3}, TypeError),
    ],
)
def test_arguments_are_checked_before_the_files_are_read(no_data, kwargs, error):
    (name,) = kwargs
    with pytest.raises(error, match=name) as info:
        data.load_fashion_mnist(32, **kwargs)
    assert type(info.value) is error


def test_text_labels():
    assert data.text_labels([0, 9, 5]) == ["t-shirt", "ankle boot", "sandal"]
    assert data.text_labels(torch.tensor([1, 2])) == ["trouser", "pullover"]
    with pytest.raises(ValueError, match="indices"):
        data.text_labels([10])


def test_search_order(isolated, monkeypatch):
    monkeypatch.setenv("CNNBOOK_DATA", "/env/place")
    places = [str(p) for _, p in datafiles.search_path("/my/root")]
    assert places == [
        "/my/root",
        "/env/place",
        str(isolated / "cache" / "cnnbook" / "fashion-mnist"),
        str(isolated / "no-debian-package"),
    ]


def test_cnnbook_data_variable_is_used(isolated, copy_of_files, monkeypatch):
    monkeypatch.setenv("CNNBOOK_DATA", str(copy_of_files))
    assert datafiles.find_data_dir(download=False) == copy_of_files


def _refuse_network(request, *args, **kwargs):
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


def test_no_files_and_no_network_gives_one_error_listing_places_and_fixes(isolated, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _refuse_network)
    monkeypatch.setenv("CNNBOOK_DATA", str(isolated / "mine"))
    with pytest.warns(UserWarning, match="mine.*CNNBOOK_DATA.*lacks"):
        with pytest.raises(datafiles.DatasetNotFoundError) as info:
            data.load_fashion_mnist(32)
    message = str(info.value)
    for place in datafiles.search_path():
        assert str(place[1]) in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "CNNBOOK_DATA" in message and "root=" in message
    assert "name resolution" in message
    assert not any((datafiles.cache_dir()).glob("*-ubyte*"))


def test_truncated_gzip_names_the_file(isolated, copy_of_files):
    victim = copy_of_files / "t10k-labels-idx1-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:-100])
    with pytest.raises(datafiles.CorruptFileError, match=str(victim)):
        data.load_fashion_mnist(32, root=copy_of_files)


def test_altered_content_names_the_file(isolated, copy_of_files):
    victim = copy_of_files / "train-images-idx3-ubyte.gz"
    content = bytearray(gzip.decompress(victim.read_bytes()))
    content[5000] ^= 0xFF
    victim.unlink()
    altered = copy_of_files / "train-images-idx3-ubyte"  # uncompressed copies are accepted too
    altered.write_bytes(bytes(content))
    with pytest.raises(datafiles.CorruptFileError, match=str(altered)) as info:
        data.read_fashion_mnist(copy_of_files)
    assert datafiles.FILES["train-images-idx3-ubyte"] in str(info.value)


class _Response(io.BytesIO):
    def __init__(self, url, payload):
        super().__init__(payload)
        self.url, self.length = url, len(payload)


def test_download_cut_off_midway_leaves_nothing_trusted(isolated, copy_of_files, monkeypatch):
    """The server sends half of each file: the check fails, the cache stays empty."""

    def half_a_file(url, *args, **kwargs):
        payload = (copy_of_files / url.rsplit("/", 1)[-1]).read_bytes()
        return _Response(url, payload[: len(payload) // 2])

    monkeypatch.setattr(urllib.request, "urlopen", half_a_file)
    with pytest.raises(datafiles.DatasetNotFoundError, match="not a complete gzip file"):
        datafiles.find_data_dir()
    cache = datafiles.cache_dir()
    assert [p.name for p in cache.iterdir()] == []


def _good_fetch(source: Path, fetched=None):
    """A download that copies ``<name>.gz`` for each name asked for from ``source``, recording
    the names in ``fetched``."""

    def fetch(directory: Path, names, shown: Path) -> None:
        for name in names:
            (directory / f"{name}.gz").write_bytes((source / f"{name}.gz").read_bytes())
            if fetched is not None:
                fetched.append(name)

    return fetch


def test_interrupted_download_then_a_good_one(isolated, copy_of_files, monkeypatch):
    def interrupted(directory: Path, names, shown: Path) -> None:
        (directory / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(datafiles, "fetch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        datafiles.find_data_dir()
    assert list(datafiles.cache_dir().iterdir()) == []

    # A run killed outright leaves its scratch directory: it is never read, and removed by the
    # next download (under the lock no other download can be using it).
    (datafiles.cache_dir() / ".download-killed").mkdir()
    for name in datafiles.FILES:
        (datafiles.cache_dir() / ".download-killed" / f"{name}.gz").write_bytes(b"junk")
    monkeypatch.setattr(datafiles, "fetch", _good_fetch(copy_of_files))
    assert datafiles.find_data_dir() == datafiles.cache_dir()
    assert sorted(p.name for p in datafiles.cache_dir().iterdir()) == sorted(
        f"{name}.gz" for name in datafiles.FILES
    )
    train_images = data.read_fashion_mnist()[0]
    assert train_images.shape == (60_000, 28, 28)


def test_corrupt_download_is_not_moved_into_the_cache(isolated, copy_of_files, monkeypatch):
    victim = copy_of_files / "t10k-images-idx3-ubyte.gz"
    victim.write_bytes(gzip.compress(gzip.decompress(victim.read_bytes())[:-10]))
    monkeypatch.setattr(datafiles, "fetch", _good_fetch(copy_of_files))
    with pytest.raises(datafiles.DatasetNotFoundError, match="t10k-images-idx3-ubyte"):
        datafiles.find_data_dir()
    assert list(datafiles.cache_dir().iterdir()) == []


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
    train_c, _ = data.load_fashion_mnist(100, root=fashion_dir, num_train=1000, seed=6)
    assert not torch.equal(train_a.labels, train_c.labels)


def test_explicit_root_without_the_files_is_an_error_not_another_copy(
    isolated, copy_of_files, monkeypatch
):
    monkeypatch.setenv("CNNBOOK_DATA", str(copy_of_files))  # a good copy elsewhere is not used
    partial = isolated / "partial"
    partial.mkdir()
    (partial / "train-images-idx3-ubyte.gz").write_bytes(b"")
    with pytest.raises(datafiles.DatasetNotFoundError) as info:
        data.load_fashion_mnist(32, root=partial)
    message = str(info.value)
    assert f"root={str(partial)!r}" in message
    missing = [name for name in datafiles.FILES if name != "train-images-idx3-ubyte"]
    listed = message.split(" lacks ")[1].split(". ")[0]
    assert listed == ", ".join(f"{name}[.gz]" for name in missing)
    with pytest.raises(datafiles.DatasetNotFoundError, match="absent"):
        datafiles.find_data_dir(isolated / "absent")
    assert not datafiles.cache_dir().exists()  # no download was tried either


def _deny(monkeypatch, locked: Path):
    """Looking into ``locked`` fails as for a directory without read/execute permission."""
    stat = Path.stat

    def guarded(self, *args, **kwargs):
        if self.is_relative_to(locked) and self != locked:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", guarded)


@pytest.mark.parametrize("place", ["$CNNBOOK_DATA", "user cache"])
def test_unreadable_place_is_skipped_with_a_warning(isolated, copy_of_files, monkeypatch, place):
    locked = isolated / "locked"
    if place == "$CNNBOOK_DATA":
        monkeypatch.setenv("CNNBOOK_DATA", str(locked))
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", str(locked))
        locked = datafiles.cache_dir()
    monkeypatch.setattr(datafiles, "DEBIAN_DIR", copy_of_files)
    _deny(monkeypatch, locked)
    with pytest.warns(UserWarning) as record:
        assert datafiles.find_data_dir(download=False) == copy_of_files
    (warning,) = [str(w.message) for w in record]
    assert f"skipping {locked} ({place})" in warning and "Permission denied" in warning


def test_place_with_an_unreadable_file_is_skipped(isolated, copy_of_files, monkeypatch, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    for path in copy_of_files.iterdir():
        (other / path.name).write_bytes(path.read_bytes())
    victim = other / "t10k-images-idx3-ubyte.gz"
    access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: Path(path) != victim and access(path, mode)
    )
    monkeypatch.setenv("CNNBOOK_DATA", str(other))
    monkeypatch.setattr(datafiles, "DEBIAN_DIR", copy_of_files)
    with pytest.warns(UserWarning, match=f"skipping {other} .*{victim} is not readable"):
        assert datafiles.find_data_dir(download=False) == copy_of_files


def test_path_longer_than_the_file_system_allows_is_skipped(isolated, copy_of_files, monkeypatch):
    too_long = isolated / ("x" * 300) / "fashion-mnist"  # one component over NAME_MAX (255)
    monkeypatch.setenv("CNNBOOK_DATA", str(too_long))
    monkeypatch.setattr(datafiles, "DEBIAN_DIR", copy_of_files)
    with pytest.warns(UserWarning, match="skipping .*xxx/fashion-mnist .*CNNBOOK_DATA.*too long"):
        assert data.read_fashion_mnist()[3].shape == (10_000,)


def test_unreadable_places_are_named_in_the_final_error(isolated, monkeypatch):
    monkeypatch.setenv("CNNBOOK_DATA", str(isolated / ("y" * 300)))
    with pytest.warns(UserWarning, match="too long"):
        with pytest.raises(datafiles.DatasetNotFoundError, match="CNNBOOK_DATA: cannot be read"):
            datafiles.find_data_dir(download=False)
    with pytest.raises(datafiles.DatasetNotFoundError, match="root=.*cannot be read.*too long"):
        datafiles.find_data_dir(isolated / ("y" * 300))


def test_gzip_is_recognised_by_its_content_not_its_name(isolated, copy_of_files):
    expected = [t.clone() for t in data.read_fashion_mnist(copy_of_files)]
    data.clear_cache()
    # gzip content without the .gz suffix
    (copy_of_files / "train-labels-idx1-ubyte.gz").rename(copy_of_files / "train-labels-idx1-ubyte")
    # raw content under a .gz name
    victim = copy_of_files / "t10k-labels-idx1-ubyte.gz"
    victim.write_bytes(gzip.decompress(victim.read_bytes()))
    for got, want in zip(data.read_fashion_mnist(copy_of_files), expected):
        assert torch.equal(got, want)


def test_gz_name_holding_damaged_raw_content_says_it_is_not_gzip(isolated, copy_of_files):
    victim = copy_of_files / "t10k-labels-idx1-ubyte.gz"
    victim.write_bytes(gzip.decompress(victim.read_bytes())[:-1])
    with pytest.raises(datafiles.CorruptFileError, match="ends in .gz but its content is not gzip"):
        data.read_fashion_mnist(copy_of_files)


def test_without_a_lock_only_old_scratch_dirs_are_removed(isolated, copy_of_files, monkeypatch):
    monkeypatch.setattr(datafiles, "fcntl", None)
    cache = datafiles.cache_dir()
    old, fresh = cache / ".download-old", cache / ".download-fresh"
    for scratch in (old, fresh):
        scratch.mkdir(parents=True)
    long_ago = time.time() - datafiles.STALE_SCRATCH_S - 60
    os.utime(old, (long_ago, long_ago))
    monkeypatch.setattr(datafiles, "fetch", _good_fetch(copy_of_files))
    assert datafiles.find_data_dir() == cache
    assert not old.exists() and fresh.is_dir()  # fresh may belong to a download under way


CONCURRENT_DOWNLOAD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cnnbook import datafiles

    source, nowhere, me, other = map(Path, sys.argv[1:])
    datafiles.DEBIAN_DIR = nowhere

    def slow_fetch(directory, names, shown):  # a download, slowed down, of verified files
        print("fetching", flush=True)
        for name in names:
            time.sleep(0.3)
            (directory / f"{name}.gz").write_bytes((source / f"{name}.gz").read_bytes())

    datafiles.fetch = slow_fetch
    me.touch()  # start together: each waits until the other is ready
    deadline = time.monotonic() + 60
    while not other.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    print(datafiles.find_data_dir())
    """
)


def test_two_processes_downloading_into_one_cache_both_succeed(isolated, copy_of_files):
    ready = [isolated / "ready-0", isolated / "ready-1"]
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CONCURRENT_DOWNLOAD,
                str(copy_of_files),
                str(isolated / "no-debian-package"),
                str(ready[i]),
                str(ready[1 - i]),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for i in (0, 1)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err[-3000:]
        assert out.splitlines()[-1] == str(datafiles.cache_dir())
    cache = datafiles.cache_dir()
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        f"{name}.gz" for name in datafiles.FILES
    )
    for name in datafiles.FILES:
        datafiles.read_verified(cache / f"{name}.gz", name)
    if datafiles.fcntl is not None:  # with the lock, the second process used the first one's files
        assert sum(out.count("fetching") for out, _ in outputs) == 1


def test_a_download_says_what_it_fetched_and_where_and_only_what_is_needed(
    isolated, copy_of_files, monkeypatch, capsys
):
    """One line per file (name, size, where it is kept); the test images alone need only the
    two test files; the mirror is torchvision's."""
    asked = []

    def serve(url, *args, **kwargs):
        asked.append(url)
        return _Response(url, (copy_of_files / url.rsplit("/", 1)[-1]).read_bytes())

    monkeypatch.setattr(urllib.request, "urlopen", serve)
    images, labels = data.read_split("test")
    assert images.shape == (10_000, 28, 28) and labels.shape == (10_000,)
    names = [url.rsplit("/", 1)[-1] for url in asked]
    assert names == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert all(url.startswith(datafiles.mirrors()[0]) for url in asked)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    where = datafiles.short_path(datafiles.cache_dir())
    for line, name in zip(lines, names):
        size = (copy_of_files / name).stat().st_size / 1e6
        assert line == f"Fashion-MNIST: downloaded {name} ({size:.1f} MB) into {where}"
    assert sorted(p.name for p in datafiles.cache_dir().iterdir()) == sorted(names)


def test_a_mirror_that_fails_is_followed_by_the_next(isolated, copy_of_files, monkeypatch):
    monkeypatch.setattr(
        datafiles, "mirrors", lambda: ["http://down.invalid/", "http://up.invalid/"]
    )

    def serve(url, *args, **kwargs):
        if "down" in url:
            raise urllib.error.URLError("no route to host")
        return _Response(url, (copy_of_files / url.rsplit("/", 1)[-1]).read_bytes())

    monkeypatch.setattr(urllib.request, "urlopen", serve)
    assert datafiles.find_data_dir(split="train") == datafiles.cache_dir()


def test_clear_cache_makes_the_next_read_decode_again(fashion_dir):
    first = data.read_split("test", fashion_dir)
    assert data.read_split("test", fashion_dir) is first  # decoded once
    data.clear_cache()
    again = data.read_split("test", fashion_dir)
    assert again is not first and torch.equal(again[0], first[0])


def test_batches_know_the_size_of_their_last_batch():
    images, labels = torch.zeros(129, 4, 4, dtype=torch.uint8), torch.zeros(129).long()
    assert data.Batches(images, labels, 128).last_batch_size == 1
    assert data.Batches(images, labels, 129).last_batch_size == 129
    assert [len(y) for _, y in data.Batches(images, labels, 64)] == [64, 64, 1]


def test_num_test_takes_the_first_test_examples(fashion_dir):
    _, test_iter = data.load_fashion_mnist(100, root=fashion_dir, num_test=250)
    _, full = data.load_fashion_mnist(100, root=fashion_dir)
    assert len(test_iter.labels) == 250 and len(test_iter) == 3
    assert torch.equal(test_iter.labels, full.labels[:250])
    with pytest.raises(ValueError, match=r"num_test must be an int in 1..10000, got 0"):
        data.load_fashion_mnist(100, root=fashion_dir, num_test=0)
