"""The user leaves a pause with git commands: `align abort` and `align continue` still finish (issue 9, item 9)."""

from __future__ import annotations

import pytest

from align.cli import main
from tests.helpers import Repo, write
from tests.pause_helpers import ABORTED, assert_work_back, by_hand, last_report, paused
from tests.safety_helpers import (
    assert_restored,
    feature_repo,
    make_dirty,
    run_git,
    snapshot,
)


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
