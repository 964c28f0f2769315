"""``align continue | skip | abort``: finish a run paused at a conflict, or interrupted."""

from __future__ import annotations

import argparse
from pathlib import Path

from align import engine
from align.commands.outcome import show
from align.git import Git
from align.plan import locate
from align.state import Store


def run(args: argparse.Namespace) -> int:
    """Resume the run in the journal with ``args.command`` (continue, skip or abort)."""
    location = locate(Git(Path.cwd()))
    store = Store(location.common_dir)
    outcome = engine.resume(Git.at(location), store, args.command)
    return show(outcome, quiet=args.quiet)
