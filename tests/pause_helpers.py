"""Helpers of the pause tests: a paused run, the user going on with git by hand, what the run reported."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from align.cli import main
from tests.builders import diverge
from tests.helpers import Repo, lock_left
from tests.safety_helpers import (
    feature_repo,
    git_dir,
    journal_file,
    lock_file,
    make_dirty,
    snapshot,
)

ABORTED = (0, 1)  # a complete `align abort` exits 1 today; issue 9 item 16 makes it 0


def by_hand(repo: Repo, way: str) -> None:
    """Run ``git rebase --WAY`` as the user would in a terminal (an editor that accepts the message)."""
    env = {**os.environ, "GIT_EDITOR": "true"}
    done = subprocess.run(["git", "rebase", f"--{way}"], cwd=repo.path, env=env, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr


def last_report(repo: Repo) -> dict[str, Any]:
    runs = sorted((git_dir(repo) / "align" / "runs").glob("*/report.json"))
    return dict(json.loads(runs[-1].read_text(encoding="utf-8")))


def paused(repo: Repo, head: str) -> tuple[str, dict[str, Any]]:
    """Pause a run of feature/x (its first commit conflicts) over a dirty tree; return the old tip, the state before."""
    original = feature_repo(repo, head=head, conflict=True)
    make_dirty(repo)
    before = snapshot(repo)
    assert main(["feature/x"]) == 3
    return original, before


def assert_work_back(repo: Repo, before: dict[str, Any]) -> None:
    """The user's uncommitted work, stashes and HEAD's branch are as before; no rebase, lock or journal left."""
    after = snapshot(repo)
    for key in ("worktree", "index", "status", "untracked", "stash", "operations"):
        if key == "index":  # the staged README.md line sits on the new base: compare the paths staged
            assert [line.split("\t")[1] for line in after[key].splitlines()] == [
                line.split("\t")[1] for line in before[key].splitlines()
            ]
            continue
        assert after[key] == before[key], key
    assert after["head"][0] == before["head"][0]
    assert not (git_dir(repo) / "rebase-merge").exists()
    assert not lock_left(lock_file(repo))
    assert not journal_file(repo).exists()


Commit = tuple[str, str, str]


def git_by_hand(repo: Repo, *args: str) -> int:
    """Run git as the user would in a terminal (an editor that accepts the message); return its exit code."""
    env = {**os.environ, "GIT_EDITOR": "true"}
    return subprocess.run(["git", *args], cwd=repo.path, env=env, capture_output=True, check=False).returncode


def build(repo: Repo, *commits: Commit) -> list[str]:
    """feature/x with ``commits`` (file, text, subject); origin/main changes README.md; main checked out."""
    return diverge(repo, commits, [("README.md", "upstream side\n", "upstream change")]).commits


def clashing(number: int) -> Commit:
    return ("README.md", f"feature side {number}\n", f"feature: clash {number}")


def clean(name: str) -> Commit:
    return (name, f"{name}\n", f"feature: add {name}")


def report_of(repo: Repo) -> dict[str, Any]:
    git_dir = repo.path / ".git"
    runs = sorted((git_dir / "align" / "runs").glob("*/report.json"))
    return dict(json.loads(runs[-1].read_text(encoding="utf-8")))


def assert_finished(repo: Repo, subjects: list[str]) -> None:
    """feature/x is origin/main plus ``subjects`` (newest first); main is back; no rebase, journal or lock."""
    assert repo.git("log", "--format=%s", "origin/main..feature/x").splitlines() == subjects
    assert repo.git("merge-base", "feature/x", "origin/main") == repo.git("rev-parse", "origin/main")
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert repo.git("status", "--porcelain") == ""
    assert repo.git("stash", "list") == ""
    git_dir = repo.path / ".git"
    assert not (git_dir / "rebase-merge").exists()
    assert not (git_dir / "align" / "journal.json").exists()
    assert not lock_left(git_dir / "align" / "lock")


def dropped(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(item["sha"], item["subject"], item["reason"]) for item in report["commits"]["dropped"]]


SKIPPED = "skipped by the user (with git)"
