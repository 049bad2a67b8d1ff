"""Fashion-MNIST's four files: where they are found, how they are checked, how they are fetched.

    find_data_dir()                        # the directory holding the files (downloads if needed)
    find_data_dir(split="test")            # only the two test files are needed (and fetched)
    read_verified(path, name)              # the decompressed bytes, checked by MD5

The files are looked for in this order: the ``root`` argument, ``$CNNBOOK_DATA``, the user cache
directory, ``/usr/share/datasets/fashion-mnist`` (Debian's package ``dataset-fashion-mnist``), and
finally downloaded into the cache directory from the mirror torchvision uses, one line printed
per file.

- An explicit ``root`` is final: if it does not hold the files, :class:`DatasetNotFoundError`
  names ``root`` and the missing files, and no other copy is used in its place.
- A place that cannot be looked into (no permission, a name too long for the file system, ...) is
  skipped with a warning that names it and why; so is a ``$CNNBOOK_DATA`` that lacks a file.
- Each file may be gzipped or not, whatever its name says: gzip is recognised by its first two
  bytes (``1f 8b``). Its *decompressed* content is checked against the published MD5, so every
  source passes the same check (Debian re-gzips the files, so their ``.gz`` MD5s differ).
- A download goes to a scratch directory inside the cache and each verified file is moved in by an
  atomic rename: nothing half-written is ever trusted. A lock file next to the cache lets one
  process download at a time; the others wait, then use its files.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import stat
import tempfile
import time
import urllib.request
import warnings
import zlib
from pathlib import Path

from . import args

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
SPLITS = {  # the files each part of the dataset needs: images, then labels
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
GZIP_MAGIC = b"\x1f\x8b"
SCRATCH_PREFIX = ".download-"
STALE_SCRATCH_S = 24 * 3600  # without a lock, a scratch dir this old is from a dead download


class DatasetNotFoundError(FileNotFoundError):
    """None of the places searched holds the Fashion-MNIST files, or ``root`` lacks one."""


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


def as_root(root) -> Path | None:
    if root is None:
        return None
    try:
        return Path(root)
    except TypeError:
        raise TypeError(f"root must be None, a str or a path, got {root!r}") from None


def files_of(split: str | None) -> tuple[str, ...]:
    """The names of the files ``split`` needs: ``"train"``, ``"test"``, or None for all four."""
    if split is None:
        return tuple(FILES)
    return SPLITS[args.choice("split", split, (None, *SPLITS))]


def search_path(root=None) -> list[tuple[str, Path]]:
    """The places searched for the files, in order, each as ``(why, directory)``."""
    places = []
    root = as_root(root)
    if root is not None:
        places.append(("root argument", root))
    if os.environ.get("CNNBOOK_DATA"):
        places.append(("$CNNBOOK_DATA", Path(os.environ["CNNBOOK_DATA"])))
    places.append(("user cache", cache_dir()))
    places.append(("Debian package dataset-fashion-mnist", DEBIAN_DIR))
    return places


def file_in(directory: Path, name: str) -> Path | None:
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


def missing_files(directory: Path, names=tuple(FILES)) -> list[str]:
    """The ``names`` that ``directory`` lacks; ``OSError`` if it cannot be read."""
    return [name for name in names if file_in(directory, name) is None]


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


def mirrors() -> list[str]:
    """Where Fashion-MNIST is downloaded from: the mirrors torchvision's ``FashionMNIST`` uses."""
    from torchvision.datasets import FashionMNIST

    return [url.rstrip("/") + "/" for url in FashionMNIST.mirrors]


def fetch(directory: Path, names, shown: Path) -> None:
    """Download ``<name>.gz`` for each of ``names`` into ``directory``, trying each mirror in
    turn, and print one line per file: its name, its size and ``shown`` (where it will be kept).
    """
    for name in names:
        errors = []
        for mirror in mirrors():
            url = f"{mirror}{name}.gz"
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    content = response.read()
            except OSError as exc:  # URLError, HTTPError and socket timeouts are OSErrors
                errors.append(f"{url}: {exc}")
                continue
            (directory / f"{name}.gz").write_bytes(content)
            print(f"Fashion-MNIST: downloaded {name}.gz ({len(content) / 1e6:.1f} MB) into "
                  f"{short_path(shown)}", flush=True)  # fmt: skip
            break
        else:
            raise OSError(f"cannot download {name}.gz: " + "; ".join(errors))


@contextlib.contextmanager
def download_lock(dest: Path):
    """Hold an exclusive lock on ``<dest>.lock`` (a file next to ``dest``); yield whether locked.

    The lock is released when the file is closed, also when the process dies.
    """
    with open(dest.parent / f"{dest.name}.lock", "a") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield fcntl is not None


def remove_stale_scratch(dest: Path, locked: bool) -> None:
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


def download_into(dest: Path, names=tuple(FILES)) -> None:
    """Download the missing ``names`` into a scratch directory inside ``dest``, verify, then move
    each file in.

    Only verified, complete files ever reach ``dest`` (each by an atomic rename), so a download
    cut off midway leaves nothing there that a later run would trust. One process downloads at a
    time; one that waited for the lock finds the files there and returns.
    """
    dest.mkdir(parents=True, exist_ok=True)
    with download_lock(dest) as locked:
        names = missing_files(dest, names)
        if not names:
            return
        remove_stale_scratch(dest, locked)
        with tempfile.TemporaryDirectory(dir=dest, prefix=SCRATCH_PREFIX) as scratch:
            scratch = Path(scratch)
            fetch(scratch, names, dest)
            for name in names:
                path = file_in(scratch, name)
                if path is None:
                    raise CorruptFileError(f"the download did not produce {name}")
                read_verified(path, name)
            for name in names:
                path = file_in(scratch, name)
                os.replace(path, dest / path.name)


def lacking(directory: Path, names) -> str | None:
    """None if ``directory`` holds ``names``; else what stands in the way, in words: ``"cannot
    be read (...)"`` or ``"lacks a[.gz], b[.gz]"``."""
    try:
        missing = missing_files(directory, names)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return "lacks " + ", ".join(f"{name}[.gz]" for name in missing) if missing else None


def root_dir(root: Path, names) -> Path:
    """``root`` if it holds ``names``; else :class:`DatasetNotFoundError` saying what it lacks."""
    problem = lacking(root, names)
    if problem is None:
        return root
    raise DatasetNotFoundError(
        f"root={str(root)!r} {problem}. An explicit root must hold the Fashion-MNIST files; pass "
        "the directory that holds them, or root=None to search $CNNBOOK_DATA, the cache and "
        "Debian's package (and download if none has them)."
    )


def find_data_dir(root=None, download: bool = True, split: str | None = None) -> Path:
    """The directory holding the files of ``split`` (``"train"``, ``"test"``; None: all four).

    With ``root``: ``root`` itself, or :class:`DatasetNotFoundError` naming ``root`` and the files
    it lacks; no other place is used instead. Without: the first place on :func:`search_path`
    with the files, downloading them into :func:`cache_dir` if none has them (and
    ``download``). A place that cannot be read, or a ``$CNNBOOK_DATA`` lacking a file, is
    skipped with a warning.
    """
    names = files_of(split)
    root = as_root(root)
    if root is not None:
        return root_dir(root, names)
    searched = []
    for why, directory in search_path():
        reason = lacking(directory, names)
        if reason is None:
            return directory
        if reason.startswith("lacks") and why != "$CNNBOOK_DATA":
            reason = ""  # an empty cache or no Debian package: expected, not worth a warning
        if reason:
            warnings.warn(
                f"Fashion-MNIST: skipping {directory} ({why}): it {reason}.", stacklevel=2
            )
        searched.append(f"  - {directory} ({why}{': ' + reason if reason else ''})")
    error = None
    if download:
        try:
            download_into(cache_dir(), names)
            return cache_dir()
        except Exception as exc:  # no network, server error, disk full, bad download...
            error = exc
    listed = ", ".join(f"{name}[.gz]" for name in names)
    tried = f"the download failed: {error}" if download else "no download"
    raise DatasetNotFoundError(
        f"Fashion-MNIST not found. Looked for {listed} in:\n" + "\n".join(searched) + "\n"
        f"and {tried}.\n"
        "To fix: on Debian/Ubuntu `apt-get install dataset-fashion-mnist`; or put the files "
        "in a directory and pass root=... or set CNNBOOK_DATA; or connect to the internet so "
        "they can be downloaded into the cache."
    ) from error
