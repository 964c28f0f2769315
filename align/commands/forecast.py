"""What a run would do, as text: ``align plan`` prints it, and ``align run --dry-run`` for each branch."""

from __future__ import annotations

from align.git import Git
from align.plan import Plan, onto_commit
from align.recipe.model import Fetch
from align.shallow import is_shallow

MERGE_TREE_VERSION = (2, 38)


def describe(git: Git, plan: Plan) -> str:
    """Return the plan as text: recipe, branch, target, steps, commit counts and a conflict forecast."""
    refreshed = refreshes(plan)
    lines = [
        f"plan: align {plan.branch} onto {plan.onto} (recipe {plan.recipe.name}: {plan.recipe.source})",
        *([f"recipe: {plan.recipe.why}"] if plan.recipe.why else []),
        "steps: " + " -> ".join(step.kind for step in plan.recipe.steps),
    ]
    onto = onto_commit(git, plan.onto)
    when = fetched_when(git, plan) if onto is not None else ""
    if refreshed:
        lines.append(f"the target is taken as last fetched{when}; the fetch step refreshes it first")
    else:
        lines.append(f"this recipe does not refresh {plan.onto}: the run aligns onto it as last fetched{when}")
    if onto is None:
        if refreshed:
            lines.append(f"{plan.onto} does not exist yet here; the fetch step will create it")
        else:
            lines.append(
                f"{plan.onto} does not exist here, so the run would refuse: "
                f"`git fetch {plan.remote} {plan.target}` first, or use a recipe that fetches"
            )
        return "\n".join(lines)
    behind, ahead, merges, base = git.counts(onto, plan.tip)
    if base is None and is_shallow(plan.location.common_dir):
        step = plan.recipe.find(Fetch)
        then = "the fetch step deepens it" if step is not None and step.deepen and refreshed else "the run refuses"
        lines.append(
            f"shallow clone: {plan.branch} and {plan.onto} have no common commit in the history here; {then} "
            f"(`git fetch --unshallow {plan.remote}` fetches the whole history)"
        )
        return "\n".join(lines)
    lines.append(f"{plan.branch}: {ahead} commit(s) of its own, {behind} new commit(s) on {plan.onto}")
    if merges:
        lines.append(f"{merges} merge commit(s) on the branch")
    if behind == 0:
        later = "; the run fetches first and aligns onto any new commits it finds" if refreshed else ""
        lines.append(f"already up to date with {plan.onto} as last fetched{later}")
    elif git.version()[:2] >= MERGE_TREE_VERSION:
        forecast = git.run("merge-tree", "--write-tree", "--name-only", "--no-messages", onto, plan.tip, ok=(0, 1))
        files = forecast.stdout.splitlines()[1:]
        if forecast.code == 0:
            lines.append("forecast: no conflict expected")
        else:
            lines.append("forecast: conflicts expected in " + ", ".join(path for path in files if path))
    return "\n".join(lines)


def refreshes(plan: Plan) -> bool:
    """Tell whether the recipe's fetch step refreshes what the run aligns onto before it is used."""
    step = plan.recipe.find(Fetch)
    fetched = (f"{plan.remote}/{plan.target}", f"refs/remotes/{plan.remote}/{plan.target}")
    return step is not None and not step.offline and plan.onto in fetched


def fetched_when(git: Git, plan: Plan) -> str:
    """Return when the target was last fetched, `` (2 hours ago)``, from its reflog; "" without one."""
    ref = f"refs/remotes/{plan.remote}/{plan.target}"
    if plan.onto not in (ref, ref.removeprefix("refs/remotes/")):
        return ""
    result = git.run("log", "-g", "-n1", "--date=relative", "--format=%gd", ref, "--", ok=(0, 128))
    line = result.stdout.strip()
    return f" ({line.partition('@{')[2].removesuffix('}')})" if "@{" in line else ""
