"""Outputs a new user met in the review of issue 10: two report options naming one file, a report not
written under -q, and the branches a pause left unstarted."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from tests.builders import two_features
from tests.helpers import BRANCH, OTHER, REF, Repo
from tests.snapshots import rev, snapshot

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")


@pytest.mark.parametrize("second", ["--report-markdown", "--report-junit", "--log-file"])
def test_two_options_naming_one_file_are_a_usage_error_before_anything_runs(
    repo: Repo, tmp_path: Path, capsys: Capture, second: str
) -> None:
    two_features(repo)
    before = snapshot(repo)
    path = tmp_path / "report.out"

    assert main([BRANCH, "--report-json", str(path), second, str(tmp_path / ".." / tmp_path.name / "report.out")]) == 2

    err = capsys.readouterr().err
    first, then = ("--log-file", "--report-json") if second == "--log-file" else ("--report-json", second)
    assert f"{first} and {then} both name" in err
    assert not path.exists()
    assert snapshot(repo) == before
    assert not (repo.path / ".git" / "align" / "runs.jsonl").exists()  # no run recorded


def test_a_report_that_cannot_be_written_is_said_under_q_too(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    two_features(repo)
    folder = tmp_path / "a-folder"
    folder.mkdir()

    assert main(["-q", BRANCH, "--report-json", str(folder)]) == 0

    captured = capsys.readouterr()
    assert f"align: warning: report: could not write {folder}" in captured.err
    assert captured.out == ""
    assert rev(repo, REF) != ""


def test_the_branches_a_pause_left_unstarted_are_named(repo: Repo, capsys: Capture) -> None:
    _, other_tip = two_features(repo, conflicting=True)

    assert main([BRANCH, OTHER]) == 3

    err = capsys.readouterr().err
    assert f"not started yet: {OTHER} (the run paused first; `align continue` aligns them once it is finished" in err
    assert rev(repo, f"refs/heads/{OTHER}") == other_tip
