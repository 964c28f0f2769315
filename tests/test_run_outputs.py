"""Where a run writes its own files (--log-file, --report-json), a crash in align, a torn history line, the
step line of a resumed rebase."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from align.cli import main
from align.context import Context, StepResult
from align.recipe.model import Step
from align.state import Store
from align.steps.registry import ACTIONS
from tests.builders import RESOLVED, moved_upstream, three_commits
from tests.helpers import BRANCH, REF, Repo, lock_left, write
from tests.snapshots import out, rev, snapshot

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")


@pytest.mark.parametrize("option", ["--log-file", "--report-json"])
def test_an_output_file_in_the_tree_that_git_does_not_ignore_is_refused(
    in_repo: Repo, option: str, capsys: Capture
) -> None:
    old = three_commits(in_repo)
    moved_upstream(in_repo)
    before = snapshot(in_repo)

    assert main([BRANCH, option, "align-output.txt"]) == 2

    assert f"{option} align-output.txt is inside the working tree" in out(capsys)
    assert snapshot(in_repo) == before  # the log file align had started is gone again
    assert rev(in_repo, REF) == old[-1]


def test_an_ignored_output_file_in_the_tree_or_one_in_the_git_dir_is_fine(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    moved_upstream(in_repo)
    write(in_repo.path / ".git" / "info" / "exclude", "align.log\n")

    assert main([BRANCH, "--log-file", "align.log", "--report-json", ".git/align/report.json"]) == 0

    assert "done in" in (in_repo.path / "align.log").read_text(encoding="utf-8")
    assert (
        json.loads((in_repo.path / ".git" / "align" / "report.json").read_text(encoding="utf-8"))["status"] == "aligned"
    )
    assert in_repo.git("stash", "list") == ""


def test_a_crash_in_align_keeps_the_journal_and_reports_status_error(
    in_repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = three_commits(in_repo)
    moved_upstream(in_repo)
    before = snapshot(in_repo)

    def broken(context: Context, step: Step) -> StepResult:
        raise RuntimeError("a bug in a step")

    # a fault no real input provokes any more
    monkeypatch.setitem(ACTIONS, "verify", dataclasses.replace(ACTIONS["verify"], run=broken))
    assert main([BRANCH]) == 70  # cli.main: a bug is one line, a crash log and exit 70 (tests/test_crash.py)

    store = Store(in_repo.path / ".git")
    journal = store.journal()
    assert journal is not None
    assert journal.status == "error"
    report = json.loads((store.run_dir(journal.run.run_id) / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "error"
    assert "RuntimeError: a bug in a step" in report["message"]
    assert not lock_left(store.lock_path)

    assert main(["abort"]) == 0
    assert rev(in_repo, REF) == old[-1]
    assert snapshot(in_repo).files == before.files


def test_a_torn_line_in_the_history_is_skipped(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    moved_upstream(in_repo)
    assert main([BRANCH]) == 0
    history = in_repo.path / ".git" / "align" / "runs.jsonl"
    with open(history, "a", encoding="utf-8") as handle:
        handle.write('{"run_id": "20260101T000000Z-cut", "bran')
    capsys.readouterr()

    assert main(["history"]) == 0
    assert main(["status"]) == 0

    text = out(capsys)
    assert "cut" not in text
    assert "aligned" in text


def test_a_resumed_rebase_has_its_step_line_and_duration(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo, conflicting=True)
    moved_upstream(in_repo, conflicting=True)
    assert main([BRANCH]) == 3
    write(in_repo.path / "README.md", RESOLVED)
    in_repo.git("add", "README.md")
    capsys.readouterr()

    assert main(["continue"]) == 0

    assert re.search(r"^\[1/2\] rebase feature/x onto origin/main … .*done in \d+\.\d\d s", out(capsys), re.MULTILINE)
