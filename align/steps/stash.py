"""align's own stash: the user's uncommitted work, found again by object id, never by position.

The stash commit is made with ``git stash push --include-untracked`` (so staged, unstaged and
untracked files are all kept), then taken out of the user's stash list and held by
``refs/align/stash/<run_id>`` until it is applied back with ``--index``. The raw bytes of the same
paths are kept beside it (``steps/keep.py``) and win wherever the stash's round trip through git's
filters would change them. Every write to the stash list that align makes is in this module.

Each step is recorded in the journal before the next one starts, so a run killed after any git call
finds its stash again: right after the push by its message, during the apply by ``restoring``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from align.errors import AlignError
from align.git import ZERO, Git
from align.journal import Journal
from align.steps import keep

Record = Callable[[], None]  # writes the journal (the engine's ``Context.save``)


def save(git: Git, journal: Journal, head: str, at_risk: Sequence[str] = (), *, record: Record) -> bool:
    """Stash uncommitted work if there is any (keeping its raw bytes, and those of ``at_risk`` tracked
    files, aside first, as they are with HEAD at commit ``head``); return whether there was."""
    entries: list[tuple[str, str]] = []
    if not journal.stash:
        entries = _stash_list(git)
        oid = _find_unrecorded(journal, entries)  # a run killed right after its push finds it here
        if oid:  # ... or during it: what the push had not cleaned up yet is in the stash
            _clear_copy(git, journal, oid, "the working tree as an interrupted stash left it")
        if not oid:
            changes = git.changes()
            paths = [entry[3:] for entry in changes] + list(at_risk)
            keep.save(git, journal, paths, head=head, empty_dirs=bool(changes), record=record)
            if not changes:
                return False
            message = f"{_marker(journal)} on {journal.run.original_head}"
            git.run("stash", "push", "--quiet", "--include-untracked", "--message", message)
            entries = _stash_list(git)
            oid = _find_unrecorded(journal, entries)
        journal.stash, journal.stash_ref = oid, f"refs/align/stash/{journal.run.run_id}"
        record()
    _hold(git, journal, journal.stash, entries or _stash_list(git))
    return True


def restore(git: Git, journal: Journal, *, record: Record) -> str:
    """Apply align's stash back exactly (index and working tree, raw bytes); return what happened."""
    if not journal.stash:
        journal.stash = _find_unrecorded(journal, _stash_list(git))  # killed right after the push
        journal.stash_ref = f"refs/align/stash/{journal.run.run_id}" if journal.stash else ""
    oid = journal.stash
    if not oid:
        rewritten = keep.restore(git, journal)
        keep.forget(git, journal, record=record)
        return f"{rewritten} file(s) given their own bytes back" if rewritten else ""
    if journal.restoring != "applied":
        take_back(git, journal, record=record)  # a kill during an earlier apply: start it again from a clean tree
        _drop_from_list(git, oid, _stash_list(git))  # in case a kill came before align took it out
        journal.restoring, journal.restore_clean = "applying", not git.changes()
        record()
        applied = git.run("stash", "apply", "--quiet", "--index", oid, ok=(0, 1, 128))
        if applied.code != 0:
            return _conflicted(git, journal, oid, record=record)
        journal.restoring = "applied"
        record()
    keep.restore(git, journal)
    _release(git, journal, oid, record=record)
    return "uncommitted changes restored"


def take_back(git: Git, journal: Journal, *, record: Record) -> None:
    """Undo an apply of align's stash that a kill interrupted (or that a rollback must undo), so the
    stash can be applied again: what the apply wrote is copied out of the tree first, and dropped
    only when every path it holds is one the stash (or the raw keep) holds too."""
    if not journal.restoring or not journal.stash:
        return
    journal.restoring = ""
    record()
    why = "the working tree as an interrupted restore of your changes left it"
    _clear_copy(git, journal, journal.stash, why, drop=journal.restore_clean)


def _clear_copy(git: Git, journal: Journal, oid: str, why: str, *, drop: bool = True) -> None:
    """Move a (maybe partial) copy of stash ``oid`` out of the working tree; forget it when ``drop`` and
    every path it holds is one the stash (or the raw keep) holds too, else keep it and say so."""
    held = keep_leftovers(git, journal, why, quiet=True)  # nothing in the tree: nothing to do
    if not held:
        return
    ours = _paths_of(git, oid) | {entry[0] for entry in journal.keep.get("files", [])}
    if drop and _paths_of(git, held) <= ours:
        git.run("update-ref", "-d", _leftovers_ref(journal), held)
    else:
        _warn_leftovers(journal, why)


def keep_leftovers(git: Git, journal: Journal, why: str, *, quiet: bool = False) -> str:
    """Move what is in the working tree now out of the way (so HEAD can move) into
    ``refs/align/leftovers/<run_id>``, never into the user's stash list; return its object id."""
    if not git.changes():
        return ""
    message = f"align-leftovers {journal.run.run_id}: {why}"
    git.run("stash", "push", "--quiet", "--include-untracked", "--message", message)
    entries = _stash_list(git)
    oid = next((sha for sha, text in entries if message in text), "")
    if not oid:
        return ""
    git.run("update-ref", "-m", message, _leftovers_ref(journal), oid)
    _drop_from_list(git, oid, entries)
    if not quiet:
        _warn_leftovers(journal, why)
    return oid


def push_aside(git: Git, message: str, paths: Sequence[str]) -> None:
    """Push ``paths`` (untracked files, taken literally) onto the user's stash list as an entry of its own,
    with ``message``: kept for the user where ``git stash list`` shows them."""
    argv = ("stash", "push", "--quiet", "--include-untracked", "--message", message, "--", *paths)
    git.run("--literal-pathspecs", *argv)


def _warn_leftovers(journal: Journal, why: str) -> None:
    ref = _leftovers_ref(journal)
    journal.found.warnings.append(
        f"{why} is kept as {ref} (not in your stash list): `git stash apply {ref}` brings it back, "
        f"`git update-ref -d {ref}` drops it"
    )


def _leftovers_ref(journal: Journal) -> str:
    return f"refs/align/leftovers/{journal.run.run_id}"


def _conflicted(git: Git, journal: Journal, oid: str, *, record: Record) -> str:
    """The work does not apply cleanly to the new branch: keep it in the stash list, say how to redo it."""
    git.run("stash", "store", "--quiet", "--message", f"align {journal.run.run_id}: your uncommitted changes", oid)
    keep_note = ""
    if journal.keep:
        keep_note = f"; their raw bytes are also kept as {journal.keep['ref']}"
        journal.keep = {}  # the ref stays for the user
    if journal.stash_ref:
        _delete_ref(git, journal.stash_ref, oid)
    journal.found.warnings.append(
        f"your uncommitted changes conflict with the new {journal.run.branch}: `git status` shows the conflicts left "
        f"in the working tree; your changes are also safe in the stash as {oid[:12]} (stash@{{0}}), "
        f"so `git reset --hard && git stash pop --index` starts over{keep_note}"
    )
    journal.stash = journal.stash_ref = journal.restoring = ""
    record()
    return f"uncommitted changes kept in the stash as {oid[:12]}"


def _release(git: Git, journal: Journal, oid: str, *, record: Record) -> None:
    """The work is back: drop align's refs to the stash and the raw bytes, then forget both in one journal
    write (a run killed before it still knows the work is in the tree, and where it came from)."""
    if journal.stash_ref:
        _delete_ref(git, journal.stash_ref, oid)
    keep.forget(git, journal, record=None)
    journal.stash = journal.stash_ref = journal.restoring = ""
    record()


def _hold(git: Git, journal: Journal, oid: str, entries: list[tuple[str, str]]) -> None:
    """Hold the stash by align's ref (made if missing) and take it out of the user's stash list."""
    # Made unless it is there already (a resumed run); a ref held by anything else stops the run.
    if not git.update_ref(journal.stash_ref, oid, ZERO, f"{_marker(journal)} (held by align)"):
        held = git.refs(journal.stash_ref).get(journal.stash_ref)
        if held is None or held.sha != oid:
            raise AlignError(f"{journal.stash_ref} holds something else than this run's stash {oid[:12]}")
    _drop_from_list(git, oid, entries)


def _delete_ref(git: Git, ref: str, oid: str) -> None:
    """Delete ``ref`` if it still points at ``oid`` (gone already, after a kill: nothing to do)."""
    git.run("update-ref", "-d", ref, oid, ok=(0, 1, 128))


def _paths_of(git: Git, oid: str) -> set[str]:
    """Return the paths a stash commit holds: changed in its index or tree, or untracked."""
    paths: set[str] = set()
    for other in (f"{oid}^2", oid):
        listed = git.run("diff", "--name-only", "-z", "--no-renames", f"{oid}^1", other, "--", ok=(0, 128))
        paths.update(path for path in listed.stdout.split("\0") if path)
    untracked = git.run("ls-tree", "-r", "-z", "--name-only", f"{oid}^3", "--", ok=(0, 128))
    paths.update(path for path in untracked.stdout.split("\0") if path and untracked.code == 0)
    return paths


def _marker(journal: Journal) -> str:
    return f"align {journal.run.run_id}: uncommitted changes"


def _stash_list(git: Git) -> list[tuple[str, str]]:
    """Return the stash list as (object id, message), newest first."""
    listed = git.run("log", "-g", "--format=%H%x00%gs", "refs/stash", "--", ok=(0, 128)).stdout
    return [(sha, text) for sha, _, text in (line.partition("\0") for line in listed.splitlines())]


def _drop_from_list(git: Git, oid: str, entries: list[tuple[str, str]]) -> None:
    """Remove the stash entry whose object id is ``oid`` from the user's stash list."""
    position = next((index for index, (sha, _) in enumerate(entries) if sha == oid), None)
    if position is None:
        return
    dropped = git.run("stash", "drop", f"stash@{{{position}}}").stdout
    if oid not in dropped:  # another tool pushed a stash in between: put back the one dropped by mistake
        sha = dropped.rsplit("(", 1)[-1].rstrip(")\n ")
        message = next((text for found, text in entries if found.startswith(sha)), "restored by align")
        git.run("stash", "store", "--quiet", "--message", message, sha)


def finish_drop(git: Git, journal: Journal) -> None:
    """Finish a ``git stash drop`` of align's entry that a signal stopped between rewriting the stash list and
    moving ``refs/stash``: the ref still names align's stash, which the list no longer holds. git's own way
    (``reflog expire --updateref``: the ref set to the list's top, no entry added), or the ref deleted when
    the list is empty (as ``git stash drop`` does)."""
    if not journal.stash or git.commit_of("refs/stash") != journal.stash:
        return
    entries = _stash_list(git)
    if entries and entries[0][0] == journal.stash:
        return  # still in the list: dropped as usual
    if entries:
        git.run("reflog", "expire", "--expire=never", "--expire-unreachable=never", "--updateref", "refs/stash")
    else:
        _delete_ref(git, "refs/stash", journal.stash)


def _find_unrecorded(journal: Journal, entries: list[tuple[str, str]]) -> str:
    """Find this run's stash in the stash list by its message (after a push, or a kill right after one)."""
    marker = f"{_marker(journal)} on "
    return next((sha for sha, text in entries if marker in text), "")
