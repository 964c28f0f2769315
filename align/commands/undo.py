"""``align undo [BRANCH]``: put a branch back where it was before its last alignment."""

from __future__ import annotations

import argparse
from pathlib import Path

from align.errors import Refusal
from align.git import Git
from align.plan import check_branch_name, locate, refuse_unmovable
from align.refs import replace_branch, restore_stacked
from align.state import Store
from align.status import RunStatus

UNDOABLE_STATUSES = {status.value for status in RunStatus if status.undoable}


def run(args: argparse.Namespace) -> int:
    """Restore the pre-run tip of the branch's last run from its backup (compare-and-swap)."""
    location = locate(Git(Path.cwd()))
    git = Git(location.root)
    store = Store(location.common_dir)
    if args.branch is None:
        if location.head_ref is None:
            raise Refusal("HEAD is detached: name the branch to undo", hint="`align undo BRANCH`")
        branch = location.head_ref.removeprefix("refs/heads/")
    else:
        branch = args.branch
    ref = check_branch_name(git, branch)
    with store.lock(f"undo {branch}"):
        if store.journal() is not None:
            raise Refusal("an align run is in progress", hint="finish it first: `align continue` or `align abort`")
        runs = reversed(store.past_runs())  # the last run that changed the branch (not an up-to-date one)
        last = next((run for run in runs if run["branch"] == branch and run["status"] in UNDOABLE_STATUSES), None)
        journal = store.past_journal(last["run_id"]) if last else None
        if journal is None or not journal.new_tip:
            raise Refusal(f"no alignment of {branch!r} to undo", hint="`align backups list` shows every backup")
        current = git.commit_of(ref) or ""
        if current == journal.run.original_tip:
            print(f"{branch} is already at its pre-run tip {current[:12]}; nothing to undo")
            return 0
        if current != journal.new_tip and not args.force:
            raise Refusal(
                f"{branch} moved since run {journal.run.run_id} (it is at {current[:12]}, align left it at "
                f"{journal.new_tip[:12]}); undoing would lose those commits",
                hint=f"`align undo {branch} --force` restores anyway (keeping a backup of {current[:12]})",
            )
        refuse_unmovable(git, location, ref, need_clean=True)
        # Every undo keeps what it replaces: the aligned tip may hold the user's conflict resolutions.
        why, backup_why = f"align undo of run {journal.run.run_id}", f"before align undo of run {journal.run.run_id}"
        kept = replace_branch(git, ref, journal.run.original_tip, current, why, backup_why=backup_why)
        if kept is None:
            raise Refusal(f"{branch} moved while undoing; nothing changed", hint="run `align undo` again")
        stacked = _undo_stacked(git, journal.stacked, journal.stacked_new, journal.run.run_id)
    print(f"{branch} restored to {journal.run.original_tip[:12]} (from {journal.backup_ref}; was {current[:12]})")
    print(f"what it replaced is kept as {kept}; `align backups restore {branch}` brings it back")
    for line in stacked:
        print(line)
    return 0


def _undo_stacked(git: Git, original: dict[str, str], new: dict[str, str], run_id: str) -> list[str]:
    """Put back the other branches ``update_refs`` moved, each only if it is still where the run left it."""
    before = {ref: original[ref] for ref in new}  # the branches the run moved (or left in place)
    why, backup_why = f"align undo of run {run_id}", f"before align undo of run {run_id}"
    lines = []
    for item in restore_stacked(git, before, new, why, backup_why=backup_why):
        name = item.ref.removeprefix("refs/heads/")
        if item.restored:
            lines.append(
                f"{name} restored to {before[item.ref][:12]} (update_refs); what it replaced is kept as {item.kept}"
            )
        elif item.now != before[item.ref]:
            lines.append(
                f"{name} moved since the run; left at {(item.now if item.now is not None else 'nothing')[:12]}"
            )
    return lines
