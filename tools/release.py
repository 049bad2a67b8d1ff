"""Release the book: one version, one tag, and notebooks that install exactly that tag.

    python tools/release.py 0.2.0    # make release VERSION=0.2.0
    python tools/release.py --back   # make post-release

A release starts from a clean work tree on a branch (say ``main``) and makes one commit, tagged
``v0.2.0``, that:

1. sets ``__version__`` in ``src/cnnbook/__init__.py`` to ``0.2.0`` (the package's one version);
2. sets ``repository.branch`` in ``_config.yml`` to ``v0.2.0``: the book's Colab buttons open the
   tagged notebooks, and their first cell installs ``cnnbook`` at that tag;
3. rewrites the notebooks' first cells and the addresses in README.md and intro.md from
   ``_config.yml`` (what ``make bootstrap`` does; no notebook is re-executed).

``--back`` then makes the commit that points ``_config.yml`` and the notebooks at the branch
again. Nothing is pushed: the script prints the ``git push`` to run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INIT = ROOT / "src" / "cnnbook" / "__init__.py"
CONFIG = ROOT / "_config.yml"
VERSION = re.compile(r"\d+\.\d+\.\d+")


def git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"git {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout.strip()


def check_ready() -> str:
    """The current branch, if the work tree is clean; else stop."""
    if git("status", "--porcelain"):
        raise SystemExit("the work tree has changes: commit or remove them first (`git status`)")
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    if branch == "HEAD":
        raise SystemExit("HEAD is detached: check out the branch to release from")
    return branch


def set_version(version: str) -> None:
    text = INIT.read_text()
    new, count = re.subn(r'(?m)^__version__ = "[^"]*"', f'__version__ = "{version}"', text)
    if count != 1:
        raise SystemExit(f'{INIT} must hold one line `__version__ = "..."`; found {count}')
    INIT.write_text(new)


def set_ref(ref: str) -> None:
    """Set ``repository.branch`` in _config.yml to ``ref``, keeping every other line as it is."""
    lines, inside, done = CONFIG.read_text().splitlines(keepends=True), False, False
    for i, line in enumerate(lines):
        if re.match(r"\S", line):
            inside = line.startswith("repository:")
        elif inside and re.match(r"\s+branch:", line):
            lines[i] = re.sub(r"(branch:\s*)\S+", rf"\g<1>{ref}", line, count=1)
            done = True
    if not done:
        raise SystemExit(f"{CONFIG} has no repository.branch to set")
    CONFIG.write_text("".join(lines))


def derive() -> None:
    """Rewrite what is derived from _config.yml: the notebooks' first cells, README and intro,
    then the editions written from the chapters (the Chinese book, the student notebooks), so
    that every notebook of the release installs the release's ref."""
    notebooks = sorted(str(p) for p in (ROOT / "chapters").glob("*.ipynb"))
    commands = (["notebooks.py", "bootstrap", *notebooks], ["links.py"], ["translate.py", "write"],
                ["student.py"])  # fmt: skip
    for command in commands:
        subprocess.run([sys.executable, str(ROOT / "tools" / command[0]), *command[1:]], check=True)


def release(version: str) -> str:
    if not VERSION.fullmatch(version):
        raise SystemExit(f"VERSION is {version!r}: expected X.Y.Z, e.g. make release VERSION=0.2.0")
    tag = f"v{version}"
    branch = check_ready()
    if git("tag", "--list", tag):
        raise SystemExit(f"the tag {tag} exists already")
    set_version(version)
    set_ref(tag)
    derive()
    git("commit", "--quiet", "--all", "--message", f"Release {tag}")
    git("tag", "--annotate", tag, "--message", f"cnnbook {version}")
    print(
        f"\nReleased {tag}: the notebooks install cnnbook at {tag}. Next:\n"
        f"  git push origin {tag}        # publish the tag\n"
        f"  make post-release            # point the notebooks back at {branch}, then\n"
        f"  git push origin {branch}"
    )
    return tag


def back() -> str:
    branch = check_ready()
    text = CONFIG.read_text()
    set_ref(branch)
    if CONFIG.read_text() == text:
        raise SystemExit(f"_config.yml follows {branch} already: nothing to do")
    derive()
    git("commit", "--quiet", "--all", "--message", f"Notebooks follow {branch} again")
    print(f"\nThe notebooks install cnnbook from {branch} again. Next: git push origin {branch}")
    return branch


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", nargs="?", help="X.Y.Z")
    parser.add_argument("--back", action="store_true", help="follow the current branch again")
    args = parser.parse_args(argv)
    if args.back:
        back()
    else:
        release(args.version or "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
