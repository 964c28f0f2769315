"""A long-running git process asked one line at a time (``hash-object --stdin-paths``, ``cat-file --batch-check``).

Starting git costs a few milliseconds; the in-memory engine writes two objects per replayed commit, so it
keeps one ``git hash-object -w --stdin-paths`` running for the whole replay instead of starting one per
object. Like ``Git.run`` it goes through ``sh``, in its own session (a signal to align does not reach it;
align stops it), with git's hardened environment, and counts as one git call in the run's statistics.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from align import signals
from align.errors import GitError

if TYPE_CHECKING:
    from align.git import Git

log = logging.getLogger("align.git")

ANSWER_TIMEOUT = 60.0  # seconds git may take to answer one line before align gives up on it
_POLL = 0.05  # how often a wait for git's answer looks for a signal


class Stream:
    """One git process: ``ask(line)`` writes a line to its input and returns the line it answers."""

    def __init__(
        self, process: Any, args: tuple[str, ...], lines: queue.Queue[str | None], answers: queue.Queue[str]
    ) -> None:
        self._process = process
        self._args = args
        self._lines = lines
        self._answers = answers

    def ask(self, line: str) -> str:
        """Send ``line`` (no newline in it) and return git's one-line answer (without its newline)."""
        if "\n" in line:
            raise ValueError(f"a line for git holds a newline: {line!r}")
        signals.check()
        self._lines.put(line + "\n")
        waited = 0.0
        while True:
            try:
                return self._answers.get(timeout=_POLL).rstrip("\n")
            except queue.Empty:
                signals.check()  # a signal stops the wait (the process is stopped on the way out)
                waited += _POLL
                if waited > ANSWER_TIMEOUT or (not self._process.is_alive() and self._answers.empty()):
                    raise GitError(self._args, -1, self._error()) from None

    def _error(self) -> str:
        with contextlib.suppress(Exception):
            return str(self._process.stderr.decode("utf-8", "replace")) or "git stopped answering"
        return "git stopped answering"


@contextlib.contextmanager
def stream(git: Git, *args: str) -> Iterator[Stream]:
    """Run ``git ARGS`` for the duration of the block, reading its input line by line from ``Stream.ask``."""
    signals.check()
    lines: queue.Queue[str | None] = queue.Queue()
    answers: queue.Queue[str] = queue.Queue()
    started = time.perf_counter()
    process = git.command(
        *args,
        _in=lines,
        _out=answers.put,
        _out_bufsize=1,
        _bg=True,
        _bg_exc=False,  # a git stopped by align is not an error of sh's background thread
        _new_session=True,
        _ok_code=list(range(-64, 256)),
    )
    try:
        yield Stream(process, args, lines, answers)
    except BaseException:
        with contextlib.suppress(Exception):
            process.kill_group()
        with contextlib.suppress(Exception):
            process.wait()
        raise
    finally:
        git.stats.calls += 1
        git.stats.seconds += time.perf_counter() - started
    lines.put(None)  # end of input: git finishes
    process.wait()
    log.debug(
        "git %s -> %d (%.3f s, one line at a time)", " ".join(args), process.exit_code, time.perf_counter() - started
    )
    if process.exit_code != 0:
        raise GitError(args, process.exit_code, process.stderr.decode("utf-8", "replace"))
