"""A full disk and a read-only align folder (issue 9, item 10): a run never ends in a state nothing can finish.

The repository (and its bare origin) lives on a small tmpfs, filled up to leave a few KiB free; align runs,
the space comes back, and ``align abort`` (or ``align continue``) must leave either the state from before
the run or a verified alignment: refs, HEAD, index, file bytes and the stash list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import conflicting, diverge, make_dirty, moved_upstream, three_commits, user_stashes
from tests.helpers import BRANCH, REF, Repo, lock_left, write
from tests.snapshots import Snapshot, in_progress, is_ancestor, out, refs, rev, snapshot, subjects

MiB = 1024 * 1024
COMMITS = 10
# KiB left free when align starts: the journal, the stash, the switch, mid-rebase, switching back, the reports;
# the last level leaves room enough to align.
LEVELS = (*range(16, 240, 16), 400)
MOUNT_OPTIONS = "size=16m"
# `align continue` after a rebase cut short may pause, git refusing to go on (issue 9 item 12: a git failure that is
# not a conflict is shown as a conflict with no files); then `align abort` must restore everything.
CONTINUE_MAY_PAUSE = True


def free_kib(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize // 1024


@pytest.fixture
def mounts() -> Iterator[Callable[[Path, str], Path]]:
    """Mount tmpfs file systems for the test (``mount(DIR, OPTIONS)``); all are unmounted after it. The test is
    skipped when it cannot mount (not root, or no mount allowed here)."""
    if os.geteuid() != 0:
        pytest.skip("a full disk or a read-only folder is made with a small tmpfs, which needs root")
    mounted: list[Path] = []

    def mount(folder: Path, options: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        argv = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
        mounted.append(folder)
        return folder

    try:
        yield mount
    finally:
        for folder in reversed(mounted):
            subprocess.run(["umount", "--lazy", str(folder)], check=False)


@pytest.fixture
def tmpfs(tmp_path: Path, mounts: Callable[[Path, str], Path]) -> Path:
    """A 16 MiB tmpfs for the test."""
    return mounts(tmp_path / "disk", MOUNT_OPTIONS)


def build(base: Path) -> tuple[Repo, list[str], str]:
    """feature/x with COMMITS commits of 4 KiB files, behind an origin/main that is already fetched; a dirty tree
    and two stashes of the user's, main checked out. Return the repository, the feature's subjects and
    origin/main."""
    repo = Repo.create(base)
    repo.commit("notes.txt", "notes\n", "add notes")
    repo.git("push", "--quiet", "origin", "main")
    mine = [(f"f{number}.txt", f"{number}\n" * 2000, f"feature: add f{number}") for number in range(COMMITS)]
    diverge(repo, mine, [("up.txt", "upstream\n", "upstream: add up")], via="clone", fetch=True)
    shutil.rmtree(base / "other")
    user_stashes(repo)
    make_dirty(repo)
    return repo, subjects(repo, f"main..{BRANCH}"), rev(repo, "origin/main")


def fill(disk: Path, leave_kib: int) -> Path:
    """Write a filler file that leaves about ``leave_kib`` KiB free on ``disk``; return it."""
    filler = disk / "filler"
    with open(filler, "wb") as handle:
        size = max(0, (free_kib(disk) - leave_kib) * 1024)
        os.posix_fallocate(handle.fileno(), 0, size) if size else None
    return filler


def run_align(argv: list[str]) -> tuple[int, str]:
    """Run align in-process; a crash (a bug: exit 70) is an outcome too (returned as exit -1 with its log)."""
    code = main(argv)
    if code != 70:
        return code, ""
    log = Path(".git/align/crash.log")  # the sweep runs align from the working tree's root
    return -1, log.read_text(encoding="utf-8") if log.exists() else "exit 70 (the crash log is in align's cache)"


def journal(repo: Repo) -> Path:
    return repo.path / ".git" / "align" / "journal.json"


def verdict(repo: Repo, before: Snapshot, old_tip: str, feature: list[str], onto: str) -> str:
    """Return "" when the state is the one before the run or a verified alignment, else what is wrong."""
    if journal(repo).exists():
        return "a journal is left: the run is not finished"
    if repo.git("for-each-ref", "refs/align/stash/"):
        return "align's stash ref is left"
    after = snapshot(repo)
    tip = rev(repo, REF)
    if tip != old_tip:  # aligned: onto origin/main, the same commits, and the rest as before
        if rev(repo, f"{tip}~{COMMITS}") != onto or subjects(repo, f"{onto}..{tip}") != feature:
            return f"{BRANCH} is at {tip[:12]}, neither the old tip nor an alignment"
        expected = {**before.refs, REF: tip}
        after = Snapshot(**{**after.__dict__, "refs": after.refs})
        if after.refs != expected:
            return f"refs differ: {sorted(set(after.refs.items()) ^ set(expected.items()))}"
        after = Snapshot(**{**after.__dict__, "refs": before.refs})
    for name in ("refs", "head", "index", "staged", "status", "files", "stashes"):
        if getattr(after, name) != getattr(before, name):
            now, was = getattr(after, name), getattr(before, name)
            return f"{name} differs from before the run: {now!r:.300} (was {was!r:.300})"
    return ""


def sweep(tmpfs: Path, finish: str) -> tuple[list[str], list[int]]:
    """Run align at each free-space level, then free the space and ``finish``; return what went wrong and the
    levels that ended aligned."""
    template = tmpfs / "template"
    repo, feature, onto = build(template)
    old_tip = rev(repo, REF)
    problems, aligned = [], []
    for level in LEVELS:
        copy = tmpfs / "run"
        shutil.copytree(template, copy, symlinks=True)
        here = Repo(path=copy / "work", origin=copy / "origin.git")
        here.git("remote", "set-url", "origin", str(here.origin))
        before = snapshot(here)
        os.chdir(here.path)
        filler = fill(tmpfs, level)
        code, crash = run_align([BRANCH])
        filler.unlink()
        outcome = f"{level} KiB free: align exited {code}"
        if crash:
            problems.append(f"{outcome} with a traceback:\n{crash}")
        if journal(here).exists():
            code, crash = run_align([finish])
            outcome += f", then `align {finish}` exited {code}"
            if crash:
                problems.append(f"{outcome} with a traceback:\n{crash}")
        if code == 3 and CONTINUE_MAY_PAUSE:  # git refused to go on (unstaged files of the cut-short pick)
            code, crash = run_align(["abort"])
            outcome += f", then `align abort` exited {code}"
        wrong = verdict(here, before, old_tip, feature, onto)
        if wrong:
            problems.append(f"{outcome}: {wrong}")
        elif outcome.endswith("`align abort` exited 1"):
            problems.append(f"{outcome}: everything was restored, yet abort did not exit 0")
        if not wrong and rev(here, REF) != old_tip:
            aligned.append(level)
        os.chdir(tmpfs)
        shutil.rmtree(copy)
    return problems, aligned


@pytest.mark.slow
@pytest.mark.parametrize("finish", ["abort", "continue"])
def test_a_full_disk_at_any_point_ends_as_before_or_aligned(
    tmpfs: Path, finish: str, capsys: pytest.CaptureFixture[str]
) -> None:
    problems, aligned = sweep(tmpfs, finish)
    capsys.readouterr()
    assert problems == []
    assert LEVELS[-1] in aligned  # with room enough, the run aligns
    assert (LEVELS[0] in aligned) == (finish == "continue")  # stopped on a full disk: continue finishes the run


def dirty_feature(repo: Repo) -> tuple[str, Snapshot]:
    """feature/x (3 commits) behind a moved origin/main, main checked out with uncommitted work and two stashes of
    the user's; return feature/x's tip and the snapshot before the run."""
    repo.commit("notes.txt", "notes\n", "add notes")
    repo.git("push", "--quiet", "origin", "main")
    old = three_commits(repo)[-1]
    repo.git("switch", "--quiet", "main")
    moved_upstream(repo)
    user_stashes(repo)
    make_dirty(repo)
    return old, snapshot(repo)


def test_a_read_only_runs_folder_is_a_warning_and_the_run_ends(
    in_repo: Repo, mounts: Callable[[Path, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, before = dirty_feature(in_repo)
    runs = mounts(in_repo.path / ".git" / "align" / "runs", "ro,size=64k")

    assert main([BRANCH]) == 0  # the alignment is done: reports that cannot be written are warnings

    text = out(capsys)
    assert ": aligned" in text
    assert f"warning: report: could not write {runs}/" in text
    assert f"warning: could not keep the run's journal in {runs}/" in text
    assert not journal(in_repo).exists()  # not stuck "running"
    assert not lock_left(in_repo.path / ".git" / "align" / "lock")
    tip = rev(in_repo, REF)
    onto = rev(in_repo, "origin/main")  # fetched by the run
    assert is_ancestor(in_repo, onto, tip)
    assert subjects(in_repo, f"{onto}..{tip}") == subjects(in_repo, f"main..{old}")
    moved = {REF: tip, "refs/remotes/origin/main": onto}
    assert snapshot(in_repo) == Snapshot(**{**before.__dict__, "refs": {**before.refs, **moved}})
    assert main(["status"]) == 0
    assert "nothing in progress" in out(capsys)


def test_a_read_only_align_folder_is_refused_with_nothing_touched(
    in_repo: Repo, mounts: Callable[[Path, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, before = dirty_feature(in_repo)
    folder = mounts(in_repo.path / ".git" / "align", "ro,size=64k")

    assert main([BRANCH]) == 4

    text = out(capsys)
    assert f"align: error: cannot write align's folder {folder} (its lock and journal): Read-only file system" in text
    assert f"make {folder} writable" in text
    assert snapshot(in_repo) == before
    assert rev(in_repo, REF) == old
    assert in_repo.git("for-each-ref", "refs/align/") == ""


def paused(repo: Repo, capsys: pytest.CaptureFixture[str]) -> tuple[str, Snapshot]:
    """Pause a run at a conflict (feature/x checked out, a dirty tree, two stashes); return the tip and the state."""
    old, _, before = conflicting(repo, dirty=True)
    assert main([BRANCH]) == 3
    capsys.readouterr()
    return old[-1], before


def test_abort_finishes_when_gits_rebase_state_is_half_written(
    in_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = in_repo
    old, before = paused(repo, capsys)
    (repo.path / ".git" / "rebase-merge" / "onto").write_text("")  # as git leaves it when the disk is full
    done = subprocess.run(["git", "rebase", "--abort"], cwd=repo.path, capture_output=True, text=True, check=False)
    assert "invalid onto: ''" in done.stderr  # git's own abort cannot finish

    assert main(["abort"]) == 0

    text = out(capsys)
    assert "aborted: everything rolled back" in text
    assert "warning: git could not abort its rebase (`git -c submodule.recurse=false rebase --abort` exited " in text
    assert "with 1: error: invalid onto: '')" in text
    assert "align put feature/x back from its journal" in text
    assert snapshot(repo) == before
    assert rev(repo, REF) == old
    assert not in_progress(repo)
    assert repo.git("for-each-ref", "refs/align/stash/") == ""


@pytest.mark.parametrize("content", ["c\n", "mine\n"])
def test_abort_with_an_untracked_file_in_the_way_of_gits_abort(
    in_repo: Repo, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = in_repo
    old, before = paused(repo, capsys)
    write(repo.path / "c.txt", content)  # left by a checkout cut short ("c\n", as committed), or the user's own

    if content != "c\n":  # the user's own file: named, never moved; once the user moves it, abort finishes
        assert main(["abort"]) == 1
        text = out(capsys)
        assert "git cannot abort the rebase" in text
        assert "in the way: c.txt" in text
        assert (repo.path / "c.txt").read_text(encoding="utf-8") == content
        assert in_progress(repo)
        (repo.path / "c.txt").unlink()

    assert main(["abort"]) == 0

    text = out(capsys)
    assert "aborted: everything rolled back" in text
    assert rev(repo, REF) == old
    assert not in_progress(repo)
    assert snapshot(repo) == before  # "c\n", the same bytes as the commit's, was a leftover: removed


def test_a_journal_that_cannot_be_written_stops_the_run_and_abort_finishes_it(
    tmpfs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo.create(tmpfs / "repos")
    old, before = dirty_feature(repo)
    filler = tmpfs / "filler"
    hook = write(  # the disk fills up right after align saved the backup: its next journal write fails
        repo.path / ".git" / "hooks" / "reference-transaction",
        f"""\
        #!/bin/sh
        [ "$1" = committed ] || exit 0
        grep -q ' refs/align/backups/' && head -c 32M /dev/zero > '{filler}' 2>/dev/null
        exit 0
        """,
    )
    hook.chmod(0o755)
    monkeypatch.chdir(repo.path)

    assert main([BRANCH]) == 1

    text = out(capsys)
    assert "align stopped: its journal could not be written (No space left on device); nothing more was changed" in text
    assert "hint: free some space (or make " in text
    assert filler.exists()
    assert rev(repo, REF) == old
    filler.unlink()
    hook.unlink()
    assert main(["status"]) == 0
    text = out(capsys)
    assert "in progress: run " in text
    assert "stopped: no align process is running it (killed, or its journal could not be written)" in text
    assert "next: `align continue`, `align skip` or `align abort`" in text

    assert main(["abort"]) == 0

    assert "aborted: everything rolled back" in out(capsys)
    assert not journal(repo).exists()
    assert snapshot(repo) == Snapshot(**{**before.__dict__, "refs": {**before.refs, **refs(repo, "refs/remotes/")}})


def test_an_untracked_file_identical_to_the_targets_is_no_leftover_when_the_run_is_refused(
    in_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    old = three_commits(in_repo)
    moved_upstream(in_repo)  # adds up.txt
    write(in_repo.path / "up.txt", "upstream\n")  # the user's own copy, the same bytes: not align's to remove
    before = snapshot(in_repo)

    assert main([BRANCH]) == 4

    assert "adds 1 file(s) that exist here untracked, which the rebase would overwrite" in out(capsys)
    assert snapshot(in_repo) == Snapshot(
        **{**before.__dict__, "refs": {**before.refs, **refs(in_repo, "refs/remotes/")}}
    )
    assert rev(in_repo, REF) == old[-1]


def test_a_full_align_folder_before_the_first_journal_is_a_refusal(
    in_repo: Repo, mounts: Callable[[Path, str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, before = dirty_feature(in_repo)
    folder = mounts(in_repo.path / ".git" / "align", "size=4k")  # room for the lock, none for the journal

    assert main([BRANCH]) == 4

    text = out(capsys)
    assert f"could not write align's journal {folder / 'journal.json'}: No space left on device" in text
    assert "nothing was touched" in text
    assert snapshot(in_repo) == before
    assert rev(in_repo, REF) == old
    assert in_repo.git("for-each-ref", "refs/align/") == ""
    assert [path.name for path in folder.iterdir() if path.is_file()] == ["lock"]  # no part of a journal
    assert not lock_left(folder / "lock")  # the lock is free, and names no holder
