"""The step kinds align runs, one entry each: the recipe model's class, the runner, the title the console
shows, and the checks made before a run starts (a refusal there touches nothing).

Adding an action step kind: its schema (``schemas/recipe.schema.json``), its model class
(``align.recipe.model``), its module here under ``align/steps/`` and one ``_entry`` below.
``on_conflict`` and ``on_fail`` are handlers the engine consults; ``report`` always runs last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from align.context import Context, Runner, StepResult
from align.errors import Refusal
from align.git import Git
from align.journal import Journal
from align.plan import Plan, onto_commit
from align.recipe import model
from align.steps import backup, fetch, rebase, validate, verify

S = TypeVar("S", bound=model.Step)


@dataclass(frozen=True, kw_only=True)
class Action:
    """One action step kind, typed for any step: each function checks that it got its own kind."""

    kind: str
    run: Callable[[Context, model.Step], StepResult]
    title: Callable[[model.Step, Journal], str]
    preflight: Callable[[Git, Plan, model.Step], None]


def _entry(
    step_type: type[S],
    runner: Runner[S],
    title: Callable[[S, Journal], str],
    preflight: Callable[[Git, Plan, S], None] | None = None,
) -> Action:
    def own(step: model.Step) -> S:
        if not isinstance(step, step_type):
            raise TypeError(f"the {step_type.kind} entry got a {step.kind} step")
        return step

    def run(context: Context, step: model.Step) -> StepResult:
        return runner(context, own(step))

    def titled(step: model.Step, journal: Journal) -> str:
        return title(own(step), journal)

    def checked(git: Git, plan: Plan, step: model.Step) -> None:
        if preflight is not None:
            preflight(git, plan, own(step))

    return Action(kind=step_type.kind, run=run, title=titled, preflight=checked)


def _fetch_preflight(git: Git, plan: Plan, step: model.Fetch) -> None:
    if not step.offline:
        fetch.check_remote(git, plan.remote)


def _rebase_preflight(git: Git, plan: Plan, step: model.Rebase) -> None:
    if step.strategy == "rebase" and not step.rebase_merges:
        onto = plan.upstream or onto_commit(git, plan.onto_ref)  # as last fetched; checked again after the fetch
        if onto is not None:
            merges = git.run("rev-list", "--count", "--min-parents=2", f"{onto}..{plan.tip}", "--").stdout
            rebase.refuse_flattening(plan.branch, int(merges.strip() or 0), plan.onto)
    if step.dirty == "refuse" and git.changes():
        raise Refusal(
            "the working tree has uncommitted changes and the recipe says `dirty: refuse`",
            hint="commit or stash them first (`git stash push --include-untracked`), or use `dirty: stash`",
        )


def _validate_preflight(git: Git, plan: Plan, step: model.Validate) -> None:
    onto = onto_commit(git, plan.onto_ref)  # the noxfile as it will be: the target's when the tree has none
    target = (onto, plan.onto) if onto is not None else None
    validate.preflight(plan.location.root, step, target=target)  # unknown sessions, no noxfile: exit 2


ACTIONS: dict[str, Action] = {
    entry.kind: entry
    for entry in (
        _entry(model.Backup, backup.run, lambda step, journal: f"backup {journal.run.branch}"),
        _entry(
            model.Fetch,
            fetch.run,
            lambda step, journal: f"fetch {journal.run.target} from {journal.run.remote}",
            _fetch_preflight,
        ),
        _entry(
            model.Rebase,
            rebase.run,
            lambda step, journal: f"{step.strategy} {journal.run.branch} onto {journal.run.onto}",
            _rebase_preflight,
        ),
        _entry(model.Verify, verify.run, lambda step, journal: "verify"),
        _entry(model.Validate, validate.run, lambda step, journal: "validate", _validate_preflight),
    )
}
