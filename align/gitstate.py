"""git's state in a working tree (a rebase, a merge... in progress), read from the files git keeps for it.

Where each file is comes from ``Git.git_path`` (``rev-parse --git-path``: right in a linked worktree); reading
them needs no git process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Files in the git dir that say a git operation is half done, and what it is.
OPERATIONS = {
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase (or `git am`)",
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "BISECT_LOG": "a bisect",
}
# The files of the git dir align reads, asked of git in one call (``rev-parse --git-path``, right in a
# linked worktree, where some are in the worktree's git dir and others in the common one).
GIT_PATHS = (*OPERATIONS, "REBASE_HEAD", "info/attributes", "hooks", "rr-cache")

Where = Callable[[str], Path]  # the path of a file of the git dir (``Git.git_path``)


@dataclass(frozen=True, kw_only=True)
class Progress:
    """Where git's rebase or merge in this working tree is, from its state files."""

    rebasing: bool  # rebase-merge/ is there: a rebase (merge backend) is in progress
    merging: bool  # MERGE_HEAD is there: a merge is in progress
    picking: bool  # REBASE_HEAD is there: the rebase stopped at a commit it was applying
    number: str | None  # rebase-merge/msgnum: the commit the rebase is at (None: unknown)
    total: str | None  # rebase-merge/end: how many it applies
    done: frozenset[str]  # rebase-merge/done: the commits taken from its todo list so far


def operation(where: Where) -> str | None:
    """Return what git operation is half done (``a rebase``, ``a merge``...), or None."""
    return next((what for name, what in OPERATIONS.items() if where(name).exists()), None)


def applying(where: Where) -> str | None:
    """Return the pseudo-ref of the commit git's merge or rebase stopped at, or None."""
    return next((name for name in ("MERGE_HEAD", "REBASE_HEAD") if where(name).exists()), None)


def progress(where: Where) -> Progress:
    """Return where git's rebase or merge is, from its state files."""
    folder = where("rebase-merge")
    done = _read(folder / "done")
    lines = [line.split() for line in (done or "").splitlines() if not line.startswith("#")]
    return Progress(
        rebasing=folder.exists(),
        merging=where("MERGE_HEAD").exists(),
        picking=where("REBASE_HEAD").exists(),
        number=_read(folder / "msgnum"),
        total=_read(folder / "end"),
        done=frozenset(words[1] for words in lines if len(words) > 1),
    )


def _read(path: Path) -> str | None:
    """Return the text of a state file of git's, stripped, or None when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
