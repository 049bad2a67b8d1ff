import gzip
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from cnnbook import data  # noqa: E402


@pytest.fixture(scope="session")
def fashion_dir() -> Path:
    """A directory holding the four verified files (found the way the book finds them)."""
    try:
        return data.find_data_dir(download=False)
    except data.DatasetNotFoundError as exc:
        pytest.fail(f"the tests need Fashion-MNIST on disk: {exc}")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No data anywhere: empty cache, no $CNNBOOK_DATA, no Debian directory, nothing decoded."""
    monkeypatch.delenv("CNNBOOK_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian-package")
    monkeypatch.setattr(data, "_DECODED", {})
    return tmp_path


@pytest.fixture
def copy_of_files(fashion_dir, tmp_path) -> Path:
    """The four files as gzip in a fresh directory the test may damage."""
    target = tmp_path / "copy"
    target.mkdir()
    for name in data.FILES:
        source = data._file_in(fashion_dir, name)
        if source.suffix == ".gz":
            shutil.copy(source, target / source.name)
        else:
            (target / f"{name}.gz").write_bytes(gzip.compress(source.read_bytes()))
    return target
