"""The checked-out branch aligned in memory carries the user's uncommitted work through its two-way merge
(issue 11): align's stash only when that merge would refuse, or when a validate step runs on the tree.

A ``reference-transaction`` hook logs every ref git updates: "no stash entry was ever created" is no line
naming ``refs/stash`` (nor ``refs/align/stash/``), not only a stash list that looks the same afterwards."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import SIX, feature, steps_recipe, upstream_changes
from tests.helpers import BRANCH, REF, Repo, write
from tests.journals import last_run
from tests.snapshots import difference, git_dir, rev, snapshot, stashes
from tests.twins import OFFLINE, mtimes

LIST = "list.txt"
UPSTREAM_LIST = SIX.replace("1\n", "one (upstream)\n", 1)
MARKERS = "verify: {checks: [no_conflict_markers]}"


def log_refs(repo: Repo, tmp_path: Path) -> Path:
    """Install a reference-transaction hook appending each committed ref update to a log; return the log."""
    log = tmp_path / "refs.log"
    hook = repo.path / ".git" / "hooks" / "reference-transaction"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f'#!/bin/sh\n[ "$1" = committed ] && cat >> "{log}"\nexit 0\n', encoding="utf-8")
    hook.chmod(0o755)
    return log


def stash_moves(log: Path) -> list[str]:
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [line for line in lines if " refs/stash" in line or "refs/align/stash/" in line]


def scenario(repo: Repo, *, marker: bool = False) -> list[str]:
    """list.txt (six lines) on main; feature/x (checked out) adds a.txt and b.txt (b.txt with a conflict-marker
    line when ``marker``, which verify's ``no_conflict_markers`` takes for a conflict); origin/main (fetched)
    changes list.txt's first line and adds up.txt. Returns the feature's commits."""
    repo.commit(LIST, SIX, "add the list")
    repo.git("push", "--quiet", "origin", "main")
    b_text = "<<<<<<< not a conflict\n" if marker else "b\n"
    old = feature(repo, ("a.txt", "a\n", "feature: add a"), ("b.txt", b_text, "feature: add b"))
    upstream_changes(repo, {LIST: UPSTREAM_LIST, "up.txt": "up\n"}, "upstream: change the list", fetch=True)
    os.chdir(repo.path)
    return old


def user_work(repo: Repo) -> None:
    """Staged, unstaged and untracked work, on files the alignment does not touch, and a stash of the user's."""
    write(repo.path / "a.txt", "stashed by the user\n")
    repo.git("stash", "push", "--quiet", "-m", "the user's own")
    write(repo.path / "README.md", "my staged edit\n")
    repo.git("add", "README.md")
    write(repo.path / "README.md", "my staged edit, edited again\n")
    write(repo.path / "a.txt", "my edit of a\n")
    write(repo.path / "mine.txt", "untracked\n")


def index_entries(repo: Repo) -> set[str]:
    return set(repo.git("ls-files", "--stage").splitlines())


def test_work_on_files_the_alignment_does_not_touch_rides_the_checkout(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario(repo)
    user_work(repo)
    log = log_refs(repo, tmp_path)
    before, times = snapshot(repo), mtimes(repo)
    stash_log = repo.git("reflog", "show", "--format=%H %gs", "refs/stash")
    index_before = index_entries(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 0

    after = snapshot(repo)
    new = rev(repo, REF)
    assert repo.git("rev-parse", f"{new}~2") == rev(repo, "origin/main")
    assert after.head == REF
    assert after.files == {**before.files, LIST: UPSTREAM_LIST.encode(), "up.txt": b"up\n"}
    assert after.stashes == before.stashes == stashes(repo)
    assert repo.git("reflog", "show", "--format=%H %gs", "refs/stash") == stash_log
    assert stash_moves(log) == []  # no stash entry was ever made, nor held by align
    assert repo.git("for-each-ref", "refs/align/stash/", "refs/align/leftovers/") == ""
    entries = repo.git("ls-tree", "-r", "--format=%(objectmode) %(objectname) 0\t%(path)", new).splitlines()
    moved = {line for line in entries if line.endswith((f"\t{LIST}", "\tup.txt"))}
    assert index_entries(repo) == {line for line in index_before if not line.endswith(f"\t{LIST}")} | moved
    assert repo.git("diff", "--cached", "--name-only") == "README.md"
    assert repo.git("status", "--porcelain") == "MM README.md\n M a.txt\n?? mine.txt"
    unchanged = {path: stamp for path, stamp in times.items() if path not in (LIST, ".git/index")}
    assert {path: stamp for path, stamp in mtimes(repo).items() if path in unchanged} == unchanged
    journal = last_run(repo)
    assert (journal.engine, journal.tree_moved, journal.carried, journal.stash) == ("memory", True, True, "")
    assert "engine:  memory (the working tree followed in one checkout, your uncommitted changes with it)" in (
        capsys.readouterr().out
    )
    report = json.loads((git_dir(repo) / "align" / "runs" / journal.run.run_id / "report.json").read_text())
    assert report["engine"] == {"name": "memory", "reason": "", "tree_moved": True, "carried": True}


def test_work_on_a_file_the_alignment_changes_goes_through_align_stash(repo: Repo, tmp_path: Path) -> None:
    scenario(repo)
    write(repo.path / LIST, SIX.replace("6\n", "six (mine)\n"))  # the alignment changes list.txt's first line
    write(repo.path / "mine.txt", "untracked\n")
    log = log_refs(repo, tmp_path)
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 0

    after = snapshot(repo)
    both = UPSTREAM_LIST.replace("6\n", "six (mine)\n").encode()
    assert after.files == {**before.files, LIST: both, "up.txt": b"up\n"}  # the work applied back on the new list
    assert after.stashes == before.stashes
    assert stash_moves(log) != []  # through align's stash
    assert repo.git("for-each-ref", "refs/align/stash/") == ""
    journal = last_run(repo)
    assert (journal.engine, journal.tree_moved, journal.carried) == ("memory", True, False)


def test_a_validate_step_on_the_tree_sends_the_work_to_align_stash(repo: Repo, tmp_path: Path) -> None:
    scenario(repo)
    user_work(repo)
    log = log_refs(repo, tmp_path)
    before = snapshot(repo)
    seen = tmp_path / "seen.txt"
    check = ["sh", "-c", f"git status --porcelain --untracked-files=all > {seen}"]

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE, f"validate: {{run: [{check!r}]}}")]) == 0

    assert seen.read_text(encoding="utf-8") == ""  # validation saw the commits, not the user's work
    after = snapshot(repo)
    assert after.files == {**before.files, LIST: UPSTREAM_LIST.encode(), "up.txt": b"up\n"}
    assert after.stashes == before.stashes
    assert repo.git("status", "--porcelain") == "MM README.md\n M a.txt\n?? mine.txt"
    assert stash_moves(log) != []
    assert last_run(repo).carried is False


def test_a_failed_verify_puts_back_exactly_the_user_state_without_a_stash(repo: Repo, tmp_path: Path) -> None:
    old = scenario(repo, marker=True)
    user_work(repo)
    log = log_refs(repo, tmp_path)
    before, times = snapshot(repo), mtimes(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE, MARKERS)]) == 1

    after = snapshot(repo)
    assert difference(before, after) == ""
    assert rev(repo, REF) == old[-1]
    assert stash_moves(log) == []
    mine = ("README.md", "a.txt", "mine.txt")  # the user's files were not rewritten (list.txt was: twice)
    assert {path: mtimes(repo)[path] for path in mine} == {path: times[path] for path in mine}
    journal = last_run(repo)
    assert journal.status == "failed_rolled_back"
    assert journal.carried


def test_a_rollback_the_merge_back_would_refuse_keeps_the_work_in_align_stash(repo: Repo, tmp_path: Path) -> None:
    """The user edits list.txt (which the alignment changed) while the run verifies: the two-way merge back to
    the pre-run tip would refuse, so the work goes to align's stash and is applied back on the old branch."""
    old = scenario(repo, marker=True)
    user_work(repo)
    before = snapshot(repo)
    mark = tmp_path / "edited"
    hook = repo.path / ".git" / "hooks" / "post-index-change"  # right after the checkout of the new tip
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(
        f'#!/bin/sh\n[ -e "{mark}" ] && exit 0\n[ "$(git rev-parse {REF})" = {old[-1]} ] && exit 0\n'
        f'touch "{mark}"\nsed -i "s/^6$/six, typed during the run/" {LIST}\n',
        encoding="utf-8",
    )
    hook.chmod(0o755)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE, MARKERS)]) == 1

    assert mark.exists()
    after = snapshot(repo)
    assert rev(repo, REF) == old[-1]
    assert after.head == REF
    typed = SIX.replace("6\n", "six, typed during the run\n").encode()
    assert after.files == {**before.files, LIST: typed}  # the old list, with what was typed during the run
    assert after.stashes == before.stashes
    assert repo.git("for-each-ref", "refs/align/stash/", "refs/align/leftovers/") == ""
    assert repo.git("status", "--porcelain") == "MM README.md\n M a.txt\n M list.txt\n?? mine.txt"
    journal = last_run(repo)
    assert any("could not be carried back" in warning for warning in journal.found.warnings)


def test_an_ignored_file_where_the_new_tip_adds_one_is_refused_before_anything_moves(
    repo: Repo, tmp_path: Path
) -> None:
    """git's two-way merge would overwrite an ignored file without a word (its dry run says yes): the run
    is refused before it starts, as for the disk path, and nothing is touched."""
    old = scenario(repo)
    user_work(repo)
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "exclude").write_text("up.txt\n", encoding="utf-8")
    write(repo.path / "up.txt", "mine, ignored\n")
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 4

    assert difference(before, snapshot(repo)) == ""
    assert rev(repo, REF) == old[-1]
    assert (repo.path / "up.txt").read_bytes() == b"mine, ignored\n"
