"""git's own hint followed during a pause (`git rebase --skip`, `--continue`): the work is kept (issue 10, 9)."""

from __future__ import annotations

import pytest

from align.cli import main
from tests.helpers import Repo, write
from tests.pause_helpers import (
    SKIPPED,
    assert_finished,
    build,
    clashing,
    clean,
    dropped,
    git_by_hand,
    report_of,
)


def test_two_git_skips_finish_the_rebase_then_align_continue_keeps_the_rest(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's scenario: two plain `git rebase --skip`, the second finishes the rebase; `align continue`."""
    monkeypatch.chdir(repo.path)
    one, two, _ = build(repo, clashing(1), clashing(2), clean("c.txt"))
    backup_before = repo.git("for-each-ref", "refs/align/backups/")
    assert main(["feature/x"]) == 3
    assert git_by_hand(repo, "rebase", "--skip") != 0  # stops at the second clash
    assert git_by_hand(repo, "rebase", "--skip") == 0  # the rebase is finished by git
    capsys.readouterr()

    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "feature: clash 1: README.md (both modified) [skipped by the user (with git)]" in status
    assert "feature: clash 2: README.md (both modified) [skipped by the user (with git)]" in status
    assert "git finished the rebase" in status
    assert main(["continue"]) == 0

    out = capsys.readouterr().out
    assert "lost" not in out
    assert_finished(repo, ["feature: add c.txt"])
    report = report_of(repo)
    assert report["status"] == "aligned"
    assert dropped(report) == [(one, "feature: clash 1", SKIPPED), (two, "feature: clash 2", SKIPPED)]
    assert [(item["subject"], item["resolution"]) for item in report["conflicts"]] == [
        ("feature: clash 1", SKIPPED),
        ("feature: clash 2", SKIPPED),
    ]
    assert all(check["ok"] for check in report["verify"])
    assert backup_before == ""
    assert len(repo.git("for-each-ref", "refs/align/backups/").splitlines()) == 1


def test_two_git_skips_then_a_third_conflict_align_status_and_continue(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two `git rebase --skip`, git stops at a third clash: status names all three; resolve; `align continue`."""
    monkeypatch.chdir(repo.path)
    one, two, _, _ = build(repo, clashing(1), clashing(2), clashing(3), clean("d.txt"))
    assert main(["feature/x"]) == 3
    assert git_by_hand(repo, "rebase", "--skip") != 0
    assert git_by_hand(repo, "rebase", "--skip") != 0  # stopped at the third clash
    capsys.readouterr()

    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "feature: clash 1: README.md (both modified) [skipped by the user (with git)]" in status
    assert "feature: clash 2: README.md (both modified) [skipped by the user (with git)]" in status
    assert "feature: clash 3: README.md (both modified) [pending]" in status
    assert main(["continue"]) == 4  # README.md is still unmerged
    write(repo.path / "README.md", "three, on upstream\n")
    repo.git("add", "README.md")
    assert main(["continue"]) == 0

    assert_finished(repo, ["feature: add d.txt", "feature: clash 3"])
    assert repo.git("show", "feature/x~1:README.md") == "three, on upstream"
    report = report_of(repo)
    assert report["status"] == "aligned"
    assert dropped(report) == [(one, "feature: clash 1", SKIPPED), (two, "feature: clash 2", SKIPPED)]
    assert [(item["subject"], item["resolution"]) for item in report["conflicts"]] == [
        ("feature: clash 1", SKIPPED),
        ("feature: clash 2", SKIPPED),
        ("feature: clash 3", "resolved by the user"),
    ]


def test_git_rebase_continue_twice_after_resolving_then_align_continue(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both clashes resolved and continued with git; the rebase finished by git; `align continue` verifies."""
    monkeypatch.chdir(repo.path)
    build(repo, clashing(1), clean("b.txt"), clashing(2))
    assert main(["feature/x"]) == 3
    write(repo.path / "README.md", "one, on upstream\n")
    repo.git("add", "README.md")
    assert git_by_hand(repo, "rebase", "--continue") != 0  # stops at the second clash
    capsys.readouterr()
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "feature: clash 1: README.md (both modified) [resolved by the user (with git)]" in status
    assert "feature: clash 2: README.md (both modified) [pending]" in status
    write(repo.path / "README.md", "two, on upstream\n")
    repo.git("add", "README.md")
    assert git_by_hand(repo, "rebase", "--continue") == 0
    capsys.readouterr()

    assert main(["continue"]) == 0

    assert_finished(repo, ["feature: clash 2", "feature: add b.txt", "feature: clash 1"])
    assert repo.git("show", "feature/x:README.md") == "two, on upstream"
    report = report_of(repo)
    assert report["status"] == "aligned"
    assert dropped(report) == []
    assert [(item["subject"], item["resolution"]) for item in report["conflicts"]] == [
        ("feature: clash 1", "resolved by the user (with git)"),
        ("feature: clash 2", "resolved by the user (with git)"),
    ]


def test_git_skip_of_the_last_commit_finishes_the_rebase_then_align_continue(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    _, last = build(repo, clean("a.txt"), clashing(1))
    assert main(["feature/x"]) == 3
    assert git_by_hand(repo, "rebase", "--skip") == 0  # nothing left: git finished the rebase (HEAD on feature/x)
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/feature/x"
    capsys.readouterr()
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "feature: clash 1: README.md (both modified) [skipped by the user (with git)]" in status
    assert "git finished the rebase" in status

    assert main(["continue"]) == 0

    assert "lost" not in capsys.readouterr().out
    assert_finished(repo, ["feature: add a.txt"])
    report = report_of(repo)
    assert report["status"] == "aligned"
    assert dropped(report) == [(last, "feature: clash 1", SKIPPED)]
