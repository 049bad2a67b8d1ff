"""Keep the chapters' notebooks in shape.

    python tools/notebooks.py execute chapters/*.ipynb    # re-run in a fresh kernel, save
    python tools/notebooks.py bootstrap chapters/*.ipynb  # Colab cell from _config.yml

Executing a notebook first rewrites its Colab bootstrap cell from ``_config.yml``, then runs every
cell in a fresh kernel (working directory ``chapters/``), then strips what differs from machine to
machine (cell ids stay, execution timestamps and widget state go).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP_MARK = "# Colab set-up"
KEEP_CELL_METADATA = {"tags"}


def repository(config_path: Path = ROOT / "_config.yml") -> tuple[str, str]:
    """The repository URL and branch, as written once in ``_config.yml``."""
    repo = yaml.safe_load(config_path.read_text())["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def bootstrap_source(url: str, branch: str) -> str:
    """The first code cell of every chapter."""
    return (
        f"{BOOTSTRAP_MARK}: in Google Colab, install the course package `cnnbook` from the\n"
        "# book's repository (Colab's own torch and torchvision are kept). Elsewhere: nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install -q "cnnbook @ git+{url}@{branch}"'
    )


def set_bootstrap(nb, source: str) -> None:
    """Make the first code cell the Colab bootstrap (after the title), with ``source``."""
    index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    if index < len(nb.cells) and nb.cells[index].source.startswith(BOOTSTRAP_MARK):
        nb.cells[index].source = source
    else:
        nb.cells.insert(index, nbformat.v4.new_code_cell(source))


def clean(nb) -> None:
    """Drop metadata that changes from run to run or machine to machine."""
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEEP_CELL_METADATA}


def execute(path: Path, timeout: int = 1800) -> float:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    set_bootstrap(nb, bootstrap_source(*repository()))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.execute()
    clean(nb)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["execute", "bootstrap"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if args.command == "execute":
            print(f"executing {path} ...", flush=True)
            print(f"  done in {execute(path):.0f} s", flush=True)
        else:
            nb = nbformat.read(path, as_version=4)
            set_bootstrap(nb, bootstrap_source(*repository()))
            clean(nb)
            nbformat.write(nb, path)
            print(f"bootstrap cell of {path} follows _config.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
