"""validate on a branch that is not checked out (issue 11): the memory engine aligns it, and the real nox
sessions run in a temporary worktree of its new tip; the user's tree, index, HEAD, mtimes and stash list
are never touched, and no worktree is left after a pass, a failure, a signal, a kill, ``align abort``."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import feature, steps_recipe, upstream
from tests.helpers import BRANCH, REF, Repo, write
from tests.journals import last_run
from tests.killing import Wrapper, copy, environment, hermetic_env, subcommand
from tests.snapshots import difference, rev, snapshot
from tests.twins import OFFLINE, mtimes, user_work

NOXFILE = """\
import pathlib

import nox


@nox.session(venv_backend="none")
def good(session):
    here = pathlib.Path.cwd()
    seen = [str(here), str((here / "up.txt").exists()), (here / "a.txt").read_text()]
    pathlib.Path({out!r}).write_text("\\n".join(seen))


@nox.session(venv_backend="none")
def bad(session):
    session.error("lint found 2 problems")
"""


def team(repo: Repo, out: Path) -> list[str]:
    """The noxfile on main; feature/x adds a.txt; origin/main (fetched) adds up.txt; the user on main with
    staged, unstaged and untracked work and a stash of their own. Returns the feature's commits."""
    repo.commit("noxfile.py", NOXFILE.format(out=str(out)), "the team's noxfile")
    repo.git("push", "--quiet", "origin", "main")
    old = feature(repo, ("a.txt", "a from the feature\n", "feature: add a"))
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    user_work(repo)  # (switches to main)
    repo.git("stash", "push", "--quiet", "--include-untracked", "-m", "the user's own")
    user_work(repo)
    write(repo.path / "a.txt", "the user's own a.txt on main\n")
    os.chdir(repo.path)
    return old


def worktrees_left(repo: Repo) -> list[str]:
    """Every worktree git knows beside the main one, and any record of one in the git dir."""
    listed = repo.git("worktree", "list", "--porcelain").splitlines()
    others = [line for line in listed if line.startswith("worktree ") and line != f"worktree {repo.path}"]
    records = repo.path / ".git" / "worktrees"
    return others + ([str(path) for path in records.iterdir()] if records.exists() else [])


def recipe(tmp_path: Path, session: str) -> str:
    return steps_recipe(tmp_path, *OFFLINE, f"validate: {{nox: [{session}]}}")


def test_a_passing_session_runs_in_a_temporary_worktree_of_the_new_tip(repo: Repo, tmp_path: Path) -> None:
    out = tmp_path / "seen.txt"
    team(repo, out)
    before, times = snapshot(repo), mtimes(repo)

    assert main([BRANCH, "--recipe", recipe(tmp_path, "good")]) == 0

    where, up, a_text = out.read_text(encoding="utf-8").split("\n", 2)
    assert Path(where) != repo.path
    assert not Path(where).exists()  # removed afterwards
    assert (up, a_text) == ("True", "a from the feature\n")  # the aligned branch's files
    assert mtimes(repo) == times  # (before git status refreshes the index)
    after = snapshot(repo)
    new = rev(repo, REF)
    assert repo.git("rev-parse", f"{new}~1") == rev(repo, "origin/main")
    assert difference(dataclasses.replace(before, refs={**before.refs, REF: new}), after) == ""
    assert worktrees_left(repo) == []
    journal = last_run(repo)
    assert (journal.engine, journal.tree_moved, journal.validate_worktree) == ("memory", False, "")
    phase = next(item for item in journal.found.phases if item.name == "validate")
    assert phase.detail == f"1 passed: nox:good (in a temporary worktree of {new[:12]})"


def test_a_failing_session_rolls_the_branch_back_and_leaves_no_worktree(repo: Repo, tmp_path: Path) -> None:
    old = team(repo, tmp_path / "seen.txt")
    before, times = snapshot(repo), mtimes(repo)

    assert main([BRANCH, "--recipe", recipe(tmp_path, "bad")]) == 1

    assert mtimes(repo) == times  # (before git status refreshes the index)
    assert difference(before, snapshot(repo)) == ""
    assert rev(repo, REF) == old[-1]
    assert worktrees_left(repo) == []
    journal = last_run(repo)
    assert journal.status == "failed_rolled_back"
    assert journal.engine == "memory"
    assert "lint found 2 problems" in journal.message


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "action"), [("after", "abort"), ("after", "continue"), ("sigterm", "abort")])
def test_a_kill_or_a_signal_at_the_worktree_leaves_none_behind(
    mode: str, action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``after``: SIGKILL right after ``git worktree add`` (the worktree is there, nox is next); ``sigterm``:
    a signal as it starts (align stops it, removes what it made and ends interrupted)."""
    env = hermetic_env(tmp_path / "home")
    with environment(env):
        work = Repo.create(tmp_path / "work")
        old = team(work, tmp_path / "seen.txt")
    steps = recipe(tmp_path, "good")
    before = snapshot(work)
    reference = copy(work.path, tmp_path / "reference")
    counted = Wrapper(tmp_path / "count")
    assert counted.run(reference.path, env, BRANCH, "--recipe", steps).code == 0
    expected = snapshot(reference)
    added = next(number for number, argv in enumerate(counted.calls(), 1) if subcommand(argv) == "worktree-add")
    repo = copy(work.path, tmp_path / "stopped")
    stopped = Wrapper(tmp_path / "stop", mode, added).run(repo.path, env, BRANCH, "--recipe", steps)
    assert stopped.code == (-9 if mode == "after" else 130), stopped.output
    if mode == "after":
        assert len(worktrees_left(repo)) == 2  # the worktree and git's record of it
    else:
        assert worktrees_left(repo) == []  # removed on the way out
    monkeypatch.chdir(repo.path)

    with environment(env):
        assert main([action]) == 0

    after = snapshot(repo)
    target = expected if action == "continue" else before
    assert difference(dataclasses.replace(target, config=after.config), after) == ""
    assert rev(repo, REF) == (target.refs[REF] if action == "continue" else old[-1])
    assert worktrees_left(repo) == []
