"""`update_refs: true` moves other branches with the rebase: the console summary, the JSON and Markdown reports
name each one (old -> new), the progress line counts the branch's commits (not git's update-ref lines), and
a rollback or `align undo` puts them back (issue 10, item 4)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from align.cli import main
from tests.builders import ALIGN_STEPS, RESOLVED, fetched_feature, moved_upstream, steps_recipe, three_commits
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import backups, head, refs, rev, snapshot, stashes

Capture = pytest.CaptureFixture[str]
UPDATE_REFS = "rebase: {update_refs: true}"
REPORTS = "report: {formats: [console, json, markdown]}"
PROGRESS = re.compile(r"^\[\d/\d\] rebase feature/x onto origin/main … (\d+/\d+ \w+)( … (done|stopped) .*)?$")

pytestmark = pytest.mark.usefixtures("in_repo")


def stack(repo: Repo, old: list[str]) -> None:
    """feature/part1 on feature/x's first commit, feature/part2 on its second."""
    repo.git("branch", "feature/part1", old[0])
    repo.git("branch", "feature/part2", old[1])


def recipe(tmp_path: Path, *more: str) -> str:
    return steps_recipe(tmp_path, *ALIGN_STEPS[:2], UPDATE_REFS, *ALIGN_STEPS[3:], *more, REPORTS)


def last(repo: Repo, name: str = "report.json") -> Any:
    runs = repo.path / ".git" / "align" / "runs"
    [run] = sorted(runs.iterdir())[-1:]
    text = (run / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


def progress(text: str) -> list[str]:
    """The progress of the rebase step's line, as -v logs it (each update, then the final line)."""
    return [found.group(1) for line in text.splitlines() if (found := PROGRESS.match(line))]


def short(sha: str) -> str:
    return sha[:12]


def test_the_summary_names_every_branch_that_moved_and_the_progress_counts_commits(
    repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    old = fetched_feature(repo)
    stack(repo, old)
    before = refs(repo)

    assert main(["-v", BRANCH, "--recipe", recipe(tmp_path)]) == 0

    captured = capsys.readouterr()
    new = rev(repo, REF)
    part1, part2 = rev(repo, f"{REF}~2"), rev(repo, f"{REF}~1")
    assert progress(captured.err) == ["1/3 commits", "2/3 commits", "3/3 commits", "3/3 commits"]
    moved = [line for line in captured.out.splitlines() if line.startswith("  moved:")]
    assert moved == [
        f"  moved:   feature/part1 {short(old[0])} -> {short(part1)} (update_refs)",
        f"  moved:   feature/part2 {short(old[1])} -> {short(part2)} (update_refs)",
    ]
    assert refs(repo, "refs/heads/") == {
        "refs/heads/main": before["refs/heads/main"],
        REF: new,
        "refs/heads/feature/part1": part1,
        "refs/heads/feature/part2": part2,
    }
    assert repo.git("log", "--format=%s", "-1", part1) == "feature: add a"
    assert repo.git("log", "--format=%s", "-1", part2) == "feature: add b"
    assert head(repo) == REF
    assert sorted((name.split("/")[-2], sha) for name, sha in backups(repo).items()) == sorted(
        [("x", old[-1]), ("part1", old[0]), ("part2", old[1])]
    )
    report = last(repo)
    assert report["stacked"] == [
        {"ref": "refs/heads/feature/part1", "before": old[0], "after": part1},
        {"ref": "refs/heads/feature/part2", "before": old[1], "after": part2},
    ]
    markdown = last(repo, "report.md")
    assert f"| stacked | `refs/heads/feature/part1` `{short(old[0])}` → `{short(part1)}` |" in markdown
    assert f"| stacked | `refs/heads/feature/part2` `{short(old[1])}` → `{short(part2)}` |" in markdown


def test_a_branch_checked_out_in_another_worktree_is_not_moved_counted_or_named(
    repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    old = fetched_feature(repo)
    stack(repo, old)
    repo.git("worktree", "add", "--quiet", str(tmp_path / "other"), "feature/part2")

    assert main(["-v", BRANCH, "--recipe", recipe(tmp_path)]) == 0

    captured = capsys.readouterr()
    part1 = rev(repo, f"{REF}~2")
    assert progress(captured.err) == ["1/3 commits", "2/3 commits", "3/3 commits", "3/3 commits"]
    assert [line for line in captured.out.splitlines() if line.startswith("  moved:")] == [
        f"  moved:   feature/part1 {short(old[0])} -> {short(part1)} (update_refs)"
    ]
    assert rev(repo, "feature/part2") == old[1]  # git leaves a branch checked out elsewhere alone
    assert last(repo)["stacked"] == [
        {"ref": "refs/heads/feature/part1", "before": old[0], "after": part1},
        {"ref": "refs/heads/feature/part2", "before": old[1], "after": old[1]},
    ]
    warning = (
        "feature/part2 not moved: checked out in ../../other (git does not move a branch checked out in another "
        "worktree)"
    )
    assert last(repo)["warnings"] == [warning]
    assert [line for line in last(repo, "report.md").splitlines() if "feature/part2" in line] == [f"- {warning}"]


def test_a_rollback_puts_the_moved_branches_back_and_names_no_move(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    stack(repo, old)
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", recipe(tmp_path, 'validate: {run: [["false"]]}')]) == 1

    text = capsys.readouterr().out
    assert "failed: everything rolled back" in text
    assert "moved:" not in text
    assert snapshot(repo) == before
    assert sorted(backups(repo).values()) == sorted([old[-1], old[0], old[1]])
    assert last(repo)["stacked"] == [
        {"ref": "refs/heads/feature/part1", "before": old[0], "after": old[0]},
        {"ref": "refs/heads/feature/part2", "before": old[1], "after": old[1]},
    ]
    assert "| stacked |" not in last(repo, "report.md")


def test_undo_puts_every_moved_branch_back(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    stack(repo, old)
    before = snapshot(repo)
    assert main([BRANCH, "--recipe", recipe(tmp_path)]) == 0
    capsys.readouterr()

    assert main(["undo", BRANCH]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [line.split(";")[0] for line in lines[2:]] == [  # each with the backup of what it replaced
        f"feature/part1 restored to {short(old[0])} (update_refs)",
        f"feature/part2 restored to {short(old[1])} (update_refs)",
    ]
    assert all("; what it replaced is kept as refs/align/backups/feature/part" in line for line in lines[2:])
    assert snapshot(repo) == before


def test_after_a_pause_the_progress_goes_on_in_commits_and_the_moves_are_named(
    repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    old = three_commits(repo, conflicting=True)
    stack(repo, old)
    moved_upstream(repo, conflicting=True)

    assert main(["-v", BRANCH, "--recipe", recipe(tmp_path)]) == 3
    assert progress(capsys.readouterr().err) == ["1/3 commits", "2/3 commits", "2/3 commits"]
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")

    assert main(["-v", "continue"]) == 0

    captured = capsys.readouterr()
    assert progress(captured.err) == ["2/3 commits", "3/3 commits", "3/3 commits"]  # git goes on at the update-ref
    part1, part2 = rev(repo, f"{REF}~2"), rev(repo, f"{REF}~1")
    assert [line for line in captured.out.splitlines() if line.startswith("  moved:")] == [
        f"  moved:   feature/part1 {short(old[0])} -> {short(part1)} (update_refs)",
        f"  moved:   feature/part2 {short(old[1])} -> {short(part2)} (update_refs)",
    ]
    assert repo.git("show", f"{part2}:README.md") == RESOLVED.strip()
    assert head(repo) == REF
    assert stashes(repo) == []
    assert repo.git("status", "--porcelain") == ""
