"""A refused run is reported too (issue #4): runs/<run_id>/, runs.jsonl, --report-json; nothing else touched."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from align.cli import main
from align.lock import take_lock
from align.state import Store
from tests.builders import make_dirty, moved_upstream, recipe, three_commits
from tests.helpers import BRANCH, REF, Repo, lock_left
from tests.snapshots import backups, rev

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")

DIRTY_REFUSE = """\
version: 1
steps:
  - backup: {}
  - rebase: {onto: "${remote}/${target}", dirty: refuse}
  - report: {formats: [console, json, junit]}
"""


def kept(repo: Repo) -> tuple[Store, list[dict[str, object]]]:
    store = Store(repo.path / ".git")
    return store, store.past_runs()


def test_a_refusal_before_the_run_starts_writes_every_report(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = three_commits(in_repo)
    moved_upstream(in_repo)
    make_dirty(in_repo)
    report_json = tmp_path / "out" / "report.json"
    report_json.parent.mkdir()

    assert main([BRANCH, "--recipe", recipe(tmp_path, DIRTY_REFUSE), "--report-json", str(report_json)]) == 4

    assert "dirty: refuse" in capsys.readouterr().err
    store, runs = kept(in_repo)
    assert [(run["branch"], run["status"], run["exit_code"]) for run in runs] == [(BRANCH, "refused", 4)]
    folder = store.run_dir(str(runs[0]["run_id"]))
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "refused"
    assert report["exit_code"] == 4
    assert "dirty: refuse" in report["message"]
    assert (folder / "junit.xml").exists()
    assert json.loads(report_json.read_text(encoding="utf-8"))["run_id"] == runs[0]["run_id"]
    assert not store.journal_path.exists()
    assert not lock_left(store.lock_path)
    assert rev(in_repo, REF) == old[-1]
    assert backups(in_repo) == {}


def test_a_bad_branch_name_is_reported_with_the_name(in_repo: Repo, tmp_path: Path) -> None:
    report_json = tmp_path / "report.json"

    assert main(["run", "--report-json", str(report_json), "--", "-x"]) == 4

    report = json.loads(report_json.read_text(encoding="utf-8"))
    assert (report["branch"], report["status"]) == ("-x", "refused")
    assert "starts with '-'" in report["message"]
    assert kept(in_repo)[1][-1]["status"] == "refused"


def test_refused_while_another_run_is_paused_leaves_that_run_alone(in_repo: Repo, capsys: Capture) -> None:
    old = three_commits(in_repo, conflicting=True)
    moved_upstream(in_repo, conflicting=True)
    assert main([BRANCH]) == 3
    store = Store(in_repo.path / ".git")
    paused = store.journal_path.read_text(encoding="utf-8")

    assert main([BRANCH]) == 4

    assert "is paused" in capsys.readouterr().err
    assert store.journal_path.read_text(encoding="utf-8") == paused
    assert [run["status"] for run in store.past_runs()] == ["refused"]
    assert main(["abort"]) == 0
    assert rev(in_repo, REF) == old[-1]
    assert [run["status"] for run in store.past_runs()] == ["refused", "aborted"]


def test_refused_by_a_live_lock_is_reported_and_the_lock_kept(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    store = Store(in_repo.path / ".git")
    store.root.mkdir(parents=True, exist_ok=True)
    # Held by the kernel through another descriptor (Store.lock would be re-entrant within this process).
    taken = take_lock(store.lock_path, "run other")
    try:
        holder = store.lock_path.read_text(encoding="utf-8")

        assert main([BRANCH]) == 4

        assert "holds this repository's lock" in capsys.readouterr().err
        assert store.lock_path.read_text(encoding="utf-8") == holder
        assert store.lock_holder() is not None
    finally:
        taken.release()
    assert [run["status"] for run in store.past_runs()] == ["refused"]


def test_a_git_too_old_is_refused_and_only_the_report_json_is_written(
    in_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    three_commits(in_repo)
    bin_dir = tmp_path / "old-git"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text('#!/bin/sh\necho "git version 2.20.1"\n', encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    report_json = tmp_path / "report.json"

    assert main([BRANCH, "--report-json", str(report_json)]) == 4

    assert "git 2.20.1 is too old" in capsys.readouterr().err
    report = json.loads(report_json.read_text(encoding="utf-8"))
    assert (report["status"], report["branch"]) == ("refused", BRANCH)
    assert not (in_repo.path / ".git" / "align").exists()  # no git to find the git dir with: nothing kept there
