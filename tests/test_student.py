"""The student notebooks (student/, zh/student/): what the book's Colab buttons open.

Static checks: each is what tools/student.py writes from its chapter now (a test names the
chapter and cell that is out of step), holds the chapter's text, code and outputs, an answer cell
and the self-checks for each exercise, and no answer, claim check or solution output. The slow
run test plays a student in one kernel: "Run all" with every answer cell as it comes (each
self-check says "no answer yet"), then the book's answers pasted into the answer cells (each
self-check says "right").
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_tool():
    spec = importlib.util.spec_from_file_location("tools_student", ROOT / "tools" / "student.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


student = load_tool()
PAIRS = [(source, target) for source, target in student.PAIRS if source.is_dir()]
CHAPTERS = [path for source, _ in PAIRS for path in sorted(source.glob("*.ipynb"))]
ENGLISH = sorted((ROOT / "chapters").glob("*.ipynb"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def student_path(chapter: Path) -> Path:
    return chapter.parent.parent / "student" / chapter.name


def read(path: Path):
    return nbformat.read(path, as_version=4)


def test_there_are_student_notebooks_for_both_editions():
    assert len(ENGLISH) >= 7 and (ROOT / "student").is_dir()
    for source, target in PAIRS:
        chapters = {p.name for p in source.glob("*.ipynb")}
        students = {p.name for p in target.glob("*.ipynb")}
        assert students == chapters, f"{rel(target)} is out of step: run `make student`"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=rel)
def test_each_student_notebook_is_what_the_tool_writes_from_its_chapter_now(chapter):
    written = student.editions(chapter.parent, student_path(chapter).parent)
    expected = written[student_path(chapter)]
    committed = student_path(chapter).read_text()
    if committed == expected:
        return
    now, then = nbformat.reads(expected, as_version=4), nbformat.reads(committed, as_version=4)
    for index, (a, b) in enumerate(zip(now.cells, then.cells)):
        if a != b:
            pytest.fail(
                f"{rel(student_path(chapter))} is out of step with {rel(chapter)} at cell "
                f"{index} (id {a.get('id')}, {a.source[:60]!r}): run `make student`"
            )
    pytest.fail(
        f"{rel(student_path(chapter))} is out of step with {rel(chapter)} "
        f"({len(now.cells)} cells now, {len(then.cells)} committed): run `make student`"
    )


@pytest.mark.parametrize("chapter", ENGLISH, ids=rel)
def test_every_chapter_has_folded_solutions(chapter):
    nb = read(chapter)
    found = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert found, f"{chapter.name} tags no cell as a solution"
    for cell in found:
        cell_tags = cell.metadata["tags"]
        if cell.cell_type == "code":
            folded = "hide-cell" in cell_tags or "remove-cell" in cell_tags  # a hidden claim check
            assert folded, f"{chapter.name}: a solution code cell is not folded"
        else:
            text = cell.source.strip()
            assert text.startswith("<details>") and text.endswith("</details>"), (
                f"{chapter.name}: solution prose must be one <details> block: {text[:60]!r}"
            )


@pytest.mark.parametrize("chapter", ENGLISH, ids=rel)
def test_every_code_cell_of_the_exercises_is_a_solution_or_a_self_check(chapter):
    """So that the student notebook keeps no answer: hidden claim checks of an exercise are
    solutions too."""
    exercises = False
    for cell in read(chapter).cells:
        if cell.cell_type == "markdown":
            headings = [line for line in cell.source.splitlines() if line.startswith("## ")]
            if headings:
                exercises = headings[-1].startswith("## Exercises")
        elif exercises:
            tags = cell.metadata.get("tags", [])
            assert "solution" in tags or "self-check" in tags, (
                f"{chapter.name}: {cell.source[:80]!r}"
            )


@pytest.mark.parametrize("chapter", ENGLISH, ids=rel)
def test_self_checks_call_the_package_with_names_an_answer_cell_can_define(chapter):
    from cnnbook import checks

    found = [c for c in read(chapter).cells if "self-check" in c.metadata.get("tags", [])]
    assert found, f"{chapter.name} has no self-check for a code exercise"
    for cell in found:
        called = re.findall(r"^(check_\w+)\(", cell.source, re.M)
        assert called and all(name in checks.__all__ for name in called), cell.source
        assert not any(t.startswith(("hide", "remove", "solution")) for t in cell.metadata["tags"])
        assert student.stub_lines(cell.source, "your answer")  # raises on a form it cannot stub


STUB = re.compile(r'(\w+) = (?:\.\.\.|\{"[^"]+": \.\.\.\})  # (?:your answer|你的答案): .{15,}')


def output_text(cell) -> str:
    return json.dumps(cell.get("outputs", []), ensure_ascii=False)


def output_lines(cell) -> list[str]:
    """The longer lines a cell printed (streams and plain-text results)."""
    texts = []
    for output in cell.get("outputs", []):
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        texts.append("".join(text) if isinstance(text, list) else text)
    return [line for t in texts for line in t.splitlines() if len(line.strip()) > 30]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=rel)
def test_a_student_notebook_keeps_the_chapter_and_leaves_out_every_answer(chapter):
    original, notebook = read(chapter), read(student_path(chapter))
    exercises = student.exercises(original)
    assert len(exercises) >= 4
    sources = [c.source for c in notebook.cells]
    everything = "\n".join(sources + [output_text(c) for c in notebook.cells])
    for cell in original.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags:  # no answer code, prose or output
            assert cell.source not in sources, f"{chapter.name}: a solution: {cell.source[:60]!r}"
            for line in output_lines(cell):
                assert line not in everything, f"{chapter.name}: a solution's output {line!r}"
        elif "remove-cell" in tags:  # no claim check on show
            assert cell.source not in sources, f"{chapter.name}: a claim check {cell.source[:60]!r}"
        elif "self-check" not in tags:  # the rest as it is, outputs included
            kept = notebook.cells[sources.index(cell.source)]
            assert output_text(kept) == output_text(cell) and kept.metadata == cell.metadata
    assert "<details>" not in everything and "Claim check" not in everything
    assert not any("solution" in c.metadata.get("tags", []) for c in notebook.cells)
    base, folder, _ = student.book(chapter.parent)
    page = f"{base}{folder}/{chapter.stem}.html"
    for exercise in exercises:
        answer = next(c for c in notebook.cells if c.get("id") == f"answer-{exercise.key}")
        at = notebook.cells.index(answer)
        question = original.cells[exercise.question]
        assert notebook.cells[at - 1].source == question.source  # right under its question
        checks = exercise.self_checks
        assert [c.source for c in notebook.cells[at + 1 : at + 1 + len(checks)]] == [
            c.source for c in checks
        ]
        for cell in notebook.cells[at + 1 : at + 1 + len(checks)]:
            assert cell.outputs == [] and cell.execution_count is None
        link = notebook.cells[at + 1 + len(checks)]
        assert link.cell_type == "markdown" and f"]({page}" in link.source, link.source
        number = student.number(question.source)
        assert number and number in link.source
        if checks:  # a stub binding each name the self-check reads to ...
            stubs = [STUB.fullmatch(line) for line in answer.source.splitlines()]
            assert stubs and all(stubs), answer.source
            read_names = {n for c in checks for n in re.findall(r"\b(\w+)\b", c.source)}
            assert {m[1] for m in stubs} <= read_names
        else:
            assert answer.source in ("# Your answer", "# 你的答案")


def test_english_answer_links_lead_to_the_exercises_heading():
    for chapter in ENGLISH:
        links = [c.source for c in read(student_path(chapter)).cells if c.id.startswith("book-")]
        assert links and all(f"{chapter.stem}.html#exercises)" in s for s in links), chapter.name


def test_the_tool_writes_any_folder_pair_checks_and_removes_orphans(tmp_path, capsys):
    source, target = tmp_path / "book" / "chapters", tmp_path / "book" / "student"
    source.mkdir(parents=True)
    for path in ENGLISH[:2]:
        (source / path.name).write_bytes(path.read_bytes())
    (target).mkdir()
    (target / "99-gone.ipynb").write_text("{}")
    assert student.main([str(source), str(target), "--check"]) == 1
    assert "99-gone.ipynb" in capsys.readouterr().out
    assert student.main([str(source), str(target)]) == 0
    assert sorted(p.name for p in target.glob("*.ipynb")) == [p.name for p in ENGLISH[:2]]
    assert student.main([str(source), str(target), "--check"]) == 0
    assert (target / ENGLISH[0].name).read_text() == student_path(ENGLISH[0]).read_text()
    with pytest.raises(SystemExit):
        student.main([str(source)])


def test_a_self_check_must_read_names_the_answer_cell_can_define():
    from cnnbook.checks import check_output_size

    words = check_output_size.expects["output_size"]
    assert student.stub_lines("check_output_size(output_size)", "a") == [
        f"output_size = ...  # a: {words}"
    ]
    line = student.stub_lines('check_dense_share(shares["this book"])', "a")[0]
    assert line.startswith('shares = {"this book": ...}  # a: ')
    with pytest.raises(ValueError, match="from a name"):
        student.stub_lines("check_output_size(lambda n, k, p, s: n)", "a")
    with pytest.raises(ValueError, match="not a self-check"):
        student.stub_lines("check_nothing(x)", "a")


# The run test.

TRAINS = re.compile(r"from cnnbook\.recipes import [^\n]*\bfit\b")


def run_cell(client, notebook, index: int) -> str:
    """Execute cell ``index`` of ``notebook`` in ``client``'s kernel; return its text output."""
    from nbclient.exceptions import CellExecutionError

    cell = notebook.cells[index]
    try:
        client.execute_cell(cell, index)
    except CellExecutionError as error:
        shown = re.sub(r"\x1b\[[0-9;]*m", "", str(error))  # without the terminal's colours
        pytest.fail(f"cell {index} (id {cell.get('id')}) failed:\n{shown}", pytrace=False)
    return "\n".join(
        output.get("text", "") or output.get("data", {}).get("text/plain", "")
        for output in cell.outputs
    )


@pytest.mark.slow
@pytest.mark.parametrize("chapter", ENGLISH, ids=rel)
def test_a_student_runs_the_notebook_then_pastes_the_answers(chapter, monkeypatch):
    from nbclient import NotebookClient

    from cnnbook import recipes

    path = student_path(chapter)
    if "smoke" in recipes.BUDGETS:
        monkeypatch.setenv("CNNBOOK_BUDGET", "smoke")  # a few batches: the notebook runs through
    elif TRAINS.search(path.read_text()):
        pytest.skip("cnnbook.recipes has no smoke budget: this chapter would train in full")
    notebook = read(path)
    exercises = {f"answer-{ex.key}": ex for ex in student.exercises(read(chapter))}
    client = NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    verdicts = {}
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):  # Run all, answer cells as they come
            if cell.cell_type == "code":
                text = run_cell(client, notebook, index)
                if "self-check" in cell.metadata.get("tags", []):
                    verdicts[cell.id] = text
        assert verdicts and all(v.startswith("No answer yet: replace the ...") for v in
                                verdicts.values()), verdicts  # fmt: skip
        for index, cell in enumerate(notebook.cells):  # the book's answers, pasted in
            exercise = exercises.get(cell.get("id"))
            if exercise is None or not exercise.self_checks:
                continue  # an answer no self-check judges: nbval runs it in the chapter
            cell.source = "\n\n".join(exercise.solution_code)
            run_cell(client, notebook, index)
            for check in exercise.self_checks:
                at = next(i for i, c in enumerate(notebook.cells) if c.get("id") == check.id)
                text = run_cell(client, notebook, at)
                assert text.startswith("Right: "), (check.source, text)
                verdicts.pop(check.id)
    assert not verdicts, f"self-checks not run with an answer: {list(verdicts)}"
    assert os.environ.get("CNNBOOK_BUDGET") in (None, "smoke")
