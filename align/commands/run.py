"""``align [run] BRANCH...``: align each branch as the recipe says."""

from __future__ import annotations

import argparse
from pathlib import Path

from align import batch, selection
from align.batch import Batch
from align.commands.forecast import forecasts, text
from align.commands.runs import align_plans, report_options, report_refusal
from align.errors import Refusal, UsageError
from align.git import Git
from align.graph import place
from align.invocation import command
from align.monitor import drop_log_file
from align.plan import Options, Plan, make_plan
from align.state import Store


def run(args: argparse.Namespace) -> int:
    """Align each branch named (the current one when none is); stop at a pause or an interruption."""
    here = Git(Path.cwd())
    args.branches = selection.expand(here, args.branches)  # 'feature/*': the local branches it matches
    # Every branch is checked before any is aligned: a bad name refuses the whole command.
    plans = _plans(here, args, args.branches or [None])
    if getattr(args, "stack", False) or getattr(args, "all", False):
        if args.all and args.branches:
            raise UsageError("--all aligns every branch: name no branch with it", hint="drop the names, or --all")
        wanted = [name for plan in plans for name in place.select(here, plan, stack=not args.all)]
        args.branches = list(dict.fromkeys(wanted))
        if not args.branches:
            print("no branch to align: every local branch is the target's")
            return 0
        plans = _plans(here, args, args.branches)
    plans = place.place(here, plans)  # parents before children, each child onto its parent
    args.branches = [plan.branch for plan in plans]
    for plan in plans:
        _refuse_outputs_in_tree(args, plan)
    if args.dry_run:  # each child forecast onto the tip its parent's forecast replays, as the run would
        print("\n\n".join(text(item) for item in forecasts(plans, {})))
        return 0
    store = Store(plans[0].location.common_dir)
    waiting = batch.load(store)
    if waiting is not None:  # a batch stopped at a pause or an interruption is still in progress
        names = ", ".join(entry.branch for entry in waiting.entries)
        busy = Refusal(
            f"a batch of align runs is in progress ({names})",
            hint=f"finish it first: `{command('continue')}` or `{command('abort')}`",
        )
        report_refusal(args, busy, here, plan=plans[0])
        raise busy
    saved = None
    if len(args.branches) > 1:  # one batch: `align continue` and `abort` carry on with all of it
        pairs = [(plan.branch, plan.run_id) for plan in plans]
        saved = Batch.start(str(plans[0].location.root), pairs, args, plans=plans)
        batch.save(store, saved)
    return align_plans(plans, args, saved)


def _plans(here: Git, args: argparse.Namespace, branches: list[str] | list[str | None]) -> list[Plan]:
    """Plan each branch; a branch refused is reported (exit 4) and refuses the whole command."""
    plans = []
    for branch in branches:
        try:
            plans.append(make_plan(here, Options.from_args(args, branch)))
        except Refusal as error:
            report_refusal(args, error, here, branch=branch or "")
            raise
    return plans


def _refuse_outputs_in_tree(args: argparse.Namespace, plan: Plan) -> None:
    """Refuse (exit 2) a --log-file or a report file (--report-json...) in the working tree that git does not ignore.

    align would see its own file as uncommitted work: refused under ``dirty: refuse``, stashed away
    while it is being written under ``dirty: stash``.
    """
    root = plan.location.root.resolve()
    for option, path in (("--log-file", args.log_file), *report_options(args)):
        if not path:
            continue
        where = (Path.cwd() / path).resolve()
        in_git_dir = any(where.is_relative_to(folder.resolve()) for folder in (plan.location.git_dir, root / ".git"))
        if where.is_relative_to(root) and not in_git_dir and not Git(root).ignored(where):
            if option == "--log-file":
                drop_log_file()
            raise UsageError(
                f"{option} {path} is inside the working tree of {root} and not ignored by git: "
                "align would take it for uncommitted work",
                hint=f"write it outside the working tree, or ignore it (add its name to {root / '.gitignore'})",
            )
