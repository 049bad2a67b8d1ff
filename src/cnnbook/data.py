"""Fashion-MNIST, decoded once into memory and served in batches.

    train_iter, test_iter = load_fashion_mnist(256)
    for X, y in train_iter:  # X: (B, 1, 28, 28) float32 in [0, 1], y: (B,) int64
        ...
    images, labels = read_split("test")   # uint8 (10000, 28, 28), int64 (10000,)

The files are found, checked and, if need be, downloaded by :mod:`cnnbook.datafiles`; this
module decodes them (once per process: :func:`clear_cache` forgets them) and cuts them into
batches, resizing whole batches on the way.

Sizes. ``resize`` is at most :data:`MAX_RESIZE` (1024) pixels per side, and one batch at most
:data:`MAX_BATCH_BYTES` (4 GiB) of float32: anything larger is refused before memory is allocated.
AlexNet and VGG use 224.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from pathlib import Path

import torch
import torch.nn.functional as F

from . import args
from .datafiles import FILES, SPLITS, cache_dir, file_in, find_data_dir, read_verified

NUM_TRAIN = 60_000
NUM_TEST = 10_000
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
MAX_RESIZE = 1024  # pixels per side; AlexNet and VGG use 224
MAX_BATCH_BYTES = 4 * 2**30  # one float32 batch (B, 1, h, w)


def parse_idx(data: bytes) -> torch.Tensor:
    """An IDX file (magic 0x0000 08 nd, then nd big-endian sizes, then uint8 data) as a tensor."""
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return torch.frombuffer(bytearray(data[4 + 4 * ndim :]), dtype=torch.uint8).reshape(shape)


_DECODED: dict[tuple[Path, str], tuple[torch.Tensor, torch.Tensor]] = {}


def clear_cache() -> None:
    """Forget every decoded file: the next read decodes them again, as a new process would."""
    _DECODED.clear()


def read_split(split: str, root=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images, labels)`` of ``split``, ``"train"`` or ``"test"``, decoded once per process.

    Images are uint8 ``(60000, 28, 28)`` or ``(10000, 28, 28)``; labels are int64 in 0..9. Only
    the split's two files are needed (and downloaded if missing). ``root``: as in
    :func:`cnnbook.datafiles.find_data_dir` (an explicit ``root`` must hold the files).
    """
    args.choice("split", split, tuple(SPLITS))
    directory = find_data_dir(root, split=split).resolve()
    if (directory, split) not in _DECODED:
        images, labels = (parse_idx(read_verified(file_in(directory, name), name))
                          for name in SPLITS[split])  # fmt: skip
        _DECODED[directory, split] = (images, labels.long())
    return _DECODED[directory, split]


def read_fashion_mnist(root=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(train_images, train_labels, test_images, test_labels)``: :func:`read_split` of both."""
    if root is not None:
        find_data_dir(root)  # an explicit root lacking files: name them all at once
    return (*read_split("train", root), *read_split("test", root))


def as_resize(resize) -> tuple[int, int] | None:
    """``None`` or ``(h, w)``; an int ``s`` means ``(s, s)``. Each side in 1..MAX_RESIZE."""
    if resize is None:
        return None
    pair = (resize, resize) if isinstance(resize, int) else resize
    if isinstance(resize, bool) or not (
        isinstance(pair, (tuple, list))
        and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
    ):
        raise TypeError(f"resize must be None, an int or a pair of ints (h, w), got {resize!r}")
    if len(pair) != 2 or not all(1 <= v <= MAX_RESIZE for v in pair):
        raise ValueError(
            f"resize must be a size or an (h, w) pair of sizes in 1..{MAX_RESIZE} pixels "
            f"(this module's limit; AlexNet and VGG use 224), got {resize!r}"
        )
    return (pair[0], pair[1])


def limit_batch_bytes(batch_size: int, size: tuple[int, int], n: int, resize) -> None:
    """Refuse batches ``(min(batch_size, n), 1, h, w)`` float32 over :data:`MAX_BATCH_BYTES`."""
    b, (h, w) = min(batch_size, n), size
    nbytes = b * h * w * 4
    if nbytes > MAX_BATCH_BYTES:
        raise ValueError(
            f"resize={resize!r} with batch_size={batch_size} makes batches of {nbytes / 2**30:.1f} "
            f"GiB (({b}, 1, {h}, {w}) float32), over the limit of {MAX_BATCH_BYTES // 2**30} GiB: "
            "use a smaller resize or batch_size"
        )


class Batches:
    """A reusable iterable of ``(X, y)`` batches sliced from images held in memory.

    ``images``: uint8 ``(N, H, W)``; ``labels``: int64 ``(N,)``. Each pass yields ``X`` float32
    ``(B, 1, h, w)`` in [0, 1] and ``y`` int64 ``(B,)``; the last batch may be smaller.
    With ``shuffle=True`` every pass draws a new order from a generator seeded once with ``seed``,
    so epoch 1, 2, 3, ... differ from each other and are the same from run to run.
    Resizing (bilinear) is applied to whole batches; ``resize`` is at most :data:`MAX_RESIZE` per
    side and one batch at most :data:`MAX_BATCH_BYTES`.
    """

    def __init__(self, images, labels, batch_size, shuffle=False, resize=None, seed=0, device=None):
        if not isinstance(images, torch.Tensor) or not isinstance(labels, torch.Tensor):
            raise TypeError(
                f"images and labels must be tensors, got {type(images).__name__} and "
                f"{type(labels).__name__}"
            )
        if images.dim() != 3 or labels.dim() != 1 or images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"images must be (N, H, W) and labels (N,) with the same N, got images "
                f"{tuple(images.shape)} and labels {tuple(labels.shape)}"
            )
        args.flag("shuffle", shuffle)
        self.batch_size = args.integer("batch_size", batch_size, 1)
        self.resize = as_resize(resize)
        size = self.resize or tuple(images.shape[-2:])
        limit_batch_bytes(self.batch_size, size, max(len(labels), 1), resize)
        seed = args.integer("seed", seed, 0, 2**64 - 1)
        self.device = args.device("device", device) or images.device
        self.images = images.to(self.device)
        self.labels = labels.to(self.device)
        self.shuffle = shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return math.ceil(len(self.labels) / self.batch_size)

    @property
    def last_batch_size(self) -> int:
        """How many examples the last batch of a pass holds (``batch_size`` or fewer)."""
        return len(self.labels) - (len(self) - 1) * self.batch_size

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


def load_fashion_mnist(batch_size, resize=None, root=None, *, seed=0, device=None, num_train=None,
                       num_test=None):  # fmt: skip
    """``(train_iter, test_iter)`` over Fashion-MNIST; see :class:`Batches`.

    ``resize``: an int or ``(h, w)`` pair, giving ``X`` of shape ``(B, 1, h, w)``; at most
    :data:`MAX_RESIZE` (1024) per side and :data:`MAX_BATCH_BYTES` (4 GiB) per batch.
    ``root``: a directory that must hold the four files (else :class:`DatasetNotFoundError` naming
    it and the missing files); ``None`` searches as :func:`find_data_dir` says.
    ``device``: keep the whole dataset (55 MB as uint8) on that device, so batches are cut there.
    The training order is reshuffled every epoch from a generator seeded with ``seed``;
    the test order is fixed. ``num_train``: train on a random subset of that many examples
    (drawn with ``seed``) instead of all 60,000, for budgets that cannot afford a full epoch.
    ``num_test``: test on the first that many of the 10,000 test examples (the smoke budget's
    quick look; every other budget tests on all of them).
    Every argument is checked before any file is read: ``TypeError`` for a wrong type,
    ``ValueError`` for a wrong value.
    """
    args.integer("batch_size", batch_size, 1)
    size = as_resize(resize) or (28, 28)
    args.integer("seed", seed, 0, 2**64 - 1)
    device = args.device("device", device)
    if num_train is not None:
        args.integer("num_train", num_train, 1, NUM_TRAIN)
    if num_test is not None:
        args.integer("num_test", num_test, 1, NUM_TEST)
    limit_batch_bytes(batch_size, size, num_train or NUM_TRAIN, resize)
    train_images, train_labels, test_images, test_labels = read_fashion_mnist(root)
    if num_train is not None:
        generator = torch.Generator().manual_seed(seed)
        subset = torch.randperm(len(train_labels), generator=generator)[:num_train]
        train_images, train_labels = train_images[subset], train_labels[subset]
    if num_test is not None:
        test_images, test_labels = test_images[:num_test], test_labels[:num_test]
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

    args.integer("batch_size", batch_size, 1)
    source = find_data_dir(root)
    base = cache_dir() / "torchvision"
    raw = base / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        target = raw / name
        if not (target.is_file() and hashlib.md5(target.read_bytes()).hexdigest() == FILES[name]):
            data = read_verified(file_in(source, name), name)
            with tempfile.NamedTemporaryFile(dir=raw, prefix=f".{name}.", delete=False) as partial:
                partial.write(data)  # a unique name: concurrent runs do not clash
            os.replace(partial.name, target)
    dataset = datasets.FashionMNIST(str(base), train=train, transform=transforms.ToTensor())
    return DataLoader(dataset, batch_size, shuffle=train, num_workers=num_workers)
