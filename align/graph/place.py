"""Place the branches of a run on their stacks: each one onto its parent, moving only its own commits.

A branch whose parent is another local branch is aligned onto that parent's tip (the parent's new tip
when the same run aligned it first), from its base (``git rebase --onto PARENT BASE``): the commits at and
below the base are the parent's and never move with the child, whatever happened to the parent meanwhile
(rewritten, amended, aligned, squash-merged). A parent whose commits reached the target (merged,
rebase-merged or squash-merged, ``align.graph.merged``) is stepped over: the child is aligned onto the
target, still from its base, so the parent's commits are not replayed a second time.

Which parents count:

- a declared or imported parent (``align track``): always, even when the parent is not part of the run
  (``align feature/b`` aligns b onto feature/a as it is);
- an inferred parent: only when the parent is part of the same run (``align a b``, ``--stack``, ``--all``,
  a pattern). Alone, a branch with an inferred parent is aligned onto the target as before: a branch the
  user made as a copy of another (``git branch keep feature/x``) must not turn feature/x into a child of it.

The graph is read once per command, before any branch moves (``align.graph.build``); a single branch with
no parent in git config costs no git process (it reads the run's one read of the config).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from align.errors import UsageError
from align.git import Git
from align.graph import build, config, merged
from align.graph.model import INFERRED, stepped_over
from align.plan import Plan, onto_commit


def place(git: Git, plans: Sequence[Plan]) -> list[Plan]:
    """Return ``plans`` parents before children (otherwise in the order given), each child of a local
    parent set to align onto it from its base."""
    plans = list(plans)
    if not plans:
        return plans
    first = plans[0]
    if len(plans) == 1:  # alone, only a parent set in git config places a branch
        keys = config.read(git)
        if keys.get(first.branch, config.PARENT) is None and keys.get(first.branch, config.IMPORTED) is None:
            return plans
    loaded = _load(git, first)
    if loaded is None:
        return plans
    graph = loaded.graph
    same = [plan for plan in plans if (plan.target, plan.onto) == (first.target, first.onto)]
    in_run = {plan.branch for plan in same}
    stacked = {}
    for plan in same:
        node = graph.nodes.get(plan.branch)
        if node is None or node.parent.is_target:
            continue
        if node.parent.source == INFERRED and node.parent.name not in in_run:
            continue
        stacked[plan.branch] = node.parent
    how = merged.merged(git, loaded, sorted({parent.name for parent in stacked.values()})) if stacked else {}
    placed = []
    for plan in plans:
        parent = stacked.get(plan.branch)
        base = build.base_of(git, loaded, plan.branch) if parent is not None else None
        if parent is None or base is None:  # on the target, or no common history with its parent: as before
            placed.append(plan)
            continue
        reached = how.get(parent.name)
        if reached is not None:  # the parent's commits are in the target: step over it
            note = stepped_over(parent.name, reached)
            placed.append(replace(plan, parent_source=parent.source, upstream=base.sha, parent_merged=note))
        else:
            placed.append(
                replace(plan, parent=parent.name, parent_source=parent.source, upstream=base.sha, onto=parent.name)
            )
    return _ordered(placed)


def _load(git: Git, plan: Plan) -> build.Loaded | None:
    """Read the graph around ``plan``'s target (None: the target is not here; the run says so itself)."""
    onto_sha = onto_commit(git, plan.onto)
    if onto_sha is None:
        return None
    return build.load(git, target=plan.target, onto=plan.onto, onto_sha=onto_sha)


def _ordered(plans: list[Plan]) -> list[Plan]:
    """Return ``plans`` parents before children, otherwise in the order given (the command line's; a
    pattern's branches and ``--all``'s come in name order already)."""
    by_branch = {plan.branch: plan for plan in plans}
    done: dict[str, Plan] = {}

    def visit(plan: Plan) -> None:
        if plan.branch in done:
            return
        parent = by_branch.get(plan.parent)
        if parent is not None:
            visit(parent)
        done[plan.branch] = plan

    for plan in plans:
        visit(plan)
    return list(done.values())


def select(git: Git, plan: Plan, *, stack: bool) -> list[str]:
    """Return the branches of ``--stack`` (the stack of ``plan``'s branch: its ancestors up to the target,
    itself and its descendants) or ``--all`` (every local branch but the target's), parents first."""
    loaded = _load(git, plan)
    if loaded is None:
        raise UsageError(
            f"{plan.onto} does not exist here: the target is needed to find the stacks",
            hint=f"fetch it first (`git fetch {plan.remote}`), or name the branches",
        )
    graph = loaded.graph
    if not stack:
        return graph.order()
    if plan.branch not in graph.nodes:
        raise UsageError(
            f"{plan.branch} is the target: it has no stack", hint="switch to a branch of the stack, or name it"
        )
    return graph.stack(plan.branch)
