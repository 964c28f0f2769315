"""Defects of the new-user review (issue 10): a refusal inside a step said once, a pause left with git commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from tests.scenarios import BACKUPS, head, refs, rev, snapshot, stashes
from tests.test_shallow import BRANCH, REF, is_shallow, origin_with_history, report, shallow_clone

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
