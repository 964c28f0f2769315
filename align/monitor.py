"""Progress and timings: what the run is doing, through ``logging`` (steps never print).

A step shows as one line, ``[3/8] rebase onto origin/main … 12/50 commits … done in 0.42 s``. On a
terminal the line is updated in place while the step runs; elsewhere (CI, a pipe) only whole lines
are written. ``-q`` keeps errors only, ``-v`` adds each git command with its duration, ``--log-file``
writes everything (with times) to a file as well. Colour only on a terminal that is not ``TERM=dumb``,
never with ``NO_COLOR``, always with ``FORCE_COLOR`` or ``CLICOLOR_FORCE`` (``colour_allowed``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import time
from collections.abc import Sequence
from typing import TextIO

log = logging.getLogger("align")

_REBASING = re.compile(r"Rebasing \((\d+)/(\d+)\)")
_TONES = {"ok": "32", "fail": "31", "warn": "33"}  # green, red, yellow
_FAILED = {"failed": "failed", "conflict": "stopped at a conflict", "refused": "refused"}


def colour_allowed(stream: TextIO) -> bool:
    """Tell whether ``stream`` may get ANSI colours, as the common conventions say (CPython's own order).

    ``NO_COLOR`` set (not empty): never. ``FORCE_COLOR`` set (not empty) or ``CLICOLOR_FORCE`` set (not
    empty, not 0): always, also into a pipe or a file. Otherwise only on a terminal that is not
    ``TERM=dumb``, and not when ``CLICOLOR=0``.
    """
    environ = os.environ
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR") or environ.get("CLICOLOR_FORCE", "0") not in ("", "0"):
        return True
    if environ.get("TERM") == "dumb" or environ.get("CLICOLOR") == "0":
        return False
    return stream.isatty()


class _ConsoleFormatter(logging.Formatter):
    """Plain messages; coloured by their ``tone`` when colour is allowed."""

    def __init__(self, *, colour: bool) -> None:
        super().__init__("%(message)s")
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        tone = getattr(record, "tone", None)
        if self.colour and tone in _TONES:
            return f"\033[{_TONES[tone]}m{text}\033[0m"
        return text


def configure(*, verbose: bool, quiet: bool, log_file: str | None = None) -> None:
    """Set up the console handler (stderr) and, when asked, a log file that gets everything."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO)
    console.setFormatter(_ConsoleFormatter(colour=colour_allowed(sys.stderr)))
    root.addHandler(console)
    root.setLevel(console.level)
    global _created_log  # noqa: PLW0603 - one log file per process
    _created_log = None
    if log_file:
        if not os.path.lexists(log_file):
            _created_log = log_file
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setLevel(logging.DEBUG)
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(to_file)
        root.setLevel(logging.DEBUG)
    logging.getLogger("sh").setLevel(logging.WARNING)


_created_log: str | None = None  # the --log-file this process created (None: none, or it existed)


def drop_log_file() -> None:
    """Stop writing the log file; delete it when this process created it (a refused ``--log-file``)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler):
            root.removeHandler(handler)
            handler.close()
    if _created_log:
        with contextlib.suppress(OSError):
            os.unlink(_created_log)


def _console_level() -> int:
    """Return the level of the console handler (INFO when logging was not configured by align)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is sys.stderr:
            return handler.level
    return logging.INFO


class Monitor:
    """Report step starts, live progress, output of validation sessions and step durations."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.index = 0
        self._title = ""
        self._progress = ""
        self._live = sys.stderr.isatty() and _console_level() <= logging.INFO
        self._shown = 0  # characters of the live line on screen
        self._running = False
        self._pending = ""  # an unfinished line of git's stderr

    def step(self, text: str) -> float:
        """Announce the next step; return its start time."""
        self.index += 1
        self._title = f"[{self.index}/{self.total}] {text}"
        self._progress = ""
        self._running = True
        if self._live:
            self._show(f"{self._title} …")
        else:
            log.info("%s …", self._title)
        return time.perf_counter()

    def progress(self, done: int, total: int, unit: str = "commits") -> None:
        """Show how far the step is: ``12/50 commits`` (live on a terminal, at ``-v`` elsewhere)."""
        self._progress = f"{done}/{total} {unit}"
        if self._live:
            self._show(f"{self._title} … {self._progress}")
        else:
            log.debug("%s … %s", self._title, self._progress)

    def done(self, started: float, detail: str, status: str = "ok") -> float:
        """Write the step's line with how it ended and its duration; return the duration in seconds."""
        elapsed = time.perf_counter() - started
        self._clear()
        self._running = False
        verb = _FAILED.get(status, "done")
        middle = f" … {self._progress}" if self._progress else ""
        line = f"{self._title}{middle} … {verb} in {elapsed:.2f} s"
        tone = "fail" if status in ("failed", "refused") else "warn" if status == "conflict" else "ok"
        log.info("%s%s", line, f": {detail}" if detail else "", extra={"tone": tone})
        return elapsed

    def note(self, text: str) -> None:
        """Log a line of information under the current step."""
        self._clear()
        log.info("      %s", text)
        self._redraw()

    def warn(self, text: str) -> None:
        """Log a warning line under the current step."""
        self._clear()
        log.warning("      warning: %s", text, extra={"tone": "warn"})
        self._redraw()

    def output(self, source: str, line: str) -> None:
        """Log one line of a validation session's or command's output, prefixed with its name."""
        self._clear()
        log.info("      %s | %s", source, line)
        self._redraw()

    def git_progress(self, chunk: str, *, todo: Sequence[bool] = (), unit: str = "commits") -> None:
        """Turn git's ``Rebasing (k/N)`` output into the step's ``k/N commits``.

        git's stderr arrives in pieces of any size: only whole lines (ended by CR or LF) are read.

        Args:
            chunk: a piece of git's stderr.
            todo: git's todo list when it holds lines that make no commit (True: a line that makes
                one): ``k/N`` counts lines, the step shows the commits among the first ``k``.
            unit: what ``k/N`` counts, when not commits.
        """
        *lines, self._pending = re.split(r"[\r\n]", self._pending + chunk)
        for line in lines:
            found = _REBASING.search(line)
            if not found:
                continue
            done, total = int(found.group(1)), int(found.group(2))
            if todo:
                total = sum(todo)
                done = min(total, sum(todo[:done]))
            if f"{done}/{total} {unit}" != self._progress:  # an update-ref line: no new commit
                self.progress(done, total, unit)

    def _show(self, text: str) -> None:
        pad = " " * max(0, self._shown - len(text))
        sys.stderr.write(f"\r{text}{pad}")
        sys.stderr.flush()
        self._shown = len(text)

    def _clear(self) -> None:
        if self._shown:
            sys.stderr.write("\r" + " " * self._shown + "\r")
            sys.stderr.flush()
            self._shown = 0

    def _redraw(self) -> None:
        if self._live and self._running:
            self._show(f"{self._title} …" + (f" {self._progress}" if self._progress else ""))
