"""``align history [--limit N]``: the recent runs of this repository, newest last."""

from __future__ import annotations

import argparse
from pathlib import Path

from align.errors import UsageError
from align.git import Git
from align.plan import locate
from align.state import Store


def run(args: argparse.Namespace) -> int:
    """Print one line per run: id, start time, branch, outcome, exit code, duration; the run in progress last."""
    if args.limit < 1:
        raise UsageError(f"--limit must be 1 or more, not {args.limit}")
    store = Store(locate(Git(Path.cwd())).common_dir)
    runs = store.past_runs()[-args.limit :]
    current = store.journal()
    if not runs and current is None:
        print("no align runs yet in this repository")
        return 0
    rows = [
        (item["run_id"], item["started_at"], item["branch"], item["status"], f"exit {item['exit_code']}",
         f"{item['duration_s']:.2f} s")
        for item in runs
    ]  # fmt: skip
    if current is not None:
        rows.append((current.run.run_id, current.run.started_at, current.run.branch, current.status, "", "in progress"))
    widths = [max(len(str(row[column])) for row in rows) for column in range(6)]
    for row in rows:
        cells = [f"{cell:<{width}}" for cell, width in zip(row, widths, strict=True)]
        cells[-1] = f"{row[-1]:>{widths[-1]}}"
        print("  ".join(cells).rstrip())
    return 0
