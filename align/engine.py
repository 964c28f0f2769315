"""The interpreter: run a plan's steps in order, send conflicts and failures to their handlers."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace

from align import ending, invocation, signals
from align.context import Context, StepResult
from align.ending import Outcome
from align.errors import AlignError, GitError, Interrupted, Refusal
from align.git import Git
from align.graph import config
from align.invocation import command
from align.journal import Journal, Phase
from align.monitor import Monitor
from align.outputs import Reports
from align.plan import Plan
from align.recipe import model
from align.safety import refuse_unsafe
from align.state import Store, Unrecorded
from align.status import RunStatus, StepStatus
from align.steps import conflict, rebase, recover, rollback
from align.steps.registry import ACTIONS

__all__ = ["Outcome", "drive", "resume", "start"]

log = logging.getLogger("align")


def start(git: Git, plan: Plan, *, reports: Reports | None = None) -> Outcome:
    """Run ``plan`` from the beginning (``align BRANCH``); also write the report files ``reports`` names."""
    reports = reports or Reports()
    store = Store(plan.location.common_dir)
    begun = time.time()  # the run's clock includes its safety checks, as the git time does
    with signals.handled(), store.lock(f"run {plan.branch}"):
        refuse_unsafe(git, store, plan)  # align.safety: every refusal found before anything moves
        record = plan.record(started=begun, reports=reports, worktree=str(plan.location.root))
        journal = Journal(run=record, pid=os.getpid())
        context = _context(git, store, journal)
        if plan.recipe.why:
            log.info("recipe %s (%s): %s", plan.recipe.name, plan.recipe.source, plan.recipe.why)
        try:
            store.save(journal)
        except Unrecorded as error:  # before anything moved: a refusal, nothing touched
            raise Refusal(f"{error.message.split(';')[0]}; nothing was touched", hint=error.hint) from error
        return drive(context)


def resume(git: Git, store: Store, action: str) -> Outcome:
    """Finish a paused or interrupted run: ``continue``, ``skip`` or ``abort``."""
    with signals.handled(), store.lock(action):
        journal = store.journal()
        if journal is not None and journal.run.invoked_as:
            invocation.use(journal.run.invoked_as)  # the hints of this run name the command it was started with
        if journal is None:
            raise Refusal(
                f"no align run to {action}: nothing is paused or interrupted",
                hint=f"`{command('status')}` shows the last run; `{command('undo')}` restores a finished one",
            )
        if journal.run.worktree and journal.run.worktree != str(git.cwd):
            raise Refusal(
                f"the align run on {journal.run.branch!r} belongs to the working tree {journal.run.worktree}",
                hint=f"cd {journal.run.worktree} and run `{command(action)}` there",
            )
        journal.pid = os.getpid()
        context = _context(git, store, journal)
        _warn_leftover_validation(context)
        if journal.paused_at:
            journal.paused_s += time.time() - journal.paused_at
            journal.paused_at = 0.0
        if action == "abort" or (action == "continue" and journal.rolling_back):
            return _roll_back(context, action)
        if (journal.stash or journal.tree_moved) and not journal.started_rebase and "rebase" not in journal.done:
            recover.tidy(context)  # what a stash apply or a checkout cut short left before the run stopped
        if journal.started_rebase and "rebase" not in journal.done:
            step = context.options(model.Rebase)
            started = context.monitor.step(ACTIONS["rebase"].title(step, journal))
            broken = recover.broken_rebase(context)
            if broken and action == "continue" and rebase.restartable(context):
                broken = ""  # nothing of the user's in it: the rebase step starts it over
            try:
                if broken:  # git cannot go on: the run fails there, and on_fail decides (rollback: abort)
                    result = StepResult(status=StepStatus.FAILED, detail=f"{broken}; align cannot {action} it")
                else:
                    result = rebase.resume(context, step, action)
            except Interrupted:
                return ending.interrupted(context)
            except Unrecorded as error:
                return ending.stuck(context, error)
            try:
                outcome = _after_step(context, "rebase", result, started)
            except Interrupted:  # during the rollback on_conflict or on_fail asked for
                return ending.interrupted(context)
            except (GitError, Unrecorded) as error:
                return ending.stuck(context, error)
            if outcome is not None:
                return outcome
            journal.done.append("rebase")
        elif action == "skip":
            raise Refusal(
                "there is no commit to skip: the run did not stop at a conflict", hint=f"run `{command('continue')}`"
            )
        return drive(context)


def _roll_back(context: Context, action: str) -> Outcome:
    """``align abort``, or ``align continue`` of a rollback under way (a run's, an abort's) that stopped
    half-way (a full disk, a signal, a kill): the journal says so from the start, and where it heads."""
    journal = context.journal
    if action == "abort":
        _rolling_back(journal, RunStatus.ABORTED, "aborted by the user")
    started = time.perf_counter()
    try:
        context.save()
        detail = rollback.restore(context)
    except Interrupted:
        return ending.interrupted(context)
    except (GitError, Unrecorded) as error:
        return ending.stuck(context, error)
    journal.found.phases.append(Phase(name=action, status=StepStatus.OK, duration_s=time.perf_counter() - started))
    ending.close_conflicts(journal)
    return ending.end(context, RunStatus(journal.rolling_back), f"{journal.rolling_message}; {detail}")


def drive(context: Context) -> Outcome:
    """Run the action steps not yet done, in recipe order, then finish the run."""
    journal = context.journal
    journal.status = RunStatus.RUNNING
    try:
        for step in context.recipe_steps:
            action = ACTIONS.get(step.kind)
            if action is None or step.kind in journal.done:
                continue
            signals.check()  # a signal that came since the last step ends the run here
            journal.step = step.kind
            context.save()
            started = context.monitor.step(action.title(step, journal))
            try:
                result = action.run(context, step)
            except (Refusal, Interrupted, Unrecorded):
                raise
            except AlignError as error:
                result = StepResult(status=StepStatus.FAILED, detail=error.one_line())
            except Exception as error:
                ending.crashed(context, error)
                raise
            outcome = _after_step(context, step.kind, result, started)
            if outcome is not None:
                return outcome
            journal.done.append(step.kind)
        if journal.status == RunStatus.RUNNING:
            rollback.settle(context)
    except Interrupted:
        return ending.interrupted(context)
    except Refusal as error:
        return _refused(context, error)
    except (GitError, Unrecorded) as error:  # the journal cannot be written, or a rollback failed
        return ending.stuck(context, error)
    if journal.status != RunStatus.RUNNING:  # settled by a rollback: a refusal, a failure
        return ending.end(context, RunStatus(journal.status))
    aligned = journal.new_tip not in ("", journal.run.original_tip)
    # The base is recorded once the run is over (its journal archived): a kill before leaves a run that
    # `align abort` puts back with the config as it was; a kill in between, a base the next run finds again.
    return _record_base(context, ending.end(context, RunStatus.ALIGNED if aligned else RunStatus.UP_TO_DATE))


def _record_base(context: Context, outcome: Outcome) -> Outcome:
    """A stacked branch aligned (or up to date): record the parent's tip it now sits on as its base
    (``branch.<name>.alignBase``), so that its next run moves exactly its own commits. Not recorded (a
    warning), the next run finds the base again from the parent's reflog and backups."""
    journal = context.journal
    if not (journal.run.upstream or journal.run.parent) or journal.onto_sha in ("", journal.run.upstream):
        return outcome  # not stacked, or it sits where it sat
    try:
        config.record_base(context.git, journal.run.branch, journal.onto_sha)
    except GitError as error:
        # After the report, as ``ending.end`` adds a journal that cannot be archived: on the console (and -q).
        warning = f"the base of {journal.run.branch} was not recorded: {error.one_line()}"
        journal.found.warnings.append(warning)
        rendered = f"{outcome.rendered}\n  warning: {warning}" if outcome.rendered else ""
        return replace(outcome, warnings=(*outcome.warnings, warning), rendered=rendered)
    return outcome


def _after_step(context: Context, kind: str, result: StepResult, started: float) -> Outcome | None:
    """Record the step; dispatch a conflict or a failure; return an outcome when the run stops here."""
    journal = context.journal
    elapsed = context.monitor.done(started, result.detail, result.status)
    journal.found.phases.append(Phase(name=kind, status=result.status, duration_s=elapsed, detail=result.detail))
    if result.status is StepStatus.CONFLICT:
        if context.options(model.OnConflict).action == "pause":
            context.guidance.extend(conflict.guidance(context))
            return ending.end(context, RunStatus.PAUSED)
        started = time.perf_counter()
        ending.close_conflicts(journal)
        message = "a conflict ended the run (on_conflict: abort)"
        _rolling_back(journal, RunStatus.CONFLICT_ABORTED, message)
        detail = rollback.restore(context)
        elapsed = time.perf_counter() - started
        journal.found.phases.append(Phase(name="on_conflict", status=StepStatus.ABORTED, duration_s=elapsed))
        return ending.end(context, RunStatus.CONFLICT_ABORTED, f"{message}; {detail}")
    if result.status is StepStatus.FAILED:
        journal.message = result.detail
        started = time.perf_counter()
        ending.close_conflicts(journal)
        if context.options(model.OnFail).action == "rollback":
            _rolling_back(journal, RunStatus.FAILED_ROLLED_BACK, result.detail)
            detail = rollback.restore(context)
            status, message = RunStatus.FAILED_ROLLED_BACK, f"{result.detail}; {detail}"
        else:
            context.guidance.extend(rollback.keep_guidance(context))
            status, message = RunStatus.FAILED_KEPT, result.detail
        journal.found.phases.append(
            Phase(name="on_fail", status=StepStatus.OK, duration_s=time.perf_counter() - started)
        )
        return ending.end(context, status, message)
    return None


def _refused(context: Context, error: Refusal) -> Outcome:
    """A step found the run unsafe: undo what was done (usually nothing) and report the refusal."""
    _rolling_back(context.journal, RunStatus.REFUSED, error.one_line())
    try:
        rollback.restore(context)
    except (GitError, Unrecorded) as failure:
        return ending.stuck(context, failure)
    context.guidance.append(f"refused: {error.message}")
    if error.hint:
        context.guidance.append(f"hint: {error.hint}")
    return ending.end(context, RunStatus.REFUSED, error.one_line())


def _rolling_back(journal: Journal, status: RunStatus, message: str) -> None:
    """Note where a rollback is heading, so that ``align continue`` can finish it if it stops half-way."""
    journal.rolling_back, journal.rolling_message = status, message


def _warn_leftover_validation(context: Context) -> None:
    """Say so when a validation command of a killed run may still be running (align never kills a
    process group it cannot prove is its own: the id may have been reused)."""
    group = context.journal.validating_group
    if not group:
        return
    context.journal.validating_group = 0
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return
    context.warnings.append(
        f"a validation command of this run may still be running (process group {group}); "
        f"if so, stop it with `kill -- -{group}`"
    )


def _context(git: Git, store: Store, journal: Journal) -> Context:
    steps = journal.run.recipe.steps
    total = sum(1 for step in steps if step.kind in ACTIONS and step.kind not in journal.done)
    return Context(
        git=git,
        store=store,
        journal=journal,
        recipe_steps=steps,
        monitor=Monitor(total),
        warnings=journal.found.warnings,  # the same list: warnings survive a pause
    )
