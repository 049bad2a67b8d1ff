"""The chapters' markdown as Colab shows it: plain CommonMark, where MyST syntax shows raw.

Every markdown cell is rendered with a CommonMark parser (markdown-it-py's ``commonmark``
preset, as Colab and GitHub render notebooks); the rendered HTML must hold no leftover MyST: no
``{role}`text``` roles, no ```` ```{directive} ```` fences, no ``:::`` fences, no ``(label)=``
targets, no ``{glue}`` substitutions.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))

# What MyST-only syntax looks like once CommonMark has rendered it.
LEFTOVERS = {
    "a MyST role such as {cite}`...`": re.compile(r"\{[a-z][\w:-]*\}<code>"),
    "a MyST directive fence such as ```{note}": re.compile(r'<code class="language-\{'),
    "a ::: directive fence": re.compile(r"(^|>)\s*:::", re.M),
    "a (label)= target": re.compile(r"(^|>)\s*\([\w-]+\)=", re.M),
    "a {{ substitution }}": re.compile(r"\{\{[^}]*\}\}"),
}


def markdown_cells(path: Path):
    nb = nbformat.read(path, as_version=4)
    return [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"]


def leftovers(html: str) -> list[str]:
    return [what for what, pattern in LEFTOVERS.items() if pattern.search(html)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_markdown_reads_as_plain_commonmark(path):
    md = MarkdownIt("commonmark")
    problems = []
    for index, source in markdown_cells(path):
        found = leftovers(md.render(source))
        if found:
            first = source.strip().splitlines()[0][:60]
            problems.append(f"cell {index} ({first!r}): {', '.join(found)}")
    assert not problems, f"{path.name} shows MyST syntax raw in Colab:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        "As shown by {cite}`lecun1998gradient`.",
        "```{note}\nA note.\n```",
        ":::{warning}\nCareful.\n:::",
        "(my-label)=\n# A heading",
        "The accuracy is {glue:}`acc`.",
        "Value: {{ acc }}",
    ],
)
def test_each_kind_of_leftover_is_caught(source):
    assert leftovers(MarkdownIt("commonmark").render(source))


@pytest.mark.parametrize(
    "source",
    [
        "A citation written plainly ([LeCun et al., 1998](https://example.org/refs)).",
        "> **Common pitfall.** A blockquote callout.",
        "Math $a_{ij} = \\sum_k x_{ik}$ and a set {1, 2}.",
        "<details>\n<summary>Answer</summary>\n\nText with `code`.\n\n</details>",
    ],
)
def test_plain_forms_pass(source):
    assert not leftovers(MarkdownIt("commonmark").render(source))
