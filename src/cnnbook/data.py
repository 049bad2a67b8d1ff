"""Fashion-MNIST, decoded once into memory and served in batches.

    train_iter, test_iter = load_fashion_mnist(256)
    for X, y in train_iter:  # X: (B, 1, 28, 28) float32 in [0, 1], y: (B,) int64
        ...

The four original files are looked for in this order: the ``root`` argument, ``$CNNBOOK_DATA``,
the user cache directory, ``/usr/share/datasets/fashion-mnist`` (Debian's package
``dataset-fashion-mnist``), and finally downloaded through torchvision into the cache directory.
Each file may be gzipped or not; its *decompressed* content is checked against the published MD5,
so every source passes the same check.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import shutil
import tempfile
import zlib
from pathlib import Path

import torch
import torch.nn.functional as F

# MD5 of the decompressed files (the .gz MD5s differ between sources: Debian re-gzips them).
FILES = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASSES = (
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)


class DatasetNotFoundError(FileNotFoundError):
    """None of the places searched holds the four Fashion-MNIST files."""


class CorruptFileError(ValueError):
    """A Fashion-MNIST file is truncated or altered."""


def cache_dir() -> Path:
    """Where downloads go: ``$XDG_CACHE_HOME/cnnbook/fashion-mnist`` (default ``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnnbook" / "fashion-mnist"


def short_path(path) -> str:
    """``path`` as text, with the home directory written ``~`` (for printing in the book)."""
    text, home = str(path), str(Path.home())
    return "~" + text[len(home) :] if home != "/" and text.startswith(home) else text


def search_path(root=None) -> list[tuple[str, Path]]:
    """The places searched for the files, in order, each as ``(why, directory)``."""
    places = []
    if root is not None:
        places.append(("root argument", Path(root)))
    if os.environ.get("CNNBOOK_DATA"):
        places.append(("$CNNBOOK_DATA", Path(os.environ["CNNBOOK_DATA"])))
    places.append(("user cache", cache_dir()))
    places.append(("Debian package dataset-fashion-mnist", DEBIAN_DIR))
    return places


def _file_in(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / (name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _has_all_files(directory: Path) -> bool:
    return all(_file_in(directory, name) is not None for name in FILES)


def read_verified(path: Path, name: str) -> bytes:
    """The decompressed bytes of ``path`` (Fashion-MNIST file ``name``), checked by MD5."""
    how_to_fix = (
        f"Delete {path} (or replace it with a fresh copy of {name}.gz) and run again; "
        "a missing file is downloaded into the cache."
    )
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise CorruptFileError(
                f"Fashion-MNIST file {path} is not a complete gzip file ({exc}). {how_to_fix}"
            ) from exc
    digest = hashlib.md5(raw).hexdigest()
    if digest != FILES[name]:
        raise CorruptFileError(
            f"Fashion-MNIST file {path} is truncated or altered: the MD5 of its content is "
            f"{digest}, expected {FILES[name]} ({len(raw):,} bytes read). {how_to_fix}"
        )
    return raw


def _fetch_with_torchvision(directory: Path) -> Path:
    """Download the four .gz files with torchvision into ``directory``; return where they are."""
    from torchvision.datasets import FashionMNIST

    FashionMNIST(str(directory), train=True, download=True)
    FashionMNIST(str(directory), train=False, download=True)
    return directory / "FashionMNIST" / "raw"


def _download(dest: Path) -> None:
    """Download into a scratch directory next to ``dest``, verify, then move each file in.

    Only verified, complete files ever reach ``dest`` (each by an atomic rename), so a download
    cut off midway leaves nothing there that a later run would trust.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for stale in dest.glob(".download-*"):  # left by a run that was killed mid-download
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as scratch:
        fetched = _fetch_with_torchvision(Path(scratch))
        staged = {}
        for name in FILES:
            path = _file_in(fetched, name)
            if path is None:
                raise CorruptFileError(f"the download did not produce {name}")
            staged[name] = path
            read_verified(path, name)
        for path in staged.values():
            os.replace(path, dest / path.name)


def find_data_dir(root=None, download: bool = True) -> Path:
    """The first directory on :func:`search_path` with all four files, downloading if none has."""
    places = search_path(root)
    for _, directory in places:
        if _has_all_files(directory):
            return directory
    error = None
    if download:
        try:
            _download(cache_dir())
            return cache_dir()
        except Exception as exc:  # no network, server error, disk full, bad download...
            error = exc
    searched = "\n".join(f"  - {directory} ({why})" for why, directory in places)
    names = ", ".join(f"{name}[.gz]" for name in FILES)
    tried = f"the download through torchvision failed: {error}" if download else "no download"
    raise DatasetNotFoundError(
        f"Fashion-MNIST not found. Looked for {names} in:\n{searched}\nand {tried}.\n"
        "To fix: on Debian/Ubuntu `apt-get install dataset-fashion-mnist`; or put the four files "
        "in a directory and pass root=... or set CNNBOOK_DATA; or connect to the internet so "
        "torchvision can download them into the cache."
    ) from error


def parse_idx(data: bytes) -> torch.Tensor:
    """An IDX file (magic 0x0000 08 nd, then nd big-endian sizes, then uint8 data) as a tensor."""
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return torch.frombuffer(bytearray(data[4 + 4 * ndim :]), dtype=torch.uint8).reshape(shape)


_DECODED: dict[Path, tuple[torch.Tensor, ...]] = {}


def read_fashion_mnist(root=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(train_images, train_labels, test_images, test_labels)`` as tensors, decoded once.

    Images are uint8 ``(60000, 28, 28)`` and ``(10000, 28, 28)``; labels are int64 in 0..9.
    The result is kept in memory: a second call with the same files costs nothing.
    """
    directory = find_data_dir(root).resolve()
    if directory not in _DECODED:
        arrays = []
        for name in FILES:
            array = parse_idx(read_verified(_file_in(directory, name), name))
            arrays.append(array.long() if "labels" in name else array)
        train_images, train_labels, test_images, test_labels = arrays
        _DECODED[directory] = (train_images, train_labels, test_images, test_labels)
    return _DECODED[directory]


def _check_batch_size(batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise TypeError(f"batch_size must be an int, got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    return batch_size


def _check_resize(resize) -> tuple[int, int] | None:
    if resize is None:
        return None
    pair = (resize, resize) if isinstance(resize, int) else resize
    ok = (
        isinstance(pair, (tuple, list))
        and len(pair) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in pair)
    )
    if not ok:
        raise ValueError(
            f"resize must be None, a positive int or a pair of positive ints (h, w), got {resize!r}"
        )
    return (pair[0], pair[1])


class Batches:
    """A reusable iterable of ``(X, y)`` batches sliced from images held in memory.

    ``images``: uint8 ``(N, H, W)``; ``labels``: int64 ``(N,)``. Each pass yields ``X`` float32
    ``(B, 1, h, w)`` in [0, 1] and ``y`` int64 ``(B,)``; the last batch may be smaller.
    With ``shuffle=True`` every pass draws a new order from a generator seeded once with ``seed``,
    so epoch 1, 2, 3, ... differ from each other and are the same from run to run.
    Resizing (bilinear) is applied to whole batches.
    """

    def __init__(self, images, labels, batch_size, shuffle=False, resize=None, seed=0, device=None):
        self.batch_size = _check_batch_size(batch_size)
        self.resize = _check_resize(resize)
        if images.dim() != 3 or images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"images must be (N, H, W) with N = len(labels), got {tuple(images.shape)} "
                f"and labels {tuple(labels.shape)}"
            )
        self.device = torch.device(device) if device is not None else images.device
        self.images = images.to(self.device)
        self.labels = labels.to(self.device)
        self.shuffle = shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return math.ceil(len(self.labels) / self.batch_size)

    def __iter__(self):
        n, size = len(self.labels), self.batch_size
        order = (
            torch.randperm(n, generator=self.generator).to(self.device) if self.shuffle else None
        )
        for start in range(0, n, size):
            index = order[start : start + size] if order is not None else slice(start, start + size)
            X = self.images[index].unsqueeze(1).float().div_(255)
            if self.resize is not None and tuple(X.shape[-2:]) != self.resize:
                shrinking = self.resize[0] < X.shape[-2] or self.resize[1] < X.shape[-1]
                X = F.interpolate(X, size=self.resize, mode="bilinear", antialias=shrinking)
                X = X.clamp_(0.0, 1.0)
            yield X, self.labels[index]

    def __repr__(self) -> str:
        h, w = self.resize or tuple(self.images.shape[-2:])
        return (
            f"Batches({len(self.labels):,} examples, {len(self)} batches of {self.batch_size}, "
            f"X (B, 1, {h}, {w}), shuffle={self.shuffle})"
        )


def load_fashion_mnist(batch_size, resize=None, root=None, *, seed=0, device=None, num_train=None):
    """``(train_iter, test_iter)`` over Fashion-MNIST; see :class:`Batches`.

    ``resize``: an int or ``(h, w)`` pair, giving ``X`` of shape ``(B, 1, h, w)``.
    ``device``: keep the whole dataset (47 MB as uint8) on that device, so batches are cut there.
    The training order is reshuffled every epoch from a generator seeded with ``seed``;
    the test order is fixed. ``num_train``: train on a random subset of that many examples
    (drawn with ``seed``) instead of all 60,000, for budgets that cannot afford a full epoch.
    """
    _check_batch_size(batch_size)
    _check_resize(resize)
    train_images, train_labels, test_images, test_labels = read_fashion_mnist(root)
    if num_train is not None:
        n = len(train_labels)
        if isinstance(num_train, bool) or not isinstance(num_train, int) or not 1 <= num_train <= n:
            raise ValueError(f"num_train must be None or an int in 1..{n}, got {num_train!r}")
        subset = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:num_train]
        train_images, train_labels = train_images[subset], train_labels[subset]
    train_iter = Batches(train_images, train_labels, batch_size, True, resize, seed, device)
    test_iter = Batches(test_images, test_labels, batch_size, False, resize, seed, device)
    return train_iter, test_iter


def text_labels(indices) -> list[str]:
    """Class names for label indices (an int, a sequence of ints or a tensor)."""
    if isinstance(indices, torch.Tensor):
        indices = indices.reshape(-1).tolist()
    elif isinstance(indices, int):
        indices = [indices]
    names = []
    for i in indices:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(CLASSES):
            raise ValueError(f"indices must be class numbers 0..{len(CLASSES) - 1}, got {i!r}")
        names.append(CLASSES[i])
    return names


def torchvision_loader(batch_size, train=True, num_workers=0, root=None):
    """The usual pipeline, for comparison: ``torchvision.datasets.FashionMNIST`` + ``ToTensor``
    + ``DataLoader`` (shuffled when ``train``), reading the same verified files.

    torchvision wants the decompressed files in ``<dir>/FashionMNIST/raw``; they are written there
    (under the cache directory) once, from the verified source.
    """
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    _check_batch_size(batch_size)
    source = find_data_dir(root)
    base = cache_dir() / "torchvision"
    raw = base / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        target = raw / name
        if not (target.is_file() and hashlib.md5(target.read_bytes()).hexdigest() == FILES[name]):
            data = read_verified(_file_in(source, name), name)
            partial = raw / f".{name}.partial"
            partial.write_bytes(data)
            os.replace(partial, target)
    dataset = datasets.FashionMNIST(str(base), train=train, transform=transforms.ToTensor())
    return DataLoader(dataset, batch_size, shuffle=train, num_workers=num_workers)
