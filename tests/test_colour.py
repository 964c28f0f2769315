"""Colour follows the conventions: never with NO_COLOR, TERM=dumb or CLICOLOR=0; always with FORCE_COLOR or
CLICOLOR_FORCE; otherwise only on a terminal (issue 10, item 6). Whole runs with real git."""

from __future__ import annotations

import sys

import pytest

from align import monitor
from align.cli import main
from tests.builders import moved_upstream, three_commits
from tests.fakes import Terminal
from tests.helpers import BRANCH, REF, Repo
from tests.snapshots import head, rev, stashes

Capture = pytest.CaptureFixture[str]
ESC = "\033["

pytestmark = pytest.mark.usefixtures("in_repo")


class Pipe(Terminal):
    """A stand-in for stderr redirected to a pipe or a file."""

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize(
    ("environ", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"TERM": "xterm-256color"}, True, True),
        ({"TERM": "dumb"}, True, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # set but empty: no effect
        ({"CLICOLOR": "0"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, False, True),
        ({"FORCE_COLOR": ""}, False, False),
        ({"CLICOLOR_FORCE": "1"}, False, True),
        ({"CLICOLOR_FORCE": "0"}, False, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),  # NO_COLOR wins, as in CPython
    ],
)
def test_when_colour_is_allowed(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], tty: bool, expected: bool
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert monitor.colour_allowed(Terminal() if tty else Pipe()) is expected


def run_on(repo: Repo, stream: Terminal, monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> tuple[str, str]:
    """Align feature/x (3 commits behind a moved origin/main) with ``stream`` as stderr; return (stderr, stdout)."""
    old = three_commits(repo)
    moved_upstream(repo)
    monkeypatch.setattr(sys, "stderr", stream)

    assert main([BRANCH]) == 0

    assert rev(repo, REF) != old[-1]
    assert rev(repo, f"{REF}~3") == rev(repo, "origin/main")
    assert head(repo) == REF
    assert stashes(repo) == []
    assert repo.git("status", "--porcelain") == ""
    return "".join(stream.written), capsys.readouterr().out


def test_a_dumb_terminal_gets_no_colour_codes(repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    monkeypatch.setenv("TERM", "dumb")

    stderr, stdout = run_on(repo, Terminal(), monkeypatch, capsys)

    assert "[3/4] rebase feature/x onto origin/main … 3/3 commits … done in" in stderr
    assert "\r" in stderr  # the step line is still updated in place
    assert ESC not in stderr
    assert ESC not in stdout
    assert stdout.startswith("align: feature/x onto origin/main (")


def test_a_terminal_gets_colour_codes(repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")

    stderr, stdout = run_on(repo, Terminal(), monkeypatch, capsys)

    assert "\033[32m[3/4] rebase feature/x onto origin/main … 3/3 commits … done in" in stderr
    assert ESC not in stdout  # the summary is plain text


def test_force_color_colours_a_pipe(repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")

    stderr, _ = run_on(repo, Pipe(), monkeypatch, capsys)

    assert "\033[32m[3/4] rebase feature/x onto origin/main … 3/3 commits … done in" in stderr
    assert "\r" not in stderr  # whole lines only: not a terminal


def test_no_color_wins_on_a_terminal(repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")

    stderr, _ = run_on(repo, Terminal(), monkeypatch, capsys)

    assert "[3/4] rebase feature/x onto origin/main … 3/3 commits … done in" in stderr
    assert ESC not in stderr
