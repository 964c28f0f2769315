"""The validate step with real nox and real commands: sessions pass, fail, time out; preflight refuses bad names."""

from __future__ import annotations

import json
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from align.cli import main
from align.errors import UsageError
from align.journal import Journal
from align.recipe.model import Validate
from align.state import Store
from align.steps import _process
from align.steps.validate import preflight
from tests.builders import ALIGN_STEPS, REPORT, feature, moved_upstream, steps_recipe, track_notes, user_stashes
from tests.helpers import BRANCH, REF, Repo, write
from tests.safety_helpers import running
from tests.snapshots import backups, is_ancestor, out, rev, snapshot, stashes

Capture = pytest.CaptureFixture[str]

# The team's noxfile; {out} and {pid} are files outside the tree. No virtualenvs are built.
NOXFILE = """\
import pathlib
import sys

import nox


@nox.session(venv_backend="none")
def good(session):
    print("good says hello")
    pathlib.Path({out!r}).write_text(" ".join(["good", *session.posargs]))


@nox.session(venv_backend="none")
def bad(session):
    for number in range(1, 41):
        print(f"problem {{number}}")
    session.error("lint found 2 problems")


@nox.session(venv_backend="none")
def slow(session):
    code = "import os, pathlib, time; pathlib.Path({pid!r}).write_text(str(os.getpid())); time.sleep(60)"
    session.run(sys.executable, "-c", code, external=True)


@nox.session(venv_backend="none")
def later(session):
    session.skip("not today")


@nox.session(venv_backend="none", default=False)
@nox.parametrize("flavour", ["plain", "salted"])
def crisps(session, flavour):
    print(f"crisps {{flavour}}")


@nox.session(python=["3.11", "3.12"], default=False)
def tests(session):
    pass
"""


@pytest.fixture
def team(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Repo, str]:
    """feature/x (checked out) adds the noxfile and a.txt, behind a moved (fetched) origin/main; return the old tip."""
    feature(repo, ("noxfile.py", NOXFILE.format(out=str(tmp_path / "ran.txt"), pid=str(tmp_path / "pid")), "nox"))
    old = repo.commit("a.txt", "a\n", "feature: add a")
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    monkeypatch.chdir(repo.path)
    return repo, old


def align(tmp_path: Path, validate: str) -> int:
    """Run align on feature/x with a default alignment, then ``validate`` (a flow mapping)."""
    return main(
        [BRANCH, "--recipe", steps_recipe(tmp_path, *ALIGN_STEPS, "verify: {}", f"validate: {validate}", REPORT)]
    )


def sessions(repo: Repo) -> list[dict[str, Any]]:
    """The validate results of the last finished run, as its archived journal has them."""
    store = Store(repo.path / ".git")
    journal = store.past_journal(store.past_runs()[-1]["run_id"])
    assert isinstance(journal, Journal)
    return journal.found.sessions


def gone(pid: int) -> bool:
    """Tell whether process ``pid`` ended (or is a zombie) within a few seconds: SIGKILL is not instant."""
    deadline = time.monotonic() + 5
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not running(pid)


def summary(entries: list[dict[str, Any]]) -> list[tuple[str, str, str, int | None]]:
    return [(entry.session, entry.kind, entry.status, entry.exit_code) for entry in entries]


# -- nox sessions, end to end ----------------------------------------------------------------------------


def test_passing_sessions_align_and_are_recorded(team: tuple[Repo, str], tmp_path: Path, capsys: Capture) -> None:
    repo, old = team
    validate = '{nox: [good, later, crisps], args: ["--fast", "-k x"], timeout: 60}'

    assert align(tmp_path, validate) == 0

    text = out(capsys)
    assert ": aligned" in text
    assert "3 passed, 1 skipped: nox:good, nox:later, nox:crisps(flavour='plain'), nox:crisps(flavour='salted')" in text
    assert "      nox:good | good says hello\n" in text  # streamed live, with its prefix
    assert "      nox:crisps(flavour='salted') | crisps salted\n" in text
    assert (tmp_path / "ran.txt").read_text() == "good --fast -k x"  # args reach the session after --
    assert is_ancestor(repo, "origin/main", REF)
    assert rev(repo, REF) != old
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""  # nox's report went elsewhere
    entries = sessions(repo)
    assert summary(entries) == [
        ("good", "nox", "passed", 0),
        ("later", "nox", "skipped", 0),
        ("crisps(flavour='plain')", "nox", "passed", 0),
        ("crisps(flavour='salted')", "nox", "passed", 0),
    ]
    assert all(entry.ok for entry in entries)
    tail = entries[0].tail  # nox may say more in between (uv not found, ...)
    assert [tail[0], *tail[-2:]] == [
        "nox > Running session good",
        "good says hello",
        "nox > Session good was successful.",
    ]
    assert entries[1].reason == "not today"
    assert entries[0].argv[-3:] == ("--", "--fast", "-k x")
    assert entries[3].tail[:2] == ("nox > Running session crisps(flavour='salted')", "crisps salted")


def test_a_failing_session_rolls_back_and_names_itself(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    track_notes(repo)
    feature(repo, ("noxfile.py", NOXFILE.format(out=str(tmp_path / "ran.txt"), pid=""), "nox"))
    old = repo.commit("a.txt", "a\n", "feature: add a")
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    listed = user_stashes(repo)
    write(repo.path / "notes.txt", "notes, edited\n")
    write(repo.path / "scratch.txt", "untracked\n")
    before = snapshot(repo)
    monkeypatch.chdir(repo.path)

    assert align(tmp_path, "{nox: [bad, good]}") == 1

    text = out(capsys)
    assert (
        "validate: nox:bad failed (exit 1): nox > Session bad aborted: lint found 2 problems. (not run: nox:good)"
    ) in text
    assert "failed: everything rolled back" in text
    assert "      nox:bad | problem 40\n" in text
    assert snapshot(repo) == before
    assert rev(repo, REF) == old
    assert stashes(repo) == listed
    assert list(backups(repo).values()) == [old]
    assert not (tmp_path / "ran.txt").exists()  # the session after the failure did not run
    [entry] = sessions(repo)
    assert summary([entry]) == [("bad", "nox", "failed", 1)]
    assert len(entry.tail) == 30
    assert entry.tail[-3:] == ("problem 39", "problem 40", "nox > Session bad aborted: lint found 2 problems.")


def test_a_session_that_times_out_is_killed_and_rolled_back(
    team: tuple[Repo, str], tmp_path: Path, capsys: Capture
) -> None:
    repo, old = team
    before = snapshot(repo)

    assert align(tmp_path, "{nox: [slow], timeout: 1}") == 1

    text = out(capsys)
    assert "validate: nox:slow timed out after 1 s" in text
    assert "failed: everything rolled back" in text
    assert snapshot(repo) == before
    assert rev(repo, REF) == old
    pid = int((tmp_path / "pid").read_text())
    assert gone(pid)  # nox's child, in the same process group, was killed too
    [entry] = sessions(repo)
    assert summary([entry]) == [("slow", "nox", "timeout", None)]
    assert entry.tail[0] == "nox > Running session slow"


def test_an_unknown_session_is_refused_before_anything_is_touched(
    team: tuple[Repo, str], tmp_path: Path, capsys: Capture
) -> None:
    """align.safety.refuse_unsafe calls validate.preflight before anything moves."""
    repo, old = team
    before = snapshot(repo)

    assert align(tmp_path, "{nox: [good, lnit]}") == 2

    text = out(capsys)
    assert "validate: noxfile.py has no session lnit" in text
    assert backups(repo) == {}
    assert snapshot(repo) == before
    assert rev(repo, REF) == old
    assert not (repo.path / ".git" / "align" / "journal.json").exists()
    assert not (tmp_path / "ran.txt").exists()


# -- preflight ------------------------------------------------------------------------------------------------


def validate(*names: str, noxfile: str = "noxfile.py") -> Validate:
    return Validate(nox=names, noxfile=noxfile, args=(), run=(), timeout=60)


def test_preflight_accepts_names_as_nox_s_does(tmp_path: Path) -> None:
    write(tmp_path / "ci" / "noxfile.py", NOXFILE.format(out="", pid=""))
    names = ("good", "crisps", "crisps(flavour='plain')", 'crisps(flavour="salted")', "tests", "tests-3.12")

    preflight(tmp_path, validate(*names, noxfile="ci/noxfile.py"))
    preflight(tmp_path, validate())  # no sessions: nothing to check, no noxfile needed


@pytest.mark.parametrize(
    ("names", "message", "hint"),
    [
        (("good", "lnit"), "has no session lnit", "its sessions: good, bad, slow, later, crisps, crisps(flavour="),
        (("godo", "crisp"), "has no session godo, crisp", "did you mean good, crisps? its sessions: good, bad"),
        (("tests-3.9",), "has no session tests-3.9", "did you mean tests-3.12?"),
    ],
)
def test_preflight_names_unknown_sessions(tmp_path: Path, names: tuple[str, ...], message: str, hint: str) -> None:
    write(tmp_path / "noxfile.py", NOXFILE.format(out="", pid=""))

    with pytest.raises(UsageError) as caught:
        preflight(tmp_path, validate(*names))

    assert caught.value.exit_code == 2
    assert f"validate: noxfile.py {message}" == caught.value.message
    assert hint in caught.value.hint


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "validate: there is no noxfile noxfile.py in "),
        ("import nox\nimport no_such_module\n", "No module named 'no_such_module'"),
        ("import nox\n", "(exit 3): nox > No sessions found in "),
    ],
    ids=["missing", "broken", "empty"],
)
def test_preflight_refuses_a_missing_or_broken_noxfile(tmp_path: Path, body: str | None, message: str) -> None:
    if body is not None:
        write(tmp_path / "noxfile.py", body)

    with pytest.raises(UsageError, match="validate: ") as caught:
        preflight(tmp_path, validate("good"))

    assert message in caught.value.message


# -- run: commands ------------------------------------------------------------------------------------------

PRINT = "import sys; print('out 1'); print('err 2', file=sys.stderr, flush=True); print('\\x1b[31mred\\x1b[0m 3')"
COMMANDS = {  # argv, status, exit code, what the output says
    "passes": ([sys.executable, "-c", PRINT], "passed", 0, "2 passed: "),
    "fails": ([sys.executable, "-c", PRINT + "; raise SystemExit(3)"], "failed", 3, "failed (exit 3): red 3"),
    "not-found": (["no-such-program-here", "x"], "error", None, "could not start: No such file or directory"),
}


@pytest.mark.parametrize("case", COMMANDS)
def test_commands_stream_their_output_and_keep_its_tail(
    team: tuple[Repo, str], tmp_path: Path, case: str, capsys: Capture
) -> None:
    repo, old = team
    argv, status, code, says = COMMANDS[case]

    assert align(tmp_path, f"{{run: [{json.dumps(argv)}, [{json.dumps(sys.executable)}, -c, pass]]}}") == (code != 0)

    text = out(capsys)
    assert (f"validate: {' '.join(argv)} {says}" if status != "passed" else says + " ".join(argv)) in text
    [entry, *rest] = sessions(repo)
    assert summary([entry]) == [(" ".join(argv), "command", status, code)]
    assert list(entry.argv) == argv
    if case == "not-found":
        assert entry.tail == ()
        assert entry.reason == "could not start: No such file or directory"
        assert rev(repo, REF) == old
        return
    prefix = Path(sys.executable).name
    assert f"      {prefix} | out 1\n      {prefix} | err 2\n      {prefix} | red 3\n" in text
    assert entry.tail == ("out 1", "err 2", "red 3")  # stdout and stderr in order; colours removed
    assert len(rest) == (1 if code == 0 else 0)


# -- the process runner -------------------------------------------------------------------------------------


def pid_then(pidfile: Path, *, background: bool = False) -> list[str]:
    """A shell that writes its pid and sleeps; with ``background``, one that exits leaving a sleeping child (whose
    pid it writes) holding the pipe open."""
    script = "sleep 60 & echo $! > {0}; echo started" if background else "echo $$ > {0}; echo started; sleep 60"
    return ["sh", "-c", script.format(shlex.quote(str(pidfile)))]


def test_an_exception_while_reading_kills_the_group_and_propagates(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"

    def interrupt(line: str) -> None:
        raise KeyboardInterrupt(line)

    with pytest.raises(KeyboardInterrupt, match="started"):
        _process.stream(pid_then(pidfile), cwd=tmp_path, timeout=30, on_line=interrupt)

    assert gone(int(pidfile.read_text()))


def test_what_a_command_leaves_running_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    lines: list[str] = []
    started = time.monotonic()

    done = _process.stream(pid_then(pidfile, background=True), cwd=tmp_path, timeout=30, on_line=lines.append)

    assert (done.timed_out, done.exit_code) == (False, 0)
    assert time.monotonic() - started < 10
    assert lines == ["started"]
    assert gone(int(pidfile.read_text()))


def test_a_term_ignoring_command_is_killed_after_the_grace(tmp_path: Path) -> None:
    code = "import signal as s, time; s.signal(s.SIGTERM, s.SIG_IGN); time.sleep(60)"
    started = time.monotonic()

    done = _process.stream([sys.executable, "-c", code], cwd=tmp_path, timeout=1, on_line=lambda line: None)

    assert (done.timed_out, done.exit_code) == (True, None)
    assert 1 + _process.GRACE <= time.monotonic() - started < 15


def test_long_lines_progress_and_colours_are_cleaned(tmp_path: Path) -> None:
    code = (
        "import sys; sys.stdout.write('x' * 70000 + '\\n'); sys.stdout.write('10%\\r50%\\r100%\\n');"
        " sys.stdout.write('\\x1b[1;32mok\\x1b[0m\\n'); sys.stdout.write('no newline \\xff')"
    )
    lines: list[str] = []

    done = _process.stream([sys.executable, "-c", code], cwd=tmp_path, timeout=30, on_line=lines.append)

    assert done.exit_code == 0
    assert [len(line) for line in lines[:2]] == [_process.MAX_LINE, 70000 - _process.MAX_LINE]
    assert lines[2:] == ["100%", "ok", "no newline ÿ"]


def test_signal_handlers_interrupt_the_wait(tmp_path: Path) -> None:
    """The engine's handlers raise in the main thread: the read loop must not swallow it."""

    class Stop(Exception):
        pass

    def handler(number: int, frame: object) -> None:
        raise Stop

    previous = signal.signal(signal.SIGALRM, handler)
    pidfile = tmp_path / "pid"
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(Stop):
            _process.stream(pid_then(pidfile), cwd=tmp_path, timeout=30, on_line=lambda line: None)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert gone(int(pidfile.read_text()))
