"""``align undo [BRANCH]``: put a branch back where it was before its last alignment."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from align.commands.runs import restore
from align.errors import Refusal
from align.git import Git, Location
from align.plan import check_branch_name, locate
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
