"""``align plan BRANCH``: what a run would do, and a conflict forecast; changes nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from align.commands.forecast import describe
from align.git import Git
from align.plan import Options, make_plan


def run(args: argparse.Namespace) -> int:
    """Print the plan for the branch."""
    plan = make_plan(Git(Path.cwd()), Options.from_args(args, args.branch))
    print(describe(Git(plan.location.root), plan))
    return 0
