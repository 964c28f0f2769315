"""``align status``: what is in progress, who holds the lock, how the last run ended."""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

from align import batch, invocation
from align.errors import Refusal
from align.git import Git, Location
from align.journal import Journal
from align.plan import locate
from align.recipe import model
from align.state import Store
from align.steps import handled


def run(args: argparse.Namespace) -> int:
    """Print the run in progress (if any), the lock holder and the last finished run."""
    location = locate(Git(Path.cwd()))
    store = Store(location.common_dir)
    holder = store.lock_holder()
    journal = store.journal()
    if journal is not None and journal.run.invoked_as:
        invocation.use(journal.run.invoked_as)
    say = invocation.command
    if holder is not None:  # only while a process holds it: a killed run leaves no lock
        print(f"lock: pid {holder.pid or '?'} `align {holder.command}` since {holder.started_at}, running")
    if journal is not None:
        journal, finished, ended = _with_git(journal, location, busy=holder is not None)
        print(
            f"in progress: run {journal.run.run_id} on {journal.run.branch} onto {journal.run.onto}: {journal.status}"
        )
        print(f"  step: {journal.step}; done: {', '.join(journal.done) or 'nothing yet'}")
        if journal.status == "error" and journal.message:
            print(f"  why: {journal.message}")
        elif journal.status == "running" and holder is None:
            print("  stopped: no align process is running it (killed, or its journal could not be written)")
        if journal.backup_ref:
            print(f"  backup: {journal.backup_ref}")
        if journal.stash:
            print(f"  your uncommitted changes: {journal.stash_ref} ({journal.stash[:12]})")
        for conflict in journal.found.conflicts:
            files = ", ".join(f"{path} ({kind})" for path, kind in conflict.files)
            print(f"  conflict {conflict.commit} {conflict.subject}: {files} [{conflict.resolution}]")
        for item in journal.found.dropped:
            print(f"  dropped {item.short} {item.subject} ({item.reason})")
        if ended:
            print(f"  {ended}: `{say('abort')}` puts the rest back")
        elif finished:
            print(f"  git finished the rebase: `{say('continue')}` checks and finishes the run")
        if holder is not None:
            print(f"  next: wait for pid {holder.pid or '?'} to finish")
        elif ended:
            print(f"  next: `{say('abort')}`")
        elif finished:  # nothing left to skip
            print(f"  next: `{say('continue')}` or `{say('abort')}`")
        elif journal.status in ("paused", "interrupted", "running", "error"):
            print(f"  next: `{say('continue')}`, `{say('skip')}` or `{say('abort')}`")
    if not _batch(store, stopped=journal is None and holder is None) and journal is None and holder is None:
        print("nothing in progress")
    runs = store.past_runs()
    if runs:
        last = runs[-1]
        print(
            f"last run: {last['run_id']} on {last['branch']}: {last['status']} "
            f"(exit {last['exit_code']}, {last['duration_s']:.2f} s)"
        )
    return 0


def _batch(store: Store, *, stopped: bool) -> bool:
    """Print the batch waiting, if any (``stopped``: between two runs); say whether there was one."""
    try:
        waiting = batch.load(store)
    except Refusal as unreadable:
        print(f"batch: {unreadable.one_line()}")
        return False
    if waiting is None:
        return False
    states = ", ".join(f"{entry.branch} ({entry.status.replace('_', ' ')})" for entry in waiting.entries)
    print(f"batch: {states}")
    if stopped:
        pending, back = invocation.command("continue"), invocation.command("abort")
        print(f"  next: `{pending}` aligns the pending branches, `{back}` puts back the aligned ones")
    return True


def _with_git(journal: Journal, location: Location, *, busy: bool) -> tuple[Journal, bool, str]:
    """Return a copy of the paused run's journal with what the user did with git since (nothing written),
    whether git's rebase or merge has ended meanwhile, and how the user ended it with git ("" if not)."""
    if busy or journal.status != "paused" or not journal.started_rebase or "rebase" in journal.done:
        return journal, False, ""
    git = Git.at(location)
    merging = any(step.strategy == "merge" for step in journal.run.recipe.steps if isinstance(step, model.Rebase))
    seen = copy.deepcopy(journal)
    handled.settle(git, seen, merging=merging)
    now = git.progress()
    ongoing = now.merging if merging else now.rebasing
    finished = not ongoing and git.commit_of(journal.run.ref) != journal.run.original_tip
    return seen, finished, "" if ongoing else handled.ended_with_git(git, seen, merging=merging)
