"""``backup``: save the branch tip as ``refs/align/backups/<branch>/<utc-timestamp>``."""

from __future__ import annotations

import time

from align.context import Context, StepResult, StepStatus
from align.errors import AlignError
from align.git import ZERO, Git
from align.recipe.model import Backup

PREFIX = "refs/align/backups/"


def run(context: Context, step: Backup) -> StepResult:
    """Save the branch tip (once per run), before any ref moves."""
    journal = context.journal
    if not journal.backup_ref:
        why = f"before align run {journal.run_id}"
        journal.backup_ref = save(context.git, journal.branch, journal.original_tip, why)
        context.save()
    return StepResult(status=StepStatus.OK, detail=f"saved {journal.original_tip[:12]} as {journal.backup_ref}")


def save(git: Git, branch: str, sha: str, why: str) -> str:
    """Create a new backup ref of ``branch`` at ``sha`` and return its name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for attempt in range(100):
        ref = f"{PREFIX}{branch}/{stamp}" + (f"-{attempt}" if attempt else "")
        if git.update_ref(ref, sha, ZERO, f"align backup of refs/heads/{branch} {why}"):
            return ref
    raise AlignError(f"cannot create a backup ref for {branch!r}", hint="`align backups prune` removes old ones")
