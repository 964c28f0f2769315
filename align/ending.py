"""How a run ends (or stops): the exit codes, the outcome, the last report and what is kept of the journal."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from align.errors import AlignError
from align.invocation import command
from align.state import FINAL, Journal, Unrecorded

if TYPE_CHECKING:
    from align.engine import Context

EXIT_CODES = {
    "aligned": 0,
    "up_to_date": 0,
    "paused": 3,
    "conflict_aborted": 1,
    "failed_rolled_back": 1,
    "failed_kept": 1,
    "aborted": 0,  # everything restored, as `git rebase --abort`; 1 when a branch could not be (exit_code())
    "interrupted": 130,
    "refused": 4,
    "error": 1,
}


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
    """Return the exit code of DESIGN §5 for the journal's status.

    ``align abort`` exits 0 when it restored everything (as ``git rebase --abort`` does), 1 when it
    could not restore a branch (someone else moved it meanwhile).
    """
    if journal.status == "aborted" and not journal.branch_restored:
        return 1
    return EXIT_CODES.get(journal.status, 1)


def finish(context: Context) -> Outcome:
    """Run the report step (always last), archive the journal, return the outcome."""
    from align.steps import report

    journal = context.journal
    stop_clock(journal)
    record_git(context)
    report.run(context)
    if journal.status in FINAL:
        problem = context.store.finish(journal)
        if problem:  # the run is finished all the same: a warning, printed after the summary
            journal.warnings.append(problem)
            context.rendered += f"\n  warning: {problem}" if context.rendered else ""
    else:
        context.save()
    return outcome(context)


def interrupted(context: Context) -> Outcome:
    """A signal stopped the run: report it and keep the journal (``align continue`` or ``align abort``)."""
    from align.steps import report

    context.journal.status = "interrupted"
    context.journal.message = (
        f"interrupted by a signal; run `{command('continue')}` to finish or `{command('abort')}` to undo"
    )
    stop_clock(context.journal)
    record_git(context)
    report.run(context)
    with contextlib.suppress(Unrecorded):  # the journal on disk (before the step) is enough to finish the run
        context.save()
    return outcome(context)


def stuck(context: Context, error: AlignError) -> Outcome:
    """The journal cannot be written, or git failed while align was putting things back: stop right here.

    Nothing more is changed. The journal on disk (written before each step) is what ``align abort`` and
    ``align continue`` finish the run from once the cause is fixed (space freed, a folder made writable).
    """
    from align.steps import report

    journal = context.journal
    journal.status = "error"
    cause = error.reason if isinstance(error, Unrecorded) else error.one_line()
    what = "its journal could not be written" if isinstance(error, Unrecorded) else "git failed"
    journal.message = (
        f"align stopped: {what} ({cause}); nothing more was changed. Once the cause is fixed (a full disk?), "
        f"`{command('abort')}` puts everything back and `{command('continue')}` finishes the run"
    )
    stop_clock(journal)
    record_git(context)
    if isinstance(error, Unrecorded):
        context.guidance.append(f"hint: {error.hint}")
    report.run(context)  # a report that cannot be written is a warning
    with contextlib.suppress(Unrecorded):  # the journal as it is now, when it can be written after all
        context.save()
    return outcome(context)


def crashed(context: Context, error: Exception) -> None:
    """A bug in align: keep the journal (``align abort`` undoes the run) and report status ``error``."""
    from align.steps import report

    journal = context.journal
    journal.status = "error"
    journal.message = (
        f"align stopped on an unexpected error ({type(error).__name__}: {error}); nothing more was changed: "
        f"`{command('abort')}` puts everything back, `{command('continue')}` tries again; please report this"
    )
    stop_clock(journal)
    record_git(context)
    report.run(context)
    with contextlib.suppress(Unrecorded):  # the journal on disk (before the step) is enough for abort
        context.save()


def close_conflicts(journal: Journal) -> None:
    """Mark the conflicts still waiting for the user as ended by the rollback."""
    for conflict in journal.conflicts:
        if conflict.resolution == "pending":
            conflict.resolution = "aborted"


def outcome(context: Context) -> Outcome:
    """Return the outcome of the run in ``context``."""
    return Outcome(
        journal=context.journal,
        guidance=tuple(context.guidance),
        warnings=tuple(context.warnings),
        rendered=context.rendered,
    )


def stop_clock(journal: Journal) -> None:
    """Set the exit code of the journal's status and the run's duration so far (pauses left out)."""
    journal.exit_code = exit_code(journal)
    journal.duration_s = max(0.0, time.time() - journal.started_ts - journal.paused_s)


def record_git(context: Context) -> None:
    """Add the git calls and time since the last record to the journal."""
    context.journal.git_calls += context.git.stats.calls
    context.journal.git_seconds += context.git.stats.seconds
    context.git.stats.calls = 0
    context.git.stats.seconds = 0.0
