"""Fashion-MNIST, decoded once into memory and served in batches.

    train_iter, test_iter = load_fashion_mnist(256)
    for X, y in train_iter:  # X: (B, 1, 28, 28) float32 in [0, 1], y: (B,) int64
        ...

Where the files come from. The four original files are looked for in this order: the ``root``
argument, ``$CNNBOOK_DATA``, the user cache directory, ``/usr/share/datasets/fashion-mnist``
(Debian's package ``dataset-fashion-mnist``), and finally downloaded through torchvision into the
cache directory.

- An explicit ``root`` is final: if it does not hold the four files, :class:`DatasetNotFoundError`
  names ``root`` and the missing files, and no other copy is used in its place (an explicit
  argument that is wrong is an error, not a hint).
- A place that cannot be looked into (no permission, a name too long for the file system, ...) is
  skipped with a warning that names it and why; so is a ``$CNNBOOK_DATA`` that lacks a file.
- Each file may be gzipped or not, whatever its name says: gzip is recognised by its first two
  bytes (``1f 8b``). Its *decompressed* content is checked against the published MD5, so every
  source passes the same check.
- A download goes to a scratch directory inside the cache and each verified file is moved in by an
  atomic rename. A lock file next to the cache lets one process download at a time; the others
  wait, then use its files.

Sizes. ``resize`` is at most :data:`MAX_RESIZE` (1024) pixels per side, and one batch at most
:data:`MAX_BATCH_BYTES` (4 GiB) of float32: anything larger is refused before memory is allocated.
AlexNet and VGG use 224.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import math
import os
import shutil
import stat
import tempfile
import time
import warnings
import zlib
from pathlib import Path

import torch
import torch.nn.functional as F

try:
    import fcntl
except ImportError:  # Windows: no lock; concurrent downloads then use separate scratch dirs
    fcntl = None

# MD5 of the decompressed files (the .gz MD5s differ between sources: Debian re-gzips them).
FILES = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
NUM_TRAIN = 60_000
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
GZIP_MAGIC = b"\x1f\x8b"
MAX_RESIZE = 1024  # pixels per side; AlexNet and VGG use 224
MAX_BATCH_BYTES = 4 * 2**30  # one float32 batch (B, 1, h, w)
SCRATCH_PREFIX = ".download-"
STALE_SCRATCH_S = 24 * 3600  # without a lock, a scratch dir this old is from a dead download


class DatasetNotFoundError(FileNotFoundError):
    """None of the places searched holds the four Fashion-MNIST files, or ``root`` lacks one."""


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


def _check_root(root) -> Path | None:
    if root is None:
        return None
    try:
        return Path(root)
    except TypeError:
        raise TypeError(f"root must be None, a str or a path, got {root!r}") from None


def search_path(root=None) -> list[tuple[str, Path]]:
    """The places searched for the files, in order, each as ``(why, directory)``."""
    places = []
    root = _check_root(root)
    if root is not None:
        places.append(("root argument", root))
    if os.environ.get("CNNBOOK_DATA"):
        places.append(("$CNNBOOK_DATA", Path(os.environ["CNNBOOK_DATA"])))
    places.append(("user cache", cache_dir()))
    places.append(("Debian package dataset-fashion-mnist", DEBIAN_DIR))
    return places


def _file_in(directory: Path, name: str) -> Path | None:
    """``directory/name`` or else ``directory/name.gz``, if it is a readable file.

    Raises ``OSError`` when ``directory`` cannot be looked into (no permission, name too long...).
    """
    for candidate in (directory / name, directory / (name + ".gz")):
        try:
            mode = candidate.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        if stat.S_ISREG(mode):
            if not os.access(candidate, os.R_OK):
                raise PermissionError(f"{candidate} is not readable")
            return candidate
    return None


def _missing_files(directory: Path) -> list[str]:
    """The names in :data:`FILES` that ``directory`` lacks; ``OSError`` if it cannot be read."""
    return [name for name in FILES if _file_in(directory, name) is None]


def read_verified(path: Path, name: str) -> bytes:
    """The decompressed bytes of ``path`` (Fashion-MNIST file ``name``), checked by MD5.

    gzip is recognised by the content's first two bytes (``1f 8b``), not by the ``.gz`` suffix.
    """
    how_to_fix = (
        f"Delete {path} (or replace it with a fresh copy of {name}.gz) and run again; "
        "a missing file is downloaded into the cache."
    )
    raw = path.read_bytes()
    gzipped = raw[:2] == GZIP_MAGIC
    if gzipped:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise CorruptFileError(
                f"Fashion-MNIST file {path} is not a complete gzip file ({exc}). {how_to_fix}"
            ) from exc
    digest = hashlib.md5(raw).hexdigest()
    if digest != FILES[name]:
        not_gzip = (
            "Its name ends in .gz but its content is not gzip (it does not start with 1f 8b). "
            if path.suffix == ".gz" and not gzipped
            else ""
        )
        raise CorruptFileError(
            f"Fashion-MNIST file {path} is truncated or altered: the MD5 of its content is "
            f"{digest}, expected {FILES[name]} ({len(raw):,} bytes read). {not_gzip}{how_to_fix}"
        )
    return raw


def _fetch_with_torchvision(directory: Path) -> Path:
    """Download the four .gz files with torchvision into ``directory``; return where they are."""
    from torchvision.datasets import FashionMNIST

    FashionMNIST(str(directory), train=True, download=True)
    FashionMNIST(str(directory), train=False, download=True)
    return directory / "FashionMNIST" / "raw"


@contextlib.contextmanager
def _download_lock(dest: Path):
    """Hold an exclusive lock on ``<dest>.lock`` (a file next to ``dest``); yield whether locked.

    The lock is released when the file is closed, also when the process dies.
    """
    with open(dest.parent / f"{dest.name}.lock", "a") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield fcntl is not None


def _remove_stale_scratch(dest: Path, locked: bool) -> None:
    """Remove scratch dirs left by downloads that were killed.

    Under the lock no other download is running, so every scratch dir is stale; without a lock
    only those older than :data:`STALE_SCRATCH_S` are, so a concurrent download keeps its own.
    """
    for scratch in dest.glob(SCRATCH_PREFIX + "*"):
        try:
            stale = locked or time.time() - scratch.stat().st_mtime > STALE_SCRATCH_S
        except FileNotFoundError:  # removed meanwhile by its own process
            continue
        if stale:
            shutil.rmtree(scratch, ignore_errors=True)


def _download(dest: Path) -> None:
    """Download into a scratch directory inside ``dest``, verify, then move each file in.

    Only verified, complete files ever reach ``dest`` (each by an atomic rename), so a download
    cut off midway leaves nothing there that a later run would trust. One process downloads at a
    time; one that waited for the lock finds the files there and returns.
    """
    dest.mkdir(parents=True, exist_ok=True)
    with _download_lock(dest) as locked:
        if not _missing_files(dest):
            return
        _remove_stale_scratch(dest, locked)
        with tempfile.TemporaryDirectory(dir=dest, prefix=SCRATCH_PREFIX) as scratch:
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


def _root_dir(root: Path) -> Path:
    """``root`` if it holds the four files; else :class:`DatasetNotFoundError` saying what lacks."""
    try:
        missing = _missing_files(root)
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
    else:
        if not missing:
            return root
        problem = "does not hold " + ", ".join(f"{name}[.gz]" for name in missing)
    raise DatasetNotFoundError(
        f"root={str(root)!r} {problem}. An explicit root must hold all four Fashion-MNIST files; "
        "pass the directory that holds them, or root=None to search $CNNBOOK_DATA, the cache and "
        "Debian's package (and download if none has them)."
    )


def find_data_dir(root=None, download: bool = True) -> Path:
    """The directory holding the four files.

    With ``root``: ``root`` itself, or :class:`DatasetNotFoundError` naming ``root`` and the files
    it lacks; no other place is used instead. Without: the first place on :func:`search_path`
    with all four files, downloading into :func:`cache_dir` if none has them (and ``download``).
    A place that cannot be read, or a ``$CNNBOOK_DATA`` lacking a file, is skipped with a warning.
    """
    root = _check_root(root)
    if root is not None:
        return _root_dir(root)
    places = search_path()
    searched = []
    for why, directory in places:
        try:
            missing = _missing_files(directory)
        except OSError as exc:
            reason = f"cannot be read ({exc.strerror or exc})"
        else:
            if not missing:
                return directory
            reason = "lacks " + ", ".join(missing) if why == "$CNNBOOK_DATA" else ""
        if reason:
            warnings.warn(
                f"Fashion-MNIST: skipping {directory} ({why}): it {reason}.", stacklevel=2
            )
        searched.append(f"  - {directory} ({why}{': ' + reason if reason else ''})")
    error = None
    if download:
        try:
            _download(cache_dir())
            return cache_dir()
        except Exception as exc:  # no network, server error, disk full, bad download...
            error = exc
    names = ", ".join(f"{name}[.gz]" for name in FILES)
    tried = f"the download through torchvision failed: {error}" if download else "no download"
    raise DatasetNotFoundError(
        f"Fashion-MNIST not found. Looked for {names} in:\n" + "\n".join(searched) + "\n"
        f"and {tried}.\n"
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
    ``root``: as in :func:`find_data_dir` (an explicit ``root`` must hold the files).
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


def _check_int(name: str, value, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    if value < low or (high is not None and value > high):
        expected = f"at least {low}" if high is None else f"in {low}..{high}"
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def _check_resize(resize) -> tuple[int, int] | None:
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


def _check_batch_bytes(batch_size: int, size: tuple[int, int], n: int, resize) -> None:
    """Refuse batches ``(min(batch_size, n), 1, h, w)`` float32 over :data:`MAX_BATCH_BYTES`."""
    b, (h, w) = min(batch_size, n), size
    nbytes = b * h * w * 4
    if nbytes > MAX_BATCH_BYTES:
        raise ValueError(
            f"resize={resize!r} with batch_size={batch_size} makes batches of {nbytes / 2**30:.1f} "
            f"GiB (({b}, 1, {h}, {w}) float32), over the limit of {MAX_BATCH_BYTES // 2**30} GiB: "
            "use a smaller resize or batch_size"
        )


def _check_device(device) -> torch.device | None:
    if device is None:
        return None
    if isinstance(device, bool) or not isinstance(device, (str, int, torch.device)):
        raise TypeError(f"device must be None, a str, an int or a torch.device, got {device!r}")
    try:
        checked = torch.device(device)
        torch.empty(0, device=checked)
    except (RuntimeError, AssertionError, ValueError) as exc:
        raise ValueError(f"device={device!r} cannot be used: {exc}") from exc
    return checked


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
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be a bool, got {shuffle!r}")
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.resize = _check_resize(resize)
        size = self.resize or tuple(images.shape[-2:])
        _check_batch_bytes(self.batch_size, size, max(len(labels), 1), resize)
        seed = _check_int("seed", seed, 0, 2**64 - 1)
        self.device = _check_device(device) or images.device
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

    ``resize``: an int or ``(h, w)`` pair, giving ``X`` of shape ``(B, 1, h, w)``; at most
    :data:`MAX_RESIZE` (1024) per side and :data:`MAX_BATCH_BYTES` (4 GiB) per batch.
    ``root``: a directory that must hold the four files (else :class:`DatasetNotFoundError` naming
    it and the missing files); ``None`` searches as :func:`find_data_dir` says.
    ``device``: keep the whole dataset (55 MB as uint8) on that device, so batches are cut there.
    The training order is reshuffled every epoch from a generator seeded with ``seed``;
    the test order is fixed. ``num_train``: train on a random subset of that many examples
    (drawn with ``seed``) instead of all 60,000, for budgets that cannot afford a full epoch.
    Every argument is checked before any file is read: ``TypeError`` for a wrong type,
    ``ValueError`` for a wrong value.
    """
    _check_int("batch_size", batch_size, 1)
    size = _check_resize(resize) or (28, 28)
    _check_int("seed", seed, 0, 2**64 - 1)
    _check_device(device)
    if num_train is not None:
        _check_int("num_train", num_train, 1, NUM_TRAIN)
    _check_batch_bytes(batch_size, size, num_train or NUM_TRAIN, resize)
    train_images, train_labels, test_images, test_labels = read_fashion_mnist(root)
    if num_train is not None:
        generator = torch.Generator().manual_seed(seed)
        subset = torch.randperm(len(train_labels), generator=generator)[:num_train]
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

    _check_int("batch_size", batch_size, 1)
    source = find_data_dir(root)
    base = cache_dir() / "torchvision"
    raw = base / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        target = raw / name
        if not (target.is_file() and hashlib.md5(target.read_bytes()).hexdigest() == FILES[name]):
            data = read_verified(_file_in(source, name), name)
            with tempfile.NamedTemporaryFile(dir=raw, prefix=f".{name}.", delete=False) as partial:
                partial.write(data)  # a unique name: concurrent runs do not clash
            os.replace(partial.name, target)
    dataset = datasets.FashionMNIST(str(base), train=train, transform=transforms.ToTensor())
    return DataLoader(dataset, batch_size, shuffle=train, num_workers=num_workers)
