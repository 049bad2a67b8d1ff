"""The student notebooks that the book's Colab buttons open: each chapter without its answers.

    python tools/student.py                # chapters/ -> student/, zh/chapters/ -> zh/student/
    python tools/student.py SOURCE TARGET  # one folder of chapters -> one folder of notebooks
    python tools/student.py --check        # write nothing; list the notebooks out of step

`make student` runs the first form (and `make bootstrap` and `make execute` end with it). A
student notebook is its chapter's text, code and outputs, with each exercise turned around:

- the exercise's question stays;
- an answer cell follows it: for an exercise with a self-check, a stub binding each name the
  self-check reads to ``...`` (e.g. ``output_size = ...  # your answer: a function ...``, the
  words from the check's ``expects``), which the self-check calls "no answer yet"; for any other
  exercise, an empty ``# Your answer`` cell;
- then the exercise's self-checks, without their outputs;
- then a line linking the book's page (``html.baseurl`` in the book's ``_config.yml``, at the
  exercises' heading), where the answer is folded under the question.

The answers (the cells tagged ``solution``: code, output and prose) are left out, and so is every
cell the book removes from its pages (tagged ``remove-cell``: the claim checks), since Colab shows
every cell. Everything else is copied as it is, outputs included. Notebooks in TARGET that no
longer have a chapter are removed.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [(ROOT / "chapters", ROOT / "student"), (ROOT / "zh" / "chapters", ROOT / "zh" / "student")]
SOLUTION, SELF_CHECK, REMOVED, ANSWER = "solution", "self-check", "remove-cell", "answer"
LABELS = {
    "en": {
        "empty": "# Your answer",
        "stub": "your answer",
        "link": "The book's answer to {exercise} is folded under the question on "
        "[this chapter's page]({url}): open it there once you have tried.",
        "numbered": "exercise {number}",
        "unnumbered": "this exercise",
    },
    "zh": {
        "empty": "# 你的答案",
        "stub": "你的答案",
        "link": "{exercise}的参考答案折叠在书中[本章页面]({url})的题目下面：自己做过之后再打开。",
        "numbered": "练习 {number} ",
        "unnumbered": "本题",
    },
}


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def in_exercise(cell) -> bool:
    """An answer's cell (code, output, prose, claim check) or a self-check: the cells that stand
    between an exercise's question and the next cell of the chapter."""
    return SOLUTION in tags(cell) or SELF_CHECK in tags(cell)


@dataclass
class Exercise:
    """One exercise of a chapter: its question's cell (None if the chapter has none before it),
    the cells of its answer as the chapter has them, and what the student notebook needs."""

    question: int | None
    cells: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.cells[0].id

    @property
    def solution_code(self) -> list[str]:
        """The answer's code as the book shows it (folded), in order; no claim checks."""
        return [
            c.source
            for c in self.cells
            if c.cell_type == "code" and SOLUTION in tags(c) and REMOVED not in tags(c)
        ]

    @property
    def self_checks(self) -> list:
        return [c for c in self.cells if SELF_CHECK in tags(c)]


def exercises(nb) -> list[Exercise]:
    """The exercises of notebook ``nb``: each run of answer cells and self-checks, with the index
    of the cell just before it (the question) unless that cell is removed from the page."""
    found: list[Exercise] = []
    previous = None
    for index, cell in enumerate(nb.cells):
        if in_exercise(cell):
            if found and found[-1].cells[-1] is nb.cells[index - 1]:
                found[-1].cells.append(cell)
            else:
                found.append(Exercise(previous, [cell]))
        elif REMOVED not in tags(cell):
            previous = index
    return found


def number(question_text: str) -> str | None:
    """The number of the last numbered item in a question's text ("3. For a 28 × 28 input ...")."""
    numbers = re.findall(r"^\s{0,3}(\d+)[.)] ", question_text, re.M)
    return numbers[-1] if numbers else None


def checks_called(source: str) -> list[ast.Call]:
    """The calls of ``check_...`` functions in a self-check's source."""
    tree = ast.parse(source)
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id.startswith("check_")
    ]


def stub_lines(self_check_source: str, label: str) -> list[str]:
    """One line per answer the self-checks in ``self_check_source`` read, binding it to ``...``
    with what it must be: ``name = ...  # your answer: ...`` (or ``name = {"key": ...}`` for an
    answer read as ``name["key"]``)."""
    import inspect

    from cnnbook import checks

    lines = []
    for call in checks_called(self_check_source):
        check = getattr(checks, call.func.id, None)
        if check is None or not hasattr(check, "expects"):
            raise ValueError(f"{call.func.id} is not a self-check of cnnbook.checks")
        bound = inspect.signature(check).bind(*call.args, **{k.arg: k.value for k in call.keywords})
        for name, words in check.expects.items():
            node = bound.arguments.get(name)
            if isinstance(node, ast.Name):
                line = f"{node.id} = ..."
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Name)
                and isinstance(node.slice, ast.Constant)
            ):
                line = f"{node.value.id} = {{{node.slice.value!r}: ...}}".replace("'", '"')
            else:
                shown = ast.unparse(node) if node is not None else "nothing"
                raise ValueError(
                    f"{call.func.id} reads {name} from {shown}: a self-check must read each "
                    "answer from a name or name['key'], so that the answer cell can define it"
                )
            lines.append(f"{line}  # {label}: {words}")
    return list(dict.fromkeys(lines))


def book(source: Path) -> tuple[str, str, str]:
    """For a folder of chapters: the published address of its book's root (``html.baseurl`` in
    the book's ``_config.yml``, the folder above the chapters), the chapters' path inside the
    book, and the book's language (``en`` or ``zh``)."""
    import yaml

    root = source.parent
    config_path = root / "_config.yml" if (root / "_config.yml").is_file() else ROOT / "_config.yml"
    config = yaml.safe_load(config_path.read_text())
    base = config["html"]["baseurl"].rstrip("/") + "/"
    language = str(((config.get("sphinx") or {}).get("config") or {}).get("language") or "en")
    return base, source.relative_to(root).as_posix(), "zh" if language.startswith("zh") else "en"


def heading_anchor(nb, index: int | None) -> str:
    """The anchor of the section holding cell ``index``: the id Sphinx gives its ``##`` heading
    (empty where the heading has no ASCII letters, as Sphinx then numbers it)."""
    from docutils.nodes import make_id

    for cell in reversed(nb.cells[: (index or 0) + 1]):
        if cell.cell_type == "markdown":
            headings = re.findall(r"^##\s+(.+?)\s*$", cell.source, re.M)
            if headings:
                return make_id(headings[-1])
    return ""


def student_notebook(nb, page_url: str, language: str = "en"):
    """The student notebook of chapter ``nb``, whose page in the book is at ``page_url``."""
    labels = LABELS[language]
    nb = copy.deepcopy(nb)
    by_start = {ex.key: ex for ex in exercises(nb)}
    cells = []
    for cell in nb.cells:
        exercise = by_start.get(cell.get("id"))
        if exercise is not None:
            cells.extend(answer_cells(nb, exercise, page_url, labels))
        elif not in_exercise(cell) and REMOVED not in tags(cell):
            cells.append(cell)
    nb.cells = cells
    return nb


def answer_cells(nb, exercise: Exercise, page_url: str, labels: dict) -> list:
    """What stands for ``exercise``'s answer in the student notebook: the answer cell, the
    self-checks (without outputs) and the link to the book's folded answer."""
    checks = exercise.self_checks
    if checks:
        lines = [line for c in checks for line in stub_lines(c.source, labels["stub"])]
        source = "\n".join(dict.fromkeys(lines))
    else:
        source = labels["empty"]
    answer = nbformat.v4.new_code_cell(source, id=f"answer-{exercise.key}"[:64])
    answer.metadata["tags"] = [ANSWER]
    out = [answer]
    for check in checks:
        check = copy.deepcopy(check)
        check.outputs, check.execution_count = [], None
        out.append(check)
    question = nb.cells[exercise.question].source if exercise.question is not None else ""
    n = number(question)
    which = labels["numbered"].format(number=n) if n else labels["unnumbered"]
    anchor = heading_anchor(nb, exercise.question)
    url = page_url + (f"#{anchor}" if anchor else "")
    link = nbformat.v4.new_markdown_cell(
        labels["link"].format(exercise=which, url=url), id=f"book-{exercise.key}"[:64]
    )
    link.metadata["tags"] = [ANSWER]
    out.append(link)
    return out


def editions(source: Path, target: Path) -> dict[Path, str]:
    """Every student notebook of the chapters in ``source``: its path in ``target`` and text."""
    base, folder, language = book(source)
    written = {}
    for path in sorted(source.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        page = f"{base}{folder}/{path.stem}.html"
        student = student_notebook(nb, page, language)
        nbformat.validate(student)
        written[target / path.name] = nbformat.writes(student) + "\n"
    return written


def pairs_from(args) -> list[tuple[Path, Path]]:
    if args.source and args.target:
        return [(Path(args.source).resolve(), Path(args.target).resolve())]
    if args.source or args.target:
        raise SystemExit("give both SOURCE and TARGET, or neither")
    return [(s, t) for s, t in PAIRS if s.is_dir()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", help="folder of chapters (default: chapters/)")
    parser.add_argument("target", nargs="?", help="folder of student notebooks (default: student/)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    for source, target in pairs_from(args):
        written = editions(source, target)
        extra = sorted(set(target.glob("*.ipynb")) - set(written))
        for path, text in written.items():
            if path.is_file() and path.read_text() == text:
                continue
            stale.append(path)
            if not args.check:
                target.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        for path in extra:
            stale.append(path)
            if not args.check:
                path.unlink()
                print(f"removed {path}: its chapter is gone")
    if args.check and stale:
        print("out of step with their chapters (run `make student`):")
        for path in stale:
            print(f"  {path}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
