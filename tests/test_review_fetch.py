"""Defects a new-user review found around the fetch (issue 10): a recipe that changed with the fetch, stacked
branches git did not move, and the fetch line of a shallow clone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from align.cli import main
from tests.builders import three_commits, upstream
from tests.helpers import BRANCH, REF, Repo, git, write
from tests.snapshots import backups, head, out, rev, stashes

Capture = pytest.CaptureFixture[str]
TRACKING = "refs/remotes/origin/main"
TEAM = "version: 1\nextends: default\n"


def report(repo: Repo) -> dict[str, Any]:
    """The JSON report of the last run."""
    path = sorted((repo.path / ".git" / "align" / "runs").glob("*/report.json"))[-1]
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def aligned_onto(repo: Repo, onto: str, count: int) -> None:
    """feature/x holds its ``count`` commits on top of ``onto``, checked out, clean, with one backup, no stash."""
    assert head(repo) == REF
    assert repo.git("rev-parse", f"{REF}~{count}") == onto
    assert repo.git("status", "--porcelain") == ""
    assert stashes(repo) == []
    assert len(backups(repo)) == 1


@pytest.mark.usefixtures("in_repo")
def test_a_recipe_added_on_the_target_by_the_fetch_is_warned_about(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    new = upstream(in_repo, ".align.yaml", TEAM, "add the team's recipe")  # origin/main here is stale

    assert main([BRANCH]) == 0

    text = out(capsys)
    said = (
        "origin/main's .align.yaml changed with this fetch: this run follows the built-in default, read before "
        "the fetch; run align again to follow the new one"
    )
    assert said in text
    data = report(in_repo)
    assert data["warnings"] == [said]
    assert data["recipe"]["name"] == "default"
    assert rev(in_repo, TRACKING) == new
    aligned_onto(in_repo, new, 3)


@pytest.mark.usefixtures("in_repo")
def test_a_target_recipe_changed_by_the_fetch_is_warned_about(in_repo: Repo, capsys: Capture) -> None:
    upstream(in_repo, ".align.yaml", TEAM, "add the team's recipe", fetch=True)
    three_commits(in_repo)  # on the local main, older than the recipe: discovery reads origin/main's
    new = upstream(in_repo, ".align.yaml", TEAM + "# changed\n", "change the team's recipe")

    assert main([BRANCH]) == 0

    said = (
        "origin/main's .align.yaml changed with this fetch: this run follows the one as last fetched, read before "
        "the fetch; run align again to follow the new one"
    )
    assert said in out(capsys)
    assert report(in_repo)["warnings"] == [said]
    assert rev(in_repo, TRACKING) == new
    aligned_onto(in_repo, new, 3)


def commit(work: Path, name: str, text: str, message: str) -> str:
    write(work / name, text)
    git(work, "add", "--", name)
    git(work, "commit", "--quiet", "-m", message)
    return git(work, "rev-parse", "HEAD")


def test_a_shallow_clone_counts_only_the_new_commits_not_the_history_merges_bring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    base = tmp_path / "repos"
    base.mkdir()
    origin, seed, work = base / "origin.git", base / "seed", base / "work"
    git(base, "init", "--quiet", "--bare", str(origin))
    git(base, "clone", "--quiet", str(origin), str(seed))
    for number in range(1, 4):
        commit(seed, f"m{number}.txt", f"{number}\n", f"main: {number}")
    git(seed, "switch", "--quiet", "-c", "side", "HEAD~2")
    for number in range(1, 4):
        commit(seed, f"s{number}.txt", f"{number}\n", f"side: {number}")
    git(seed, "switch", "--quiet", "main")
    old = git(seed, "rev-parse", "HEAD")
    git(seed, "push", "--quiet", "origin", "main")
    git(base, "clone", "--quiet", "--depth", "1", f"file://{origin}", str(work))
    git(seed, "merge", "--quiet", "--no-ff", "-m", "merge side", "side")
    new = commit(seed, "m4.txt", "4\n", "main: 4")
    git(seed, "push", "--quiet", "origin", "main")
    monkeypatch.chdir(work)
    git(work, "switch", "--quiet", "-c", BRANCH)
    own = commit(work, "f.txt", "f\n", "feature: f")
    held = git(work, "rev-list", "--all").split()

    assert main([BRANCH]) == 0

    said = (
        f"origin/main {old[:7]}..{new[:7]} (2 new commits on top of {old[:7]}; this shallow clone's history grew "
        "by 6 commits: merges on origin/main reach history it did not hold)"
    )
    assert said in out(capsys)
    repo = Repo(path=work, origin=origin)
    data = report(repo)
    (phase,) = (phase for phase in data["phases"] if phase["name"] == "fetch")
    assert phase["detail"] == said
    assert data["warnings"] == []
    assert rev(repo, TRACKING) == new
    # merge side and main: 4 (on top of the old tip); side: 1-3 and main: 1 (below the cut) came with them
    assert git(work, "rev-list", "--count", new, "--not", *held) == "6"
    assert git(work, "log", "--format=%s", f"{new}..{BRANCH}").splitlines() == ["feature: f"]
    assert git(work, "rev-parse", "--is-shallow-repository") == "true"
    aligned_onto(repo, new, 1)
    assert git(work, "diff", own, BRANCH, "--", "f.txt") == ""


@pytest.mark.usefixtures("in_repo")
def test_update_refs_warns_of_a_stacked_branch_checked_out_in_another_worktree(
    in_repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    old = three_commits(in_repo)
    in_repo.git("branch", "s1", old[0])
    in_repo.git("branch", "s2", old[1])
    other = in_repo.path.parent / "wt-s1"
    in_repo.git("worktree", "add", "--quiet", str(other), "s1")
    new = upstream(in_repo, "up.txt", "upstream\n", "upstream: add up")
    recipe = write(tmp_path / "recipes" / "r.yaml", TEAM + "patch: {rebase: {update_refs: true}}\n")

    assert main([BRANCH, "--recipe", str(recipe)]) == 0

    said = "s1 not moved: checked out in ../wt-s1 (git does not move a branch checked out in another worktree)"
    assert said in out(capsys)
    data = report(in_repo)
    assert data["warnings"] == [said]
    s2 = in_repo.git("rev-parse", f"{REF}~1")
    assert data["stacked"] == [
        {"ref": "refs/heads/s1", "before": old[0], "after": old[0]},
        {"ref": "refs/heads/s2", "before": old[1], "after": s2},
    ]
    assert head(in_repo) == REF
    assert in_repo.git("rev-parse", f"{REF}~3") == new
    assert in_repo.git("status", "--porcelain") == ""
    assert stashes(in_repo) == []
    assert sorted(backups(in_repo).values()) == sorted([old[2], old[0], old[1]])
    assert rev(in_repo, "refs/heads/s1") == old[0]  # left where it was, its worktree untouched
    assert rev(in_repo, "refs/heads/s2") == s2
    assert git(other, "status", "--porcelain") == ""
    assert git(other, "symbolic-ref", "HEAD") == "refs/heads/s1"
    assert (other / "a.txt").read_text(encoding="utf-8") == "a\n"
    assert not (other / "b.txt").exists()
