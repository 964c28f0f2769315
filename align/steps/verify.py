"""``verify``: check the aligned branch; a failed check goes to ``on_fail``.

This module has the checks that need only the refs: ``clean_state``, ``contains_target``,
``linear``, ``backup_reachable`` and ``no_conflict_markers``. The history checks
(``patches_preserved``, ``metadata_preserved``, ``tree_matches_merge``) come with the
verification work and are reported as not run until then.
"""

from __future__ import annotations

from collections.abc import Callable

from align.engine import Context, StepResult
from align.plan import operation_in_progress
from align.recipe.model import Verify

MAX_PATHS = 1000  # files named on one command line, at most
Check = Callable[[Context], str | None]  # None: passed; text: why it failed


def run(context: Context, step: Verify) -> StepResult:
    """Run each check the recipe names; fail with every failed check's reason."""
    journal = context.journal
    if not journal.new_tip or journal.new_tip == journal.original_tip:
        return StepResult(status="skipped", detail="nothing was rewritten")
    failed, passed, pending = [], [], []
    for name in step.checks:
        check = CHECKS.get(name)
        if check is None:
            pending.append(name)
            continue
        problem = check(context)
        if problem is None:
            passed.append(name)
        else:
            failed.append(f"{name}: {problem}")
    if pending:
        context.warnings.append(f"verify: not run yet by this version of align: {', '.join(pending)}")
    if failed:
        return StepResult(status="failed", detail="verify failed: " + "; ".join(failed))
    return StepResult(status="ok", detail=f"{len(passed)} check(s) passed: {', '.join(passed)}")


def _clean_state(context: Context) -> str | None:
    operation = operation_in_progress(context.git_dir)
    if operation is not None:
        return f"{operation} is still in progress"
    unmerged = context.git.unmerged()
    return f"unmerged paths: {', '.join(path for path, _ in unmerged)}" if unmerged else None


def _contains_target(context: Context) -> str | None:
    journal = context.journal
    result = context.git.run("merge-base", "--is-ancestor", journal.onto_sha, journal.new_tip, ok=(0, 1))
    return None if result.code == 0 else f"{journal.onto} ({journal.onto_sha[:12]}) is not in the new branch"


def _linear(context: Context) -> str | None:
    journal = context.journal
    rebase = context.step("rebase")
    if rebase.strategy == "merge" or rebase.rebase_merges:
        return None
    merges = context.git.run("rev-list", "--count", "--min-parents=2", f"{journal.onto_sha}..{journal.new_tip}", "--")
    count = int(merges.stdout.strip() or 0)
    return f"{count} merge commit(s) between {journal.onto} and the new tip" if count else None


def _backup_reachable(context: Context) -> str | None:
    journal = context.journal
    if not journal.backup_ref:
        return "no backup was made"
    sha = context.git.commit_of(journal.backup_ref)
    return None if sha == journal.original_tip else f"{journal.backup_ref} does not point at the pre-run tip"


def _no_conflict_markers(context: Context) -> str | None:
    journal = context.journal
    pattern = "^(<<<<<<<|>>>>>>>)( |$)"
    # Files whose changes add (or remove) a marker line; then which of them still hold one.
    changed = context.git.run(
        "diff", "--name-only", "-z", "--no-renames", "-G", pattern, journal.onto_sha, journal.new_tip
    )
    paths = [path for path in changed.stdout.split("\0") if path][:MAX_PATHS]
    if not paths:
        return None
    literal = ("--literal-pathspecs", "grep", "-l", "-E", "-e", pattern, journal.new_tip, "--", *paths)
    result = context.git.run(*literal, ok=(0, 1))
    files = [line.split(":", 1)[1] for line in result.stdout.splitlines() if ":" in line]
    return f"conflict markers in {', '.join(files)}" if files else None


CHECKS: dict[str, Check] = {
    "clean_state": _clean_state,
    "contains_target": _contains_target,
    "linear": _linear,
    "backup_reachable": _backup_reachable,
    "no_conflict_markers": _no_conflict_markers,
}
