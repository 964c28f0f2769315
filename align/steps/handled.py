"""What the user did with git's own commands while align was paused at a conflict.

During a pause the user may run ``git rebase --continue``, ``--skip``, ``--abort`` or ``--quit`` (or
``git merge --abort``, ``git commit``) instead of align's commands. align respects that choice: a
commit the user skipped with git is reported as skipped by the user (not lost), one they resolved
with git as resolved, and a rebase they ended with git is not continued.
"""

from __future__ import annotations

from align.engine import Context
from align.steps import conflict

# The fields that tell which original commit a rebased one was made from: git keeps them on a pick.
_IDENTITY = "%H%x00%an%x00%ae%x00%at%x00%s"


def settle_pending(context: Context, *, merging: bool) -> None:
    """Record what became of the commit align paused at, when the user went past it with git."""
    journal = context.journal
    pending = journal.conflicts[-1] if journal.conflicts and journal.conflicts[-1].resolution == "pending" else None
    if pending is None:
        return
    rebasing = (context.git_dir / "rebase-merge").exists()
    here = conflict.current_commit(context)["commit"] if rebasing or merging else ""
    if here and pending.commit not in ("", "?") and here.startswith(pending.commit):
        return  # still stopped at the same commit: nothing was done with git
    if merging:
        if (context.git_dir / "MERGE_HEAD").exists():
            return
        moved = context.git.commit_of(journal.ref) != journal.original_tip
        pending.resolution = "resolved by the user (with git)" if moved else "aborted by the user (with git)"
        context.save()
        return
    if not rebasing and context.git.commit_of(journal.ref) == journal.original_tip:
        pending.resolution = "aborted by the user (with git)"  # `git rebase --abort` or `--quit`
        context.save()
        return
    original = _original(context, pending.commit)
    if original is None:
        return
    if _rewritten(context, original):
        pending.resolution = "resolved by the user (with git)"
    else:
        pending.resolution = "skipped by the user (with git)"
        sha, _, _, _, subject = original
        journal.dropped.append(
            {"commit": sha, "short": pending.commit, "subject": subject, "reason": "skipped by the user (with git)"}
        )
    if rebasing:
        files = context.git.unmerged()
        if files:  # git stopped again, at another commit
            conflict.record(context, files)
    context.save()


def unchanged_detail(context: Context) -> str:
    """Say why the branch did not change when align expected a rebase or merge to have moved it."""
    ended = any(item.resolution == "aborted by the user (with git)" for item in context.journal.conflicts)
    if ended:
        return (
            "the rebase (or merge) was ended with git during the pause (`git rebase --abort` or `--quit`): "
            "there is nothing left to continue"
        )
    return "the branch did not change (was git's rebase aborted by hand?)"


def _original(context: Context, short: str) -> tuple[str, ...] | None:
    """Return the identity fields of the branch's original commit whose sha starts with ``short``."""
    journal = context.journal
    listed = context.git.run("log", f"--format={_IDENTITY}", f"{journal.onto_sha}..{journal.original_tip}", "--")
    for line in listed.stdout.splitlines():
        fields = tuple(line.split("\0"))
        if short and fields[0].startswith(short):
            return fields
    return None


def _rewritten(context: Context, original: tuple[str, ...]) -> bool:
    """Tell whether the new history (onto..HEAD) has a commit made from ``original`` (same author, date, subject)."""
    listed = context.git.run("log", f"--format={_IDENTITY}", f"{context.journal.onto_sha}..HEAD", "--", ok=(0, 128))
    return any(tuple(line.split("\0"))[1:] == original[1:] for line in listed.stdout.splitlines())
