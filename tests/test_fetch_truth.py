"""The fetch step says what the fetch did to the target: new commits, nothing, or a forced move (issue 10, item 1)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from align.cli import main
from tests.builders import fetched_feature, three_commits, upstream
from tests.helpers import BRANCH, REF, Repo, git
from tests.snapshots import backups, head, out, refs, rev, stashes

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")
TRACKING = "refs/remotes/origin/main"


def report(repo: Repo) -> dict[str, Any]:
    """The JSON report of the only run."""
    (path,) = (repo.path / ".git" / "align" / "runs").glob("*/report.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def fetch_phase(data: dict[str, Any]) -> dict[str, Any]:
    (phase,) = (phase for phase in data["phases"] if phase["name"] == "fetch")
    return phase


def aligned_onto(repo: Repo, onto: str, count: int) -> None:
    """feature/x holds its 3 commits on top of ``onto``, checked out, with a backup and no stash."""
    assert head(repo) == REF
    assert repo.git("rev-parse", f"{REF}~{count}") == onto
    assert repo.git("status", "--porcelain") == ""
    assert stashes(repo) == []
    assert len(backups(repo)) == 1


def test_new_commits_are_counted_and_named(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    old = rev(in_repo, TRACKING)
    upstream(in_repo, "u1.txt", "1\n", "upstream: one")
    new = upstream(in_repo, "u2.txt", "2\n", "upstream: two")

    assert main([BRANCH]) == 0

    said = f"origin/main {old[:7]}..{new[:7]} (2 new commits)"
    assert said in out(capsys)
    data = report(in_repo)
    assert fetch_phase(data)["detail"] == said
    assert data["warnings"] == []
    assert rev(in_repo, TRACKING) == new
    aligned_onto(in_repo, new, 3)


def test_one_new_commit_is_singular(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    old = rev(in_repo, TRACKING)
    new = upstream(in_repo, "u1.txt", "1\n", "upstream: one")

    assert main([BRANCH]) == 0

    said = f"origin/main {old[:7]}..{new[:7]} (1 new commit)"
    assert said in out(capsys)
    assert fetch_phase(report(in_repo))["detail"] == said
    aligned_onto(in_repo, new, 3)


def test_a_target_already_fetched_is_unchanged(in_repo: Repo, capsys: Capture) -> None:
    fetched_feature(in_repo)
    new = rev(in_repo, TRACKING)

    assert main([BRANCH]) == 0

    assert "origin/main unchanged" in out(capsys)
    assert fetch_phase(report(in_repo))["detail"] == "origin/main unchanged"
    assert "is up to date" not in fetch_phase(report(in_repo))["detail"]
    aligned_onto(in_repo, new, 3)


def test_a_target_fetched_for_the_first_time_says_so(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    new = upstream(in_repo, "u1.txt", "1\n", "upstream: one")
    in_repo.git("update-ref", "-d", TRACKING)

    assert main([BRANCH]) == 0

    said = f"origin/main fetched at {new[:7]} (new here)"
    assert said in out(capsys)
    assert fetch_phase(report(in_repo))["detail"] == said
    aligned_onto(in_repo, new, 3)


def test_a_forced_move_of_the_target_is_a_warning_naming_old_and_new(
    in_repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    """origin/main was pushed with 2 commits, fetched, then force-moved to another commit: a warning says so."""
    three_commits(in_repo)
    upstream(in_repo, "u1.txt", "1\n", "upstream: one")
    upstream(in_repo, "u2.txt", "2\n", "upstream: two", fetch=True)
    old = rev(in_repo, TRACKING)
    other = in_repo.origin.parent / "other"
    git(other, "reset", "--quiet", "--hard", "HEAD~2")
    (other / "u3.txt").write_text("3\n", encoding="utf-8")
    git(other, "add", "--", "u3.txt")
    git(other, "commit", "--quiet", "-m", "upstream: rewritten")
    git(other, "push", "--quiet", "--force", "origin", "main")
    new = git(other, "rev-parse", "HEAD")

    assert main([BRANCH]) == 0

    said = f"origin/main + {old[:7]}...{new[:7]} (forced)"
    warning = (
        f"{said}: main on origin was moved, not fast-forwarded: 2 commit(s) that were on it are gone from it, "
        f"1 new; if your branch was built on them, check that it still holds only your own commits"
    )
    printed = out(capsys)
    assert said in printed
    assert warning in printed
    data = report(in_repo)
    assert fetch_phase(data)["detail"] == said
    assert data["warnings"] == [warning]
    assert rev(in_repo, TRACKING) == new
    aligned_onto(in_repo, new, 3)


# -- align plan: what it says about the target as last fetched ----------------------------------------------


def test_plan_says_the_run_fetches_first_when_the_recipe_fetches(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    upstream(in_repo, "u1.txt", "1\n", "upstream: one")  # not fetched yet: plan sees the target as last fetched
    before = refs(in_repo)

    assert main(["plan", BRANCH]) == 0

    text = out(capsys)
    assert re.search(r"the target is taken as last fetched \(.+ ago\); the fetch step refreshes it first", text)
    assert (
        "already up to date with origin/main as last fetched; the run fetches first and aligns onto any new "
        "commits it finds" in text
    )
    assert refs(in_repo) == before


def test_plan_says_an_offline_recipe_aligns_onto_the_target_as_last_fetched(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    upstream(in_repo, "u1.txt", "1\n", "upstream: one")

    assert main(["plan", BRANCH, "--recipe", "offline"]) == 0

    text = out(capsys)
    assert "the fetch step refreshes it first" not in text
    assert re.search(
        r"this recipe does not refresh origin/main: the run aligns onto it as last fetched \(.+ ago\)", text
    )
    assert text.splitlines()[-1] == "already up to date with origin/main as last fetched"


def test_plan_says_an_offline_run_would_refuse_a_target_never_fetched(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    in_repo.git("update-ref", "-d", TRACKING)

    assert main(["plan", BRANCH, "--recipe", "offline"]) == 0

    text = out(capsys)
    assert "the fetch step will create it" not in text
    assert (
        "origin/main does not exist here, so the run would refuse: `git fetch origin main` first, "
        "or use a recipe that fetches" in text
    )
