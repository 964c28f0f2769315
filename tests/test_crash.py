"""A bug in align ends with one line, a crash log and exit 70; Ctrl-C anywhere ends with one line and 130 (issue 14)."""

from __future__ import annotations

import dataclasses
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from align import __version__
from align.cli import main
from align.commands import recipes
from align.context import Context, StepResult
from align.recipe.model import Step
from align.state import Store
from align.steps.registry import ACTIONS
from tests.builders import moved_upstream, three_commits
from tests.helpers import BRANCH, REF, Repo, git
from tests.killing import Wrapper
from tests.snapshots import rev, snapshot

Capture = pytest.CaptureFixture[str]

HINT = "align: this is a bug in align, please report it (details are in {log})"


def broken_step(context: Context, step: Step) -> StepResult:
    raise RuntimeError("a bug in a step\nwith a second line")


def broken_schema() -> None:
    raise KeyError("no such schema")


def git_version() -> str:
    return git(Path.cwd(), "version").split()[2]


def test_a_bug_during_a_run_is_one_line_a_crash_log_and_exit_70(
    in_repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    old = three_commits(in_repo)
    moved_upstream(in_repo)
    before = snapshot(in_repo)
    broken = dataclasses.replace(ACTIONS["verify"], run=broken_step)
    monkeypatch.setitem(ACTIONS, "verify", broken)  # after the rebase moved the branch

    assert main([BRANCH, "--target", "main"]) == 70

    common = in_repo.path / ".git"
    log = common / "align" / "crash.log"
    journal = common / "align" / "journal.json"
    err = capsys.readouterr().err  # the run's progress lines, then the crash's two
    assert err.splitlines()[-2:] == [
        "align: internal error: RuntimeError: a bug in a step",
        HINT.format(log=log) + "; a run is unfinished: `align abort` puts everything back",
    ]
    assert "Traceback" not in err
    text = log.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[1:11] == [
        "error: RuntimeError: a bug in a step",
        "",
        f"command: align {BRANCH} --target main",
        f"directory: {in_repo.path}",
        f"align: {__version__}",
        f"git: {git_version()}",
        f"python: {' '.join(sys.version.split())} ({sys.executable})",
        f"platform: {platform.platform()}",
        f"journal: {journal} (a run is unfinished: `align abort` puts everything back, `align continue` tries "
        "again, `align status` shows where it is)",
        "",
    ]
    assert lines[11] == "Traceback (most recent call last):"
    assert 'raise RuntimeError("a bug in a step\\nwith a second line")' in text
    assert lines[-2:] == ["RuntimeError: a bug in a step", "with a second line"]
    # The run itself ended as the engine ends a crash: journal kept, status error, abort puts everything back.
    store = Store(common)
    kept = store.journal()
    assert kept is not None
    assert kept.status == "error"
    assert rev(in_repo, REF) != old[-1]

    assert main(["abort"]) == 0

    fetched = {**before.refs, "refs/remotes/origin/main": rev(in_repo, "origin/main")}  # the fetch step's
    assert snapshot(in_repo) == dataclasses.replace(before, refs=fetched)
    assert rev(in_repo, REF) == old[-1]
    assert not journal.exists()
    assert log.read_text(encoding="utf-8") == text  # the log stays for the bug report


def test_a_bug_outside_a_repository_logs_to_the_cache(
    monkeypatch: pytest.MonkeyPatch, capsys: Capture, cache_dir: Path
) -> None:
    monkeypatch.setattr(recipes, "schema", broken_schema)

    assert main(["recipes", "schema"]) == 70

    log = cache_dir / "crash.log"
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == ["align: internal error: KeyError: 'no such schema'", HINT.format(log=log)]
    text = log.read_text(encoding="utf-8")
    assert "\ncommand: align recipes schema\n" in text
    assert "\njournal: none (no run left unfinished)\n" in text
    assert "in broken_schema\n" in text
    assert not list(Path.cwd().iterdir())  # nothing written where align was started


def test_an_unwritable_align_folder_sends_the_log_to_the_cache(
    in_repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture, cache_dir: Path
) -> None:
    (in_repo.path / ".git" / "align").write_text("not a folder\n", encoding="utf-8")
    monkeypatch.setattr(recipes, "schema", broken_schema)

    assert main(["recipes", "schema"]) == 70

    assert capsys.readouterr().err.splitlines()[1] == HINT.format(log=cache_dir / "crash.log")
    assert "KeyError: 'no such schema'" in (cache_dir / "crash.log").read_text(encoding="utf-8")
    assert (in_repo.path / ".git" / "align").read_text(encoding="utf-8") == "not a folder\n"


def test_no_place_for_the_log_is_still_one_line_and_exit_70(
    in_repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture, tmp_path: Path
) -> None:
    (in_repo.path / ".git" / "align").write_text("not a folder\n", encoding="utf-8")
    blocked = tmp_path / "cache-is-a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setattr(recipes, "schema", broken_schema)

    assert main(["recipes", "schema"]) == 70

    assert capsys.readouterr().err.splitlines() == [
        "align: internal error: KeyError: 'no such schema'",
        "align: this is a bug in align, please report it (no crash log could be written)",
    ]


def test_a_bug_in_git_itself_still_writes_the_log(
    in_repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture, tmp_path: Path, cache_dir: Path
) -> None:
    """git that cannot start: the log says so, and goes to the cache (the repository cannot be found)."""
    monkeypatch.setattr(recipes, "schema", broken_schema)
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))

    assert main(["recipes", "schema"]) == 70

    assert capsys.readouterr().err.splitlines()[1] == HINT.format(log=cache_dir / "crash.log")
    text = (cache_dir / "crash.log").read_text(encoding="utf-8")
    assert "\ngit: unknown (" in text
    assert "\njournal: none (no run left unfinished)\n" in text


# `python -m align ARGS` with SIGINT as a shell on a terminal gives it: default, not blocked (a pytest-xdist
# worker may pass on another disposition after earlier tests); exec keeps the pid.
AS_FROM_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
    "os.execv(sys.executable, [sys.executable, '-m', 'align', *sys.argv[1:]])"
)


def wait_blocked_on_fifo(pid: int, timeout: float = 30.0) -> None:
    """Wait until process ``pid`` sleeps in open() of a FIFO nobody reads."""
    deadline = time.monotonic() + timeout
    wchan = Path(f"/proc/{pid}/wchan")
    while wchan.read_text(encoding="utf-8") != "wait_for_partner":
        assert time.monotonic() < deadline, "align never opened the log file"
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="needs Linux's /proc/PID/wchan")
def test_ctrl_c_before_the_command_starts_is_one_line_and_130(in_repo: Repo, tmp_path: Path) -> None:
    """Ctrl-C while align sets up (here: opening a --log-file that is a FIFO nobody reads) is no traceback."""
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    before = snapshot(in_repo)
    process = subprocess.Popen(
        [sys.executable, "-c", AS_FROM_A_TERMINAL, "--log-file", str(fifo), "status"],
        cwd=in_repo.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_blocked_on_fifo(process.pid)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()

    assert process.returncode == 130
    assert out == ""
    assert err == "align: interrupted (`align status` tells whether a run was left to finish)\n"
    assert snapshot(in_repo) == before


@pytest.mark.parametrize("call", [2, 4, 6])
def test_ctrl_c_while_a_run_is_planned_is_one_line_and_130(in_repo: Repo, tmp_path: Path, call: int) -> None:
    """A SIGINT at git call ``call`` (planning: the branch, the recipe, the target) ends align before it starts."""
    three_commits(in_repo)
    moved_upstream(in_repo)
    before = snapshot(in_repo)
    wrapper = Wrapper(tmp_path / "wrapper", "sigint", call)

    done = wrapper.run(in_repo.path, dict(os.environ), BRANCH)

    assert wrapper.acted()
    assert done.code == 130
    assert done.output == "align: interrupted (`align status` tells whether a run was left to finish)\n"
    assert snapshot(in_repo) == before
    assert git(in_repo.path, "for-each-ref", "refs/align/") == ""  # not even a backup: the run never started
