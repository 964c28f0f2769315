"""SIGINT and SIGTERM during a command that changes the repository: a flag, checked at known places.

Inside ``handled()`` the handler never raises. It records the signal and stops the child process align
is waiting for, if any (a git process, a validation command: SIGTERM to its process group; a second
signal sends SIGKILL). The run then ends "interrupted" at the next ``check()``: between steps, before
a git process starts, and after the wait for a git process or a validation command. So a signal can no
longer land half-way through a journal write, a ``finally`` or the lock's release.

Outside ``handled()`` (planning, read-only commands) nothing here is active: ``cli`` turns a signal
into ``KeyboardInterrupt``.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass

from align.errors import Interrupted

NUMBERS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True, kw_only=True)
class Child:
    """The process align is waiting for: stopped by a signal (its whole group when ``group``)."""

    pid: int
    group: bool


@dataclass(kw_only=True)
class _State:
    active: bool = False  # inside handled()
    number: int = 0  # the signal recorded and not yet raised by check()
    child: Child | None = None
    stops: int = 0  # signals sent to ``child`` so far


_STATE = _State()


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Record SIGINT and SIGTERM while a command changes the repository; ``check()`` raises them."""
    saved = (_STATE.active, _STATE.number)
    _STATE.active, _STATE.number = True, 0
    previous = {number: signal.signal(number, _record) for number in NUMBERS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        _STATE.active, _STATE.number = saved  # a signal that came too late to be checked ends with the command


def recorded() -> bool:
    """Tell whether a signal was recorded and not yet raised."""
    return bool(_STATE.number)


def check() -> None:
    """Raise ``Interrupted`` once for a recorded signal (a later signal is recorded anew)."""
    number, _STATE.number = _STATE.number, 0
    if number:
        raise Interrupted(f"interrupted by {signal.Signals(number).name}")


@contextlib.contextmanager
def waiting(pid: int, *, group: bool) -> Iterator[None]:
    """Name the child process align waits for, so that a signal stops it (its group when ``group``).

    A signal recorded before (while the child was being started) stops it at once.
    """
    _STATE.child, _STATE.stops = Child(pid=pid, group=group), 0
    try:
        if _STATE.number:
            _stop_child()
        yield
    finally:
        _STATE.child = None


def _record(number: int, frame: object) -> None:
    """The handler: keep the signal for ``check()`` and stop the child align waits for; never raise."""
    if not _STATE.number:
        _STATE.number = number
    _stop_child()


def _stop_child() -> None:
    """SIGTERM the child align waits for (SIGKILL from the second time): ``kill`` only, nothing that waits."""
    child = _STATE.child
    if child is None:
        return
    number = signal.SIGTERM if _STATE.stops == 0 else signal.SIGKILL
    _STATE.stops += 1
    with contextlib.suppress(ProcessLookupError, PermissionError):
        (os.killpg if child.group else os.kill)(child.pid, number)
