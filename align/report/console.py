"""The console report: a compact summary a person reads at the end of a run."""

from __future__ import annotations

from collections.abc import Sequence

from align.state import Journal

HEADLINES = {
    "aligned": "aligned",
    "up_to_date": "already up to date",
    "paused": "paused at a conflict",
    "conflict_aborted": "conflict: run aborted, everything rolled back",
    "failed_rolled_back": "failed: everything rolled back",
    "failed_kept": "failed: state kept as it is (on_fail: keep)",
    "aborted": "aborted: everything rolled back",
    "interrupted": "interrupted",
    "refused": "refused",
    "error": "error",
}


def render(journal: Journal, guidance: Sequence[str] = (), warnings: Sequence[str] = ()) -> str:
    """Return the summary: outcome, commits before -> after, conflicts, phases, git use, next steps."""
    onto = f"{journal.onto} ({journal.onto_sha[:12]})" if journal.onto_sha else journal.onto
    headline = HEADLINES.get(journal.status, journal.status)
    if not journal.branch_restored:
        headline = headline.replace("everything rolled back", f"rolled back, except {journal.branch}, moved meanwhile")
    lines = [f"align: {journal.branch} onto {onto}: {headline}"]
    if journal.new_tip and journal.new_tip != journal.original_tip:
        lines.append(
            f"  commits: {journal.original_tip[:12]} ({journal.commits_before}) -> "
            f"{journal.new_tip[:12]} ({journal.commits_after})"
        )
    if journal.backup_ref:
        lines.append(f"  backup:  {journal.backup_ref}")
    if journal.message and journal.status not in ("aligned", "up_to_date", "paused"):
        lines.append(f"  why:     {journal.message}")
    for conflict in journal.conflicts:
        files = ", ".join(f"{path} ({kind})" for path, kind in conflict.files)
        lines.append(f"  conflict {conflict.commit} {conflict.subject}: {files} [{conflict.resolution}]")
    for dropped in journal.dropped:
        lines.append(f"  dropped {dropped.get('short', '?')} {dropped.get('subject', '')} ({dropped.get('reason')})")
    if journal.phases:
        phases = ", ".join(f"{phase.name} {phase.status} {phase.duration_s:.2f}s" for phase in journal.phases)
        lines.append(f"  phases:  {phases}")
    lines.append(f"  git:     {journal.git_calls} calls, {journal.git_seconds:.2f} s; run {journal.run_id}")
    lines += [f"  warning: {text}" for text in warnings]
    lines += guidance
    return "\n".join(lines)
