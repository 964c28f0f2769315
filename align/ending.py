"""How a run ends (or stops): one ``end`` for every ending, the outcome, and the exit code.

Every way a run stops — finished, paused at a conflict, interrupted, stopped on a journal that cannot be
written, stopped on a bug — goes through ``end``: the status and message are set, the clock stopped, the
git calls counted, the report written, and the journal archived (a final status) or kept for ``align
continue`` / ``align abort`` (paused, interrupted, error), in that order, always.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from align.context import Context
from align.errors import AlignError
from align.invocation import command
from align.journal import Journal
from align.state import Unrecorded
from align.status import RunStatus
from align.steps import report


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What a command did: the journal of the run, and what to tell the user."""

    journal: Journal
    guidance: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    rendered: str = ""

    @property
    def exit_code(self) -> int:
        """Return the exit code of DESIGN §5 for this outcome."""
        return exit_code(self.journal)


def exit_code(journal: Journal) -> int:
    """Return the exit code of DESIGN §5 for the journal's status (the one place it is decided).

    ``align abort`` exits 0 when it restored everything (as ``git rebase --abort`` does), 1 when it
    could not restore a branch (someone else moved it meanwhile).
    """
    status = RunStatus(journal.status)
    if status is RunStatus.ABORTED and not journal.branch_restored:
        return 1
    return status.exit_code


def end(context: Context, status: RunStatus, message: str | None = None) -> Outcome:
    """End (or stop) the run with ``status``: report it, then archive or keep the journal.

    A paused run's journal must be written (``Unrecorded`` goes to the caller, which stops the run as
    ``error``); an interrupted or stopped one keeps the journal written before its step when this one
    cannot be written. A final status archives the journal; a problem doing so is a warning.
    """
    journal = context.journal
    journal.status = status
    if message is not None:
        journal.message = message
    if status is RunStatus.PAUSED:
        journal.paused_at = time.time()
    journal.exit_code = exit_code(journal)
    journal.duration_s = max(0.0, time.time() - journal.run.started_ts - journal.paused_s)
    _record_git(context)
    report.run(context)  # a report that cannot be written is a warning
    if status.final:
        problem = context.store.finish(journal)
        if problem:  # the run is finished all the same: a warning, printed after the summary
            journal.found.warnings.append(problem)
            context.rendered += f"\n  warning: {problem}" if context.rendered else ""
    elif status is RunStatus.PAUSED:
        context.save()
    else:
        with contextlib.suppress(Unrecorded):  # the journal on disk (before the step) is enough to finish the run
            context.save()
    return Outcome(
        journal=journal,
        guidance=tuple(context.guidance),
        warnings=tuple(context.warnings),
        rendered=context.rendered,
    )


def interrupted(context: Context) -> Outcome:
    """A signal stopped the run: report it and keep the journal (``align continue`` or ``align abort``)."""
    message = f"interrupted by a signal; run `{command('continue')}` to finish or `{command('abort')}` to undo"
    return end(context, RunStatus.INTERRUPTED, message)


def stuck(context: Context, error: AlignError) -> Outcome:
    """The journal cannot be written, or git failed while align was putting things back: stop right here.

    Nothing more is changed. The journal on disk (written before each step) is what ``align abort`` and
    ``align continue`` finish the run from once the cause is fixed (space freed, a folder made writable).
    """
    cause = error.reason if isinstance(error, Unrecorded) else error.one_line()
    what = "its journal could not be written" if isinstance(error, Unrecorded) else "git failed"
    if isinstance(error, Unrecorded):
        context.guidance.append(f"hint: {error.hint}")
    return end(
        context,
        RunStatus.ERROR,
        f"align stopped: {what} ({cause}); nothing more was changed. Once the cause is fixed (a full disk?), "
        f"`{command('abort')}` puts everything back and `{command('continue')}` finishes the run",
    )


def crashed(context: Context, error: Exception) -> Outcome:
    """A bug in align: keep the journal (``align abort`` undoes the run) and report status ``error``."""
    return end(
        context,
        RunStatus.ERROR,
        f"align stopped on an unexpected error ({type(error).__name__}: {error}); nothing more was changed: "
        f"`{command('abort')}` puts everything back, `{command('continue')}` tries again; please report this",
    )


def close_conflicts(journal: Journal) -> None:
    """Mark the conflicts still waiting for the user as ended by the rollback."""
    for conflict in journal.found.conflicts:
        if conflict.resolution == "pending":
            conflict.resolution = "aborted"


def _record_git(context: Context) -> None:
    """Add the git calls and time since the last record to the journal."""
    context.journal.git_calls += context.git.stats.calls
    context.journal.git_seconds += context.git.stats.seconds
    context.git.stats.calls = 0
    context.git.stats.seconds = 0.0
