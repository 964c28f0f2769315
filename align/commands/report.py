"""``align report [RUN_ID] [--format ...]``: render a run's report again, from what align kept of it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from align.errors import UsageError
from align.git import Git
from align.plan import locate
from align.report import FILE_NAMES, build, render
from align.state import Store

RECENT = 5  # run ids an unknown RUN_ID's error lists


def run(args: argparse.Namespace) -> int:
    """Print the report of RUN_ID (default: the run in progress, else the last run) in ``args.format``.

    With no run at all to show this is a usage error (exit 2), so that ``align report --format json > f``
    in a script fails loudly instead of writing an empty file.
    """
    store = Store(locate(Git(Path.cwd())).common_dir)
    run_id = args.run_id or _default(store)
    if run_id is None:
        raise UsageError("no align run in this repository yet: there is no report to show", hint="run `align BRANCH`")
    report = load(store, run_id)
    if report is None:
        recent = [line["run_id"] for line in store.past_runs()[-RECENT:]]
        known = f"recent runs: {', '.join(reversed(recent))}" if recent else "this repository has no finished run"
        raise UsageError(f"no run {run_id!r} in this repository ({known})", hint="`align history` lists the runs")
    print(render(report, args.format))
    return 0


def load(store: Store, run_id: str) -> dict[str, Any] | None:
    """Return the report of ``run_id``: the kept ``report.json``, else one built from its journal; None if unknown."""
    if not _safe(run_id):
        return None
    try:
        kept: dict[str, Any] = json.loads((store.run_dir(run_id) / FILE_NAMES["json"]).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        pass
    else:
        return kept
    journal = store.past_journal(run_id)
    if journal is None:
        current = store.journal()
        journal = current if current is not None and current.run.run_id == run_id else None
    return None if journal is None else build(journal)


def _default(store: Store) -> str | None:
    """Return the run in progress (paused, interrupted...), else the last one of the history, else None."""
    current = store.journal()
    if current is not None:
        return current.run.run_id
    runs = store.past_runs()
    return str(runs[-1]["run_id"]) if runs else None


def _safe(run_id: str) -> bool:
    """Tell whether ``run_id`` can name a folder under ``runs/`` (and only there)."""
    return bool(run_id) and not run_id.startswith(".") and all(char.isalnum() or char in "-_." for char in run_id)
