"""The user's files a run's checkouts could destroy: refused when git would overwrite or delete them without
a word (ignored files, untracked files the target adds), kept raw when a conversion may change their bytes."""

from __future__ import annotations

import os
from pathlib import Path

from align.context import Context
from align.errors import Refusal
from align.steps import keep


def protect(context: Context, head: str) -> list[str]:
    """Refuse what a checkout of the run would destroy; return the tracked files whose raw bytes to keep.

    Every path a checkout of the run may write (``keep.at_risk``: the switch to the branch, the
    rebase's checkout of the target and its picks, the way back) is looked at on disk, and the index
    is read only when one of them is there: no walk of the whole working tree.

    - An untracked file that git ignores there would be overwritten or deleted without a word: refused.
    - An untracked file the target adds could not be put back after the run: refused.
    - A tracked file whose bytes a conversion (filter, eol, autocrlf...) may change, or whose mode is
      not what a checkout would give it, is kept raw.
    """
    git, journal = context.git, context.journal
    paths = keep.at_risk(git, head, journal.run.original_tip, journal.base, journal.onto_sha)
    root = Path(journal.run.worktree)
    present = [path for path in sorted(paths.everything) if _occupied(root, path)]
    if not present:
        return []
    listed = git.run("ls-files", "-z", "--cached").stdout.split("\0")
    tracked = set(listed)
    untracked = [path for path in present if path not in tracked]
    if untracked:
        found = git.run("check-ignore", "-z", "--stdin", stdin="".join(f"{path}\0" for path in untracked), ok=(0, 1))
        ignored = sorted(path for path in found.stdout.split("\0") if path)
        if ignored:
            raise Refusal(
                f"{len(ignored)} ignored file(s) here would be overwritten or deleted by the checkouts of this run "
                f"(a branch or {journal.run.onto} tracks them): {_some(ignored)}",
                hint="move them aside (they are yours: git would not keep them), then run align again",
            )
        clash = [path for path in untracked if path in paths.target]
        if clash:
            raise Refusal(
                f"{journal.run.onto} adds {len(clash)} file(s) that exist here untracked, which the rebase would "
                f"overwrite or could not put back: {_some(clash)}",
                hint="move them aside (or commit them), then run align again",
            )
    possible = any(path.rpartition("/")[2] == ".gitattributes" for path in tracked)
    possible = possible or git.git_path("info/attributes").exists()  # in the common git dir, for a worktree
    mine = [path for path in present if path in tracked]
    return keep.convertible(git, mine, possible) + keep.unusual_modes(root, mine)


def _some(paths: list[str]) -> str:
    return ", ".join(paths[:5]) + (" ..." if len(paths) > 5 else "")


def _occupied(root: Path, path: str) -> bool:
    """Tell whether ``path`` exists under ``root``, or one of its folders is a file or a link there."""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        folder = root.joinpath(*parts[:depth])
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return True
        if not folder.exists():
            return False
    return os.path.lexists(root / path)
