"""``align [run] BRANCH...``: align each branch as the recipe says."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from align import engine
from align.git import Git
from align.plan import Options, make_plan


def run(args: argparse.Namespace) -> int:
    """Align each branch named (the current one when none is); stop at a pause or an interruption."""
    worst = 0
    here = Git(Path.cwd())
    # Every branch is checked before any is aligned: a bad name refuses the whole command.
    plans = [make_plan(here, options(args, branch)) for branch in args.branches or [None]]
    for plan in plans:
        git = Git(plan.location.root)
        if args.dry_run:
            from align.commands.plan import describe

            print(describe(git, plan))
            continue
        code = show(engine.start(git, plan, report_json=_absolute(args.report_json)), quiet=args.quiet)
        if code in (3, 130):
            return code
        worst = max(worst, code)
    return worst


def _absolute(path: str | None) -> str:
    """Return ``path`` made absolute against the directory align was started in ("" when not given)."""
    return str(Path.cwd() / path) if path else ""


def options(args: argparse.Namespace, branch: str | None) -> Options:
    """Return the run options the command line gives for ``branch`` (None: the checked-out one)."""
    return Options(
        branch=branch,
        recipe=args.recipe,
        target=args.target,
        remote=args.remote,
        overrides=tuple(args.overrides),
        cwd=Path.cwd(),
    )


def show(outcome: engine.Outcome, *, quiet: bool = False) -> int:
    """Print an outcome's report (only when it did not succeed under ``-q``); return its exit code."""
    if quiet and outcome.exit_code == 0:
        return 0
    if outcome.rendered:
        print(outcome.rendered)
    else:
        for line in (*outcome.warnings, *outcome.guidance):
            print(line)
    if outcome.journal.status == "refused":
        print(f"align: error: {outcome.journal.message}", file=sys.stderr)
    return outcome.exit_code
