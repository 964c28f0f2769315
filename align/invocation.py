"""How the user started align (``align``, ``git align``, ``nox -s align --``): the commands guidance names.

Every hint that tells the user to run ``align continue`` (skip, abort, undo, status...) goes through
:func:`command`, so that it names the command the user actually ran. The prefix is detected when the
process starts (:func:`detect`) and recorded in a run's journal, so that later commands about that run
(``align status``, ``align continue``) say the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

ENV = "ALIGN_COMMAND"  # set by a nox session that runs align: ALIGN_COMMAND="nox -s align --"
DEFAULT = "align"
_current = [DEFAULT]


def detect(argv0: str, environ: Mapping[str, str]) -> str:
    """Return the command prefix the user typed: ``$ALIGN_COMMAND``, ``git align`` for git-align, else ``align``."""
    named = " ".join(environ.get(ENV, "").split())
    if named:
        return named
    if Path(argv0).name.lower().removesuffix(".exe") == "git-align":
        return "git align"
    return DEFAULT


def use(prefix: str) -> None:
    """Name commands with ``prefix`` from now on (an empty one: ``align``)."""
    _current[0] = " ".join(prefix.split()) or DEFAULT


def prefix() -> str:
    """Return the prefix commands are named with (``align``, ``git align``, ``nox -s align --``)."""
    return _current[0]


def command(words: str) -> str:
    """Return the command to type for ``words``: ``command("continue")`` -> ``nox -s align -- continue``."""
    return f"{_current[0]} {words}".strip()
