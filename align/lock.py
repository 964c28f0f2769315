"""The repository's lock: one align run at a time, held by the kernel for as long as the run's process lives.

The lock is ``flock(LOCK_EX)`` on ``<common git dir>/align/lock``, taken on a descriptor kept open for the
run and closed on exec (git and the validation commands never inherit it). The kernel lets it go when the
process ends, however it ends (``kill -9`` included): there is nothing to take over, no pid decides, and the
file is never removed (removing a flock'd file is a race of its own: a taker could lock the removed file while
another creates and locks a new one). The file says who took the lock (pid, start time, command) for display
only; whether the lock is held is always the kernel's answer. (A killed holder's record stays until the next
taker writes its own, an instant after taking the lock: a reader in that instant skips a record naming no
running process and waits for the new one.)

A reader (``align status``, a refusal) asks with ``LOCK_SH | LOCK_NB`` and lets go at once. A taker that is
refused ``LOCK_EX`` asks the same way: refused again means a run holds it (exclusively) and the taker refuses
at once; granted means only readers were asking for an instant, and the taker tries again, so asking who
holds the lock never makes a run refuse.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

PATIENCE = 2.0  # seconds to wait out readers (a taker) or a record not written yet (a reader) before giving up
PAUSE = 0.002  # seconds between two tries
SIZE = 4096  # more than a record ever takes


@dataclass(frozen=True, kw_only=True)
class Holder:
    """Who holds the lock, as it wrote itself in the lock file: for display only."""

    pid: int | None  # None: the holder has taken the lock and not written who it is yet
    started_at: str
    command: str

    def describe(self) -> str:
        """Return ``pid N, `align COMMAND` started at T`` (``?`` for what is not written yet)."""
        return f"pid {self.pid or '?'}, `align {self.command}` started at {self.started_at}"


UNKNOWN = Holder(pid=None, started_at="?", command="?")


class Busy(Exception):
    """Another process holds the lock."""

    def __init__(self, holder: Holder) -> None:
        super().__init__(holder.describe())
        self.holder = holder


class Lock:
    """The lock as this process holds it; ``release`` lets it go (so does the end of the process)."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor = descriptor

    def release(self) -> None:
        """Empty the record and let the lock go; the file stays."""
        descriptor, self._descriptor = self._descriptor, -1
        if descriptor < 0:
            return
        try:
            with contextlib.suppress(OSError):  # the record is for display: an unwritable file still unlocks
                os.ftruncate(descriptor, 0)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)


def take_lock(path: Path, command: str) -> Lock:
    """Take the lock at ``path`` (the file is created if need be) and write who holds it.

    Raises:
        Busy: another process holds the lock.
        OSError: the file cannot be opened or written (nothing is held then).
    """
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        _acquire(descriptor)
        record = {"pid": os.getpid(), "started_at": _now(), "command": command}
        data = json.dumps(record).encode()
        os.ftruncate(descriptor, 0)  # a previous holder's record (or an old align's lock file) goes
        if os.pwrite(descriptor, data, 0) != len(data):
            raise OSError(f"could not write {path} whole")
    except BaseException:
        os.close(descriptor)  # lets the lock go if it was taken
        raise
    return Lock(path, descriptor)


def lock_holder(path: Path) -> Holder | None:
    """Return who holds the lock at ``path``, or None when no process holds it (the kernel says which)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        return _who(descriptor)
    finally:
        os.close(descriptor)


def _acquire(descriptor: int) -> None:
    """Take the lock exclusively on ``descriptor``, waiting out readers; raise ``Busy`` if a run holds it."""
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = _who(descriptor)
        if holder is not None:
            raise Busy(holder)
        if time.monotonic() > deadline:  # a reader stopped while asking (Ctrl-Z at that very instant)
            raise Busy(UNKNOWN)
        time.sleep(PAUSE)


def _who(descriptor: int) -> Holder | None:
    """Return who holds the lock exclusively (waiting briefly for a record being written), or None."""
    deadline = time.monotonic() + PATIENCE
    while _held(descriptor):
        holder = _record(descriptor)
        if holder is not None and _exists(holder.pid):
            return holder
        if time.monotonic() > deadline:
            return UNKNOWN
        time.sleep(PAUSE)  # taken an instant ago: its holder is writing who it is over what a killed one left
    return None


def _held(descriptor: int) -> bool:
    """Tell whether a process holds the lock exclusively; a shared hold of an instant answers, blocking nobody."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(descriptor, fcntl.LOCK_UN)
    return False


def _exists(pid: int | None) -> bool:
    """Tell whether a process ``pid`` exists: a record naming none is a killed holder's, not yet overwritten.

    Only the display uses this (a pid may be reused): whether the lock is held is the kernel's answer.
    """
    if not pid or pid < 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _record(descriptor: int) -> Holder | None:
    """Return the holder the lock file names, or None while it is empty or half written."""
    try:
        data = json.loads(os.pread(descriptor, SIZE, 0))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return None
    return Holder(pid=data["pid"], started_at=str(data.get("started_at", "?")), command=str(data.get("command", "?")))


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
