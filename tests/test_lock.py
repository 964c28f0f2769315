"""The kernel lock (issue 14, item 4), with real processes: the three races of the pid lock, a killed holder,
the descriptor kept from children, and what a second run and ``align status`` say while a run holds it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import pytest

from align.cli import main
from align.git import Git
from align.lock import Holder
from align.state import Store
from align.steps._process import stream
from tests.helpers import Repo, lock_left

ROUNDS = 30
RACERS = 3

# The other side of these tests: a process that takes align's lock when told on stdin (see each command).
TAKER = """
import sys, time
from pathlib import Path
from align.errors import Refusal
from align.git import Git
from align.state import Store

store = Store(Path(sys.argv[1]))
print("ready", flush=True)
while line := sys.stdin.readline():
    word, *rest = line.split()
    if word == "take":  # take AT COMMAND: at that instant (time.monotonic), take the lock; hold it until a line
        at, command = float(rest[0]), rest[1]
        while time.monotonic() < at:
            pass
        try:
            with store.lock(command):
                print("won", flush=True)
                sys.stdin.readline()
        except Refusal as refusal:
            print("busy", refusal.message, flush=True)
            continue
        print("free", flush=True)
    elif word == "cycle":  # cycle N: take and let go N times; say how many times it was refused
        refused = 0
        for _ in range(int(rest[0])):
            try:
                with store.lock("run cycle"):
                    time.sleep(0.0005)
            except Refusal:
                refused += 1
        print("refused", refused, flush=True)
    elif word == "hold":  # hold: take the lock, start through git a child that outlives this process, sleep
        with store.lock("run held"):
            nap = "!sleep 60 </dev/null >/dev/null 2>&1 & echo $!"
            child = Git(Path.cwd()).run("-c", f"alias.nap={nap}", "nap").stdout.strip()
            print("held", child, flush=True)
            time.sleep(60)
"""


@contextmanager
def taker(tmp_path: Path, store: Store, cwd: Path | None = None) -> Iterator[subprocess.Popen[str]]:
    """Start a process that takes ``store``'s lock when told; kill it afterwards."""
    script = tmp_path / "taker.py"
    script.write_text(TAKER, encoding="utf-8")
    with subprocess.Popen(
        [sys.executable, str(script), str(store.root.parent)],
        cwd=cwd or tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline() == "ready\n"
            yield process
        finally:
            process.kill()


def say(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdin is not None
    process.stdin.write(f"{line}\n")
    process.stdin.flush()


def hear(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    return process.stdout.readline().split()


@contextmanager
def racing(tmp_path: Path, store: Store) -> Iterator[list[subprocess.Popen[str]]]:
    """Start ``RACERS`` takers of ``store``'s lock."""
    with ExitStack() as stack:
        yield [stack.enter_context(taker(tmp_path, store)) for _ in range(RACERS)]


def old_lock_file(store: Store, pid: int) -> str:
    """Write the lock file as the previous version of align left it (JSON naming a pid, nothing held)."""
    store.root.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"pid": pid, "started_at": "2026-01-01T12:00:00Z", "command": "run feature/x"})
    store.lock_path.write_text(text, encoding="utf-8")
    return text


def descriptors(pid: int | str) -> list[str]:
    """Return what the open descriptors of process ``pid`` point to (Linux ``/proc``)."""
    found = []
    for name in os.listdir(f"/proc/{pid}/fd"):
        with suppress(FileNotFoundError):  # the descriptor listdir itself used, closed since
            found.append(os.readlink(f"/proc/{pid}/fd/{name}"))
    return found


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def feature(repo: Repo) -> str:
    """feature/x one commit ahead of main, origin/main one commit ahead of it; return feature/x's tip."""
    repo.git("switch", "--quiet", "-c", "feature/x")
    tip = repo.commit("feature.txt", "feature\n", "feature: add")
    repo.git("switch", "--quiet", "main")
    repo.commit("upstream.txt", "upstream\n", "upstream: add")
    repo.git("push", "--quiet", "origin", "main")
    return tip


# -- the three races of the pid lock ------------------------------------------------------------------------


@pytest.mark.parametrize("whose", ["init (pid 1)", "this test's"])
def test_a_lock_file_naming_a_live_unrelated_pid_is_not_held(
    whose: str, in_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reused pid: the file names a live process that holds nothing; the run takes the lock and runs."""
    tip = feature(in_repo)
    store = Store(in_repo.path / ".git")
    old_lock_file(store, 1 if whose.startswith("init") else os.getpid())

    assert main(["status"]) == 0
    assert capsys.readouterr().out == "nothing in progress\n"
    assert main(["feature/x"]) == 0

    assert ": aligned" in capsys.readouterr().out
    assert in_repo.git("rev-parse", "feature/x^") == in_repo.git("rev-parse", "origin/main")
    assert in_repo.git("rev-parse", "feature/x") != tip
    assert store.journal() is None
    assert not lock_left(store.lock_path)


def test_processes_racing_for_the_lock_exactly_one_wins_every_round(tmp_path: Path) -> None:
    """Each round starts from a lock file a killed old align left; the racers all take at the same instant."""
    store = Store(tmp_path / "git")
    gone = dead_pid()
    with racing(tmp_path, store) as racers:
        inode = 0
        for number in range(ROUNDS):
            old_lock_file(store, gone)
            inode = inode or store.lock_path.stat().st_ino
            at = time.monotonic() + 0.05
            for index, racer in enumerate(racers):
                say(racer, f"take {at} run-{number}-{index}")
            answers = [hear(racer) for racer in racers]

            assert sorted(answer[0] for answer in answers) == ["busy"] * (RACERS - 1) + ["won"], answers
            winner = racers[[answer[0] for answer in answers].index("won")]
            holder = store.lock_holder()
            assert holder is not None
            assert holder.pid == winner.pid
            for answer in answers:
                if answer[0] == "busy":  # refused naming the winner, never a dead or "pid 0" holder
                    assert " ".join(answer[1:]).startswith(
                        f"another align run holds this repository's lock "
                        f"(pid {winner.pid}, `align {holder.command}` started at "
                    )
            say(winner, "release")
            assert hear(winner) == ["free"]
            assert store.lock_holder() is None
            assert store.lock_path.stat().st_ino == inode  # never removed, never replaced


def test_a_reader_asking_during_takes_never_frees_the_lock_nor_makes_a_taker_refuse(tmp_path: Path) -> None:
    """A reader that comes while the lock was just taken (its record not written yet) sees it held, never a
    dead "pid 0" holder; and asking (a shared hold of an instant) never makes a run refuse."""
    store = Store(tmp_path / "git")
    store.root.mkdir(parents=True)
    seen: list[Holder | None] = []
    with taker(tmp_path, store) as cycler:
        say(cycler, "cycle 400")
        assert cycler.stdin is not None
        cycler.stdin.close()  # the taker ends after the cycle
        while cycler.poll() is None:
            seen.append(store.lock_holder())
        assert cycler.returncode == 0
        assert hear(cycler) == ["refused", "0"]

    held = [holder for holder in seen if holder is not None]
    assert held, "the reader never came while the lock was held: the test proved nothing"
    assert {holder.pid for holder in held} == {cycler.pid}
    assert {holder.command for holder in held} == {"run cycle"}
    assert store.lock_holder() is None
    assert sorted(path.name for path in store.root.iterdir()) == ["lock"]


# -- a killed holder, and children ---------------------------------------------------------------------------


def test_a_sigkilled_holders_lock_is_free_at_once_though_its_git_child_lives_on(tmp_path: Path, repo: Repo) -> None:
    store = Store(repo.path / ".git")
    with taker(tmp_path, store, cwd=repo.path) as holder:
        say(holder, "hold")
        word, child = hear(holder)
        assert word == "held"
        try:
            found = store.lock_holder()
            assert found is not None
            assert (found.pid, found.command) == (holder.pid, "run held")
            assert str(store.lock_path) not in descriptors(child)  # git's child did not inherit the lock's descriptor

            holder.send_signal(signal.SIGKILL)
            holder.wait()

            assert store.lock_holder() is None  # no pid to probe, nothing to take over: the kernel let it go
            os.kill(int(child), 0)  # ... while a child align started is still running
            with store.lock("run next"):
                assert store.lock_holder() is not None
        finally:
            os.kill(int(child), signal.SIGKILL)


def test_the_descriptor_is_kept_from_git_and_validation_commands(tmp_path: Path, repo: Repo) -> None:
    """A child's open descriptors, listed by the child itself: none is the lock file."""
    store = Store(repo.path / ".git")
    listing = 'for fd in /proc/$$/fd/*; do readlink "$fd"; done; true'  # the glob's own descriptor is gone
    with store.lock("run x"):
        assert str(store.lock_path) in descriptors(os.getpid())  # what the children are checked for
        by_git = Git(repo.path).run("-c", f"alias.fds=!{listing}", "fds").stdout.splitlines()
        by_command: list[str] = []
        finished = stream(["sh", "-c", listing], cwd=repo.path, timeout=30, on_line=by_command.append)
    assert finished.exit_code == 0
    assert by_git
    assert by_command
    assert str(store.lock_path) not in by_git + by_command


# -- what the user sees while a run holds the lock -----------------------------------------------------------


def test_a_second_run_and_status_while_a_process_holds_the_lock(
    tmp_path: Path, in_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    tip = feature(in_repo)
    store = Store(in_repo.path / ".git")
    with taker(tmp_path, store) as holder:
        say(holder, f"take {time.monotonic()} run-feature/x")
        assert hear(holder) == ["won"]
        found = store.lock_holder()
        assert found is not None

        assert main(["status"]) == 0
        assert (
            capsys.readouterr().out
            == f"lock: pid {holder.pid} `align run-feature/x` since {found.started_at}, running\n"
        )
        assert main(["feature/x"]) == 4
        assert main(["abort"]) == 4

        err = capsys.readouterr().err
        refusal = f"another align run holds this repository's lock (pid {holder.pid}, `align run-feature/x` started at "
        assert err.count(refusal) == 2
        assert "`align status` shows what it is doing" in err
        assert store.lock_holder() == found  # refused: the holder's lock and record are as they were
        assert store.journal() is None
        assert in_repo.git("rev-parse", "feature/x") == tip

        say(holder, "release")
        assert hear(holder) == ["free"]

    assert main(["status"]) == 0
    assert "lock:" not in capsys.readouterr().out
    assert main(["feature/x"]) == 0
    assert in_repo.git("rev-parse", "feature/x^") == in_repo.git("rev-parse", "origin/main")
