"""A hostile review of the in-memory engine (issue 11), continued: what git's rebase reads from the working
tree it checks out (``.gitattributes``), and a branch checked out in another worktree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import FEATURE_EDIT, UPSTREAM_EDIT, feature, steps_recipe, upstream
from tests.helpers import BRANCH, REF, Repo, git, write
from tests.journals import last_run
from tests.snapshots import difference, in_progress, rev, snapshot
from tests.twins import OFFLINE, git_rebase, twin

ABORTING = ("backup: {}", "rebase: {onto: origin/main}", "on_conflict: {action: abort}", "on_fail: {action: rollback}")


def plain_rebase(copy: Path) -> int:
    """Run plain ``git rebase`` in the twin; return its exit code (1: it stopped at a conflict)."""
    args = ["git", "rebase", "--merge", "--no-fork-point", "--quiet", "origin/main", BRANCH]
    return subprocess.run(args, cwd=copy, capture_output=True, check=False).returncode


def test_the_users_own_merge_attribute_does_not_resolve_the_features_conflict(repo: Repo, tmp_path: Path) -> None:
    """On main the user committed ``*.md merge=union`` (not pushed); neither the feature nor the target has it.
    git's rebase checks the feature out, where the attribute is not: the pick conflicts and git stops."""
    old = feature(repo, ("a.txt", "a\n", "feature: add a"), FEATURE_EDIT)
    upstream(repo, *UPSTREAM_EDIT, fetch=True)
    repo.git("switch", "--quiet", "main")
    repo.commit(".gitattributes", "*.md merge=union\n", "mine: union merges for markdown")
    os.chdir(repo.path)
    copy = twin(repo, tmp_path)

    code = main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)])

    assert plain_rebase(copy) == 1  # git stops at the conflict
    assert (code, in_progress(repo)) != (0, False), "align made a union merge git does not make"
    assert git(repo.path, "show", f"{REF}:README.md") != "hello from upstream\nhello from the feature"
    assert rev(repo, REF) == old[-1] or in_progress(repo)


def test_a_merge_attribute_the_branch_brings_resolves_its_later_conflict_as_in_git(repo: Repo, tmp_path: Path) -> None:
    """The feature adds ``*.md merge=union`` before its edit of README.md: in git's rebase the attribute is
    checked out when the edit is picked, so the pick merges cleanly; ``on_conflict: abort`` must not abort."""
    feature(repo, (".gitattributes", "*.md merge=union\n", "feature: union merges for markdown"), FEATURE_EDIT)
    upstream(repo, *UPSTREAM_EDIT, fetch=True)
    repo.git("switch", "--quiet", "main")
    os.chdir(repo.path)
    copy = twin(repo, tmp_path)

    code = main([BRANCH, "--recipe", steps_recipe(tmp_path, *ABORTING)])

    assert git_rebase(copy) == rev(repo, REF)
    assert code == 0


def test_the_checked_out_branchs_later_merge_attribute_does_not_resolve_its_earlier_conflict(
    repo: Repo, tmp_path: Path
) -> None:
    """The feature (checked out) edits README.md, then adds ``*.md merge=union``: git's rebase picks the edit
    with the target checked out, where the attribute is not yet: it stops at the conflict."""
    old = feature(repo, FEATURE_EDIT, (".gitattributes", "*.md merge=union\n", "feature: union merges for markdown"))
    upstream(repo, *UPSTREAM_EDIT, fetch=True)
    os.chdir(repo.path)
    copy = twin(repo, tmp_path)

    code = main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)])

    assert plain_rebase(copy) == 1
    assert (code, in_progress(repo)) != (0, False), "align made a union merge git does not make"
    assert rev(repo, REF) == old[-1] or in_progress(repo)


def test_a_branch_checked_out_in_another_worktree_is_not_moved_under_its_feet(repo: Repo, tmp_path: Path) -> None:
    old = feature(repo, ("a.txt", "a\n", "feature: add a"))
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    elsewhere = tmp_path / "elsewhere"
    repo.git("worktree", "add", "--quiet", str(elsewhere), BRANCH)
    os.chdir(repo.path)
    before = snapshot(repo)

    code = main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)])

    status = git(elsewhere, "status", "--porcelain")
    assert (code, rev(repo, REF), status) == (4, old[-1], ""), last_run(repo).engine
    assert difference(before, snapshot(repo)) == ""


def test_the_checked_out_branch_that_cannot_move_gets_the_users_work_back(repo: Repo, tmp_path: Path) -> None:
    """The work went to align's stash before the ref transaction; the transaction is refused: every bit back."""
    old = feature(repo, ("a.txt", "a\n", "feature: add a"), ("b.txt", "b\n", "feature: add b"))
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    write(repo.path / "a.txt", "my edit of a\n")
    write(repo.path / "b.txt", "staged b\n")
    repo.git("add", "b.txt")
    write(repo.path / "mine.txt", "untracked\n")
    hook = repo.path / ".git" / "hooks" / "reference-transaction"
    hook.parent.mkdir(exist_ok=True)
    moves = f"awk '$3 == \"{REF}\" && $1 != $2 {{found = 1}} END {{exit !found}}'"  # the branch moving, only
    hook.write_text(f'#!/bin/sh\n[ "$1" = prepared ] && {moves} && exit 1\nexit 0\n', encoding="utf-8")
    hook.chmod(0o755)
    os.chdir(repo.path)
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 4

    assert rev(repo, REF) == old[-1]
    assert difference(before, snapshot(repo)) == ""
    assert git(repo.path, "for-each-ref", "refs/align/stash/") == ""


def test_run_from_a_linked_worktree_where_the_branch_is_checked_out(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The branch is replayed in memory and that worktree follows; the main worktree is not touched."""
    feature(repo, ("a.txt", "a\n", "feature: add a"), ("b.txt", "b\n", "feature: add b"))
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    copy = twin(repo, tmp_path)
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "--quiet", str(linked), BRANCH)
    write(linked / "a.txt", "my edit of a\n")
    write(linked / "mine.txt", "untracked\n")
    os.chdir(linked)
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 0

    assert rev(repo, REF) == git_rebase(copy)
    assert git(linked, "status", "--porcelain") == "M a.txt\n?? mine.txt"
    assert (linked / "up.txt").read_bytes() == b"up\n"
    assert "engine:  memory" in capsys.readouterr().out
    assert (linked / "a.txt").read_bytes() == b"my edit of a\n"
    after = snapshot(repo)
    assert (after.head, after.index, after.files, after.stashes) == (
        before.head,
        before.index,
        before.files,
        before.stashes,
    )
