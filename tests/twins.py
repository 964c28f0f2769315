"""Twins for the in-memory engine's tests: the same repository aligned by align and by plain ``git rebase``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from align.cli import main
from tests.builders import steps_recipe
from tests.helpers import BRANCH, REF, Repo, git, write
from tests.journals import last_run
from tests.snapshots import Snapshot, rev, snapshot

OFFLINE = ("backup: {}", "rebase: {onto: origin/main}", "on_conflict: {action: pause}", "on_fail: {action: rollback}")
CHECKS = (
    "verify: {checks: [clean_state, contains_target, linear, backup_reachable, patches_preserved, metadata_preserved]}"
)


def mtimes(repo: Repo) -> dict[str, int]:
    """Every file's modification time in the working tree, and the index's."""
    found = {}
    for folder, dirs, names in os.walk(repo.path):
        dirs[:] = [name for name in dirs if name != ".git"]
        for name in names:
            path = Path(folder) / name
            found[str(path.relative_to(repo.path))] = path.lstat().st_mtime_ns
    found[".git/index"] = (repo.path / ".git" / "index").stat().st_mtime_ns
    return found


def user_work(repo: Repo) -> None:
    """On main: a staged change, an unstaged change and an untracked file (what the user keeps typing on)."""
    repo.git("switch", "--quiet", "main")
    write(repo.path / "staged.txt", "staged\n")
    repo.git("add", "staged.txt")
    write(repo.path / "README.md", "my unsaved edit\n")
    write(repo.path / "notes.txt", "untracked\n")


def twin(repo: Repo, tmp_path: Path) -> Path:
    """A byte-for-byte copy of the repository (same origin), for plain git to do the same work in."""
    copy = tmp_path / "twin"
    shutil.copytree(repo.path, copy, symlinks=True)
    return copy


def git_rebase(copy: Path, *config: str) -> str:
    """What plain git makes of the branch: ``git rebase --merge origin/main feature/x``; the new tip."""
    git(copy, "stash", "--include-untracked", "--quiet")
    args = [arg for item in config for arg in ("-c", item)]
    git(copy, *args, "rebase", "--merge", "--no-fork-point", "--quiet", "origin/main", BRANCH)
    return git(copy, "rev-parse", REF)


def aligned(repo: Repo, tmp_path: Path, *steps: str, config: tuple[str, ...] = ()) -> tuple[str, str, Snapshot]:
    """Align the branch (not checked out, the user's work on main) with align and with git; return both tips
    and the snapshot taken before align ran (which the run must leave as it was, but for the branch)."""
    user_work(repo)
    copy = twin(repo, tmp_path)
    before, times = snapshot(repo), mtimes(repo)
    recipe = steps_recipe(tmp_path, *(steps or (*OFFLINE, CHECKS)))
    assert main([BRANCH, "--recipe", recipe]) == 0
    assert mtimes(repo) == times  # not even a timestamp (before `git status` in the snapshot refreshes the index)
    after = snapshot(repo)
    assert after.refs == {**before.refs, REF: rev(repo, REF)}
    assert (after.head, after.index, after.status, after.files, after.modes, after.stashes) == (
        before.head, before.index, before.status, before.files, before.modes, before.stashes,
    )  # fmt: skip
    journal = last_run(repo)
    assert journal.engine == "memory", journal.engine_reason
    return rev(repo, REF), git_rebase(copy, *config), before
