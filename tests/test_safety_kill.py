"""Safety when align is killed, interrupted, paused or locked out (DESIGN §5, §7.5, §7.6): `align abort` recovers."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from align.cli import main
from align.lock import lock_holder
from tests.builders import disk_recipe
from tests.helpers import Repo, lock_left
from tests.safety_helpers import (
    align_process,
    assert_restored,
    dead_pid,
    feature_repo,
    git_dir,
    journal_file,
    kill_group,
    lock_file,
    lock_pid,
    make_dirty,
    recipe,
    running,
    sleeper,
    slow_rebase_hook,
    snapshot,
    tip,
    wait_for,
)


@pytest.mark.parametrize("head", ["feature/x", "main"])
def test_kill_9_during_the_rebase_then_abort_restores_everything(
    head: str, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = feature_repo(repo, head=head)
    make_dirty(repo)
    before = snapshot(repo)
    marker = tmp_path / "in-rebase"
    hook = slow_rebase_hook(repo, marker)

    with align_process(repo, tmp_path, "feature/x", "--recipe", disk_recipe(tmp_path)) as process:
        wait_for(marker, process)
        kill_group(process)
        assert process.returncode == -signal.SIGKILL

    assert (git_dir(repo) / "rebase-merge").exists()  # killed in the middle of git's rebase
    assert lock_pid(repo) == process.pid
    assert json.loads(journal_file(repo).read_text(encoding="utf-8"))["step"] == "rebase"
    hook.unlink()
    monkeypatch.chdir(repo.path)

    assert main(["abort"]) == 0

    assert_restored(repo, before, original)


def test_ctrl_c_during_the_rebase_exits_130_and_abort_restores_everything(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in a terminal: SIGINT reaches align and git (the whole foreground process group)."""
    original = feature_repo(repo, head="main")
    make_dirty(repo)
    before = snapshot(repo)
    marker = tmp_path / "in-rebase"
    hook = slow_rebase_hook(repo, marker)

    with align_process(repo, tmp_path, "feature/x", "--recipe", disk_recipe(tmp_path)) as process:
        wait_for(marker, process)
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=20) == 130

    assert json.loads(journal_file(repo).read_text(encoding="utf-8"))["status"] == "interrupted"
    assert not lock_left(lock_file(repo))
    hook.unlink()
    monkeypatch.chdir(repo.path)

    assert main(["abort"]) == 0

    assert_restored(repo, before, original)


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_align_alone_during_the_rebase_leaves_no_git_running(
    number: int, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kill PID` (a supervisor, a CI timeout): align must not exit while its git rebase goes on changing the repo."""
    original = feature_repo(repo, head="main")
    make_dirty(repo)
    before = snapshot(repo)
    marker = tmp_path / "in-rebase"
    hook = slow_rebase_hook(repo, marker)

    with align_process(repo, tmp_path, "feature/x", "--recipe", disk_recipe(tmp_path)) as process:
        wait_for(marker, process)
        rebase = int(marker.read_text(encoding="utf-8"))
        assert running(rebase)
        assert b"\0rebase\0" in Path(f"/proc/{rebase}/cmdline").read_bytes()
        os.kill(process.pid, number)
        assert process.wait(timeout=40) == 130
        still_running = running(rebase)
        kill_group(process)  # clean up whatever align left behind before looking further

    assert not still_running, "align exited 130 while its `git rebase` was still running"
    assert json.loads(journal_file(repo).read_text(encoding="utf-8"))["status"] == "interrupted"
    hook.unlink()
    monkeypatch.chdir(repo.path)
    assert main(["abort"]) == 0
    assert_restored(repo, before, original)


def test_kill_9_during_validation_then_abort_restores_everything(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = feature_repo(repo, head="main")
    make_dirty(repo)
    before = snapshot(repo)
    marker = tmp_path / "validating"
    path = recipe(tmp_path, sleeper(marker))

    with align_process(repo, tmp_path, "feature/x", "--recipe", str(path)) as process:
        wait_for(marker, process)
        kill_group(process)

    assert json.loads(journal_file(repo).read_text(encoding="utf-8"))["step"] == "validate"
    assert repo.git("rev-parse", "feature/x") != original  # the rebase was done when the kill came
    monkeypatch.chdir(repo.path)
    # the kernel let the dead run's lock go; its journal says the run is unfinished: a new run is refused
    assert lock_holder(lock_file(repo)) is None
    assert lock_pid(repo) == process.pid  # the file still says who held it last: for display only
    assert main(["feature/x", "--recipe", str(path)]) == 4
    err = capsys.readouterr().err
    assert "an align run on 'feature/x' is running" in err
    assert "align abort" in err
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert "stopped: no align process is running it" in text
    assert "lock:" not in text

    group = json.loads(journal_file(repo).read_text(encoding="utf-8"))["validating_group"]
    assert group > 0
    os.killpg(group, 0)  # the validation command has its own process group: align's kill did not reach it

    assert main(["abort"]) == 0

    text = capsys.readouterr().out
    assert "aborted" in text
    assert f"may still be running (process group {group}); if so, stop it with `kill -- -{group}`" in text
    assert_restored(repo, before, original)
    os.killpg(group, signal.SIGKILL)


def test_a_lock_held_by_a_live_run_refuses_a_second_run(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = feature_repo(repo)
    make_dirty(repo)
    before = snapshot(repo)
    marker = tmp_path / "validating"
    path = recipe(tmp_path, sleeper(marker))
    monkeypatch.chdir(repo.path)

    with align_process(repo, tmp_path, "feature/x", "--recipe", str(path)) as process:
        wait_for(marker, process)
        during = snapshot(repo)
        journal = journal_file(repo).read_text(encoding="utf-8")

        assert main(["feature/x"]) == 4
        assert main(["abort"]) == 4  # a live holder's lock is never taken over

        err = capsys.readouterr().err
        assert f"another align run holds this repository's lock (pid {process.pid}," in err
        assert snapshot(repo) == during
        assert journal_file(repo).read_text(encoding="utf-8") == journal
        assert lock_pid(repo) == process.pid
        assert process.poll() is None

    assert main(["abort"]) == 0
    assert_restored(repo, before, original)


def test_sigint_during_validation_exits_130_and_abort_restores_everything(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = feature_repo(repo)
    make_dirty(repo)
    before = snapshot(repo)
    marker = tmp_path / "validating"
    path = recipe(tmp_path, sleeper(marker))

    with align_process(repo, tmp_path, "feature/x", "--recipe", str(path)) as process:
        wait_for(marker, process)
        os.kill(process.pid, signal.SIGINT)
        assert process.wait(timeout=20) == 130

    journal = json.loads(journal_file(repo).read_text(encoding="utf-8"))
    assert journal["status"] == "interrupted"
    assert journal["step"] == "validate"
    assert not lock_left(lock_file(repo))
    monkeypatch.chdir(repo.path)
    assert main(["status"]) == 0
    assert "interrupted" in capsys.readouterr().out

    assert main(["abort"]) == 0

    assert_restored(repo, before, original)


def test_a_second_run_while_one_is_paused_is_refused(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = feature_repo(repo, conflict=True)
    repo.git("branch", "feature/y", "main~1")
    make_dirty(repo)
    before_run = snapshot(repo)
    monkeypatch.chdir(repo.path)
    assert main(["feature/x"]) == 3
    paused = snapshot(repo)
    journal = journal_file(repo).read_text(encoding="utf-8")
    assert paused["operations"] == ["rebase-merge"]
    capsys.readouterr()

    assert main(["feature/y"]) == 4

    err = capsys.readouterr().err
    assert "an align run on 'feature/x' is paused" in err
    assert "align continue" in err
    assert "align abort" in err
    assert snapshot(repo) == paused
    assert journal_file(repo).read_text(encoding="utf-8") == journal
    assert not lock_left(lock_file(repo))
    # the paused run is still whole: abort puts everything back
    assert main(["abort"]) == 0
    assert_restored(repo, before_run, original)


def test_a_lock_file_left_by_a_dead_process_is_simply_taken(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lock file naming a dead pid (as the previous version of align left them) holds nothing: no process has
    it locked. With no journal there is nothing to abort, and a new run takes the lock."""
    original = feature_repo(repo)
    gone = dead_pid()
    lock_file(repo).parent.mkdir(parents=True)
    lock_file(repo).write_text(
        json.dumps({"pid": gone, "started_at": "2026-01-01T12:00:00Z", "command": "run feature/x"}), encoding="utf-8"
    )
    before = snapshot(repo)
    monkeypatch.chdir(repo.path)

    assert main(["status"]) == 0
    assert capsys.readouterr().out == "nothing in progress\n"
    assert main(["abort"]) == 4
    assert "no align run to abort: nothing is paused or interrupted" in capsys.readouterr().err
    assert snapshot(repo) == before

    assert main(["feature/x"]) == 0
    assert not lock_left(lock_file(repo))
    assert lock_file(repo).read_bytes() == b""  # the old record went when the lock was taken
    assert tip(repo, "feature/x") != original
