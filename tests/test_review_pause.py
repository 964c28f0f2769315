"""Defects of the new-user review (issue 10): a refusal inside a step said once, a pause left with git commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from tests.builders import diverge
from tests.helpers import Repo
from tests.pause_helpers import SKIPPED, assert_finished, by_hand, dropped, git_by_hand, last_report, paused, report_of
from tests.safety_helpers import assert_restored, journal_file
from tests.shallow_helpers import BRANCH, REF, is_shallow, origin_with_history, report, shallow_clone
from tests.snapshots import BACKUPS, head, refs, rev, snapshot, stashes

Capture = pytest.CaptureFixture[str]
WHY = "shallow clone: feature/x and origin/main have no common commit in the history this clone holds"
HINT = "fetch the whole history (`git fetch --unshallow origin`"


def test_a_refusal_inside_a_step_says_why_once_in_the_summary_with_one_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """D12: the summary's why:, the refused:/hint: lines and the error repeated the same sentence."""
    origin, _ = origin_with_history(tmp_path / "repos")
    repo = shallow_clone(tmp_path / "repos", origin, monkeypatch)
    tip = rev(repo, REF)
    before = snapshot(repo)

    assert main([BRANCH, "--target", "main"]) == 4

    summary = capsys.readouterr().out
    assert summary.count(WHY) == 1
    assert summary.count(HINT) == 1
    why = next(line for line in summary.splitlines() if WHY in line)
    assert why.startswith("  why:     shallow clone:")
    assert why.endswith("so align cannot tell which commits are the branch's own; nothing was aligned")
    assert summary.splitlines()[-1].startswith(f"hint: {HINT}")
    data = report(repo)
    assert data["status"] == "refused"
    assert data["message"].startswith(WHY)
    assert HINT in data["message"]  # the JSON report keeps the hint in its message
    assert rev(repo, REF) == tip
    assert head(repo) == REF
    assert list(refs(repo, BACKUPS).values()) == [tip]
    assert stashes(repo) == []
    assert snapshot(repo).files == before.files
    assert is_shallow(repo)


@pytest.mark.parametrize("head", ["feature/x", "main"])
def test_status_after_git_rebase_abort_says_so_and_offers_align_abort_only(
    head: str, repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """D7: `git rebase --abort` during a pause; `align status` offered continue and skip, continue then failed."""
    monkeypatch.chdir(repo.path)
    original, before = paused(repo, head)
    by_hand(repo, "abort")
    capsys.readouterr()

    assert main(["status"]) == 0

    status = capsys.readouterr().out
    assert "  the rebase was aborted with git (`git rebase --abort`): `align abort` puts the rest back" in status
    assert "  next: `align abort`\n" in status
    assert "align continue" not in status
    assert "align skip" not in status
    assert journal_file(repo).exists()  # status only reads
    assert main(["abort"]) == 0
    assert_restored(repo, before, original)


def test_align_continue_after_git_rebase_abort_says_the_rebase_was_aborted_with_git(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """D7: `align continue` keeps its documented behaviour (roll back, exit 1) and says why in plain words."""
    monkeypatch.chdir(repo.path)
    original, before = paused(repo, "main")
    by_hand(repo, "abort")
    capsys.readouterr()

    assert main(["continue"]) == 1

    text = capsys.readouterr().out
    assert "  why:     the rebase was aborted with git (`git rebase --abort`) during the pause" in text
    assert_restored(repo, before, original)
    report = last_report(repo)
    assert report["status"] == "failed_rolled_back"
    assert [item["resolution"] for item in report["conflicts"]] == ["aborted by the user (with git)"]


def test_two_git_skips_finishing_the_rebase_offer_continue_or_abort_and_name_each_kind(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """D6: git finished the rebase, yet status offered `align skip`; a deletion git stopped at read `changed on both
    sides` (upstream changed README.md, the commit deleted it: git says `deleted by them`)."""
    monkeypatch.chdir(repo.path)
    mine = [("README.md", "feature side\n", "feature: clash"), ("README.md", None, "feature: delete README.md")]
    built = diverge(
        repo, [*mine, ("c.txt", "c\n", "feature: add c.txt")], [("README.md", "upstream side\n", "upstream change")]
    )
    one, two, _ = built.commits
    assert main(["feature/x"]) == 3
    assert git_by_hand(repo, "rebase", "--skip") != 0  # git stops at the deletion: README.md deleted by them
    assert repo.git("status", "--porcelain", "--", "README.md") == "UD README.md"
    assert git_by_hand(repo, "rebase", "--skip") == 0  # git finishes the rebase
    capsys.readouterr()

    assert main(["status"]) == 0

    status = capsys.readouterr().out
    assert "feature: clash: README.md (both modified) [skipped by the user (with git)]" in status
    assert "feature: delete README.md: README.md (deleted by them) [skipped by the user (with git)]" in status
    assert "  git finished the rebase: `align continue` checks and finishes the run\n" in status
    assert status.endswith("  next: `align continue` or `align abort`\n")
    assert "align skip" not in status
    assert main(["continue"]) == 0
    assert_finished(repo, ["feature: add c.txt"])
    report = report_of(repo)
    assert report["status"] == "aligned"
    assert dropped(report) == [(one, "feature: clash", SKIPPED), (two, "feature: delete README.md", SKIPPED)]
    assert [[(item["path"], item["kind"]) for item in conflict["files"]] for conflict in report["conflicts"]] == [
        [("README.md", "both modified")],
        [("README.md", "deleted by them")],
    ]
