"""``align continue | skip | abort``: finish a run paused at a conflict, or interrupted, and the batch it
belongs to (``align.batch``): continue and skip go on with the branches not started yet; abort puts back
every branch the batch aligned."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from align import batch, engine
from align.batch import Batch
from align.commands.outcome import show
from align.commands.runs import align_plans, restore
from align.errors import AlignError, Refusal
from align.git import Git, Location
from align.invocation import command
from align.plan import Options, locate, make_plan
from align.state import Store
from align.status import RunStatus, worst


def run(args: argparse.Namespace) -> int:
    """Resume the run in the journal with ``args.command`` (continue, skip or abort), then its batch."""
    location = locate(Git(Path.cwd()))
    store = Store(location.common_dir)
    quiet = bool(getattr(args, "quiet", False))
    saved = batch.load(store)
    if saved is None:
        return show(engine.resume(Git.at(location), store, args.command), quiet=quiet)
    if saved.worktree != str(location.root):
        raise Refusal(
            f"the batch of align runs in progress belongs to the working tree {saved.worktree}",
            hint=f"cd {saved.worktree} and run `{command(args.command)}` there",
        )
    with store.lock(args.command):  # refuse (exit 4), the batch untouched, while an align process runs it
        return _resume_batch(args, location, store, saved, quiet=quiet)


def _resume_batch(args: argparse.Namespace, location: Location, store: Store, saved: Batch, *, quiet: bool) -> int:
    """Finish the run the batch stopped at, then go on with the branches pending (or put back the batch),
    under the lock the caller holds."""
    codes: list[int] = []
    if store.journal() is not None:  # the run the batch stopped at
        outcome = engine.resume(Git.at(location), store, args.command)
        codes.append(show(outcome, quiet=quiet))
        saved.ended(outcome.journal.run.run_id, outcome.journal.status)
        batch.save(store, saved)
        if not RunStatus(outcome.journal.status).final:  # paused again, or interrupted: the batch waits
            return worst(codes)
    else:  # stopped between two runs (a kill): each started run's archive says how it ended
        saved.settle(store)
        if args.command == "skip":
            raise Refusal(
                "there is no commit to skip: the batch did not stop at a conflict", hint=f"run `{command('continue')}`"
            )
    if args.command == "abort":
        codes.append(_put_back(location, store, saved))
        batch.drop(store)
        return worst(codes)
    rest = saved.pending()
    if not rest:
        batch.drop(store)
        return worst(codes)
    options = saved.args()
    here = Git(Path.cwd())
    where = Path(saved.cwd or Path.cwd())  # the command's relative --recipe resolves from where it ran
    plans = []
    for entry in rest:
        try:
            plan = make_plan(here, replace(Options.from_args(options, entry.branch), cwd=where), run_id=entry.run_id)
            plans.append(saved.placed(plan))
        except AlignError as refused:  # e.g. deleted during the pause: refused by name, never a batch stuck
            print(f"align: {entry.branch}: not aligned: {refused.one_line()}", file=sys.stderr)
            saved.ended(entry.run_id, RunStatus.REFUSED)
            codes.append(refused.exit_code)
    if not plans:
        batch.drop(store)
        return worst(codes)
    batch.save(store, saved)
    codes.append(align_plans(plans, options, saved))
    return worst(codes)


def _put_back(location: Location, store: Store, saved: Batch) -> int:
    """``align abort`` of a batch: put back each branch it aligned (compare-and-swap from its run's backup;
    a branch that moved since is left alone and named); the branches not started stay as they are."""
    git = Git.at(location)
    codes = [0]
    with store.lock("abort"):
        for entry in saved.entries:
            if entry.status == batch.PENDING:
                print(f"{entry.branch}: not started (the batch was aborted)")
                continue
            journal = store.past_journal(entry.run_id)
            if journal is None or not RunStatus(journal.status).undoable or not journal.new_tip:
                continue
            try:
                lines = restore(git, location, journal, force=False)
            except Refusal as refused:
                lines = [f"{entry.branch}: not put back: {refused.one_line()}"]
                if command("undo") not in refused.hint:  # the batch is gone after this: name what puts it back
                    lines.append(f"  once that is settled, `{command(f'undo {entry.branch}')}` puts it back")
                codes.append(refused.exit_code)
            for line in lines:
                print(line)
    return max(codes)
