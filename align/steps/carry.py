"""The checked-out branch's uncommitted work, carried by a two-way merge instead of align's stash.

When the memory engine moves the branch checked out here, the index and the files follow it as ``git
checkout`` moves them (``git read-tree -m -u OLD NEW``): staged, unstaged and untracked work on files the
alignment does not touch stays where it is, byte for byte, and never passes through a stash. That is done
only when (``possible``):

- no validate step runs on the tree (``validates``): validation tests the commits, not the user's work,
  so then the work goes to align's stash and the tree is exactly the new tip's;
- none of the user's paths (changed, staged, untracked, or kept raw for their bytes) is one the alignment
  changes, a folder of one or inside one, and git's own dry run of the merge agrees.

Otherwise the work goes to align's stash, as for the disk path.

Since none of the paths the alignment changes holds anything of the user's, a merge that a kill cut short
(files written, index not) is finished exactly by writing those paths from the new tip, index and files
(``finish``). A rollback moves the tree back with the same two-way merge (``back``); when that would
refuse (the user changed such a file during the run), the work goes to align's stash first, and is
applied back once the branch is back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from align.context import Context
from align.git import Git
from align.plan import NO_SUBMODULES
from align.recipe.model import Validate
from align.steps import stash


def validates(context: Context) -> bool:
    """Tell whether the recipe validates on the working tree (nox sessions or commands)."""
    return any(isinstance(item, Validate) and bool(item.nox or item.run) for item in context.recipe_steps)


def possible(context: Context, old: str, new: str, at_risk: Sequence[str]) -> bool:
    """Tell whether the uncommitted work here can ride the two-way merge from ``old`` to ``new`` (False when
    there is none: nothing to carry)."""
    git = context.git
    if validates(context):
        return False
    changes = git.changes()  # (git status also refreshes the index, which the merge's check needs)
    if not changes:
        return False
    mine = {entry[3:] for entry in changes} | set(at_risk)
    if _overlap(mine, touched(git, old, new)):
        return False
    return git.run(*NO_SUBMODULES, "read-tree", "-m", "-u", "-n", old, new, ok=(0, 128)).code == 0


def move(git: Git, old: str, new: str) -> None:
    """Move the index and the files from ``old`` to ``new`` in one two-way merge (what ``git checkout`` does)."""
    git.run(*NO_SUBMODULES, "read-tree", "-m", "-u", old, new)


def finish(git: Git, old: str, new: str) -> None:
    """Finish a move from ``old`` to ``new`` that a kill may have cut short (or that had not started).

    git writes the files before the index: when the index still differs from ``new`` on a path the
    alignment changes, those paths (and only those: none holds anything of the user's) are written from
    ``new``, index and files, and those ``new`` lacks are removed."""
    paths = touched(git, old, new)
    differ = git.run("diff-index", "--cached", "--name-only", "-z", "--no-renames", new, "--").stdout
    if not paths or not set(differ.split("\0")) & set(paths):
        return
    listed = "".join(f"{path}\0" for path in paths)
    git.run(
        *NO_SUBMODULES, "--literal-pathspecs", "checkout", "--quiet", "--no-overlay", new,
        "--pathspec-from-file=-", "--pathspec-file-nul", stdin=listed,
    )  # fmt: skip


def back(context: Context) -> None:
    """Before a rollback moves the branch back: make sure the tree can follow it with the work in place.

    The forward move is finished first if a kill cut it short. When the merge back would refuse, the work
    goes to align's stash (applied back by the rollback once the branch is back) and the run says so."""
    git, journal = context.git, context.journal
    if not journal.carried:
        return
    if git.commit_of(journal.run.ref) == journal.new_tip:
        finish(git, journal.run.original_tip, journal.new_tip)
        if not journal.stash and not _refuses(git, journal.new_tip, journal.run.original_tip):
            return
    elif not journal.stash:
        return  # the branch did not move (or someone else moved it): the tree is left as it is
    stash.save(git, journal, journal.new_tip, record=context.save)  # (a second time after a kill: it holds)
    journal.carried = False
    context.warnings.append(
        "your uncommitted changes could not be carried back to the pre-run tip as they were (a file the "
        "alignment changed was changed meanwhile): they were put in align's stash, to be applied back once the "
        "branch is back"
    )
    context.save()


def _refuses(git: Git, old: str, new: str) -> bool:
    """Tell whether there is uncommitted work here that the two-way merge from ``old`` to ``new`` would refuse."""
    if not git.changes():
        return False
    return git.run(*NO_SUBMODULES, "read-tree", "-m", "-u", "-n", old, new, ok=(0, 128)).code != 0


def touched(git: Git, old: str, new: str) -> list[str]:
    """Return the paths whose content, mode or type differs between ``old`` and ``new``."""
    listed = git.run("diff", "--name-only", "-z", "--no-renames", old, new, "--").stdout
    return [path for path in listed.split("\0") if path]


def _overlap(mine: Iterable[str], theirs: Iterable[str]) -> bool:
    """Tell whether a path of ``mine`` is one of ``theirs``, a folder of one, or inside one."""
    paths = set(theirs)
    folders = {path[:index] for path in paths for index, char in enumerate(path) if char == "/"}
    for path in mine:
        if path in paths or path in folders:
            return True
        if any(path[:index] in paths for index, char in enumerate(path) if char == "/"):
            return True
    return False
