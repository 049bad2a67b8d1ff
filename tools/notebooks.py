"""Keep the chapters' notebooks in shape.

    python tools/notebooks.py execute chapters/*.ipynb    # re-run in a fresh kernel, save
    python tools/notebooks.py bootstrap chapters/*.ipynb  # Colab cell from _config.yml

Executing a notebook first rewrites its Colab bootstrap cell from ``_config.yml``, then runs every
cell in a fresh kernel (working directory ``chapters/``), then strips what differs from machine to
machine (cell ids stay, execution timestamps and widget state go).

The bootstrap cell installs ``cnnbook`` from the repository at the ref (branch while developing,
release tag in a release) written in ``_config.yml``, inside Colab or wherever
``CNNBOOK_BOOTSTRAP=1``, and nothing else (Colab's torch stays). It runs pip quietly in a
subprocess and says one line: the version installed and from which ref, or why it failed (no
network, unknown ref, unknown repository, git missing, another pip error, told by pip's output)
and what to do, as an error without a traceback that stops "Run all". Elsewhere it installs
nothing and stops only if ``cnnbook`` is missing, saying how to install it. ``--url`` and
``--ref`` point it elsewhere, e.g. at the commit a CI run checked out:

    CNNBOOK_BOOTSTRAP=1 python tools/notebooks.py execute --ref "$GITHUB_SHA" chapters/01-*.ipynb
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from string import Template

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP_MARK = "# Colab set-up"
KEEP_CELL_METADATA = {"tags"}
BOOTSTRAP = Template(
    """\
$mark: in Google Colab, install the course package `cnnbook` from the book's
# repository (Colab's own torch and torchvision are kept); elsewhere, check it is there.
import json
import os
import subprocess
import sys
from importlib import invalidate_caches, metadata

URL, REF = "$url", "$ref"
FAILURES = {  # words in pip's output: why the install failed, and what to do
    ("resolve host", "unreachable", "failed to establish", "timed out"): (
        f"no network: this runtime cannot reach {URL}. Connect it to the internet, "
        "then run this cell again."
    ),
    ("did not match any file", "couldn't find remote ref", "not found in upstream"): (
        f"unknown ref: {URL} has no branch, tag or commit {REF!r}. Open this chapter "
        "again from the book's Colab button, which names one that exists."
    ),
    ("repository not found", "could not read username", "not appear to be a git"): (
        f"unknown repository: {URL} does not exist or is private. Open this chapter "
        "again from the book's Colab button."
    ),
    ("cannot find command 'git'",): (
        "git is missing: pip needs it to install from the repository. Install git, "
        "then run this cell again."
    ),
}


class SetUpError(Exception):
    def _render_traceback_(self):  # IPython shows the message alone, no traceback
        return [f"SetUpError: {self}"]


if "google.colab" in sys.modules or os.environ.get("CNNBOOK_BOOTSTRAP") == "1":
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    pip += ["--disable-pip-version-check", f"cnnbook @ git+{URL}@{REF}"]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}  # never wait for a password
    run = subprocess.run(pip, capture_output=True, text=True, env=env)
    said = run.stdout + run.stderr
    if run.returncode:
        lines = [line.strip() for line in said.splitlines() if line.strip()]
        last = [line for line in lines if line.startswith("ERROR")] or lines or ["?"]
        why = (
            f"pip error: pip could not install cnnbook ({last[-1]}). Report it at "
            f"{URL}/issues with this message."
        )
        for words, reason in FAILURES.items():
            if any(word in said.lower() for word in words):
                why = reason
                break
        raise SetUpError(why)
    invalidate_caches()
    installed = metadata.distribution("cnnbook")
    found = json.loads(installed.read_text("direct_url.json") or "{}")
    commit = found.get("vcs_info", {}).get("commit_id", "")[:7]
    at = f"{REF} (commit {commit})" if commit else REF
    print(f"cnnbook {installed.version} installed from {URL} at {at}")
else:
    try:
        import cnnbook  # noqa: F401
    except ImportError:
        raise SetUpError(
            "cnnbook is not installed here: run `pip install -e .` in a clone of "
            f"{URL}, or open this chapter in Colab from the book."
        ) from None"""
)


def repository(config_path: Path = ROOT / "_config.yml") -> tuple[str, str]:
    """The repository URL and ref (``repository.branch``), as written once in ``_config.yml``."""
    import yaml

    repo = yaml.safe_load(config_path.read_text())["repository"]
    return repo["url"].rstrip("/"), str(repo.get("branch", "main"))


def bootstrap_source(url: str, ref: str) -> str:
    """The first code cell of every chapter: install ``cnnbook`` from ``url`` at ``ref`` in Colab
    (or where ``CNNBOOK_BOOTSTRAP=1``) and say so in one line, or stop with why it could not and
    what to do; elsewhere, stop only if ``cnnbook`` cannot be imported."""
    return BOOTSTRAP.substitute(mark=BOOTSTRAP_MARK, url=url, ref=ref)


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


def execute(path: Path, timeout: int = 1800, bootstrap: str | None = None) -> float:
    """Run ``path`` top to bottom in a fresh kernel and save it; return the seconds it took.
    ``bootstrap``: the first cell's source (default: from ``_config.yml``)."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    set_bootstrap(nb, bootstrap or bootstrap_source(*repository()))
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
    parser.add_argument("--url", help="install from this repository (default: _config.yml's)")
    parser.add_argument("--ref", help="branch, tag or commit to install (default: _config.yml's)")
    args = parser.parse_args(argv)
    if args.url and args.ref:  # nothing to read: a bare environment needs no yaml
        url, ref = args.url, args.ref
    else:
        url, ref = repository()
        url, ref = (args.url or url).rstrip("/"), args.ref or ref
    source = bootstrap_source(url, ref)
    for path in args.notebooks:
        if args.command == "execute":
            print(f"executing {path} ...", flush=True)
            print(f"  done in {execute(path, bootstrap=source):.0f} s", flush=True)
        else:
            nb = nbformat.read(path, as_version=4)
            set_bootstrap(nb, source)
            clean(nb)
            nbformat.write(nb, path)
            print(f"bootstrap cell of {path} installs cnnbook from {url}@{ref}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
