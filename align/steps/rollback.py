"""Roll back: stop what align started, put the branch back (compare-and-swap), HEAD, the stash."""

from __future__ import annotations

from align.context import Context
from align.errors import AlignError
from align.invocation import command
from align.plan import NO_SUBMODULES
from align.refs import restore_branch, restore_stacked
from align.steps import carry, elsewhere, recover, stale, stash


def restore(context: Context) -> str:
    """Undo the run so far; return a sentence saying what was restored (or why the branch was not)."""
    git, journal = context.git, context.journal
    stale.clear_locks(context)  # left by a git process align stopped (an interruption), if unchanged since
    elsewhere.remove(context)  # the temporary worktree of a validation a kill stopped
    stash.take_back(
        git, journal, record=context.save
    )  # the user's work, if it was being applied back, goes back into align's stash
    if journal.started_rebase or "rebase" in journal.done or journal.found.conflicts:
        operation = git.operation_in_progress()
        if operation is None and git.unmerged():
            # The user ended the rebase with `git rebase --quit` during a pause: the conflicted tree is
            # align's half-done work (the user's own is in align's stash). Drop the conflict as
            # `rebase --abort` would, keeping any other change made since for the leftovers stash.
            git.run(*NO_SUBMODULES, "reset", "--quiet", "--merge")
        if operation == "a merge":
            git.run(*NO_SUBMODULES, "merge", "--abort")
        elif operation is not None and operation.startswith("a rebase"):
            if git.commit_of(journal.run.ref) == journal.run.original_tip:
                abort_rebase(context)
            else:
                # Someone moved the branch meanwhile: `rebase --abort` would reset it. Quit instead and
                # drop align's half-done tree (the user's own work is in align's stash).
                recover.quit_rebase(context)
                git.run(*NO_SUBMODULES, "reset", "--quiet", "--hard")
    stale.clear_half_done(context)
    recover.tidy(context)  # what a checkout that failed half-way (a full disk) left in the working tree
    carry.back(context)  # the user's work carried by the memory engine: make sure it can follow the branch back
    moved = _restore_branch(context)
    _restore_stacked(context)
    put_head_back(context)
    restored = stash.restore(git, journal, record=context.save)
    journal.started_rebase = False
    context.save()
    return f"{moved}; {restored}" if restored else moved


def settle(context: Context) -> None:
    """After a successful run: put HEAD back and restore the uncommitted work."""
    put_head_back(context)
    restored = stash.restore(context.git, context.journal, record=context.save)
    if restored:
        context.monitor.note(restored)


def abort_rebase(context: Context) -> None:
    """``git rebase --abort``, or what it would do when git cannot:

    - git's rebase state is half-written (a kill while git set it up, a full disk): quit it and check
      the branch out from what the journal knows (``recover.abort_rebase``);
    - git was stopped after writing files but before its index, and those files block the abort
      ("untracked files would be overwritten"): remove the ones identical to the pre-run tip's (the
      abort writes the same bytes back) and abort again; when only files whose bytes are (the start
      of) the run's own are still in the way (a checkout cut short by a full disk), do it from the journal;
    - anything else in the way (a lock another process holds, a file of the user's) is named, never
      removed: the run stays as it is until the user moves it and runs ``align abort`` again.
    """
    git, journal = context.git, context.journal
    if recover.broken_rebase(context):
        recover.abort_rebase(context)
        return
    if git.run(*NO_SUBMODULES, "rebase", "--abort", ok=(0, 1, 128)).code == 0:
        return
    stale.clear_rewritten(context, journal.run.original_tip)
    retried = git.run(*NO_SUBMODULES, "rebase", "--abort", ok=(0, 1, 128))
    if retried.code != 0:
        blocking = stale.in_the_way(context, journal.run.original_tip)
        if not any(name.endswith(".lock") for name in blocking) and not recover.foreign(context, blocking):
            recover.abort_rebase(context)  # only the run's own bytes are in the way (a checkout cut short)
            return
        blocking = [name for name in blocking if name.endswith(".lock")] + recover.foreign(context, blocking)
        said = retried.stderr.strip().splitlines()[-1] if retried.stderr.strip() else "git rebase --abort failed"
        raise AlignError(
            f"git cannot abort the rebase ({said})" + (f": in the way: {', '.join(blocking[:10])}" if blocking else ""),
            hint="these are not align's (a lock another git process holds, files whose bytes differ from the "
            f"branch's): wait for that process or move the files aside, then run `{command('abort')}` again",
        )


def put_head_back(context: Context) -> None:
    """Check out what was checked out before the run (a branch, or the detached commit)."""
    git, journal = context.git, context.journal
    stale.clear_locks(context)
    head = git.run("symbolic-ref", "--quiet", "HEAD", ok=(0, 1)).stdout.strip()
    if journal.run.original_head.startswith("refs/heads/"):
        if head != journal.run.original_head:
            branch = journal.run.original_head.removeprefix("refs/heads/")
            git.run(*NO_SUBMODULES, "switch", "--quiet", "--no-guess", "--end-of-options", branch)
    elif head or git.commit_of("HEAD") != journal.run.original_head:
        git.run(*NO_SUBMODULES, "switch", "--quiet", "--detach", "--end-of-options", journal.run.original_head)


def _restore_branch(context: Context) -> str:
    """Move the branch back to its pre-run tip, only if align is the one who moved it."""
    git, journal = context.git, context.journal
    current = git.commit_of(journal.run.ref) or ""
    if current == journal.run.original_tip:
        _keep_leftovers(context)
        return f"{journal.run.branch} is at {journal.run.original_tip[:12]} as before the run"
    ours = current == journal.new_tip or _moved_by_this_run(context, current)
    if not ours:
        head = git.run("symbolic-ref", "--quiet", "HEAD", ok=(0, 1)).stdout.strip()
        if head == journal.run.ref and journal.new_tip:
            # The index and tree hold align's result: detach there (files untouched) before HEAD moves on.
            git.run("update-ref", "--no-deref", "-m", f"align {journal.run.run_id}: detach", "HEAD", journal.new_tip)
        _keep_leftovers(context)
        journal.branch_restored = False
        context.warnings.append(
            f"{journal.run.branch} was moved by someone else during the run (now {current[:12]}); align left it there. "
            f"The pre-run tip is kept at {journal.backup_ref or journal.run.original_tip}; "
            f"compare with `git log {journal.run.original_tip[:12]}..{current[:12]}`"
        )
        return f"{journal.run.branch} not restored: it moved to {current[:12]} outside align"
    _keep_leftovers(context)
    message = f"align {journal.run.run_id}: rollback to the pre-run tip"
    if not restore_branch(git, journal.run.ref, journal.run.original_tip, current, message):
        journal.branch_restored = False
        context.warnings.append(f"{journal.run.branch} moved while align was restoring it; align left it there")
        return f"{journal.run.branch} not restored: it moved during the rollback"
    journal.new_tip = ""
    return f"{journal.run.branch} restored to {journal.run.original_tip[:12]}"


def _moved_by_this_run(context: Context, current: str) -> bool:
    """Tell whether this run's rebase or merge made ``current`` (after a kill before the journal said so)."""
    git, journal = context.git, context.journal
    last = git.last_reflog(journal.run.ref)
    if last is not None and last[0] == current and last[1].startswith(f"align {journal.run.run_id} (finish)"):
        return True  # git rebase's last ref update, named by GIT_REFLOG_ACTION
    if _finished_by_hand(context, current):
        return True
    parents = git.run("log", "-n1", "--format=%P", current, "--").stdout.split()
    return bool(journal.onto_sha) and parents == [journal.run.original_tip, journal.onto_sha]  # align's merge


def _finished_by_hand(context: Context, current: str) -> bool:
    """Tell whether the user finished this run's rebase with git during a pause (``git rebase --continue``
    or ``--skip``): the branch's last move is git's rebase finishing onto this run's target, from the
    pre-run tip."""
    git, journal = context.git, context.journal
    if not journal.onto_sha:
        return False
    listed = git.run("log", "-g", "-n2", "--format=%H%x00%gs", journal.run.ref, "--", ok=(0, 128)).stdout.splitlines()
    entries = [tuple(line.split("\0", 1)) for line in listed if "\0" in line]
    finish = f"rebase (finish): {journal.run.ref} onto {journal.onto_sha}"
    return (
        len(entries) == 2
        and entries[0] == (current, finish)
        and entries[1][0] == journal.run.original_tip
        and bool(journal.found.conflicts)
    )


def _keep_leftovers(context: Context) -> None:
    """Move what the run itself left in the working tree (a validate command, a hook) out of the way, so
    HEAD can move: into ``refs/align/leftovers/<run_id>``, never into the user's stash list.

    The user's own uncommitted work is in align's stash by then; before the rebase started there is
    nothing of the run's in the tree, and nothing is touched.
    """
    journal = context.journal
    if journal.engine == "memory" and (not journal.tree_moved or journal.carried):  # the user's work is in it
        return
    if journal.started_rebase or "rebase" in journal.done:
        stash.keep_leftovers(context.git, journal, "what the run changed in the working tree (by validate or a hook)")


def _restore_stacked(context: Context) -> None:
    """Put back the other branches ``update_refs`` moved, each only if the rebase is what moved it."""
    journal = context.journal
    why = f"align {journal.run.run_id}: rollback (update_refs)"
    for item in restore_stacked(context.git, journal.stacked, journal.stacked_new, why, rewritten=True):
        if item.restored:
            journal.stacked_new[item.ref] = journal.stacked[item.ref]  # where the run leaves it: no move named
        else:
            context.warnings.append(f"{item.ref} moved outside align; left at {(item.now or '')[:12] or 'nothing'}")


def keep_guidance(context: Context) -> list[str]:
    """Return what to tell the user when ``on_fail: keep`` leaves the state as it is."""
    journal = context.journal
    lines = [f"on_fail: keep: align left {journal.run.branch} as the failure found it"]
    if journal.backup_ref:
        lines.append(
            f"  the pre-run tip is saved as {journal.backup_ref} "
            f"(`{command('undo ' + journal.run.branch)}` restores it)"
        )
    if journal.stash:
        lines.append(f"  your uncommitted changes are in {journal.stash_ref} ({journal.stash[:12]})")
    if journal.keep:
        lines.append(f"  their exact bytes (before filters and line-ending conversion) are in {journal.keep['ref']}")
    return lines
