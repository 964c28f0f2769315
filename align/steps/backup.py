"""``backup``: save the branch tip as ``refs/align/backups/<branch>/<utc-timestamp>``."""

from __future__ import annotations

from align.context import Context, StepResult, StepStatus
from align.recipe.model import Backup
from align.refs import save_backup


def run(context: Context, step: Backup) -> StepResult:
    """Save the branch tip (once per run), before any ref moves."""
    journal = context.journal
    if not journal.backup_ref:
        why = f"before align run {journal.run.run_id}"
        journal.backup_ref = save_backup(context.git, journal.run.branch, journal.run.original_tip, why)
        context.save()
    return StepResult(status=StepStatus.OK, detail=f"saved {journal.run.original_tip[:12]} as {journal.backup_ref}")
