"""Progress lines, live updates on a terminal, -q/-v, --log-file and colour (DESIGN §4, issue #4 monitor)."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import pytest

from align import monitor
from align.cli import main
from tests.builders import moved_upstream, three_commits, upstream
from tests.fakes import Terminal
from tests.helpers import BRANCH, Repo

Capture = pytest.CaptureFixture[str]
STEP_LINE = re.compile(
    r"^\[(\d)/(\d)\] (.+?)( … \d+/\d+ commits)? … (done|failed|stopped at a conflict) in [\d.]+ s(: .*)?$"
)


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """Make stderr a terminal that the console handler writes to (colour allowed unless NO_COLOR).

    Called in the test itself: pytest's output capture replaces ``sys.stderr`` after fixtures run.
    """
    fake = Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    monitor.configure(verbose=False, quiet=False)
    return fake


def test_a_run_prints_one_line_per_step_with_its_duration(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    moved_upstream(in_repo)

    assert main([BRANCH]) == 0

    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[")]
    finished = [STEP_LINE.match(line) for line in lines if " in " in line and "s" in line.split(" in ")[-1]]
    assert [match.group(3) if match else None for match in finished if match] == [
        f"backup {BRANCH}",
        "fetch main from origin",
        f"rebase {BRANCH} onto origin/main",
        "verify",
    ]
    assert all(match and match.group(2) == "4" for match in finished)
    assert any("3/3 commits" in line for line in lines)  # the rebase's progress, kept in its final line


def test_quiet_prints_no_progress_and_verbose_adds_git_commands(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    moved_upstream(in_repo)
    assert main([BRANCH, "-q"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""
    assert quiet.out == ""  # -q: the summary only when the run did not succeed

    in_repo.git("reset", "--quiet", "--hard", "HEAD~1")
    upstream(in_repo, "up2.txt", "more\n", "upstream: add up2")
    assert main([BRANCH, "-v"]) == 0
    verbose = capsys.readouterr().err
    streamed = r"^git .*merge-tree --stdin --messages -> 0 \(\d+\.\d{3} s, one line at a time\)$"
    assert re.search(streamed, verbose, re.MULTILINE)
    assert "[1/4] backup" in verbose


def test_the_log_file_gets_every_line_and_git_command(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    three_commits(in_repo)
    moved_upstream(in_repo)
    log_file = tmp_path / "align.log"

    assert main(["-q", "--log-file", str(log_file), BRANCH]) == 0

    assert capsys.readouterr().err == ""
    text = log_file.read_text(encoding="utf-8")
    assert re.search(r"INFO align: \[3/4\] rebase feature/x onto origin/main … .*done in", text)
    assert re.search(r"DEBUG align.git: git .*merge-tree --stdin --messages -> 0 ", text)
    assert "\033[" not in text


def test_an_unwritable_log_file_is_a_usage_error(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    assert main(["status", "--log-file", str(tmp_path / "missing" / "align.log")]) == 2
    assert "cannot write the log file" in capsys.readouterr().err


def test_the_step_line_is_updated_in_place_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    progress = monitor.Monitor(3)

    started = progress.step("rebase feature/x onto origin/main")
    progress.git_progress("Rebasing (1/3)\rRebasing (2/3)\r")
    progress.done(started, "ok", "ok")

    drawn = "".join(terminal.written)
    assert "\r[1/3] rebase feature/x onto origin/main …" in drawn
    assert "\r[1/3] rebase feature/x onto origin/main … 2/3 commits" in drawn
    last = drawn.rsplit("\r", 1)[-1]
    assert re.fullmatch(
        r"\033\[32m\[1/3\] rebase feature/x onto origin/main … 2/3 commits … done in \S+ s: ok\033\[0m\n", last
    )


def test_notes_clear_the_live_line_and_draw_it_again(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    progress = monitor.Monitor(1)
    progress.step("validate")
    terminal.written.clear()

    progress.output("nox:tests", "3 passed")

    assert terminal.written[0] == "\r" + " " * len("[1/1] validate …") + "\r"
    assert "      nox:tests | 3 passed\n" in terminal.written
    assert terminal.written[-1] == "\r[1/1] validate …"


def test_no_colour_with_no_color_or_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = Terminal()
    monkeypatch.setattr(sys, "stderr", fake)
    monkeypatch.setenv("NO_COLOR", "1")
    monitor.configure(verbose=False, quiet=False)
    progress = monitor.Monitor(1)
    progress.done(progress.step("verify"), "failed", "failed")
    assert "\033[" not in "".join(fake.written)

    monkeypatch.delenv("NO_COLOR")
    assert monitor.colour_allowed(fake) is True
    assert monitor.colour_allowed(sys.__stdout__) is sys.__stdout__.isatty()  # type: ignore[arg-type]


def test_a_failed_step_is_red_and_a_conflict_yellow(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    progress = monitor.Monitor(2)
    progress.done(progress.step("verify"), "linear: 1 merge commit", "failed")
    progress.done(progress.step("rebase"), "conflict in abc", "conflict")

    drawn = "".join(terminal.written)
    assert "\033[31m[1/2] verify … failed in" in drawn
    assert "\033[33m[2/2] rebase … stopped at a conflict in" in drawn


def test_progress_is_logged_at_debug_without_a_terminal(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="align")
    progress = monitor.Monitor(1)
    progress.step("rebase")

    progress.git_progress("Rebasing (1/2)\rRebasing (2/2)\r")

    assert [(record.levelno, record.getMessage()) for record in caplog.records] == [
        (logging.INFO, "[1/1] rebase …"),
        (logging.DEBUG, "[1/1] rebase … 1/2 commits"),
        (logging.DEBUG, "[1/1] rebase … 2/2 commits"),
    ]
