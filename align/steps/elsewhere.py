"""Validate a branch that is not checked out here in a temporary worktree of its new tip.

The memory engine aligns such a branch without touching the user's working tree, index, HEAD or stash
list; validation needs files, so it gets its own: ``git worktree add --detach FOLDER NEW_TIP``, FOLDER a new
folder under ``TMPDIR`` (outside the repository, so that no tool run there finds the user's configuration
in a folder above it). The sessions run there: the noxfile is the branch's own, as at its new tip. Then the
worktree is removed (``git worktree remove --force``, and its folder and git's record of it if git could
not), whether validation passed, failed, or a signal stopped it.

Only this worktree's record is removed, never with ``git worktree prune``: that would also forget the
user's own worktrees whose folders are missing for now (a drive not mounted). The folder is in the journal
before git makes it, so a run killed meanwhile leaves it for ``align continue`` (which validates again, in
a new one) or ``align abort`` to remove.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from align.context import Context
from align.plan import NO_SUBMODULES


def needed(context: Context) -> bool:
    """Tell whether validation runs in a temporary worktree: the memory engine left the user's tree alone."""
    journal = context.journal
    return journal.engine == "memory" and not journal.tree_moved


@contextmanager
def worktree(context: Context) -> Iterator[Path]:
    """Give a temporary worktree of the new tip (detached) for as long as the ``with`` lasts."""
    git, journal = context.git, context.journal
    remove(context)  # one a killed run left
    folder = Path(tempfile.mkdtemp(prefix="align-validate-"))
    journal.validate_worktree = str(folder)
    context.save()
    try:
        git.run(*NO_SUBMODULES, "worktree", "add", "--quiet", "--detach", str(folder), journal.new_tip)
        yield folder
    finally:
        remove(context)


def remove(context: Context) -> None:
    """Remove the run's temporary worktree, if it has one: the folder and git's record of it."""
    git, journal = context.git, context.journal
    if not journal.validate_worktree:
        return
    folder = Path(journal.validate_worktree)
    if folder.exists():
        git.run("worktree", "remove", "--force", "--force", str(folder), ok=(0, 128))
        shutil.rmtree(folder, ignore_errors=True)  # what git left (a worktree add cut short)
    records = git.git_path("worktrees") / folder.name  # git names it after the folder, made unique by mkdtemp
    if records.is_dir() and _points_at(records, folder):
        shutil.rmtree(records, ignore_errors=True)
    journal.validate_worktree = ""
    context.save()


def _points_at(records: Path, folder: Path) -> bool:
    """Tell whether git's record of a worktree is the one of ``folder`` (or has no folder written yet)."""
    try:
        written = (records / "gitdir").read_text(encoding="utf-8").strip()
    except OSError:
        return True  # a `git worktree add` cut short before it wrote where the worktree is
    return Path(written).parent == folder
