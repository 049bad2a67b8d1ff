"""Shared fixtures. No test writes to the real home directory: every session gets its own cache."""

import gzip
import os
from pathlib import Path

import pytest
import torch

from cnnbook import data, datafiles

# Where the book would find its files outside the tests; read (never written) by `fashion_dir`.
REAL_CACHE = datafiles.cache_dir()


def pytest_configure(config):
    """Under ``pytest -n N`` (make unit) each of the N workers computes on one
    thread, and so do the kernels and processes it starts ($OMP_NUM_THREADS): N workers share N
    cores instead of each spreading over all of them, where PyTorch's threads would spend their
    time waiting for each other."""
    if hasattr(config, "workerinput"):  # an xdist worker
        os.environ["OMP_NUM_THREADS"] = "1"
        torch.set_num_threads(1)


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory) -> Path:
    """``$XDG_CACHE_HOME`` (and so the cache that would otherwise derive from ``$HOME``) points to
    a directory of this session, for the tests and every process they start."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        yield cache


@pytest.fixture(scope="session")
def fashion_dir(session_cache) -> Path:
    """A directory holding the four verified files, found the way the book finds them
    ($CNNBOOK_DATA, Debian's package), or else the user's own cache, which is only read."""
    try:
        return datafiles.find_data_dir(download=False)
    except datafiles.DatasetNotFoundError as exc:
        if REAL_CACHE.is_dir() and not datafiles.missing_files(REAL_CACHE):
            return REAL_CACHE
        pytest.fail(f"the tests need Fashion-MNIST on disk: {exc}")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No data anywhere: empty cache, no $CNNBOOK_DATA, no Debian directory, nothing decoded."""
    monkeypatch.delenv("CNNBOOK_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(datafiles, "DEBIAN_DIR", tmp_path / "no-debian-package")
    monkeypatch.setattr(data, "_DECODED", {})
    return tmp_path


@pytest.fixture
def copy_of_files(fashion_dir, tmp_path) -> Path:
    """The four files as gzip in a fresh directory the test may damage."""
    target = tmp_path / "copy"
    target.mkdir()
    for name in datafiles.FILES:
        content = datafiles.file_in(fashion_dir, name).read_bytes()
        if content[:2] != datafiles.GZIP_MAGIC:
            content = gzip.compress(content)
        (target / f"{name}.gz").write_bytes(content)
    return target


@pytest.fixture(scope="module")
def one_thread():
    """PyTorch on one thread for a module of tiny-tensor tests (on a busy machine its threads
    would only wait for each other); a module asks for it with
    ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
