"""The student edition: every chapter without its solutions, for teachers to hand out.

    python tools/student.py [OUT]   # default _build/student; `make student` runs it

Each notebook of ``chapters/`` is written to ``OUT/chapters/`` with every cell tagged
``solution`` removed (answer code, its output and the answer's prose) and every output cleared,
so no answer survives in a later cell's output either. An empty ``# Your answer`` cell takes the
place of each answer's code. Questions, self-checks, and everything else, are kept.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = "solution"
ANSWER_HERE = "# Your answer"


def is_solution(cell) -> bool:
    return SOLUTION in cell.get("metadata", {}).get("tags", [])


def is_answer_code(cell) -> bool:
    """A solution's code shown (folded) on the page, as opposed to a hidden claim check."""
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.cell_type == "code" and is_solution(cell) and "remove-cell" not in tags


def student_edition(nb):
    """A copy of notebook ``nb`` without solution cells and without outputs; where an answer's
    code was, an empty code cell ``# Your answer`` (so a self-check below it has its place)."""
    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        if is_answer_code(cell):
            if not (cells and cells[-1].source == ANSWER_HERE):
                cells.append(nbformat.v4.new_code_cell(ANSWER_HERE, id=f"answer-{cell.id}"[:64]))
        elif not is_solution(cell):
            cells.append(cell)
    nb.cells = cells
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "_build" / "student")
    args = parser.parse_args(argv)
    target = args.out / "chapters"
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        removed = sum(is_solution(c) for c in nb.cells)
        nbformat.write(student_edition(nb), target / path.name)
        print(f"{path.name}: {removed} solution cells removed")
    print(f"student edition in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
