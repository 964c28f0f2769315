"""Run one validation command with its output streamed line by line, a timeout, and nothing left behind.

The command runs in its own session (process group), with stdin closed and stdout and stderr
merged into one pipe. Each line (decoded with ``errors="replace"``, ANSI colours removed, a
carriage-return progress line reduced to what a terminal would show last) goes to a callback as
soon as it is complete; nothing else is kept in memory. The process group is ended (SIGTERM,
then SIGKILL after ``GRACE`` seconds) when the time runs out, when a signal came (``align.signals``
SIGTERMs the group at once; ``Interrupted`` is raised once it is ended) and on any exception in the
reading loop, which is then re-raised.
Whatever the command left running in its group after it exited is killed too: nothing it
started outlives the step. POSIX only (process groups).
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from align import signals

GRACE = 2.0  # seconds between SIGTERM and SIGKILL
MAX_LINE = 64 * 1024  # bytes: a longer line is passed on in pieces
_POLL = 0.2  # seconds between checks that the command is still running
_DRAIN = 1.0  # seconds to read what is left once the command exited (its children may still hold the pipe)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")


@dataclass(frozen=True, kw_only=True)
class Finished:
    """How a command ended: its exit code, or that it timed out, or why it could not start."""

    exit_code: int | None  # None when it timed out or could not start
    timed_out: bool = False
    error: str = ""  # why it could not start
    duration_s: float = 0.0


def stream(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout: float,
    on_line: Callable[[str], None],
    env: Mapping[str, str] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> Finished:
    """Run ``argv`` in ``cwd``, pass each line of its output to ``on_line``; end it after ``timeout`` seconds.

    ``on_start`` gets the process group id as soon as the command runs (the journal keeps it, so that
    after a ``kill -9`` of align the next command can say what may still be running).
    """
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as error:
        return Finished(exit_code=None, error=error.strerror or str(error), duration_s=time.monotonic() - started)
    assert process.stdout is not None
    with process.stdout as pipe, signals.waiting(process.pid, group=True):  # a signal stops its group
        try:
            if on_start is not None:
                on_start(process.pid)
            finished = _read(process, pipe.fileno(), started + timeout, on_line)
        except BaseException:
            _stop(process)
            raise
    if signals.recorded():  # stopped by a signal: what it said is not used
        _stop(process)
        signals.check()
    if not finished:
        _stop(process)
        return Finished(exit_code=None, timed_out=True, duration_s=time.monotonic() - started)
    _kill_group(process.pid)  # what it left running in its group
    return Finished(exit_code=process.wait(), duration_s=time.monotonic() - started)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the process group of ``process``: SIGTERM, then SIGKILL after ``GRACE`` seconds; reap it."""
    try:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE
        while not _exited(process) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        _kill_group(process.pid)  # its children may ignore SIGTERM or outlive it
        process.wait()


def clean(line: str) -> str:
    """Return ``line`` as a terminal would show it last: no ANSI escapes, only the text after the last ``\\r``."""
    line = _ANSI.sub("", line.rstrip("\r\n"))
    return line.rpartition("\r")[2]


def _read(process: subprocess.Popen[bytes], fd: int, deadline: float, on_line: Callable[[str], None]) -> bool:
    """Pass the output on until the command has exited and the pipe is drained; False when ``deadline`` came first."""
    pending = b""
    reading = True
    exited_at = 0.0
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while not signals.recorded():  # a signal: the caller stops the group and raises it
            now = time.monotonic()
            if now >= deadline:
                return False
            if not exited_at and _exited(process):
                exited_at = now
            if exited_at and (not reading or now - exited_at > _DRAIN):
                break  # done; past _DRAIN, a child it left behind is holding the pipe open
            if not reading:
                time.sleep(min(_POLL / 10, deadline - now))  # it closed its output but still runs
            elif selector.select(min(_POLL, deadline - now)):
                chunk = os.read(fd, MAX_LINE)
                if chunk:
                    pending = _split(pending + chunk, on_line)
                else:
                    reading = False
                    selector.unregister(fd)
    if pending:
        on_line(clean(pending.decode(errors="replace")))
    return True


def _split(data: bytes, on_line: Callable[[str], None]) -> bytes:
    """Pass on each complete line of ``data``; return the incomplete rest (cut when it grows too long)."""
    *lines, rest = data.split(b"\n")
    while len(rest) >= MAX_LINE:
        lines, rest = [*lines, rest[:MAX_LINE]], rest[MAX_LINE:]
    for line in lines:
        on_line(clean(line.decode(errors="replace")))
    return rest


def _exited(process: subprocess.Popen[bytes]) -> bool:
    """Tell whether ``process`` has exited, without reaping it where the platform can (its pid keeps naming its
    group meanwhile, so that ``_kill_group`` cannot hit a new group of the same number)."""
    if process.returncode is not None or not hasattr(os, "waitid"):  # macOS has no waitid
        return process.poll() is not None
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _kill_group(pgid: int) -> None:
    """SIGKILL the group; call it before the leader is reaped, so that ``pgid`` cannot name another group."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
