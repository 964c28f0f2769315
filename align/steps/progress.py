"""The rebase's progress in commits, from git's ``Rebasing (k/N)``, which counts lines of its todo list.

With ``update_refs``, git's todo list holds an ``update-ref`` line after each commit another branch
points at, and git counts those lines as steps (git 2.39 says ``5/7`` for 3 commits and 2 branches).
The list is foreseen from what the run knows, with one ``rev-list`` and one ``for-each-ref``: the
commits git will pick (those already upstream left out, as git leaves them out) and, after each, one
line per other branch on it (a branch checked out in another worktree gets none: git leaves it alone).
With ``rebase_merges`` the list also holds ``label``, ``reset`` and ``merge`` lines: the progress is in steps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from align.context import Context
from align.recipe.model import Rebase


def callback(context: Context, step: Rebase) -> Callable[[str], None]:
    """Return what turns the stderr of git's rebase into the step's ``done/total commits``."""
    show = context.monitor.git_progress
    if step.rebase_merges:
        return functools.partial(show, unit="steps")
    if step.strategy != "rebase" or not step.update_refs or not context.journal.stacked:
        return show
    return functools.partial(show, todo=todo(context))


def todo(context: Context) -> tuple[bool, ...]:
    """Return git's todo list as it will be, one item per line: True for a pick, False for an update-ref."""
    git, journal = context.git, context.journal
    picks = git.run(
        "rev-list", "--reverse", "--topo-order", "--cherry-pick", "--right-only", "--no-merges",
        f"{journal.onto_sha}...{journal.run.original_tip}", "--",
    ).stdout.split()  # fmt: skip
    listed = git.run("for-each-ref", "--format=%(refname)%00%(worktreepath)", *sorted(journal.stacked)).stdout
    moving = {ref for ref, _, where in (line.partition("\0") for line in listed.splitlines()) if not where}
    lines: list[bool] = []
    for sha in picks:
        lines.append(True)
        lines += [False] * sum(1 for ref, tip in journal.stacked.items() if tip == sha and ref in moving)
    return tuple(lines)
