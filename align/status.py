"""How a run and a step end: the one list of statuses, each run status with its exit code (DESIGN §5).

A run's status is written in its journal and its report (``schemas/report.schema.json`` lists the same
values; a test keeps the two in step). The enums are ``StrEnum``s: they compare equal to, and are written
to JSON as, their plain string values.
"""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """Where a run is, or how it ended."""

    RUNNING = "running"
    ALIGNED = "aligned"
    UP_TO_DATE = "up_to_date"
    PAUSED = "paused"
    CONFLICT_ABORTED = "conflict_aborted"
    FAILED_ROLLED_BACK = "failed_rolled_back"
    FAILED_KEPT = "failed_kept"
    ABORTED = "aborted"
    INTERRUPTED = "interrupted"
    REFUSED = "refused"
    SKIPPED = "skipped"  # a batch's branch not started: its parent in the batch did not align
    ERROR = "error"

    @property
    def exit_code(self) -> int:
        """The exit code of DESIGN §5 (``align abort`` that could not restore a branch: see ``Journal``)."""
        return _EXIT_CODES[self]

    @property
    def final(self) -> bool:
        """True when the run is over: its journal is archived and ``align continue`` has nothing to do.

        ``error`` is not final: a run stopped on a journal it cannot write, or on a bug, keeps its journal
        so that ``align abort`` or ``align continue`` can finish it.
        """
        return self not in (RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.INTERRUPTED, RunStatus.ERROR)

    @property
    def undoable(self) -> bool:
        """True when ``align undo`` can put the branch back as it was before the run."""
        return self in (RunStatus.ALIGNED, RunStatus.FAILED_KEPT)

    @property
    def succeeded(self) -> bool:
        """True when the branch is aligned (or already was)."""
        return self in (RunStatus.ALIGNED, RunStatus.UP_TO_DATE)


_EXIT_CODES = {
    RunStatus.RUNNING: 1,  # never the status of an ended command: a run stopped by a bug shows as ``error``
    RunStatus.ALIGNED: 0,
    RunStatus.UP_TO_DATE: 0,
    RunStatus.PAUSED: 3,
    RunStatus.CONFLICT_ABORTED: 1,
    RunStatus.FAILED_ROLLED_BACK: 1,
    RunStatus.FAILED_KEPT: 1,
    RunStatus.ABORTED: 0,  # everything restored, as `git rebase --abort`
    RunStatus.INTERRUPTED: 130,
    RunStatus.REFUSED: 4,
    RunStatus.SKIPPED: 1,
    RunStatus.ERROR: 1,
}


class StepStatus(StrEnum):
    """How one step (or a handler: ``on_conflict``, ``on_fail``, ``abort``) ended, as a phase of the run."""

    OK = "ok"
    SKIPPED = "skipped"
    UP_TO_DATE = "up_to_date"
    CONFLICT = "conflict"
    FAILED = "failed"
    ABORTED = "aborted"  # on_conflict: abort


def worst(codes: list[int]) -> int:
    """Return the exit code of a command that ran several branches: a pause or an interruption (which stop
    the command) else the highest code (DESIGN §5: 1 when at least one branch failed)."""
    for stopping in (130, 3):
        if stopping in codes:
            return stopping
    return max(codes, default=0)
