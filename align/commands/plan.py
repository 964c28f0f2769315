"""``align plan BRANCH... [--fetch] [--format text|json]``: what a run would do, with an exact conflict forecast.

Nothing changes (no ref, HEAD, index, file, stash, journal or lock), except with ``--fetch``: the target's
remote-tracking ref, fetched as the recipe's fetch step fetches it. Every branch is checked before anything
is fetched or printed: a branch that does not exist is a usage error (exit 2) and nothing is printed.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from align import __version__, selection
from align.commands.forecast import Commit, Forecast, context_of, forecasts, text
from align.errors import AlignError, Refusal, UsageError
from align.git import Git
from align.graph import place
from align.plan import Options, Plan, check_branch_name, locate, make_plan
from align.recipe.model import Fetch
from align.status import StepStatus
from align.steps import fetch

SCHEMA_VERSION = 1


def run(args: argparse.Namespace) -> int:
    """Print the plan of each branch named (the current one when none is)."""
    here = Git(Path.cwd())
    names: list[str | None] = list(selection.expand(here, args.branches)) or [None]
    _refuse_missing(here, [name for name in names if name is not None])
    plans = place.place(here, [make_plan(here, Options.from_args(args, name)) for name in names])
    fetched = _fetch_targets(plans) if args.fetch else {}
    found = forecasts(plans, fetched)  # a child of a parent aligned first: onto the parent's forecast tip
    if args.format == "json":
        print(json.dumps(as_json(found), indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(text(item) for item in found))
    return 0


def _refuse_missing(git: Git, names: list[str]) -> None:
    """Refuse (exit 2) the whole command when a branch named does not exist, naming each that does not."""
    if not names:
        return
    locate(git)
    wanted = {name: check_branch_name(git, name) for name in names}
    found = git.refs(*wanted.values())
    missing = [name for name, ref in wanted.items() if ref not in found]
    if missing:
        listed = ", ".join(repr(name) for name in missing)
        which = "branch" if len(missing) == 1 else "branches"
        raise UsageError(
            f"no {which} {listed} in this repository",
            hint="`git branch --list` shows the branches; nothing was forecast",
        )


def _fetch_targets(plans: list[Plan]) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    """Fetch each plan's target once, as the recipe's fetch step does (never offline, never deepened, no
    prune): only its remote-tracking ref moves. Return what each fetch did and its warnings."""
    done: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
    for plan in plans:
        if (plan.remote, plan.target) in done:
            continue
        context = context_of(Git.at(plan.location), plan)
        step = replace(context.options(Fetch), offline=False, deepen=False, prune=False)
        try:
            result = fetch.run(context, step)
        except Refusal:
            if not context.journal.target_refreshed:
                raise
            # Fetched, but a shallow clone lacks the common commit: the forecast says so.
            result = None
        if result is not None and result.status is StepStatus.FAILED:
            raise AlignError(result.detail, hint="nothing was forecast; check the remote, or plan without --fetch")
        detail = result.detail if result is not None else f"{plan.remote}/{plan.target} fetched"
        done[(plan.remote, plan.target)] = (detail, tuple(context.warnings))
    return done


def as_json(found: list[Forecast]) -> dict[str, Any]:
    """Return the forecasts as ``schemas/plan.schema.json`` describes them."""
    return {"schema_version": SCHEMA_VERSION, "tool_version": __version__, "plans": [_plan(item) for item in found]}


def _plan(found: Forecast) -> dict[str, Any]:
    plan = found.plan
    stop = found.stop
    return {
        "branch": plan.branch,
        "tip": plan.tip,
        "recipe": {"name": plan.recipe.name, "source": plan.recipe.source},
        "steps": [step.kind for step in plan.recipe.steps],
        "target": plan.target,
        "remote": plan.remote,
        "onto": plan.onto,
        "onto_commit": found.onto_commit,
        "run_fetches": found.refreshed,
        "fetched": found.fetched or None,
        "warnings": list(found.warnings),
        "strategy": found.strategy,
        "ahead": found.ahead,
        "behind": found.behind,
        "merges": found.merges,
        "outcome": found.outcome,
        "reason": found.reason or None,
        "engine": {"name": found.engine, "reason": found.engine_reason or None} if found.engine else None,
        "commits": {
            "replay": _commits(found.replay),
            "upstream": _commits(found.upstream),
            "empty": _commits(found.empty),
            "not_reached": _commits(found.not_reached),
        },
        "conflict": None if stop is None else {**stop.as_json(), "messages": list(stop.messages)},
    }


def _commits(items: tuple[Commit, ...]) -> list[dict[str, str]]:
    return [{"commit": item.sha, "subject": item.subject} for item in items]
