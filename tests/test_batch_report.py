"""One batch report for a command of several branches (issue 12): its status, counts and pending branches,
its console lines; a branch refused in the middle of a batch is recorded and the others go on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from align.cli import main
from align.report import batch
from tests.batch_helpers import store_of
from tests.builders import feature, moved_upstream
from tests.conftest import batch_validator
from tests.helpers import BRANCH, OTHER, Repo, write
from tests.killing import REAL_GIT
from tests.snapshots import is_ancestor, rev

Capture = pytest.CaptureFixture[str]


def _report(branch: str, status: str, code: int, *, calls: int = 10) -> dict[str, Any]:
    """The keys of one run's report that a batch report reads."""
    return {
        "run_id": f"run-{branch}",
        "branch": branch,
        "recipe": {"name": "default", "source": "", "sha256": "", "found": "default"},
        "target": "main",
        "remote": "origin",
        "onto": "origin/main",
        "stack": None,
        "status": status,
        "exit_code": code,
        "started_at": "2026-01-01T00:00:00Z",
        "duration_s": 0.25,
        "git": {"calls": calls, "seconds": 0.1},
        "commits": {"before": "a" * 40, "count_before": 2, "count_after": 2},
    }


@pytest.mark.parametrize(
    ("statuses", "pending", "status", "code"),
    [
        ([("aligned", 0), ("up_to_date", 0)], [], "succeeded", 0),
        ([("aligned", 0), ("conflict_aborted", 1), ("skipped", 1)], [], "failed", 1),
        ([("aligned", 0), ("refused", 4)], [], "failed", 4),
        ([("aligned", 0), ("paused", 3)], ["z"], "paused", 3),
        ([("interrupted", 130)], ["y", "z"], "interrupted", 130),
        ([("aligned", 0)], ["y"], "in_progress", 0),
    ],
)
def test_the_batch_status_and_exit_code(
    statuses: list[tuple[str, int]], pending: list[str], status: str, code: int
) -> None:
    reports = [_report(f"b{index}", name, exit_code) for index, (name, exit_code) in enumerate(statuses)]
    built = batch.build(reports, pending)
    assert (built["status"], built["exit_code"], built["pending"]) == (status, code, pending)
    assert built["git"] == {"calls": 10 * len(reports), "seconds": round(0.1 * len(reports), 3)}
    assert sum(built["counts"].values()) == len(reports)
    assert built["run_ids"] == [report["run_id"] for report in reports]


def test_the_console_lines_name_each_branch_and_those_not_started() -> None:
    reports = [_report("feature/long-name", "aligned", 0), _report("x", "paused", 3)]
    lines = batch.console(batch.build(reports, ["z"])).splitlines()
    assert lines == [
        "batch: 3 branches, paused (1 aligned, 1 paused)",
        "  feature/long-name  aligned  2 -> 2 commit(s)  0.25 s",
        "  x                  paused   2 commit(s)       0.25 s",
        "  not started yet: z",
    ]


def test_a_branch_refused_first_is_recorded_and_the_batch_goes_on(
    repo: Repo, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.path)
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    repo.git("switch", "--quiet", "-c", "side", "main")
    repo.commit("side.txt", "side\n", "side: add side")
    repo.git("switch", "--quiet", BRANCH)
    repo.git("merge", "--quiet", "--no-ff", "--no-edit", "side")  # a merge commit: the run refuses to flatten
    x = rev(repo, BRANCH)
    feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    repo.git("switch", "--quiet", "main")
    out = tmp_path / "batch.report.json"

    assert main([BRANCH, OTHER, "--report-json", str(out)]) == 4

    err = capsys.readouterr().err
    assert f"align: {BRANCH}: refused: {BRANCH} has 1 merge commit(s)" in err
    assert rev(repo, BRANCH) == x
    assert is_ancestor(repo, "origin/main", f"refs/heads/{OTHER}")
    written = json.loads(out.read_text())
    assert [(item["branch"], item["status"]) for item in written["branches"]] == [
        (BRANCH, "refused"), (OTHER, "aligned"),
    ]  # fmt: skip
    assert (written["status"], written["exit_code"], written["pending"]) == ("failed", 4, [])
    assert list(batch_validator().iter_errors(written)) == []
    assert not (store_of(repo).root / "batch.json").exists()
    assert store_of(repo).journal() is None


def test_a_batch_holds_one_lock_from_its_first_branch_to_its_last(repo: Repo, tmp_path: Path) -> None:
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    repo.git("switch", "--quiet", "main")
    seen = tmp_path / "seen"
    lock = repo.path / ".git" / "align" / "lock"
    script = write(
        tmp_path / "bin" / "git",
        f"""\
        #!{sys.executable}
        import subprocess, sys
        if "update-ref" in sys.argv and "refs/align/backups/" in " ".join(sys.argv):  # a backup: who holds the lock
            with open({str(seen)!r}, "a") as out:
                out.write(open({str(lock)!r}).read() + "\\n")
        sys.exit(subprocess.run([{REAL_GIT!r}, *sys.argv[1:]]).returncode)
        """,
    )
    script.chmod(0o755)
    env = {**os.environ, "PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [sys.executable, "-m", "align", "-q", BRANCH, OTHER], cwd=repo.path, env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    holders = [json.loads(line) for line in seen.read_text().splitlines() if line]
    assert len(holders) == 2
    assert holders[0] == holders[1]  # the same take of the lock: one pid, one start, one command
    assert holders[0]["command"] == f"run {BRANCH} {OTHER}"
    assert lock.read_text() == ""  # let go at the end
