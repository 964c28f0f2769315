"""``align undo [BRANCH]``: put a branch back where it was before its last alignment."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from align.errors import Refusal
from align.git import Git, Location
from align.journal import Journal
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
    check_branch_name(git, branch)
    with store.lock(f"undo {branch}"):
        if store.journal() is not None:
            raise Refusal("an align run is in progress", hint="finish it first: `align continue` or `align abort`")
        runs = list(store.past_runs())
        batch = _last_batch(store, runs) if args.branch is None else ()
        if batch:  # `align undo` after a command given several branches: each branch of it
            return _undo_batch(git, location, store, batch, force=args.force)
        # the last run that changed the branch (not an up-to-date one)
        changed = (run for run in reversed(runs) if run["branch"] == branch and run["status"] in UNDOABLE_STATUSES)
        last = next(changed, None)
        journal = store.past_journal(last["run_id"]) if last else None
        if journal is None or not journal.new_tip:
            raise Refusal(f"no alignment of {branch!r} to undo", hint="`align backups list` shows every backup")
        for line in restore(git, location, journal, force=args.force):
            print(line)
    return 0


def restore(git: Git, location: Location, journal: Journal, *, force: bool) -> list[str]:
    """Put a finished run's branch back at its pre-run tip by compare-and-swap, keeping what it replaces;
    refuse (``Refusal``) when the branch moved since (unless ``force``) or cannot move. Returns what it did."""
    branch, ref = journal.run.branch, journal.run.ref
    current = git.commit_of(ref) or ""
    if current == journal.run.original_tip:
        return [f"{branch} is already at its pre-run tip {current[:12]}; nothing to undo"]
    if current != journal.new_tip and not force:
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
    return [
        f"{branch} restored to {journal.run.original_tip[:12]} (from {journal.backup_ref}; was {current[:12]})",
        f"what it replaced is kept as {kept}; `align backups restore {branch}` brings it back",
        *stacked,
    ]


def _last_batch(store: Store, runs: list[dict[str, Any]]) -> tuple[str, ...]:
    """Return the run ids of the last command when it was given several branches, else ()."""
    journal = store.past_journal(runs[-1]["run_id"]) if runs else None
    return journal.run.batch if journal is not None else ()


def _undo_batch(git: Git, location: Location, store: Store, batch: tuple[str, ...], *, force: bool) -> int:
    """Undo every run of a batch that changed its branch; a branch that moved since is refused by name."""
    codes = [0]
    for run_id in batch:
        journal = store.past_journal(run_id)
        if journal is None or journal.status not in UNDOABLE_STATUSES or not journal.new_tip:
            continue
        try:
            lines = restore(git, location, journal, force=force)
        except Refusal as refused:
            lines = [f"{journal.run.branch}: not undone: {refused.one_line()}"]
            codes.append(refused.exit_code)
        for line in lines:
            print(line)
    return max(codes)


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
