"""Cases a review found: commits made during a run, other worktrees, user config, ignored files, leftovers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import (
    ALIGN_STEPS,
    REPORT,
    conflict,
    diverge,
    fetched_feature,
    make_dirty,
    moved_upstream,
    steps_recipe,
    three_commits,
    upstream,
)
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import backups, head, out, refs, rev, snapshot, stashes

Capture = pytest.CaptureFixture[str]


pytestmark = pytest.mark.usefixtures("in_repo")


def test_a_commit_made_during_the_run_is_never_lost(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    three_commits(repo)
    moved_upstream(repo)
    # origin's upload-pack commits on feature/x in this clone while align fetches: someone else's commit.
    late = tmp_path / "late.sh"
    write(late, f'#!/bin/sh\ngit -C "{repo.path}" commit --quiet --allow-empty -m late\nexec git-upload-pack "$@"\n')
    late.chmod(0o755)
    repo.git("config", "remote.origin.uploadpack", str(late))

    assert main([BRANCH]) == 4

    assert "feature/x moved since align read it" in out(capsys)
    assert repo.git("log", "-1", "--format=%s", REF) == "late"  # the late commit is still the tip
    assert head(repo) == REF
    assert not (repo.path / ".git" / "rebase-merge").exists()


def test_continue_or_abort_from_another_worktree_is_refused(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    three_commits(repo)
    mine = [("README.md", "from clash\n", "clash: readme")]
    diverge(
        repo, mine, [("README.md", "from upstream\n", "upstream: readme")], via="clone", head="clash", branch="clash"
    )
    assert main(["clash"]) == 3
    other = tmp_path / "other-tree"
    repo.git("worktree", "add", "--quiet", str(other), "main")
    before = snapshot(repo)
    capsys.readouterr()

    monkeypatch.chdir(other)
    for action in ("continue", "skip", "abort"):
        assert main([action]) == 4
        assert f"belongs to the working tree {repo.path}" in out(capsys)
    monkeypatch.chdir(repo.path)
    assert snapshot(repo) == before  # still paused, untouched
    assert main(["abort"]) == 0
    assert head(repo) == "refs/heads/clash"


def test_the_users_update_refs_config_does_not_move_other_branches(repo: Repo, capsys: Capture) -> None:
    old = fetched_feature(repo)
    repo.git("branch", "feature/part", old[0])
    repo.git("config", "rebase.updateRefs", "true")

    assert main([BRANCH]) == 0

    assert rev(repo, REF) != old[-1]
    assert rev(repo, "refs/heads/feature/part") == old[0]  # the recipe says update_refs: false


def test_an_ignored_file_the_target_adds_is_not_overwritten(repo: Repo, capsys: Capture) -> None:
    old = three_commits(repo)
    write(repo.path / ".git" / "info" / "exclude", "secret.env\n")
    write(repo.path / "secret.env", "API_KEY=mine\n")
    upstream(repo, "secret.env", "TEMPLATE=1\n", "upstream: add a template")

    assert main([BRANCH]) == 4

    assert "1 ignored file(s) here would be overwritten or deleted by the checkouts of this run" in out(capsys)
    assert (repo.path / "secret.env").read_text() == "API_KEY=mine\n"
    assert rev(repo, REF) == old[-1]


def test_a_validate_command_that_edits_files_still_rolls_back(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    make_dirty(repo)
    before = snapshot(repo)
    validate = 'validate: {run: [["sh", "-c", "echo formatted >> a.txt; echo new > made.txt; exit 1"]]}'
    path = steps_recipe(tmp_path, *ALIGN_STEPS, validate, REPORT)

    assert main([BRANCH, "--recipe", path]) == 1

    text = out(capsys)
    assert "failed: everything rolled back" in text
    [leftovers] = refs(repo, "refs/align/leftovers/")
    assert f"(by validate or a hook) is kept as {leftovers} (not in your stash list)" in text
    assert rev(repo, REF) == old[-1]
    after = snapshot(repo)
    assert after.files == before.files
    assert after.status == before.status
    assert stashes(repo) == before.stashes  # the user's stash list is theirs alone
    kept = repo.git("show", "--format=", "--stat", leftovers)
    assert "a.txt" in kept
    assert repo.git("show", f"{leftovers}^3:made.txt") == "new"


def test_a_branch_checked_out_in_another_worktree_is_refused(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    repo.git("switch", "--quiet", "main")
    other = tmp_path / "feature-tree"
    repo.git("worktree", "add", "--quiet", str(other), BRANCH)

    assert main([BRANCH]) == 4

    assert f"feature/x is checked out in another working tree: {other}" in out(capsys)
    assert rev(repo, REF) == old[-1]
    assert backups(repo) == {}
    assert main(["backups", "restore", BRANCH]) == 2  # no backup was made


def test_a_bad_branch_among_several_refuses_before_any_is_aligned(repo: Repo, capsys: Capture) -> None:
    old = fetched_feature(repo)

    assert main([BRANCH, "no-such-branch"]) == 4

    assert "no branch 'no-such-branch'" in out(capsys)
    assert rev(repo, REF) == old[-1]
    assert backups(repo) == {}


def test_without_patches_preserved_a_commit_dropped_outside_align_skip_is_a_warning(
    repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    three_commits(repo)
    mine = [("README.md", "from clash\n", "clash: readme"), ("later.txt", "later\n", "clash: later")]
    diverge(
        repo, mine, [("README.md", "from upstream\n", "upstream: readme")], via="clone", head="clash", branch="clash"
    )
    recipe = steps_recipe(tmp_path, *ALIGN_STEPS, "verify: {checks: [linear]}", REPORT)
    assert main(["clash", "--recipe", recipe]) == 3
    write(repo.path / "README.md", "from both\n")
    repo.git("add", "README.md")
    repo.git("-c", "sequence.editor=sed -i -e /^pick/d", "rebase", "--edit-todo")  # the user drops one with git
    capsys.readouterr()

    assert main(["continue"]) == 0

    text = out(capsys)
    assert "1 commit(s) of clash are not in the new branch and were not dropped with `align skip`" in text
    assert "git range-diff" in text


def test_an_untracked_file_the_target_adds_is_refused_before_stashing(repo: Repo, capsys: Capture) -> None:
    old = three_commits(repo)
    write(repo.path / "notes.txt", "my notes\n")
    upstream(repo, "notes.txt", "their notes\n", "upstream: add notes")

    assert main([BRANCH]) == 4

    assert "adds 1 file(s) that exist here untracked, which the rebase would overwrite" in out(capsys)
    assert (repo.path / "notes.txt").read_text() == "my notes\n"
    assert repo.git("status", "--porcelain") == "?? notes.txt"
    assert rev(repo, REF) == old[-1]


def test_a_conflict_in_a_file_whose_name_is_not_utf8(repo: Repo, capsys: Capture) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    three = [(f"{letter}.txt", f"{letter}\n", f"feature: add {letter}") for letter in "abc"]  # as three_commits
    conflict(
        repo,
        {name: "added"},
        before=three,
        subject="feature: cafe",
        upstream_subject="upstream: cafe",
        via="clone",
        head=BRANCH,
    )

    assert main([BRANCH]) == 3

    text = out(capsys)
    assert "caf\\udce9.txt" in text or "caf\\xe9.txt" in text  # escaped, not a crash
    assert main(["abort"]) == 0


def test_a_repository_without_commits_is_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    empty = tmp_path / "empty"
    subprocess.run(["git", "init", "--quiet", str(empty)], check=True)
    monkeypatch.chdir(empty)

    assert main(["run"]) == 4

    assert "no branch 'main' in this repository" in out(capsys)


def test_a_current_directory_that_vanished_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()

    assert main(["status"]) == 2

    assert "the current directory no longer exists" in out(capsys)


def test_an_untracked_folder_the_target_adds_other_files_to_is_no_clash(repo: Repo, capsys: Capture) -> None:
    old = three_commits(repo)
    write(repo.path / "docs" / "notes.md", "mine\n")
    upstream(repo, "docs/guide.md", "theirs\n", "upstream: add a guide")

    assert main([BRANCH]) == 0

    assert (repo.path / "docs" / "notes.md").read_text() == "mine\n"
    assert rev(repo, REF) != old[-1]


def test_an_untracked_file_where_the_target_adds_a_folder_is_refused(repo: Repo, capsys: Capture) -> None:
    old = three_commits(repo)
    write(repo.path / "tools", "a file, not a folder\n")
    upstream(repo, "tools/run.sh", "echo run\n", "upstream: add tools")

    assert main([BRANCH]) == 4

    assert "adds 1 file(s) that exist here untracked, which the rebase would overwrite" in out(capsys)
    assert (repo.path / "tools").read_text() == "a file, not a folder\n"
    assert rev(repo, REF) == old[-1]
