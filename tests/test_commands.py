"""The commands around a run: several branches, plan, target and remote choice (undo, backups, continue and
skip: tests/test_commands_restore.py)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import (
    ALIGN_STEPS,
    REPORT,
    merged_feature,
    moved_upstream,
    steps_recipe,
    three_commits,
    trunk_only,
    two_features,
)
from tests.helpers import BRANCH, OTHER, REF, Repo
from tests.snapshots import backups, head, in_progress, is_ancestor, out, rev, snapshot, subjects

Capture = pytest.CaptureFixture[str]


pytestmark = pytest.mark.usefixtures("in_repo")


# -- run: several branches ---------------------------------------------------------------------------------


def test_several_branches_are_aligned_in_one_command(repo: Repo, capsys: Capture) -> None:
    x, y = two_features(repo)

    assert main([BRANCH, OTHER]) == 0

    text = out(capsys)
    assert len(re.findall(r"onto origin/main \([0-9a-f]{12}\): aligned", text)) == 2
    target = rev(repo, "origin/main")
    for ref, old in ((REF, x), (f"refs/heads/{OTHER}", y)):
        assert rev(repo, ref) != old
        assert is_ancestor(repo, target, ref)
    assert subjects(repo, f"origin/main..{OTHER}") == ["feature: add y"]
    assert sorted(backups(repo).values()) == sorted([x, y])
    assert head(repo) == f"refs/heads/{OTHER}"
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""


def test_the_exit_code_of_several_branches_is_the_worst(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    x, y = two_features(repo)
    fails_on_y = [sys.executable, "-c", "import os, sys; sys.exit(os.path.exists('y.txt'))"]
    path = steps_recipe(tmp_path, *ALIGN_STEPS, f"validate: {{run: [{json.dumps(fails_on_y)}]}}", REPORT)

    assert main([OTHER, BRANCH, "--recipe", path]) == 1  # y fails first; x is aligned all the same

    text = out(capsys)
    assert "align: feature/y onto origin/main" in text
    assert "failed: everything rolled back" in text
    assert rev(repo, f"refs/heads/{OTHER}") == y
    assert is_ancestor(repo, "origin/main", REF)
    assert rev(repo, REF) != x


def test_a_pause_stops_before_the_next_branch(repo: Repo, capsys: Capture) -> None:
    x, y = two_features(repo, conflicting=True)
    repo.git("fetch", "--quiet")
    before = snapshot(repo)

    assert main([BRANCH, OTHER]) == 3

    assert "paused at a conflict" in out(capsys)
    assert in_progress(repo)
    assert rev(repo, f"refs/heads/{OTHER}") == y
    assert list(backups(repo).values()) == [x]

    assert main(["abort"]) == 0

    assert snapshot(repo) == before


# -- plan --------------------------------------------------------------------------------------------------


def test_plan_when_the_target_was_never_fetched(repo: Repo, capsys: Capture) -> None:
    three_commits(repo)
    repo.git("update-ref", "-d", "refs/remotes/origin/main")
    before = snapshot(repo)

    assert main(["plan"]) == 0  # the current branch

    text = out(capsys)
    assert "plan: align feature/x onto origin/main (recipe default" in text
    assert "origin/main does not exist yet here; the fetch step will create it" in text
    assert "forecast:" not in text  # with the colon: a worktree's path may hold the word
    assert snapshot(repo) == before


def test_plan_of_an_up_to_date_branch(repo: Repo, capsys: Capture) -> None:
    three_commits(repo)

    assert main(["plan", BRANCH]) == 0

    text = out(capsys)
    assert "feature/x: 3 commit(s) of its own, 0 new commit(s) on origin/main" in text
    assert "already up to date" in text
    assert "forecast:" not in text  # with the colon: a worktree's path may hold the word


def test_plan_of_a_branch_with_a_merge_commit(repo: Repo, capsys: Capture) -> None:
    merged_feature(repo)
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    before = snapshot(repo)

    assert main(["plan", BRANCH]) == 0

    text = out(capsys)
    assert "feature/x: 3 commit(s) of its own, 1 new commit(s) on origin/main" in text
    assert "1 merge commit(s) on the branch" in text
    assert (  # the default recipe does not keep merges: the run refuses (test_steps)
        "forecast: none exact: feature/x has 1 merge commit(s) since origin/main; the run refuses to flatten "
        "them (`rebase_merges: true` keeps them)" in text
    )
    assert snapshot(repo) == before


# -- choosing the remote and the target --------------------------------------------------------------------


def test_a_remote_name_that_reads_as_an_option_is_refused(repo: Repo, capsys: Capture) -> None:
    three_commits(repo)
    moved_upstream(repo)
    before = snapshot(repo)

    assert main([BRANCH, "--remote=--upload-pack=touch x"]) == 2

    assert "refusing remote name '--upload-pack=touch x'" in out(capsys)
    assert snapshot(repo) == before
    assert backups(repo) == {}
    assert not (repo.path / "x").exists()


def test_no_target_found_is_refused_and_target_names_it(repo: Repo, capsys: Capture) -> None:
    old = trunk_only(repo)
    repo.git("--git-dir", str(repo.origin), "symbolic-ref", "HEAD", "refs/heads/gone")  # origin names no branch
    before = snapshot(repo)
    assert not {"refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/heads/main"} & set(before.refs)

    assert main([BRANCH]) == 4

    text = out(capsys)
    assert (
        "cannot tell which branch to align onto: origin/HEAD, main and master are all missing; "
        "origin did not name its HEAD branch either" in text
    )
    assert "align BRANCH --target NAME" in text
    assert snapshot(repo) == before
    assert backups(repo) == {}

    assert main([BRANCH, "--target", "trunk"]) == 0

    assert "align: feature/x onto origin/trunk (" in out(capsys)
    assert is_ancestor(repo, "origin/trunk", REF)
    assert subjects(repo, f"origin/trunk..{REF}") == ["feature: add a"]
    assert list(backups(repo).values()) == [old]


def test_the_target_defaults_to_the_remotes_head_branch(repo: Repo, capsys: Capture) -> None:
    three_commits(repo)
    repo.git("push", "--quiet", "origin", "main:develop")
    repo.git("switch", "--quiet", "-c", "develop", "origin/develop")
    repo.commit("dev.txt", "dev\n", "develop: add dev")
    repo.git("push", "--quiet", "origin", "develop")
    repo.git("remote", "set-head", "origin", "develop")
    repo.git("switch", "--quiet", BRANCH)

    assert main([BRANCH]) == 0

    assert "align: feature/x onto origin/develop (" in out(capsys)
    assert is_ancestor(repo, "origin/develop", REF)
    assert (repo.path / "dev.txt").exists()
