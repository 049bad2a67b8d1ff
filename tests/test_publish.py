"""Publishing: the addresses written once in _config.yml, the workflows, releases and the PDF."""

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import nbformat
import pytest
import yaml
from test_notebooks import load_tool, toc_files

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
PDF = ROOT / "_build" / "pdf" / "cnnbook.pdf"
links = load_tool("links")
notebooks = load_tool("notebooks")


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps_text(job: dict) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in job["steps"])


# The addresses, written once.


def test_readme_and_landing_page_follow_config():
    assert links.update(write=False) == [], "run `make bootstrap`"
    a = links.addresses()
    assert a["site"] == config()["html"]["baseurl"]
    for name in ("README.md", "intro.md"):
        text = (ROOT / name).read_text()
        assert a["site"] in text and a["pdf"] in text and a["repo"] in text, name


def test_no_address_of_the_book_is_typed_by_hand():
    """Every link to this book's repository or site (any GitHub or github.io address that names
    cnnbook) in README.md and intro.md starts with the address in _config.yml."""
    a = links.addresses()
    pattern = r"https://(?:github\.com/[\w.-]+/[\w.-]+|[\w-]+\.github\.io)[^\s)>\]]*"
    for name in ("README.md", "intro.md"):
        found = [u for u in re.findall(pattern, (ROOT / name).read_text()) if "cnnbook" in u]
        assert found, name
        for url in found:
            assert url.startswith((a["repo"], a["site"])), f"{name}: {url} is not from _config.yml"


def test_changing_the_config_is_caught_and_rewritten(tmp_path):
    for name in ("README.md", "intro.md", "_config.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    cfg = tmp_path / "_config.yml"
    cfg.write_text(cfg.read_text().replace(config()["html"]["baseurl"], "https://x.org/book/"))
    assert links.update(tmp_path, write=False) == ["README.md", "intro.md"]
    assert links.update(tmp_path) == ["README.md", "intro.md"]
    assert links.update(tmp_path, write=False) == []
    assert "https://x.org/book/cnnbook.pdf" in (tmp_path / "intro.md").read_text()


def test_readme_badges_name_existing_workflows_and_the_pdf_name_is_one():
    badges = re.findall(r"actions/workflows/([\w-]+\.yml)", (ROOT / "README.md").read_text())
    assert badges and all((WORKFLOWS / name).is_file() for name in badges), badges
    assert load_tool("pdf").OUTPUT.name == links.PDF


# The workflows.


def actionlint(*paths) -> subprocess.CompletedProcess:
    binary = Path(sys.executable).parent / "actionlint"
    if not binary.is_file():
        pytest.fail(f"{binary} is missing: run `make install` (requirements.txt has actionlint)")
    return subprocess.run(
        [str(binary), "-no-color", *map(str, paths)], capture_output=True, text=True, timeout=60
    )


def test_workflows_pass_actionlint_and_a_broken_one_does_not(tmp_path):
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"tests.yml", "book.yml", "weekly.yml"}
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr

    broken = tmp_path / ".github" / "workflows" / "tests.yml"
    broken.parent.mkdir(parents=True)
    text = (WORKFLOWS / "tests.yml").read_text()
    assert "steps.chrome.outputs.chrome-path" in text
    broken.write_text(text.replace("steps.chrome.outputs", "steps.chrom.outputs"))
    result = actionlint(broken)
    assert result.returncode != 0 and "chrom" in result.stdout, result.stdout


def test_tests_workflow_runs_make_test_on_both_pythons():
    job = workflow("tests.yml")["jobs"]["test"]
    assert job["strategy"]["matrix"]["python"] == ["3.11", "3.12"]
    assert "make test" in steps_text(job)
    assert "CNNBOOK_CHROMIUM" in (WORKFLOWS / "tests.yml").read_text()


def test_book_workflow_deploys_the_site_to_pages():
    book = workflow("book.yml")
    text = steps_text(book["jobs"]["build"]) + steps_text(book["jobs"]["deploy"])
    for action in ("configure-pages", "upload-pages-artifact", "deploy-pages", "make site"):
        assert action in text
    assert book["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert book["concurrency"]["group"] == "pages"


def test_weekly_workflow_ignores_the_pins_runs_colab_and_reports():
    weekly = workflow("weekly.yml")
    assert set(weekly[True]) == {"schedule", "workflow_dispatch"}  # yaml reads `on:` as True
    newest, colab = steps_text(weekly["jobs"]["newest"]), steps_text(weekly["jobs"]["colab"])
    assert "--upgrade" in newest and "constraints.txt" not in newest and "make test" in newest
    assert "CNNBOOK_BOOTSTRAP" in (WORKFLOWS / "weekly.yml").read_text()
    assert "tools/notebooks.py execute" in colab and "GITHUB_SHA" in colab
    report = weekly["jobs"]["report"]
    assert report["if"] == "failure()" and report["permissions"] == {"issues": "write"}


# Releases.


# git as a fresh user: no global or system settings (signing, hooks), a fixed identity.
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip


def git(cwd, *args) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def release(cwd, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "tools/release.py", *args], cwd=cwd, env=GIT_ENV,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def first_cells(root: Path, folder: str = "chapters") -> list[str]:
    cells = []
    for path in sorted((root / folder).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells.append(next(c.source for c in nb.cells if c.cell_type == "code"))
    return cells


@pytest.fixture
def repo(tmp_path) -> Path:
    """A scratch repository holding what a release touches, committed on branch main."""
    root = tmp_path / "repo"
    names = ("_config.yml", "_toc.yml", "README.md", "intro.md", "references.md", "tools",
             "chapters", "student", "zh", "src/cnnbook")  # fmt: skip
    for name in names:
        source, target = ROOT / name, root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return root


def test_release_writes_version_and_tag_once_then_goes_back(repo):
    url = config()["repository"]["url"]
    assert release(repo, "0.2").returncode != 0  # not X.Y.Z
    (repo / "scratch.txt").write_text("x")
    dirty = release(repo, "0.2.0")
    assert dirty.returncode != 0 and "work tree" in dirty.stderr
    (repo / "scratch.txt").unlink()

    done = release(repo, "0.2.0")
    assert done.returncode == 0, done.stderr
    assert git(repo, "tag", "--list") == "v0.2.0"
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "log", "-1", "--format=%s") == "Release v0.2.0"
    assert '__version__ = "0.2.0"' in (repo / "src/cnnbook/__init__.py").read_text()
    assert yaml.safe_load((repo / "_config.yml").read_text())["repository"]["branch"] == "v0.2.0"
    assert set(first_cells(repo)) == {notebooks.bootstrap_source(url, "v0.2.0")}
    for edition in ("student", "zh/chapters", "zh/student"):  # written from the chapters too
        assert set(first_cells(repo, edition)) == {notebooks.bootstrap_source(url, "v0.2.0")}
    assert release(repo, "0.2.0").returncode != 0  # the tag exists

    back = release(repo, "--back")
    assert back.returncode == 0, back.stderr
    assert yaml.safe_load((repo / "_config.yml").read_text())["repository"]["branch"] == "main"
    assert set(first_cells(repo)) == {notebooks.bootstrap_source(url, "main")}
    assert git(repo, "rev-list", "--count", "v0.2.0..main") == "1"
    assert release(repo, "--back").returncode != 0  # nothing to do


# The PDF (slow: `make pdf` builds it before `make book-check` runs this).


def chapter_titles() -> list[str]:
    titles = []
    for name in toc_files():
        path = ROOT / f"{name}.ipynb"
        if path.is_file():
            nb = nbformat.read(path, as_version=4)
            first = next(c.source for c in nb.cells if c.cell_type == "markdown")
            titles.append(first.splitlines()[0].lstrip("# ").strip())
    return titles


def plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.mark.slow
def test_pdf_holds_the_whole_book_in_order():
    from pypdf import PdfReader

    if not PDF.is_file():
        pytest.fail(f"{PDF} is missing: run `make pdf` first")
    sources = [*(ROOT / "chapters").glob("*.ipynb"), ROOT / "intro.md", ROOT / "_config.yml"]
    newest = max(p.stat().st_mtime for p in sources)
    assert PDF.stat().st_mtime >= newest, "the PDF is older than the book: run `make pdf`"
    reader = PdfReader(PDF)
    text = plain(" ".join(page.extract_text() for page in reader.pages))
    titles = [config()["title"], *chapter_titles()]
    assert len(titles) == len(list((ROOT / "chapters").glob("*.ipynb"))) + 1
    positions = [text.find(plain(title)) for title in titles]
    assert -1 not in positions, dict(zip(titles, positions))
    assert positions == sorted(positions), "chapters out of order"
    for raw in ("\\(", "\\[", "$$"):
        assert raw not in text, f"untypeset math {raw!r} in the PDF"
    assert sum(len(page.images) for page in reader.pages) >= len(titles), "figures are missing"
