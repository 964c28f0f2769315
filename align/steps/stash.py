"""align's own stash: the user's uncommitted work, found again by object id, never by position.

The stash commit is made with ``git stash push --include-untracked`` (so staged, unstaged and
untracked files are all kept), then taken out of the user's stash list and held by
``refs/align/stash/<run_id>`` until it is applied back with ``--index``.
"""

from __future__ import annotations

from align.engine import Context
from align.git import ZERO


def save(context: Context) -> bool:
    """Stash uncommitted work if there is any; return whether there was."""
    git, journal = context.git, context.journal
    if not git.changes():
        return False
    message = f"align {journal.run_id}: uncommitted changes on {journal.original_head}"
    git.run("stash", "push", "--quiet", "--include-untracked", "--message", message)
    entries = _stash_list(context)
    oid = _find_unrecorded(context, entries)
    journal.stash, journal.stash_ref = oid, f"refs/align/stash/{journal.run_id}"
    git.update_ref(journal.stash_ref, oid, ZERO, message)
    context.save()
    _drop_from_list(context, oid, entries)
    return True


def restore(context: Context) -> str:
    """Apply align's stash back exactly (index and working tree); return what happened."""
    git, journal = context.git, context.journal
    if not journal.stash:
        if "rebase" in journal.done or journal.step != "rebase":
            return ""
        journal.stash = _find_unrecorded(context, _stash_list(context))
        if not journal.stash:
            return ""
    oid = journal.stash
    _drop_from_list(context, oid, _stash_list(context))  # in case a kill came before align took it out
    applied = git.run("stash", "apply", "--quiet", "--index", oid, ok=(0, 1, 128))
    if applied.code == 0:
        if journal.stash_ref:
            git.delete_refs({journal.stash_ref: oid}, f"align {journal.run_id}: stash applied")
        journal.stash = journal.stash_ref = ""
        context.save()
        return "uncommitted changes restored"
    git.run("stash", "store", "--quiet", "--message", f"align {journal.run_id}: uncommitted changes", oid)
    if journal.stash_ref:
        git.delete_refs({journal.stash_ref: oid}, f"align {journal.run_id}: stash kept in the stash list")
    context.warnings.append(
        f"your uncommitted changes conflict with the new {journal.branch}: `git status` shows the conflicts left "
        f"in the working tree; your changes are also safe in the stash as {oid[:12]} (stash@{{0}}), "
        "so `git reset --hard && git stash pop --index` starts over"
    )
    journal.stash = journal.stash_ref = ""
    context.save()
    return f"uncommitted changes kept in the stash as {oid[:12]}"


def _stash_list(context: Context) -> list[tuple[str, str]]:
    """Return the stash list as (object id, message), newest first."""
    listed = context.git.run("log", "-g", "--format=%H%x00%gs", "refs/stash", "--", ok=(0, 128)).stdout
    return [(sha, text) for sha, _, text in (line.partition("\0") for line in listed.splitlines())]


def _drop_from_list(context: Context, oid: str, entries: list[tuple[str, str]]) -> None:
    """Remove the stash entry whose object id is ``oid`` from the user's stash list."""
    git = context.git
    position = next((index for index, (sha, _) in enumerate(entries) if sha == oid), None)
    if position is None:
        return
    dropped = git.run("stash", "drop", f"stash@{{{position}}}").stdout
    if oid not in dropped:  # another tool pushed a stash in between: put back the one dropped by mistake
        sha = dropped.rsplit("(", 1)[-1].rstrip(")\n ")
        message = next((text for found, text in entries if found.startswith(sha)), "restored by align")
        git.run("stash", "store", "--quiet", "--message", message, sha)


def _find_unrecorded(context: Context, entries: list[tuple[str, str]]) -> str:
    """Find this run's stash in the stash list by its message (after a push, or a kill right after one)."""
    marker = f"align {context.journal.run_id}:"
    return next((sha for sha, text in entries if marker in text), "")
