"""``align continue | skip | abort``: finish a run paused at a conflict, or interrupted."""

from __future__ import annotations

import argparse
from pathlib import Path

from align import engine
from align.commands.run import show
from align.errors import Refusal
from align.git import Git
from align.invocation import command
from align.plan import locate
from align.state import Store


def run(args: argparse.Namespace) -> int:
    """Resume the run in the journal with ``args.command`` (continue, skip or abort)."""
    location = locate(Git(Path.cwd()))
    store = Store(location.common_dir)
    holder = store.lock_holder()
    if store.journal() is None and holder is not None and not holder["alive"]:
        # Killed before its journal was written: nothing was touched, only the lock is left.
        with store.lock(args.command, take_over_dead=True):
            pass
        what = f"removed the lock left by a killed align process (pid {holder.get('pid')})"
        if args.command == "abort":
            print(f"{what}; nothing else to restore")
            return 0
        # Nothing was aligned: saying "done" (exit 0) would claim a run that never happened.
        raise Refusal(
            f"no align run to {args.command}: it was killed before it changed anything ({what})",
            hint=f"run it again: `{command(str(holder.get('command', 'BRANCH')).removeprefix('run '))}`",
        )
    outcome = engine.resume(Git.at(location), store, location.git_dir, args.command)
    return show(outcome, quiet=args.quiet)
