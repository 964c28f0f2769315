"""Stacks in a batch (issue 12): a parent that conflicts holds its children back; a pause at the parent
continues onto the parent's new tip; skip-and-report (``on_conflict: abort``) rolls back the parent, skips
its children and aligns the independent branches.

main <- a (conflicts with origin/main: both change README.md) <- b; c on main, independent.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from align.cli import main
from tests.batch_helpers import store_of
from tests.builders import FEATURE_EDIT, RESOLVED, UPSTREAM_EDIT, upstream
from tests.graphing import branch_on
from tests.helpers import Repo, write
from tests.killing import killing_git
from tests.snapshots import rev, snapshot

Capture = pytest.CaptureFixture[str]
SKIP_AND_REPORT = """\
version: 1
steps:
  - backup: {}
  - fetch: {}
  - rebase: {dirty: refuse}
  - on_conflict: {action: abort}
  - on_fail: {action: rollback}
  - verify: {checks: [clean_state, contains_target, patches_preserved, tree_matches_merge]}
  - report: {formats: [console, json, markdown, junit]}
"""

pytestmark = pytest.mark.usefixtures("in_repo")


def _stack(repo: Repo) -> dict[str, str]:
    """a (README.md reworded) <- b (b.txt); c (c.txt) on main; origin/main rewords README.md too, fetched."""
    name, text, _ = FEATURE_EDIT
    tips = {
        "a": branch_on(repo, "a", "main", (name, text)),
        "b": branch_on(repo, "b", "a", ("b.txt", "b\n")),
        "c": branch_on(repo, "c", "main", ("c.txt", "c\n")),
    }
    repo.git("switch", "--quiet", "main")
    upstream(repo, *UPSTREAM_EDIT, fetch=True)
    return tips


def _clean(repo: Repo, *, c_on: str) -> dict[str, str]:
    """a (a.txt) <- b (b.txt), c (c.txt) on ``c_on``; origin/main adds up.txt, fetched; main checked out."""
    tips = {
        "a": branch_on(repo, "a", "main", ("a.txt", "a\n")),
        "b": branch_on(repo, "b", "a", ("b.txt", "b\n")),
        "c": branch_on(repo, "c", c_on, ("c.txt", "c\n")),
    }
    repo.git("switch", "--quiet", "main")
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    return tips


def _own(repo: Repo, branch: str, below: str) -> list[str]:
    listed = repo.git("log", "--reverse", "--format=%s", f"{below}..{branch}")
    return [line for line in listed.splitlines() if line]


def test_skip_and_report_rolls_back_the_parent_skips_its_child_and_aligns_the_rest(
    repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    tips = _stack(repo)
    before = snapshot(repo)
    out = tmp_path / "batch.report.json"
    recipe = write(tmp_path / "skip.yaml", SKIP_AND_REPORT)
    junit = tmp_path / "batch.xml"
    assert main(["a", "b", "c", "--recipe", str(recipe), "--report-json", str(out), "--report-junit", str(junit)]) == 1
    err = capsys.readouterr().err
    assert "b: not started: its parent a did not align (conflict_aborted)" in err
    assert rev(repo, "a") == tips["a"]
    assert rev(repo, "b") == tips["b"]
    assert _own(repo, "c", "origin/main") == ["c: c.txt"]
    written = json.loads(out.read_text())
    assert (written["status"], written["exit_code"]) == ("failed", 1)
    assert written["counts"] == {"aligned": 1, "conflict_aborted": 1, "skipped": 1}
    reports = written["branches"]
    assert [(r["branch"], r["status"], r["exit_code"]) for r in reports] == [
        ("a", "conflict_aborted", 1), ("b", "skipped", 1), ("c", "aligned", 0),
    ]  # fmt: skip
    assert reports[1]["stack"] == {"parent": "a", "parent_source": "inferred", "base": tips["a"], "merged_parent": None}
    assert reports[1]["guidance"] == ["once a is aligned, `align b` aligns it"]
    runs = {
        case.get("name"): case
        for case in ET.parse(junit).getroot().iter("testcase")
        if case.get("classname") == "align.run"
    }
    assert [child.tag for child in runs["align a onto origin/main"]] == ["failure"]
    assert [child.tag for child in runs["align b onto a"]] == ["skipped"]  # its parent's case holds the failure
    assert [child.tag for child in runs["align c onto origin/main"]] == ["system-out"]
    assert [run["status"] for run in store_of(repo).past_runs()] == ["conflict_aborted", "skipped", "aligned"]
    assert store_of(repo).journal() is None
    after = snapshot(repo)
    assert {ref: sha for ref, sha in after.refs.items() if ref != "refs/heads/c"} == {
        ref: sha for ref, sha in before.refs.items() if ref != "refs/heads/c"
    }
    assert (after.head, after.index, after.files, after.stashes) == (
        before.head,
        before.index,
        before.files,
        before.stashes,
    )
    assert (after.config, after.locks, after.operations) == (before.config, before.locks, before.operations)


def test_a_pause_at_the_parent_then_continue_puts_the_child_on_the_parents_new_tip(repo: Repo, capsys: Capture) -> None:
    tips = _stack(repo)
    assert main(["b", "a"]) == 3  # a first: b sits on it
    assert "not started yet: b" in capsys.readouterr().err
    assert rev(repo, "b") == tips["b"]
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")
    assert main(["continue"]) == 0
    assert _own(repo, "a", "origin/main") == ["a: README.md"]
    assert repo.git("show", "a:README.md") == RESOLVED.strip()
    assert _own(repo, "b", "a") == ["b: b.txt"]  # onto a's new tip, its own commit only: no conflict again
    assert repo.git("config", "branch.b.alignBase") == rev(repo, "a")
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert store_of(repo).journal() is None


def test_a_pause_at_the_parent_then_abort_puts_everything_back(repo: Repo, capsys: Capture) -> None:
    tips = _stack(repo)
    before = snapshot(repo)
    assert main(["c", "a", "b"]) == 3  # c aligned, a paused, b waiting
    assert _own(repo, "c", "origin/main") == ["c: c.txt"]
    assert main(["abort"]) == 0
    assert {name: rev(repo, name) for name in "abc"} == tips
    after = snapshot(repo)
    assert (after.refs, after.head, after.index, after.files) == (before.refs, before.head, before.index, before.files)
    assert (after.stashes, after.config, after.locks) == (before.stashes, before.config, before.locks)
    out = capsys.readouterr().out
    assert "b: not started (the batch was aborted)" in out


@pytest.mark.parametrize("pattern", ["branch.b.alignBase", "refs/align/backups/c"])
@pytest.mark.parametrize("then", ["continue", "abort"])
def test_a_kill_inside_a_stack_then_continue_or_abort(
    repo: Repo, tmp_path: Path, capsys: Capture, pattern: str, then: str
) -> None:
    tips = _clean(repo, c_on="b")
    argv = [sys.executable, "-m", "align", "--stack", "c"]
    killed = subprocess.run(argv, cwd=repo.path, env=killing_git(tmp_path, pattern), capture_output=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    capsys.readouterr()

    assert main([then]) == 0, capsys.readouterr()

    assert not (store_of(repo).root / "batch.json").exists()
    assert store_of(repo).journal() is None
    if then == "continue":
        assert _own(repo, "a", "origin/main") == ["a: a.txt"]
        assert _own(repo, "b", "a") == ["b: b.txt"]
        assert _own(repo, "c", "b") == ["c: c.txt"]
    else:
        assert {name: rev(repo, name) for name in "abc"} == tips
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert repo.git("status", "--porcelain") == ""


def test_a_branch_checked_out_in_another_worktree_is_refused_by_name_and_the_batch_goes_on(
    repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    tips = _clean(repo, c_on="main")
    other = tmp_path / "linked"
    repo.git("worktree", "add", "--quiet", str(other), "a")
    write(other / "a.txt", "work in progress\n")  # uncommitted work there
    out = tmp_path / "batch.report.json"

    assert main(["a", "b", "c", "--report-json", str(out)]) == 4

    err = capsys.readouterr().err
    assert f"align: a: refused: a is checked out in another working tree: {other}" in err
    assert "b: not started: its parent a did not align (refused)" in err
    assert (rev(repo, "a"), rev(repo, "b")) == (tips["a"], tips["b"])
    assert (other / "a.txt").read_text() == "work in progress\n"
    assert repo.git("-C", str(other), "symbolic-ref", "HEAD") == "refs/heads/a"
    assert _own(repo, "c", "origin/main") == ["c: c.txt"]
    statuses = [(item["branch"], item["status"]) for item in json.loads(out.read_text())["branches"]]
    assert statuses == [("a", "refused"), ("b", "skipped"), ("c", "aligned")]


def test_five_branches_paused_at_the_third_then_continued_align_all_five(repo: Repo, capsys: Capture) -> None:
    name, text, _ = FEATURE_EDIT
    for branch in ("p1", "p2", "p4", "p5"):
        branch_on(repo, branch, "main", (f"{branch}.txt", f"{branch}\n"))
    branch_on(repo, "p3", "main", (name, text))
    repo.git("switch", "--quiet", "main")
    upstream(repo, *UPSTREAM_EDIT, fetch=True)
    assert main(["p1", "p2", "p3", "p4", "p5"]) == 3
    assert "not started yet: p4, p5" in capsys.readouterr().err
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")
    assert main(["continue"]) == 0
    for branch in ("p1", "p2", "p3", "p4", "p5"):
        assert len(_own(repo, branch, "origin/main")) == 1, branch
    assert repo.git("show", "p3:README.md") == RESOLVED.strip()
    assert "batch: 5 branches, succeeded (5 aligned)" in capsys.readouterr().out
