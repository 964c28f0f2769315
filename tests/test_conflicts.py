"""Conflicts end to end: pause and guidance, continue, skip, abort (also from another process), ci, rerere."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import (
    FEATURE_EDIT,
    RESOLVED,
    UPSTREAM_EDIT,
    conflicting,
    diverge,
)
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import (
    backups,
    head,
    in_progress,
    is_ancestor,
    out,
    refs,
    rev,
    snapshot,
    stashes,
    subjects,
)

SUBJECT = "feature: reword the readme"


pytestmark = pytest.mark.usefixtures("in_repo")


def short(repo: Repo, sha: str) -> str:
    return repo.git("rev-parse", "--short", sha)


def assert_paused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    text = out(capsys)
    assert re.search(r"in progress: run \S+ on feature/x onto origin/main: paused", text)
    assert f"{SUBJECT}: README.md (both modified) [pending]" in text


def test_conflict_pauses_with_guidance(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, target, before = conflicting(repo, dirty=True)

    assert main([BRANCH]) == 3

    text = out(capsys)
    assert "paused at a conflict" in text
    assert f"conflict while applying {short(repo, old[1])} '{SUBJECT}' onto origin/main" in text
    assert re.search(r"^  both modified\s+README\.md$", text, re.MULTILINE)
    assert f"changed upstream by {short(repo, target)} upstream: reword the readme" in text
    for command in ("align continue", "align skip", "align abort"):
        assert re.search(rf"^  {command} ", text, re.MULTILINE)
    assert in_progress(repo)
    assert rev(repo, REF) == old[-1]
    assert list(backups(repo).values()) == [old[-1]]
    assert stashes(repo) == before.stashes  # align's own stash is not in the user's list
    assert len(refs(repo, "refs/align/stash/")) == 1
    assert_paused(capsys)


def test_continue_after_resolving(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    _, target, before = conflicting(repo, dirty=True)
    assert main([BRANCH]) == 3
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")
    capsys.readouterr()

    assert main(["continue"]) == 0

    text = out(capsys)
    assert ": aligned" in text
    assert f"{SUBJECT}: README.md (both modified) [resolved by the user]" in text
    tip = rev(repo, REF)
    assert is_ancestor(repo, target, tip)
    assert subjects(repo, f"{target}..{tip}") == ["feature: add a", SUBJECT, "feature: add c"]
    assert repo.git("show", f"{tip}:README.md") + "\n" == RESOLVED
    assert not in_progress(repo)
    after = snapshot(repo)
    assert after.head == REF
    assert after.status == before.status
    assert after.stashes == before.stashes
    assert refs(repo, "refs/align/stash/") == {}
    assert main(["status"]) == 0
    assert "nothing in progress" in out(capsys)


def test_skip_drops_the_conflicting_commit(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, target, _ = conflicting(repo)
    assert main([BRANCH]) == 3
    capsys.readouterr()

    assert main(["skip"]) == 0

    text = out(capsys)
    assert ": aligned" in text
    assert f"dropped {short(repo, old[1])} {SUBJECT} (skipped by the user)" in text
    assert f"{SUBJECT}: README.md (both modified) [skipped]" in text
    tip = rev(repo, REF)
    assert is_ancestor(repo, target, tip)
    assert subjects(repo, f"{target}..{tip}") == ["feature: add a", "feature: add c"]
    assert (repo.path / "README.md").read_text() == "hello from upstream\n"
    assert head(repo) == REF
    assert not in_progress(repo)
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""


@pytest.mark.parametrize("checked_out", [BRANCH, "main", "detached"])
def test_abort_puts_everything_back(repo: Repo, checked_out: str, capsys: pytest.CaptureFixture[str]) -> None:
    old, _, _ = conflicting(repo, dirty=True)
    if checked_out != BRANCH:  # the dirty tree comes along
        repo.git("switch", "--quiet", *(["--detach"] if checked_out == "detached" else []), "main")
    before = snapshot(repo)
    assert main([BRANCH]) == 3
    capsys.readouterr()

    assert main(["abort"]) == 0

    text = out(capsys)
    assert "aborted: everything rolled back" in text
    assert f"{SUBJECT}: README.md (both modified) [aborted]" in text
    assert snapshot(repo) == before
    assert not in_progress(repo)
    assert refs(repo, "refs/align/stash/") == {}
    assert list(backups(repo).values()) == [old[-1]]
    assert main(["status"]) == 0
    assert "nothing in progress" in out(capsys)


def test_continue_refuses_unresolved_files_and_markers(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, _, _ = conflicting(repo)
    assert main([BRANCH]) == 3
    paused = snapshot(repo)
    capsys.readouterr()

    assert main([BRANCH]) == 4
    assert "an align run on 'feature/x' is paused" in out(capsys)
    assert main(["continue"]) == 4

    assert "1 file(s) still have unresolved conflicts: README.md" in out(capsys)
    assert snapshot(repo) == paused
    assert_paused(capsys)

    assert "<<<<<<< " in (repo.path / "README.md").read_text()
    repo.git("add", "README.md")
    marked = snapshot(repo)

    assert main(["continue"]) == 4

    assert "conflict markers (<<<<<<< or >>>>>>>) are still in: README.md" in out(capsys)
    assert snapshot(repo) == marked
    assert in_progress(repo)
    assert_paused(capsys)
    assert rev(repo, REF) == old[-1]


def test_abort_after_the_pausing_process_exited(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, _, before = conflicting(repo, dirty=True)

    argv = [sys.executable, "-m", "align", BRANCH]
    done = subprocess.run(argv, cwd=repo.path, env=os.environ, capture_output=True, text=True, check=False)

    assert done.returncode == 3, done.stdout + done.stderr
    assert "paused at a conflict" in done.stdout
    assert in_progress(repo)

    assert main(["abort"]) == 0

    assert "aborted: everything rolled back" in out(capsys)
    assert snapshot(repo) == before
    assert rev(repo, REF) == old[-1]
    assert refs(repo, "refs/align/stash/") == {}


ABORTING = "version: 1\nextends: default\npatch:\n  on_conflict: {action: abort}\n"


@pytest.mark.parametrize("name", ["ci", "aborting"])
def test_a_recipe_that_aborts_at_a_conflict(
    repo: Repo, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """ci (clean tree only), or default with `on_conflict: abort` (a dirty tree and user stashes come back)."""
    old, _, before = conflicting(repo, dirty=name == "aborting")
    chosen = name if name == "ci" else str(write(tmp_path / "recipes" / "aborting.yaml", ABORTING))

    no_sessions = ["--set", "sessions=[]"] if name == "ci" else []  # no noxfile here: ci validates nothing
    assert main([BRANCH, "--recipe", chosen, *no_sessions]) == 1

    text = out(capsys)
    assert "conflict: run aborted, everything rolled back" in text
    assert f"conflict {short(repo, old[1])} {SUBJECT}: README.md (both modified)" in text
    assert snapshot(repo) == before
    assert not in_progress(repo)
    assert refs(repo, "refs/align/stash/") == {}
    assert list(backups(repo).values()) == [old[-1]]
    assert main(["status"]) == 0
    assert "nothing in progress" in out(capsys)


def test_ci_recipe_refuses_a_dirty_tree(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, before = conflicting(repo, dirty=True)

    assert main([BRANCH, "--recipe", "ci"]) == 4

    assert "dirty: refuse" in out(capsys)
    assert snapshot(repo) == before
    assert backups(repo) == {}


def test_rerere_replays_a_recorded_resolution(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, target, _ = conflicting(repo)
    assert main([BRANCH]) == 3
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")
    assert main(["continue"]) == 0
    assert main(["undo"]) == 0
    assert rev(repo, REF) == old[-1]
    capsys.readouterr()

    assert main([BRANCH]) == 0

    text = out(capsys)
    assert ": aligned" in text
    assert f"{SUBJECT}: README.md (both modified) [auto-resolved (rerere)]" in text
    tip = rev(repo, REF)
    assert is_ancestor(repo, target, tip)
    assert subjects(repo, f"{target}..{tip}") == ["feature: add a", SUBJECT, "feature: add c"]
    assert repo.git("show", f"{tip}:README.md") + "\n" == RESOLVED
    assert head(repo) == REF
    assert not in_progress(repo)
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""


def test_merge_conflict_pauses_then_continues(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, target, _ = conflicting(repo)

    assert main([BRANCH, "--recipe", "merge"]) == 3

    text = out(capsys)
    assert f"conflict while merging origin/main ({short(repo, target)}) into feature/x" in text
    assert re.search(r"^  both modified\s+README\.md$", text, re.MULTILINE)
    assert "align continue     commit the merge" in text
    assert "align skip" not in text  # a merge has no commit to skip
    assert main(["skip"]) == 4
    assert "a merge has no commit to skip" in out(capsys)
    assert in_progress(repo)
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")

    assert main(["continue"]) == 0

    assert ": aligned" in out(capsys)
    tip = rev(repo, REF)
    assert repo.git("rev-list", "--parents", "-n1", tip).split()[1:] == [old[-1], target]
    assert repo.git("rev-list", "--no-merges", f"{target}..{tip}").split() == old[::-1]
    assert repo.git("show", f"{tip}:README.md") + "\n" == RESOLVED
    assert head(repo) == REF
    assert not in_progress(repo)
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""


def test_nothing_to_resume(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(repo)
    for action in ("continue", "skip", "abort"):
        assert main([action]) == 4
        assert f"no align run to {action}" in out(capsys)
    assert snapshot(repo) == before


def two_conflicts(repo: Repo) -> list[str]:
    """feature/x whose 2nd and 3rd commits both change README.md, which upstream changed too."""
    second = ("README.md", "feature, second take\n", "feature: reword again")
    mine = [("a.txt", "a\n", "feature: add a"), FEATURE_EDIT, second]
    return diverge(repo, mine, [UPSTREAM_EDIT], via="clone", head=BRANCH).commits


def test_continue_into_a_second_conflict_pauses_again(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old = two_conflicts(repo)
    assert main([BRANCH]) == 3
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")
    capsys.readouterr()

    assert main(["continue"]) == 3

    text = out(capsys)
    assert f"conflict while applying {short(repo, old[2])} 'feature: reword again' onto origin/main" in text
    assert f"{SUBJECT}: README.md (both modified) [resolved by the user]" in text
    assert in_progress(repo)
    assert rev(repo, REF) == old[-1]
    write(repo.path / "README.md", "final\n")
    repo.git("add", "README.md")

    assert main(["continue"]) == 0

    tip = rev(repo, REF)
    assert subjects(repo, f"origin/main..{tip}") == ["feature: add a", SUBJECT, "feature: reword again"]
    assert (repo.path / "README.md").read_text() == "final\n"
    assert head(repo) == REF
    assert not in_progress(repo)


def test_skip_into_a_second_conflict_pauses_again(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old = two_conflicts(repo)
    assert main([BRANCH]) == 3
    capsys.readouterr()

    assert main(["skip"]) == 3

    text = out(capsys)
    assert f"conflict while applying {short(repo, old[2])} 'feature: reword again' onto origin/main" in text
    assert f"{SUBJECT}: README.md (both modified) [skipped]" in text
    assert in_progress(repo)
    assert rev(repo, REF) == old[-1]
    assert main(["status"]) == 0
    assert "feature: reword again: README.md (both modified) [pending]" in out(capsys)

    assert main(["skip"]) == 0

    text = out(capsys)
    assert f"dropped {short(repo, old[1])} {SUBJECT} (skipped by the user)" in text
    assert f"dropped {short(repo, old[2])} feature: reword again (skipped by the user)" in text
    tip = rev(repo, REF)
    assert subjects(repo, f"origin/main..{tip}") == ["feature: add a"]
    assert head(repo) == REF
    assert not in_progress(repo)
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""


def test_abort_leaves_a_branch_someone_moved_while_paused(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, _, before = conflicting(repo, dirty=True)
    assert main([BRANCH]) == 3
    capsys.readouterr()
    repo.git("update-ref", REF, old[0])  # another process moves the branch during the pause

    assert main(["abort"]) == 1  # a branch it could not restore: not everything was put back

    text = out(capsys)
    assert "aborted: rolled back, except feature/x, moved meanwhile" in text
    assert "feature/x was moved by someone else during the run" in text
    assert rev(repo, REF) == old[0]  # `git rebase --abort` would have reset it to the pre-run tip
    assert list(backups(repo).values()) == [old[-1]]  # nothing lost: the pre-run tip is kept
    assert not in_progress(repo)
    assert head(repo) == REF
    assert stashes(repo) == before.stashes  # the user's work is back, their stashes untouched
    assert repo.git("status", "--porcelain", "--untracked-files=all") == before.status
