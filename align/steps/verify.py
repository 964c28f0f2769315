"""``verify``: prove the aligned branch is what it should be; a failed check goes to ``on_fail``.

Each check is named, timed and kept in the journal (``journal.found.checks``) for the report:

- ``no_conflict_markers``: no ``<<<<<<<``/``>>>>>>>`` line in the files the alignment changed;
- ``clean_state``: no unmerged path, no rebase or merge in progress;
- ``contains_target``: the target's tip is an ancestor of the new tip;
- ``linear``: no merge commit between the target and the new tip (unless merges were kept);
- ``backup_reachable``: the backup ref points at the pre-run tip;
- ``patches_preserved``: every old commit is in the new branch, upstream, or dropped with a reason
  (see ``align.steps.patches``);
- ``metadata_preserved``: each rewritten commit keeps its author, author date and message;
- ``tree_matches_merge``: the new tree equals ``git merge-tree --write-tree TARGET BACKUP``; a
  difference is a warning naming the paths, or a failure with ``strict: true``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from align.context import Context, StepResult, StepStatus
from align.journal import Accounting, CheckRecord
from align.recipe.model import Rebase, Verify
from align.steps import patches

MERGE_TREE_VERSION = (2, 38)
SHOWN = 5  # commits or paths named in a check's one-line detail, at most
Verdict = tuple[str, str]  # (passed | failed | warning | skipped, detail)
Check = Callable[[Context, Verify], Verdict | str | None]  # None: passed; text: why it failed


def run(context: Context, step: Verify) -> StepResult:
    """Run each check the recipe names, timing each; fail with every failed check's reason."""
    journal = context.journal
    if not journal.new_tip or journal.new_tip == journal.run.original_tip:
        return StepResult(status=StepStatus.SKIPPED, detail="nothing was rewritten")
    journal.found.checks = []
    failed, passed = [], []
    for name in step.checks:
        started = time.perf_counter()
        verdict = CHECKS[name](context, step)
        status, detail = verdict if isinstance(verdict, tuple) else ("failed", verdict) if verdict else ("passed", "")
        elapsed = round(time.perf_counter() - started, 4)
        check = CheckRecord(check=name, ok=status != "failed", status=status, detail=detail, duration_s=elapsed)
        journal.found.checks.append(check)
        if status == "failed":
            failed.append(f"{name}: {detail}")
        else:
            passed.append(name)
        if status == "warning":
            context.warnings.append(f"verify: {name}: {detail}")
            context.monitor.warn(f"{name}: {detail}")
    context.save()
    if failed:
        return StepResult(status=StepStatus.FAILED, detail="verify failed: " + "; ".join(failed))
    others = [f"{item.check} {item.status}" for item in journal.found.checks if item.status != "passed"]
    detail = f"{len(passed) - len(others)} check(s) passed: {', '.join(passed)}"
    return StepResult(status=StepStatus.OK, detail=detail + (f" ({', '.join(others)})" if others else ""))


def _clean_state(context: Context, step: Verify) -> str | None:
    operation = context.git.operation_in_progress()
    if operation is not None:
        return f"{operation} is still in progress"
    unmerged = context.git.unmerged()
    return f"unmerged paths: {', '.join(path for path, _ in unmerged)}" if unmerged else None


def _contains_target(context: Context, step: Verify) -> str | None:
    journal = context.journal
    missing, _ = _sides(context)
    return None if not missing else f"{journal.run.onto} ({journal.onto_sha[:12]}) is not in the new branch"


def _linear(context: Context, step: Verify) -> str | None:
    journal = context.journal
    rebase = context.options(Rebase)
    if rebase.strategy == "merge" or rebase.rebase_merges:
        return None
    _, merges = _sides(context)
    return f"{merges} merge commit(s) between {journal.run.onto} and the new tip" if merges else None


def _sides(context: Context) -> tuple[int, int]:
    """Return how many commits of the target the new tip lacks, and how many merge commits it has on top.

    One question for ``contains_target`` and ``linear``: git answers it once per run (``align.gitmemo``).
    """
    journal = context.journal
    walked = context.git.run("rev-list", "--left-right", "--parents", f"{journal.onto_sha}...{journal.new_tip}", "--")
    lines = walked.stdout.splitlines()
    return sum(line.startswith("<") for line in lines), sum(
        line.startswith(">") and line.count(" ") > 1 for line in lines
    )


def _backup_reachable(context: Context, step: Verify) -> str | None:
    journal = context.journal
    if not journal.backup_ref:
        return "no backup was made"
    sha = context.git.commit_of(journal.backup_ref)
    return None if sha == journal.run.original_tip else f"{journal.backup_ref} does not point at the pre-run tip"


def _no_conflict_markers(context: Context, step: Verify) -> str | None:
    journal = context.journal
    pattern = "^(<<<<<<<|>>>>>>>)( |$)"
    # Files whose changes add (or remove) a marker line; then which of them still hold one.
    changed = context.git.run(
        "diff", "--name-only", "-z", "--no-renames", "-G", pattern, journal.onto_sha, journal.new_tip
    )
    paths = [path for path in changed.stdout.split("\0") if path][: patches.MAX_PATHS]
    if not paths:
        return None
    literal = ("--literal-pathspecs", "grep", "-l", "-E", "-e", pattern, journal.new_tip, "--", *paths)
    result = context.git.run(*literal, ok=(0, 1))
    files = [line.split(":", 1)[1] for line in result.stdout.splitlines() if ":" in line]
    return f"conflict markers in {', '.join(files)}" if files else None


def _patches_preserved(context: Context, step: Verify) -> Verdict:
    found = _accounting(context)
    parts = [f"{len(found.preserved) + found.unchanged} preserved"]
    for name, items in (
        ("changed", found.changed),
        ("already upstream", found.upstream),
        ("dropped", found.dropped),
        ("added by hand", found.added),
    ):
        if items:
            parts.append(f"{len(items)} {name}")
    if found.lost:
        lost = ", ".join(f"{item.sha[:12]} {item.subject}" for item in found.lost[:SHOWN])
        more = f" and {len(found.lost) - SHOWN} more" if len(found.lost) > SHOWN else ""
        return "failed", f"{len(found.lost)} commit(s) lost: {lost}{more} ({', '.join(parts)})"
    return "passed", ", ".join(parts)


def _metadata_preserved(context: Context, step: Verify) -> Verdict:
    found = _accounting(context)
    if found.metadata:
        shown = "; ".join(found.metadata[:SHOWN]) + (" ..." if len(found.metadata) > SHOWN else "")
        return "failed", shown
    rewritten = len(found.preserved) + len(found.changed)
    return "passed", f"author, author date and message kept in {rewritten} rewritten commit(s)"


def _tree_matches_merge(context: Context, step: Verify) -> Verdict:
    journal, git = context.journal, context.git
    if git.version()[:2] < MERGE_TREE_VERSION:
        return "skipped", "needs git 2.38 or newer (git merge-tree --write-tree)"
    merged = git.run(
        "merge-tree", "--write-tree", "--no-messages", _merge_side(context), journal.run.original_tip, ok=(0, 1)
    )
    if merged.code == 1:
        return "skipped", "merging the target and the backup conflicts: the trees are not comparable"
    tree = merged.stdout.split("\n", 1)[0].strip()
    differ = git.run("diff", "--name-only", "-z", "--no-renames", tree, journal.new_tip, "--").stdout
    paths = [path for path in differ.split("\0") if path]
    if not paths:
        return "passed", "the new tree is the merge of the target and the backup"
    shown = ", ".join(paths[:SHOWN]) + (f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else "")
    detail = f"the new tree differs from the merge of the target and the backup in {len(paths)} path(s): {shown}"
    return ("failed" if step.strict else "warning"), detail


def _merge_side(context: Context) -> str:
    """Return the target's side of the merge: the target's tip, or for a stacked branch (its own commits
    start at ``upstream``) a throw-away commit with the target's tree whose only parent is ``upstream``, so
    that the merge's base is ``upstream``, as ``merge-tree --merge-base`` (git 2.40) would make it."""
    journal, git = context.journal, context.git
    if not journal.run.upstream:
        return journal.onto_sha
    tree = git.run("rev-parse", f"{journal.onto_sha}^{{tree}}").stdout.strip()
    who = "align <align@localhost> 0 +0000"
    body = f"tree {tree}\nparent {journal.run.upstream}\nauthor {who}\ncommitter {who}\n\nalign verify\n"
    return git.run("hash-object", "-t", "commit", "-w", "--stdin", stdin=body).stdout.strip()


def _accounting(context: Context) -> Accounting:
    """Return where each old commit went, computed once per verify step and kept in the journal."""
    found = context.accounting
    if found is None:
        found = patches.account(context.git, context.journal)
        context.accounting = found
        context.journal.found.patches = found
    return found


CHECKS: dict[str, Check] = {
    "clean_state": _clean_state,
    "contains_target": _contains_target,
    "linear": _linear,
    "backup_reachable": _backup_reachable,
    "no_conflict_markers": _no_conflict_markers,
    "patches_preserved": _patches_preserved,
    "metadata_preserved": _metadata_preserved,
    "tree_matches_merge": _tree_matches_merge,
}
