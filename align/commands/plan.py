"""``align plan BRANCH`` (and ``--dry-run``): what a run would do, and a conflict forecast; changes nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

from align.git import Git
from align.plan import Plan, make_plan, onto_commit

MERGE_TREE_VERSION = (2, 38)


def run(args: argparse.Namespace) -> int:
    """Print the plan for the branch."""
    from align.commands.run import options

    plan = make_plan(Git(Path.cwd()), options(args, args.branch))
    print(describe(Git(plan.location.root), plan))
    return 0


def describe(git: Git, plan: Plan) -> str:
    """Return the plan as text: recipe, branch, target, steps, commit counts and a conflict forecast."""
    lines = [
        f"plan: align {plan.branch} onto {plan.onto} (recipe {plan.recipe.name}: {plan.recipe.source})",
        *([f"recipe: {plan.recipe.why}"] if plan.recipe.why else []),
        "steps: " + " -> ".join(step.kind for step in plan.recipe.steps),
        "the target is taken as last fetched; the fetch step refreshes it first",
    ]
    onto = onto_commit(git, plan.onto)
    if onto is None:
        lines.append(f"{plan.onto} does not exist yet here; the fetch step will create it")
        return "\n".join(lines)
    behind, ahead, merges, _ = git.counts(onto, plan.tip)
    lines.append(f"{plan.branch}: {ahead} commit(s) of its own, {behind} new commit(s) on {plan.onto}")
    if merges:
        lines.append(f"{merges} merge commit(s) on the branch")
    if behind == 0:
        lines.append(f"already up to date with {plan.onto} as last fetched")
    elif git.version()[:2] >= MERGE_TREE_VERSION:
        forecast = git.run("merge-tree", "--write-tree", "--name-only", "--no-messages", onto, plan.tip, ok=(0, 1))
        files = forecast.stdout.splitlines()[1:]
        if forecast.code == 0:
            lines.append("forecast: no conflict expected")
        else:
            lines.append("forecast: conflicts expected in " + ", ".join(path for path in files if path))
    return "\n".join(lines)
