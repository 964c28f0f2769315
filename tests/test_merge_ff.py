"""A branch the target already contains is fast-forwarded, never given a merge commit (issue 10, item 12)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from align.cli import main
from tests.builders import feature, moved_upstream, user_stashes
from tests.helpers import BRANCH, REF, Repo
from tests.snapshots import backups, files, head, out, rev, snapshot, stashes

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")


def report(repo: Repo) -> dict[str, Any]:
    """The JSON report of the newest run."""
    path = sorted((repo.path / ".git" / "align" / "runs").glob("*/report.json"))[-1]
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def rebase_detail(repo: Repo) -> str:
    return str(next(phase["detail"] for phase in report(repo)["phases"] if phase["name"] == "rebase"))


@pytest.mark.parametrize("recipe", ["merge", "default"])
def test_a_branch_with_no_commits_of_its_own_is_fast_forwarded(in_repo: Repo, recipe: str, capsys: Capture) -> None:
    feature(in_repo)  # feature/x at main, no commit of its own
    old = rev(in_repo, REF)
    mine = user_stashes_on_main(in_repo)
    target = moved_upstream(in_repo)
    upstream_files = {**files(in_repo), "up.txt": b"upstream\n"}

    assert main([BRANCH, "--recipe", recipe]) == 0

    said = f"fast-forward: {old[:12]} -> {target[:12]}, no commit of its own"
    assert said in out(capsys)
    assert rebase_detail(in_repo) == said
    assert report(in_repo)["status"] == "aligned"
    assert rev(in_repo, REF) == target  # no merge commit: exactly the target
    assert in_repo.git("rev-list", "--merges", "--count", REF) == "0"
    assert head(in_repo) == REF
    assert files(in_repo) == upstream_files
    assert stashes(in_repo) == mine
    assert list(backups(in_repo).values()) == [old]


def user_stashes_on_main(repo: Repo) -> list[str]:
    """Two stashes of the user's own, made on a tracked notes.txt that is then left clean."""
    repo.commit("notes.txt", "notes\n", "add notes")  # on feature/x: it then has one commit of its own
    mine = user_stashes(repo)
    repo.git("reset", "--quiet", "--hard", "HEAD~1")  # back to no commit of its own; the stashes stay
    return mine


def test_the_merge_recipe_still_merges_a_branch_with_commits_of_its_own(in_repo: Repo, capsys: Capture) -> None:
    (own,) = feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    target = moved_upstream(in_repo)

    assert main([BRANCH, "--recipe", "merge"]) == 0

    assert "fast-forward" not in rebase_detail(in_repo)
    tip = rev(in_repo, REF)
    assert in_repo.git("rev-parse", f"{tip}^1", f"{tip}^2").splitlines() == [own, target]
    assert in_repo.git("log", "-1", "--format=%s", tip) == f"Merge origin/main into {BRANCH}"
    assert head(in_repo) == REF
    assert stashes(in_repo) == []


def test_the_merge_recipe_on_a_branch_that_contains_the_target_makes_no_merge(in_repo: Repo, capsys: Capture) -> None:
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    target = moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    in_repo.git("merge", "--quiet", "--no-edit", "origin/main")  # the branch already holds the target
    tip = rev(in_repo, REF)
    before = snapshot(in_repo)

    assert main([BRANCH, "--recipe", "merge"]) == 0

    assert "already up to date" in out(capsys)
    assert report(in_repo)["status"] == "up_to_date"
    assert rev(in_repo, REF) == tip
    assert in_repo.git("merge-base", "--is-ancestor", target, tip) == ""
    assert snapshot(in_repo) == before
