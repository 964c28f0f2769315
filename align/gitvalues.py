"""The values ``align.git`` answers with: a finished process's ``Result``, the run's ``Stats``, a repository's
``Location`` and a ``Ref`` as ``for-each-ref`` reports it (kept apart so that ``git.py`` holds only the door)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from align.gitmemo import Memo


@dataclass(frozen=True, kw_only=True)
class Result:
    """What a finished git process said."""

    code: int
    stdout: str
    stderr: str
    timed_out: bool = False  # stopped after ``timeout`` seconds (``code`` is then -15: SIGTERM)


@dataclass(kw_only=True)
class Stats:
    """How many git processes ran and how long they took."""

    calls: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Location:
    """Where a repository lives and what HEAD is."""

    root: Path
    git_dir: Path
    common_dir: Path
    head_ref: str | None  # refs/heads/... ; None when HEAD is detached
    paths: Mapping[str, Path] = field(default_factory=dict)  # GIT_PATHS -> where each is (rev-parse --git-path)
    memo: Memo[Result, Ref] = field(default_factory=Memo, compare=False, repr=False)  # shared by its Gits


@dataclass(frozen=True, kw_only=True)
class Ref:
    """One ref as ``for-each-ref`` reports it."""

    name: str
    sha: str
    symref: str
    kind: str
    worktree: str = ""  # the working tree that has this branch checked out, if any
