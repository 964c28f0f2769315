"""The user leaves a pause with git commands: `align abort` and `align continue` still finish (issue 9, item 9)."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from align.cli import main
from tests.helpers import Repo, lock_left, write
from tests.test_safety import (
    assert_restored,
    feature_repo,
    git_dir,
    journal_file,
    lock_file,
    make_dirty,
    run_git,
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


@pytest.mark.parametrize("head", ["feature/x", "main"])
@pytest.mark.parametrize("way", ["quit", "abort", "skip", "continue"])
def test_git_rebase_by_hand_during_a_pause_then_align_abort_restores_everything(
    way: str, head: str, repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    original, before = paused(repo, head)
    if way == "continue":
        write(repo.path / "README.md", "both sides\n")
        repo.git("add", "README.md")
    by_hand(repo, way)
    capsys.readouterr()

    assert main(["abort"]) in ABORTED

    out = capsys.readouterr().out
    assert "aborted by the user" in out
    assert "not restored" not in out
    assert_restored(repo, before, original)


@pytest.mark.parametrize("way", ["quit", "abort"])
def test_a_rebase_ended_with_git_during_a_pause_is_not_continued_it_is_rolled_back(
    way: str, repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    original, before = paused(repo, "main")
    by_hand(repo, way)
    capsys.readouterr()

    assert main(["continue"]) == 1

    out = capsys.readouterr().out
    how = "aborted with git (`git rebase --abort`)" if way == "abort" else "ended with git (`git rebase --quit`?)"
    assert f"  why:     the rebase was {how} during the pause: there is nothing left to continue" in out
    assert_restored(repo, before, original)
    report = last_report(repo)
    assert report["status"] == "failed_rolled_back"
    assert [item["resolution"] for item in report["conflicts"]] == ["aborted by the user (with git)"]


def test_a_commit_skipped_with_git_during_a_pause_is_reported_as_skipped_by_the_user(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    original, before = paused(repo, "main")  # (on feature/x the dirty README.md would clash with the new base)
    first = repo.git("rev-parse", f"{original}~1")
    by_hand(repo, "skip")
    capsys.readouterr()

    assert main(["continue"]) == 0

    out = capsys.readouterr().out
    assert "lost" not in out
    assert "skipped by the user (with git)" in out
    assert repo.git("log", "--format=%s", "origin/main..feature/x").splitlines() == ["feature: second"]
    assert repo.git("rev-parse", "feature/x~1") == repo.git("rev-parse", "origin/main")
    assert_work_back(repo, before)
    report = last_report(repo)
    assert report["status"] == "aligned"
    assert report["commits"]["dropped"] == [
        {"sha": first, "subject": "feature: first", "reason": "skipped by the user (with git)"}
    ]
    assert [item["resolution"] for item in report["conflicts"]] == ["skipped by the user (with git)"]
    assert all(check["ok"] for check in report["verify"])


def test_a_commit_resolved_with_git_during_a_pause_is_kept_and_reported_resolved(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    _, before = paused(repo, "main")
    write(repo.path / "README.md", "both sides\n")
    repo.git("add", "README.md")
    by_hand(repo, "continue")
    capsys.readouterr()

    assert main(["continue"]) == 0

    assert repo.git("log", "--format=%s", "origin/main..feature/x").splitlines() == [
        "feature: second",
        "feature: first",
    ]
    assert repo.git("show", "feature/x~1:README.md") == "both sides"
    assert_work_back(repo, before)
    report = last_report(repo)
    assert report["status"] == "aligned"
    assert report["commits"]["dropped"] == []
    assert [item["resolution"] for item in report["conflicts"]] == ["resolved by the user (with git)"]


def test_skipped_with_git_then_stopped_again_align_records_both_and_continues(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`git rebase --skip` during a pause, and git stops at the next commit's conflict: align picks up there."""
    monkeypatch.chdir(repo.path)
    repo.git("switch", "--quiet", "-c", "feature/x")
    first = repo.commit("README.md", "feature one\n", "feature: one")
    repo.commit("README.md", "feature two\n", "feature: two")
    repo.git("switch", "--quiet", "main")
    repo.commit("README.md", "upstream side\n", "upstream change")
    repo.git("push", "--quiet", "origin", "main")
    assert main(["feature/x"]) == 3
    by_hand_stopped = run_git(repo.path, "rebase", "--skip")
    assert by_hand_stopped.returncode != 0  # the second commit conflicts too
    capsys.readouterr()

    assert main(["continue"]) == 4  # align picked up the new conflict: README.md is still unmerged

    assert "README.md" in capsys.readouterr().err
    write(repo.path / "README.md", "two, on upstream\n")
    repo.git("add", "README.md")
    assert main(["continue"]) == 0

    assert repo.git("log", "--format=%s", "origin/main..feature/x").splitlines() == ["feature: two"]
    report = last_report(repo)
    assert [(item["subject"], item["resolution"]) for item in report["conflicts"]] == [
        ("feature: one", "skipped by the user (with git)"),
        ("feature: two", "resolved by the user"),
    ]
    assert report["commits"]["dropped"] == [
        {"sha": first, "subject": "feature: one", "reason": "skipped by the user (with git)"}
    ]
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert repo.git("status", "--porcelain") == ""


def test_a_merge_ended_with_git_during_a_pause_then_align_abort_restores_everything(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.path)
    original = feature_repo(repo, head="feature/x", conflict=True)
    make_dirty(repo)
    before = snapshot(repo)
    assert main(["feature/x", "--recipe", "merge"]) == 3
    repo.git("merge", "--abort")

    assert main(["abort"]) in ABORTED

    assert_restored(repo, before, original)


@pytest.mark.parametrize("action", ["abort", "continue"])
def test_a_merge_committed_with_git_during_a_pause_is_this_runs(
    action: str, repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    original = feature_repo(repo, head="main", conflict=True)
    make_dirty(repo)
    before = snapshot(repo)
    assert main(["feature/x", "--recipe", "merge"]) == 3
    write(repo.path / "README.md", "both sides\n")
    repo.git("add", "README.md")
    repo.git("-c", "core.editor=true", "commit", "--quiet", "--no-edit")  # the user commits the merge with git
    capsys.readouterr()

    if action == "abort":
        assert main(["abort"]) in ABORTED
        assert "not restored" not in capsys.readouterr().out
        assert_restored(repo, before, original)
        return
    assert main(["continue"]) == 0
    parents = repo.git("log", "-n1", "--format=%P", "feature/x").split()
    assert parents == [original, repo.git("rev-parse", "origin/main")]
    assert repo.git("show", "feature/x:README.md") == "both sides"
    assert_work_back(repo, before)
    assert [item["resolution"] for item in last_report(repo)["conflicts"]] == ["resolved by the user (with git)"]
