"""One door for moving refs back: backups, and putting branches back by compare-and-swap.

The rollback, ``align undo`` and ``align backups restore`` all put branches back through here: a branch
moves only from the commit the caller expects, a checked-out branch takes its working tree with it, and
what it replaces can be kept as a backup first (``refs/align/backups/<branch>/<utc-timestamp>``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from align.errors import AlignError
from align.git import ZERO, Git

PREFIX = "refs/align/backups/"
REWRITTEN = "rewritten during rebase"  # the reflog message of a branch ``git rebase --update-refs`` moved


@dataclass(frozen=True, kw_only=True)
class Restored:
    """What became of one branch ``restore_stacked`` was asked to put back."""

    ref: str
    restored: bool  # put back at its original commit
    now: str | None  # where it is afterwards ("" or None: the branch is gone; None: it was not there to start)
    kept: str = ""  # the backup of the commit it replaced ("" when none was kept)


def save_backup(git: Git, branch: str, sha: str, why: str) -> str:
    """Create a new backup ref of ``branch`` at ``sha`` and return its name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for attempt in range(100):
        ref = f"{PREFIX}{branch}/{stamp}" + (f"-{attempt}" if attempt else "")
        if git.update_ref(ref, sha, ZERO, f"align backup of refs/heads/{branch} {why}"):
            return ref
    raise AlignError(f"cannot create a backup ref for {branch!r}", hint="`align backups prune` removes old ones")


def restore_branch(git: Git, ref: str, to: str, expected: str, why: str) -> bool:
    """Move branch ``ref`` to ``to`` only if it is at ``expected`` (compare-and-swap, reflog message ``why``);
    a checked-out branch's working tree follows it. Return False when the branch was elsewhere.

    The caller makes sure the working tree is clean when the branch is checked out.
    """
    head = git.run("symbolic-ref", "--quiet", "HEAD", ok=(0, 1)).stdout.strip()
    if head != ref:
        return git.update_ref(ref, to, expected, why)
    git.run("checkout", "--quiet", "--detach")  # so the branch can move without leaving the tree behind
    moved = git.update_ref(ref, to, expected, why)
    git.run("switch", "--quiet", "--no-guess", "--end-of-options", ref.removeprefix("refs/heads/"))
    return moved


def replace_branch(git: Git, ref: str, to: str, expected: str, why: str, *, backup_why: str) -> str | None:
    """Keep branch ``ref``'s commit ``expected`` as a backup, then ``restore_branch`` it to ``to``; return the
    backup's name, or None when the branch had moved (the backup is then removed again: nothing changed)."""
    kept = save_backup(git, ref.removeprefix("refs/heads/"), expected, backup_why)
    if restore_branch(git, ref, to, expected, why):
        return kept
    git.delete_refs({kept: expected}, f"{why}: the branch moved meanwhile")
    return None


def restore_stacked(
    git: Git,
    original: Mapping[str, str],
    left: Mapping[str, str],
    why: str,
    *,
    rewritten: bool = False,
    backup_why: str = "",
) -> list[Restored]:
    """Put back the other branches ``update_refs`` moved: each branch of ``original`` (ref -> its commit before
    the run) not there any more goes back, by compare-and-swap, if it is still where the run left it
    (``left``), or (``rewritten``) its last reflog entry is the rebase's move to where it is.

    Args:
        backup_why: when given, what each branch replaces is kept as a backup first (removed again when the
            branch had moved meanwhile).

    Returns:
        one ``Restored`` per branch not already at its original commit, in the order of ``original``.
    """
    if not original:
        return []
    current = {name: found.sha for name, found in git.refs(*original).items()}
    results = []
    for ref, sha in original.items():
        now = current.get(ref)
        if now == sha:
            continue
        ours = now is not None and now == left.get(ref)
        if not ours and rewritten and now is not None:
            ours = git.last_reflog(ref) == (now, REWRITTEN)
        if not ours or now is None:
            results.append(Restored(ref=ref, restored=False, now=now))
            continue
        kept = save_backup(git, ref.removeprefix("refs/heads/"), now, backup_why) if backup_why else ""
        if git.update_ref(ref, sha, now, why):
            results.append(Restored(ref=ref, restored=True, now=sha, kept=kept))
            continue
        if kept:
            git.delete_refs({kept: now}, f"{why}: the branch moved meanwhile")
        results.append(Restored(ref=ref, restored=False, now=git.commit_of(ref) or ""))
    return results
