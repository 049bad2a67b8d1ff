"""The chapters' first cell, the Colab set-up (tools/notebooks.py BOOTSTRAP), run by IPython as
Colab runs it: one quiet line when cnnbook installs, the reason and what to do when it does not,
nothing installed outside Colab unless CNNBOOK_BOOTSTRAP=1.

pip is faked (a script in place of ``sys.executable`` that prints what pip would and exits with
its status) for each kind of failure, and run for real where a failure needs no network: an
unknown ref of a local repository, a repository that is not there, a host that does not resolve.
Each case prints what the student would see (``pytest -s`` shows it).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("tools_notebooks", ROOT / "tools" / "notebooks.py")
notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(notebooks)

URL, REF = "https://github.com/cnnbook/cnnbook", "v9.9.9"
FAKE_PIP = """#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_PIP_ARGS"
printf '%s' "$FAKE_PIP_OUTPUT" >&2
exit "$FAKE_PIP_STATUS"
"""
# What pip prints for each kind of failure (from real runs), and what the cell must say.
FAILURES = {
    "no network": (
        "  error: subprocess-exited-with-error\n\n  × git clone --filter=blob:none --quiet "
        "https://github.com/cnnbook/cnnbook /tmp/pip-install-x/cnnbook did not run successfully."
        "\n  │ exit code: 128\n  ╰─> [1 lines of output]\n      fatal: unable to access "
        "'https://github.com/cnnbook/cnnbook/': Could not resolve host: github.com\n"
        "ERROR: Failed to build 'cnnbook' when git clone --filter=blob:none --quiet ...\n",
        ["no network: this runtime cannot reach", "Connect it to the internet"],
    ),
    "unknown ref": (
        "  error: subprocess-exited-with-error\n\n  × git checkout -q v9.9.9 did not run "
        "successfully.\n  │ exit code: 1\n  ╰─> [1 lines of output]\n      error: pathspec "
        "'v9.9.9' did not match any file(s) known to git\n      [end of output]\n"
        "ERROR: Failed to build 'cnnbook' when git checkout -q v9.9.9\n",
        ["unknown ref:", "no branch, tag or commit 'v9.9.9'", "book's Colab button"],
    ),
    "unknown repository": (
        "  × git clone --filter=blob:none --quiet https://github.com/cnnbook/cnnbook /tmp/x did "
        "not run successfully.\n  ╰─> [1 lines of output]\n      fatal: could not read "
        "Username for 'https://github.com': terminal prompts disabled\n",
        ["unknown repository:", "does not exist or is private"],
    ),
    "git missing": (
        "ERROR: Cannot find command 'git' - do you have 'git' installed and in your PATH?\n",
        ["git is missing", "Install git, then run this cell again"],
    ),
    "pip error": (
        "  error: subprocess-exited-with-error\nERROR: Could not build wheels for cnnbook, which "
        "is required to install pyproject.toml-based projects\n",
        ["pip error: pip could not install cnnbook (ERROR: Could not build wheels for cnnbook",
         f"Report it at {URL}/issues"],
    ),
}  # fmt: skip


@pytest.fixture
def shell(monkeypatch, tmp_path):
    """An IPython shell, as Colab's, that runs a cell and returns (error, what it showed)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    config = Config()
    config.HistoryManager.enabled = False
    instance = InteractiveShell.instance(config=config)

    def run(source: str):
        with capture_output() as shown:
            result = instance.run_cell(source, silent=True)
        text = shown.stdout + shown.stderr
        print(f"--- the cell shows:\n{text}---")
        return result.error_in_exec, text

    yield run
    InteractiveShell.clear_instance()


@pytest.fixture
def fake_pip(monkeypatch, tmp_path):
    """``sys.executable`` replaced by a script that prints ``output`` and exits with ``status``
    as pip would; returns a function that sets both and the file of the arguments it got."""
    script = tmp_path / "python"
    script.write_text(FAKE_PIP)
    script.chmod(0o755)
    calls = tmp_path / "pip-arguments"
    monkeypatch.setattr(sys, "executable", str(script))
    monkeypatch.setenv("FAKE_PIP_ARGS", str(calls))

    def pip(output: str = "", status: int = 0) -> Path:
        monkeypatch.setenv("FAKE_PIP_OUTPUT", output)
        monkeypatch.setenv("FAKE_PIP_STATUS", str(status))
        return calls

    return pip


def cell(url: str = URL, ref: str = REF) -> str:
    return notebooks.bootstrap_source(url, ref)


@pytest.mark.parametrize("kind", FAILURES)
def test_a_failed_install_says_why_and_what_to_do_in_one_message(
    kind, shell, fake_pip, monkeypatch
):
    output, words = FAILURES[kind]
    fake_pip(output, 1)
    monkeypatch.setenv("CNNBOOK_BOOTSTRAP", "1")
    error, shown = shell(cell())
    assert type(error).__name__ == "SetUpError"
    assert shown.strip().splitlines() == [f"SetUpError: {error}"]  # no traceback
    for word in words:
        assert word in shown, (word, shown)
    again = kind in ("no network", "git missing")  # where running the cell again can help
    assert ("run this cell again" in shown) == again, shown


def test_an_install_is_one_quiet_line_naming_version_and_ref(shell, fake_pip, monkeypatch):
    import cnnbook

    calls = fake_pip("WARNING: Running pip as the 'root' user can result in broken permissions\n")
    monkeypatch.setenv("CNNBOOK_BOOTSTRAP", "1")
    error, shown = shell(cell())
    assert error is None
    assert shown == f"cnnbook {cnnbook.__version__} installed from {URL} at {REF}\n"
    arguments = calls.read_text().splitlines()
    assert arguments == ["-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                         f"cnnbook @ git+{URL}@{REF}"]  # fmt: skip


def test_an_install_from_git_names_the_commit(shell, fake_pip, monkeypatch):
    from importlib import metadata

    class Installed:
        version = "0.9.0"

        def read_text(self, name):
            assert name == "direct_url.json"
            return '{"url": "x", "vcs_info": {"vcs": "git", "commit_id": "0123456789abcdef"}}'

    fake_pip()
    monkeypatch.setattr(metadata, "distribution", lambda name: Installed())
    monkeypatch.setenv("CNNBOOK_BOOTSTRAP", "1")
    error, shown = shell(cell())
    assert shown == f"cnnbook 0.9.0 installed from {URL} at {REF} (commit 0123456)\n", shown
    assert error is None


def test_colab_installs_without_the_variable(shell, fake_pip, monkeypatch):
    calls = fake_pip()
    monkeypatch.delenv("CNNBOOK_BOOTSTRAP", raising=False)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    error, shown = shell(cell())
    assert error is None and calls.is_file() and "installed from" in shown


def test_elsewhere_nothing_is_installed(shell, fake_pip, monkeypatch):
    calls = fake_pip()
    for value in (None, "0"):
        if value is None:
            monkeypatch.delenv("CNNBOOK_BOOTSTRAP", raising=False)
        else:
            monkeypatch.setenv("CNNBOOK_BOOTSTRAP", value)
        error, shown = shell(cell())
        assert error is None and shown == "" and not calls.exists()
    monkeypatch.setitem(sys.modules, "cnnbook", None)  # `import cnnbook` fails
    error, shown = shell(cell())
    assert type(error).__name__ == "SetUpError" and not calls.exists()
    assert "cnnbook is not installed here: run `pip install -e .` in a clone of" in shown
    assert shown.strip().splitlines() == [f"SetUpError: {error}"]


@pytest.fixture
def real_pip(monkeypatch, tmp_path):
    """pip as it is, kept from installing anything anywhere that matters should it succeed."""
    monkeypatch.setenv("PIP_TARGET", str(tmp_path / "target"))
    monkeypatch.setenv("PIP_NO_DEPS", "1")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("CNNBOOK_BOOTSTRAP", "1")


def test_real_pip_unknown_ref_and_missing_repository(shell, real_pip, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text('[project]\nname = "cnnbook"\nversion = "0.0.1"\n')
    git = ["git", "-c", "user.name=a", "-c", "user.email=a@example.org"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "x"]):
        subprocess.run([*git, *command], cwd=repo, check=True)
    error, shown = shell(cell(repo.as_uri(), "no-such-ref"))
    assert "unknown ref:" in shown and "'no-such-ref'" in shown, shown
    error, shown = shell(cell((tmp_path / "nothing").as_uri(), "main"))
    assert "unknown repository:" in shown, shown


def test_real_pip_without_network(shell, real_pip):
    error, shown = shell(cell("https://cnnbook.invalid/cnnbook/cnnbook", "main"))
    assert type(error).__name__ == "SetUpError"
    assert "no network: this runtime cannot reach https://cnnbook.invalid" in shown, shown


def test_the_cell_differs_between_refs_only_in_the_ref():
    main, tag = cell(URL, "main"), cell(URL, "v1.2.3")
    assert main.replace(f'"{URL}", "main"', f'"{URL}", "v1.2.3"') == tag
    assert tag.count("v1.2.3") == 1 and "%pip" not in tag and "!pip" not in tag
    assert '"--quiet"' in tag and '"--disable-pip-version-check"' in tag
