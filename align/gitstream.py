"""A long-running git process fed one line at a time (``hash-object --stdin-paths``, ``merge-tree --stdin``).

Starting git costs a few milliseconds; the in-memory engine writes two objects and makes one merge per
replayed commit, so it keeps one ``git hash-object -w --stdin-paths`` and one ``git merge-tree --stdin``
running for the whole replay instead of starting three processes per commit. Like ``Git.run`` it goes
through ``sh``, in its own session (a signal to align does not reach it; align stops it), with git's
hardened environment, and counts as one git call in the run's statistics.
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
    """One git process: ``ask(line)`` writes a line to its input and returns the line it answers;
    a stream of ``chunks`` gives git's output as it comes (``send``, then ``receive``)."""

    def __init__(
        self, process: Any, args: tuple[str, ...], lines: queue.Queue[str | None], answers: queue.Queue[str]
    ) -> None:
        self._process = process
        self._args = args
        self._lines = lines
        self._answers = answers
        self.closed = False
        self.abandoned = False  # given up by the caller: its end is not waited for nor reported

    def ask(self, line: str) -> str:
        """Send ``line`` (no newline in it) and return git's one-line answer (without its newline)."""
        self.send(line)
        answer = self.receive(ANSWER_TIMEOUT)
        if answer is None:
            raise GitError(self._args, -1, "git did not answer in time")
        return answer.rstrip("\n")

    def send(self, line: str) -> None:
        """Write ``line`` and a newline to git's input."""
        if "\n" in line:
            raise ValueError(f"a line for git holds a newline: {line!r}")
        signals.check()
        self._lines.put(line + "\n")

    def close(self) -> None:
        """End git's input: git answers what it was sent, then exits."""
        if not self.closed:
            self.closed = True
            self._lines.put(None)

    def abandon(self) -> None:
        """Give this git up (it died before it answered, or answered nonsense): the block's end stops it
        and neither waits for its answers nor reports how it ended."""
        self.abandoned = True
        self.close()

    def receive(self, timeout: float | None) -> str | None:
        """Return git's next piece of output; None when ``timeout`` seconds passed without one (or git
        ended: then a ``GitError`` names what it said)."""
        waited = 0.0
        while True:
            try:
                return self._answers.get(timeout=_POLL)
            except queue.Empty:
                signals.check()  # a signal stops the wait (the process is stopped on the way out)
                waited += _POLL
                if not self._process.is_alive() and self._answers.empty():
                    raise GitError(self._args, -1, self._error()) from None
                if timeout is not None and waited > timeout:
                    return None

    def rest(self) -> list[str]:
        """After ``close``: wait for git to end, and return the pieces of output not received yet."""
        self._process.wait()
        pieces = []
        while not self._answers.empty():
            pieces.append(self._answers.get_nowait())
        return pieces

    def _error(self) -> str:
        with contextlib.suppress(Exception):
            return str(self._process.stderr.decode("utf-8", "replace")) or "git stopped answering"
        return "git stopped answering"


@contextlib.contextmanager
def stream(git: Git, *args: str, chunks: bool = False, via: tuple[str, ...] = ()) -> Iterator[Stream]:
    """Run ``git ARGS`` for the duration of the block, its input written by ``Stream.send``. Its output
    comes line by line, or with ``chunks`` as git writes it; ``via`` is a program git runs under
    (``stdbuf -o0``: git's output unbuffered)."""
    signals.check()
    lines: queue.Queue[str | None] = queue.Queue()
    answers: queue.Queue[str] = queue.Queue()
    started = time.perf_counter()
    process = git.command(
        *args,
        via=via,
        _in=lines,
        _out=answers.put,
        _out_bufsize=0 if chunks else 1,
        _bg=True,
        _bg_exc=False,  # a git stopped by align is not an error of sh's background thread
        _new_session=True,
        _ok_code=list(range(-64, 256)),
    )
    opened = Stream(process, args, lines, answers)
    try:
        yield opened
    except BaseException:
        with contextlib.suppress(Exception):
            process.kill_group()
        with contextlib.suppress(Exception):
            process.wait()
        raise
    finally:
        git.stats.calls += 1
        git.stats.seconds += time.perf_counter() - started
    if opened.abandoned:
        with contextlib.suppress(Exception):
            process.kill_group()
        with contextlib.suppress(Exception):
            process.wait()
        return
    opened.close()  # end of input: git finishes
    process.wait()
    log.debug(
        "git %s -> %d (%.3f s, one line at a time)", " ".join(args), process.exit_code, time.perf_counter() - started
    )
    if process.exit_code != 0:
        raise GitError(args, process.exit_code, process.stderr.decode("utf-8", "replace"))
