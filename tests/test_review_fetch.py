"""Defects a new-user review found around the fetch (issue 10): a recipe that changed with the fetch, stacked
branches git did not move, and the fetch line of a shallow clone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from align.cli import main
from tests.helpers import Repo
from tests.scenarios import BRANCH, REF, backups, head, out, rev, stashes, three_commits, upstream

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
