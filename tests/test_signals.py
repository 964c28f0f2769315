"""Signals during a run (issue 14 item 2): the handler records SIGINT/SIGTERM and stops the child align waits for;
the run ends "interrupted" at the next check (between steps, around each git process and validation command),
never half-way through Python's bookkeeping (a journal write, an archive, a ``finally``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from align import signals, state
from align.cli import main
from align.errors import Interrupted
from tests import builders, helpers, snapshots
from tests.helpers import Repo, lock_left, write
from tests.snapshots import Snapshot, difference, rev, snapshot

BRANCH = helpers.BRANCH


def prepared(repo: Repo) -> Snapshot:
    """feature/x (3 commits, checked out) behind a fetched origin/main, two stashes of the user's, a dirty tree."""
    builders.track_notes(repo)
    builders.three_commits(repo)
    builders.moved_upstream(repo)
    repo.git("fetch", "--quiet", "origin")
    builders.user_stashes(repo)
    builders.make_dirty(repo)
    return snapshot(repo)


def journal(repo: Repo) -> dict[str, object]:
    data: dict[str, object] = json.loads((repo.path / ".git" / "align" / "journal.json").read_text(encoding="utf-8"))
    return data


def temporaries(repo: Repo) -> list[str]:
    """Half-written files align leaves in its folder when a write is cut short."""
    return sorted(path.name for path in (repo.path / ".git" / "align").rglob("*.tmp"))


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


def gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
    """Wait until ``path`` holds a pid (written by the slow child); return it."""
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text(encoding="utf-8").strip()):
        assert process.poll() is None, f"align ended first ({process.returncode})"
        assert time.monotonic() < deadline, f"no {path} after {timeout} s"
        time.sleep(0.02)
    return int(path.read_text(encoding="utf-8"))


def align(repo: Repo, tmp_path: Path, *args: str, path: str = "") -> subprocess.Popen[bytes]:
    env = {**os.environ, "PATH": f"{path}{os.pathsep}{os.environ['PATH']}" if path else os.environ["PATH"]}
    with open(tmp_path / "align.log", "wb") as output:  # the child has its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "align", *args],
            cwd=repo.path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def ended(process: subprocess.Popen[bytes], tmp_path: Path, within: float) -> int:
    """Wait for align at most ``within`` seconds; its exit code (align and its group are killed otherwise)."""
    try:
        return process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"align did not end within {within} s:\n{(tmp_path / 'align.log').read_text()}")


def aborted(repo: Repo, before: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """``align abort`` exits 0 and puts back every bit of the state before the run."""
    monkeypatch.chdir(repo.path)
    assert main(["abort"]) == 0
    assert snapshot(repo) == before, difference(before, snapshot(repo))


# -- the flag ---------------------------------------------------------------------------------------------------


def test_a_signal_is_recorded_and_raised_once_by_the_next_check() -> None:
    outside = signal.getsignal(signal.SIGTERM)
    signals.check()  # nothing recorded: nothing raised
    with signals.handled():
        os.kill(os.getpid(), signal.SIGTERM)
        total = sum(range(1000))  # Python goes on: the handler did not raise
        assert signals.recorded()
        with pytest.raises(Interrupted, match=r"^interrupted by SIGTERM$"):
            signals.check()
        assert not signals.recorded()
        signals.check()  # raised once
        os.kill(os.getpid(), signal.SIGINT)
        with pytest.raises(Interrupted, match=r"^interrupted by SIGINT$"):
            signals.check()
        os.kill(os.getpid(), signal.SIGINT)  # left unchecked when the command ends: dropped with it
    assert total == 499500
    assert not signals.recorded()
    assert signal.getsignal(signal.SIGTERM) is outside


def test_a_signal_stops_the_child_group_align_waits_for_and_a_second_one_kills_it(tmp_path: Path) -> None:
    stubborn = "sleep 60 & echo $! > \"$0\"; trap '' TERM; while :; do sleep 0.05; done"
    pid_file = tmp_path / "sleep.pid"
    child = subprocess.Popen(["sh", "-c", stubborn, str(pid_file)], start_new_session=True)
    try:
        while not (pid_file.exists() and pid_file.read_text().strip()):
            time.sleep(0.02)
        grandchild = int(pid_file.read_text())
        with signals.handled(), signals.waiting(child.pid, group=True):
            os.kill(os.getpid(), signal.SIGINT)
            assert gone(grandchild, 5.0)  # SIGTERM to the whole group: its sleep is stopped
            assert child.poll() is None  # the shell ignores SIGTERM
            os.kill(os.getpid(), signal.SIGINT)
            assert child.wait(timeout=5) == -signal.SIGKILL
            with pytest.raises(Interrupted, match="SIGINT"):
                signals.check()
    finally:
        with_suppressed_kill(child)


def test_a_signal_recorded_before_the_child_is_named_stops_it_at_once() -> None:
    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        with signals.handled():
            os.kill(os.getpid(), signal.SIGTERM)  # while the child is being started
            with signals.waiting(child.pid, group=False):
                assert child.wait(timeout=5) == -signal.SIGTERM
            assert signals.recorded()
    finally:
        with_suppressed_kill(child)


def with_suppressed_kill(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


# -- a run ------------------------------------------------------------------------------------------------------


def test_a_signal_while_the_journal_is_saved_lets_the_save_finish_and_ends_at_the_next_check(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = prepared(repo)
    tip = rev(repo, BRANCH)
    write_atomic = state.write_atomic
    saved: list[dict[str, object]] = []

    def saving(path: Path, text: str) -> None:
        if path.name == "journal.json" and json.loads(text).get("step") == "rebase" and not saved:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C as the journal is being written
            write_atomic(path, text)
            saved.append(json.loads(text))
            return
        write_atomic(path, text)

    monkeypatch.setattr(state, "write_atomic", saving)
    monkeypatch.chdir(repo.path)

    assert main([BRANCH]) == 130

    assert [(entry["step"], entry["status"]) for entry in saved] == [("rebase", "running")]  # written whole
    assert (journal(repo)["status"], journal(repo)["step"]) == ("interrupted", "rebase")
    assert temporaries(repo) == []
    assert rev(repo, BRANCH) == tip  # ended at the rebase step's first check: nothing moved
    assert snapshot(repo).files == before.files
    assert not lock_left(repo.path / ".git" / "align" / "lock")
    monkeypatch.undo()
    aborted(repo, before, monkeypatch)


def test_a_signal_while_a_finished_run_is_archived_lets_it_finish(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    prepared(repo)
    finish = state.Store.finish
    archived: list[str] = []

    def finishing(store: state.Store, journal: state.Journal) -> str:
        os.kill(os.getpid(), signal.SIGTERM)  # after the last check: the run is over but for its records
        problem = finish(store, journal)
        archived.append(journal.status)
        return problem

    monkeypatch.setattr(state.Store, "finish", finishing)
    monkeypatch.chdir(repo.path)

    assert main([BRANCH]) == 0

    assert archived == ["aligned"]
    assert snapshots.is_ancestor(repo, "origin/main", BRANCH)
    assert snapshots.subjects(repo, f"origin/main..{BRANCH}") == ["feature: add a", "feature: add b", "feature: add c"]
    assert snapshot(repo).align == []  # no journal, no lock: the run is archived whole
    assert len((repo.path / ".git" / "align" / "runs.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    assert temporaries(repo) == []


def test_a_signal_while_git_runs_stops_git_at_once_and_abort_restores_everything(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = prepared(repo)
    marker = tmp_path / "slow.pid"
    slow = write(
        tmp_path / "bin" / "git",
        f"""\
        #!/bin/sh
        case " $* " in *" rebase "*) sleep 60 & echo $! > '{marker}'; wait $!;; esac
        exec '{os.path.realpath(subprocess.check_output(["sh", "-c", "command -v git"], text=True).strip())}' "$@"
        """,
    )
    slow.chmod(0o755)
    process = align(repo, tmp_path, BRANCH, path=str(slow.parent))
    sleeping = wait_for(marker, process)

    started = time.monotonic()
    os.kill(process.pid, signal.SIGINT)  # align alone: stopping git is align's work
    assert ended(process, tmp_path, 15.0) == 130
    assert time.monotonic() - started < 10.0  # not the slow git's 60 s
    assert gone(sleeping, 5.0)
    assert (journal(repo)["status"], journal(repo)["step"]) == ("interrupted", "rebase")
    assert not lock_left(repo.path / ".git" / "align" / "lock")
    aborted(repo, before, monkeypatch)


def test_a_signal_during_validation_stops_the_commands_group_and_abort_restores_everything(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = prepared(repo)
    marker = tmp_path / "validating.pid"
    command = ["sh", "-c", 'trap "" TERM; sleep 60 & echo $! > "$0"; wait $!; sleep 60', str(marker)]
    recipe = builders.steps_recipe(
        tmp_path,
        "backup: {}",
        "fetch: {}",
        'rebase: {onto: "${remote}/${target}", dirty: stash}',
        "on_fail: {action: rollback}",
        f"validate: {{run: [{json.dumps(command)}], timeout: 120}}",
        builders.REPORT,
    )
    process = align(repo, tmp_path, BRANCH, "--recipe", recipe)
    sleeping = wait_for(marker, process)

    os.kill(process.pid, signal.SIGTERM)
    assert ended(process, tmp_path, 20.0) == 130
    assert gone(sleeping, 5.0)  # the command's whole group, its shell ignoring SIGTERM included
    assert (journal(repo)["status"], journal(repo)["step"]) == ("interrupted", "validate")
    aborted(repo, before, monkeypatch)
