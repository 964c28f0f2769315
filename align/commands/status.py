"""``align status``: what is in progress, who holds the lock, how the last run ended."""

from __future__ import annotations

import argparse
from pathlib import Path

from align.git import Git
from align.plan import locate
from align.state import Store


def run(args: argparse.Namespace) -> int:
    """Print the run in progress (if any), the lock holder and the last finished run."""
    location = locate(Git(Path.cwd()))
    store = Store(location.common_dir)
    holder = store.lock_holder()
    journal = store.journal()
    if holder is not None:
        state = "running" if holder["alive"] else "gone (killed?): `align abort` or `align continue` recovers"
        print(
            f"lock: pid {holder.get('pid')} `align {holder.get('command')}` since {holder.get('started_at')}, {state}"
        )
    if journal is not None:
        print(f"in progress: run {journal.run_id} on {journal.branch} onto {journal.onto}: {journal.status}")
        print(f"  step: {journal.step}; done: {', '.join(journal.done) or 'nothing yet'}")
        if journal.status == "error" and journal.message:
            print(f"  why: {journal.message}")
        elif journal.status == "running" and not (holder is not None and holder["alive"]):
            print("  stopped: no align process is running it (killed, or its journal could not be written)")
        if journal.backup_ref:
            print(f"  backup: {journal.backup_ref}")
        if journal.stash:
            print(f"  your uncommitted changes: {journal.stash_ref} ({journal.stash[:12]})")
        for conflict in journal.conflicts:
            files = ", ".join(f"{path} ({kind})" for path, kind in conflict.files)
            print(f"  conflict {conflict.commit} {conflict.subject}: {files} [{conflict.resolution}]")
        if holder is not None and holder["alive"]:
            print(f"  next: wait for pid {holder.get('pid')} to finish")
        elif journal.status in ("paused", "interrupted", "running", "error"):
            print("  next: `align continue`, `align skip` or `align abort`")
    elif holder is None:
        print("nothing in progress")
    runs = store.past_runs()
    if runs:
        last = runs[-1]
        print(
            f"last run: {last['run_id']} on {last['branch']}: {last['status']} "
            f"(exit {last['exit_code']}, {last['duration_s']:.2f} s)"
        )
    return 0
