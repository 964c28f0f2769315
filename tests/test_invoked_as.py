"""Hints name the command the user ran: `nox -s align -- continue`, `git align continue` (issue 10 item 18)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from align import invocation
from align.cli import main
from tests.builders import conflict
from tests.helpers import Repo, write

ROOT = Path(__file__).resolve().parents[1]
NOX = "nox -s align --"


def conflicting(repo: Repo) -> None:
    """feature/x's only commit and origin/main both change README.md; main is checked out."""
    conflict(repo, subject="feature: reword", upstream_subject="upstream: reword")


def commands_named(text: str) -> set[str]:
    """Every `... continue|skip|abort|status|undo` command the text names (whatever its prefix)."""
    found = re.findall(r"((?:nox -s align --|git align|align) (?:continue|skip|abort|status|undo))\b", text)
    return set(found)


@pytest.mark.parametrize(
    ("argv0", "environ", "expected"),
    [
        ("/venv/bin/align", {}, "align"),
        ("/venv/bin/git-align", {}, "git align"),
        ("C:\\venv\\Scripts\\git-align.exe".replace("\\", "/"), {}, "git align"),
        ("/venv/bin/align", {"ALIGN_COMMAND": "  nox -s  align -- "}, NOX),
        ("/venv/bin/git-align", {"ALIGN_COMMAND": "hatch run align"}, "hatch run align"),
        ("/x/align/__main__.py", {"ALIGN_COMMAND": ""}, "align"),
    ],
)
def test_the_prefix_comes_from_the_environment_or_the_program_name(
    argv0: str, environ: dict[str, str], expected: str
) -> None:
    assert invocation.detect(argv0, environ) == expected


def test_started_through_nox_every_hint_says_nox_also_in_a_later_plain_align_status(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    conflicting(repo)
    monkeypatch.setenv("ALIGN_COMMAND", NOX)
    capsys.readouterr()

    assert main(["feature/x"]) == 3

    paused = capsys.readouterr().out
    assert f"  {NOX} continue  go on with the next commit" in paused
    assert f"  {NOX} skip      drop this commit from the branch (the report lists it)" in paused
    assert f"  {NOX} abort     put everything back as it was before the run" in paused
    assert commands_named(paused) == {f"{NOX} continue", f"{NOX} skip", f"{NOX} abort"}

    monkeypatch.delenv("ALIGN_COMMAND")  # the user now types plain `align status`: the run's command is kept
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert f"  next: `{NOX} continue`, `{NOX} skip` or `{NOX} abort`" in status
    assert commands_named(status) == {f"{NOX} continue", f"{NOX} skip", f"{NOX} abort"}

    assert main(["continue"]) == 4  # README.md is unresolved
    err = capsys.readouterr().err
    assert f"and run `{NOX} continue` again" in err
    assert commands_named(err) == {f"{NOX} continue"}

    assert main(["feature/x"]) == 4  # a second run while this one is paused
    err = capsys.readouterr().err
    assert commands_named(err) == {f"{NOX} continue", f"{NOX} skip", f"{NOX} abort", f"{NOX} status"}

    assert main(["abort"]) == 0
    assert repo.git("log", "--format=%s", "-1", "feature/x") == "feature: reword"
    assert not (repo.path / ".git" / "rebase-merge").exists()
    assert not (repo.path / ".git" / "align" / "journal.json").exists()
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert repo.git("status", "--porcelain") == ""


def test_a_plain_align_run_says_align_even_after_a_nox_run(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The prefix is per process and per run: nothing of a previous nox run leaks into the next one."""
    monkeypatch.chdir(repo.path)
    conflicting(repo)
    monkeypatch.setenv("ALIGN_COMMAND", NOX)
    assert main(["feature/x"]) == 3
    assert main(["abort"]) == 0
    monkeypatch.delenv("ALIGN_COMMAND")
    capsys.readouterr()

    assert main(["feature/x"]) == 3

    assert commands_named(capsys.readouterr().out) == {"align continue", "align skip", "align abort"}


def test_git_align_as_git_runs_it_says_git_align(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: `git align feature/x` (git finds git-align on PATH) guides with `git align continue`."""
    monkeypatch.chdir(repo.path)
    conflicting(repo)
    scripts = Path(sys.executable).parent
    assert (scripts / "git-align").exists()
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ['PATH']}"}
    env.pop("ALIGN_COMMAND", None)

    done = subprocess.run(["git", "align", "feature/x"], env=env, capture_output=True, text=True, check=False)

    assert done.returncode == 3, done.stderr
    assert commands_named(done.stdout) == {"git align continue", "git align skip", "git align abort"}
    status = subprocess.run(["align", "status"], env=env, capture_output=True, text=True, check=False).stdout
    assert "  next: `git align continue`, `git align skip` or `git align abort`" in status
    assert repo.git("rev-parse", "--abbrev-ref", "HEAD") == "HEAD"  # paused, as said


@pytest.mark.slow
def test_a_noxfile_session_that_sets_align_command_guides_with_nox(repo: Repo, tmp_path: Path) -> None:
    """The snippet the docs give for a team's noxfile, run by real nox."""
    conflicting(repo)
    noxfile = write(
        tmp_path / "elsewhere" / "noxfile.py",
        """\
        import sys

        import nox


        @nox.session(venv_backend="none", default=False)
        def align(session):
            session.chdir(session.invoked_from)
            session.run(
                sys.executable, "-m", "align", *(session.posargs or ["run"]),
                env={"ALIGN_COMMAND": "nox -s align --"}, external=True,
            )
        """,
    )
    argv = [sys.executable, "-m", "nox", "--no-color", "-f", str(noxfile), "-s", "align", "--", "feature/x"]
    env = {key: value for key, value in os.environ.items() if key != "ALIGN_COMMAND"}

    done = subprocess.run(argv, cwd=repo.path, env=env, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode != 0
    assert commands_named(done.stdout) == {f"{NOX} continue", f"{NOX} skip", f"{NOX} abort"}


def test_our_noxfile_align_session_sets_align_command() -> None:
    text = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    session = text[text.index("def align(") : text.index("@nox.session", text.index("def align("))]
    assert 'env={"ALIGN_COMMAND": "nox -s align --"}' in session
    assert text.count("ALIGN_COMMAND") == 2  # only the align session (and its comment)


def test_the_did_you_mean_and_the_recipe_hints_name_the_command_too(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("ALIGN_COMMAND", NOX)
    assert main(["stauts"]) == 2
    assert f"did you mean `{NOX} status`?" in capsys.readouterr().err
    write(repo.path / "bad.yaml", "version: 1\nsteps: []\n")
    assert main(["main", "--recipe", "bad.yaml"]) == 2
    assert f"then run `{NOX} check` again" in capsys.readouterr().err
