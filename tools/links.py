"""The book's public addresses, written once in ``_config.yml``, copied into README.md and intro.md.

    python tools/links.py          # rewrite the marked block of each file (`make bootstrap` does)
    python tools/links.py --check  # exit 1, naming the file, where a block differs

The repository is ``repository.url``; the published book is ``html.baseurl`` (GitHub Pages), with
the whole book as one PDF beside it. Each file holds one block between the two marker lines
below; everything between them is generated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PDF = "cnnbook.pdf"
BEGIN = "<!-- Written from _config.yml by `make bootstrap`: change the addresses there. -->"
END = "<!-- End of the addresses from _config.yml. -->"


def addresses(config_path: Path = ROOT / "_config.yml") -> dict[str, str]:
    """``repo`` (the repository), ``site`` (the published book, ending in /) and ``pdf``."""
    import yaml

    config = yaml.safe_load(config_path.read_text())
    repo = config["repository"]["url"].rstrip("/")
    site = config.get("html", {}).get("baseurl", "")
    if not site.startswith("https://"):
        raise ValueError(f"html.baseurl in {config_path} is {site!r}: expected an https:// address")
    site = site.rstrip("/") + "/"
    return {"repo": repo, "site": site, "pdf": site + PDF}


def readme_block(a: dict[str, str]) -> str:
    actions = f"{a['repo']}/actions/workflows"
    return (
        f"[![Tests]({actions}/tests.yml/badge.svg)]({actions}/tests.yml)\n"
        f"[![Book]({actions}/book.yml/badge.svg)]({a['site']})\n"
        "\n"
        f"**Read the book at <{a['site']}>**, or as one [PDF]({a['pdf']}).\n"
    )


def intro_block(a: dict[str, str]) -> str:
    return (
        f"Read it online at <{a['site']}>, or as one [PDF]({a['pdf']}).\n"
        f"The notebooks and the code are at <{a['repo']}>.\n"
    )


BLOCKS = {"README.md": readme_block, "intro.md": intro_block}


def with_block(text: str, block: str, name: str = "the file") -> str:
    """``text`` with the lines between ``BEGIN`` and ``END`` replaced by ``block``."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"{name} must hold the lines {BEGIN!r} and {END!r} once each, in order")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    return f"{head}{BEGIN}\n{block}{END}{tail}"


def update(root: Path = ROOT, write: bool = True) -> list[str]:
    """Rewrite the blocks under ``root`` from its ``_config.yml`` (unless not ``write``); return
    the names of the files whose block differed."""
    a, stale = addresses(root / "_config.yml"), []
    for name, block in BLOCKS.items():
        path = root / name
        text = path.read_text()
        new = with_block(text, block(a), name)
        if new != text:
            stale.append(name)
            if write:
                path.write_text(new)
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 on drift")
    args = parser.parse_args(argv)
    stale = update(write=not args.check)
    if args.check and stale:
        print(f"{', '.join(stale)}: addresses differ from _config.yml; run `make bootstrap`")
        return 1
    print(f"{', '.join(BLOCKS)}: addresses follow _config.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
