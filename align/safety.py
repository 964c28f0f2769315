"""The checks before a run starts: every refusal (exit 4) and usage error (exit 2) found before anything moves."""

from __future__ import annotations

import os
from pathlib import Path

from align import invocation
from align.errors import Refusal
from align.git import Git
from align.invocation import command
from align.plan import Plan, refuse_unmovable
from align.state import Store
from align.steps.registry import ACTIONS

# An intent-to-add entry (``git add -N``) is staged as the empty blob (SHA-1 and SHA-256 repositories).
EMPTY_BLOBS = frozenset(
    ("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813")
)


def refuse_unsafe(git: Git, store: Store, plan: Plan) -> None:
    """Refuse (exit 4, nothing touched) a run that cannot start safely."""
    journal = store.journal()
    if journal is not None:
        if journal.run.invoked_as:
            invocation.use(journal.run.invoked_as)
        raise Refusal(
            f"an align run on {journal.run.branch!r} is {journal.status} "
            f"(run {journal.run.run_id}, step {journal.step})",
            hint=f"finish it first: `{command('continue')}`, `{command('skip')}` or `{command('abort')}` "
            f"(`{command('status')}` shows it)",
        )
    refuse_unmovable(git, plan.location, plan.ref, need_clean=False)  # align stashes what it must
    operation = git.operation_in_progress()
    if operation is not None:
        raise Refusal(
            f"{operation} is in progress that align did not start; align leaves it alone",
            hint="finish or abort it with git first (`git status` says how), then run align again",
        )
    refuse_hidden_index_state(git, plan.location.root)
    for step in plan.recipe.steps:  # each step kind's own checks (align.steps.registry), in recipe order
        action = ACTIONS.get(step.kind)
        if action is not None:
            action.preflight(git, plan, step)


def refuse_hidden_index_state(git: Git, root: Path) -> None:
    """Refuse index entries that a stash cannot keep or that hide changes from it (exit 4, nothing touched).

    An unmerged index (a conflict left by ``git stash pop`` or ``checkout -m``) and intent-to-add
    entries (``git add -N``) cannot be stashed; assume-unchanged and skip-worktree files hide their
    changes from ``git status``, so a checkout could overwrite them unseen.
    """
    staged = git.run("ls-files", "-z", "--stage", "-v", "--full-name", "--", ":/").stdout
    unmerged: set[str] = set()
    assumed, skipped = [], []
    empty = False  # an entry with the empty blob: perhaps intent-to-add (asked below only then)
    for entry in staged.split("\0"):
        if not entry:
            continue
        info, _, path = entry.partition("\t")
        fields = info.split(" ")
        tag, stage = fields[0], fields[-1]
        empty = empty or fields[2] in EMPTY_BLOBS
        if stage != "0":
            unmerged.add(path)
        elif tag.islower():
            assumed.append(path)
        elif tag == "S" and os.path.lexists(root / path):  # a sparse checkout's absent files are fine
            skipped.append(path)
    if unmerged:
        raise Refusal(
            f"the index has unresolved conflicts (not from a rebase or merge): {_shown(sorted(unmerged))}",
            hint="resolve them and `git add` the files (or `git reset --merge`), then run align again",
        )
    added = git.run("diff", "--name-only", "-z", "--no-renames", "--diff-filter=A").stdout if empty else ""
    intended = [path for path in added.split("\0") if path]
    if intended:
        raise Refusal(
            f"intent-to-add entries (`git add -N`) cannot be kept aside by align: {_shown(intended)}",
            hint=f"`git add -- {intended[0]}` (stage it) or `git rm --cached -- {intended[0]}` (untrack it), "
            "then run align again",
        )
    if assumed or skipped:
        flag = "--no-assume-unchanged" if assumed else "--no-skip-worktree"
        kind = "assume-unchanged" if assumed else "skip-worktree"
        paths = assumed or skipped
        raise Refusal(
            f"{kind} files hide their changes from git, so align could neither keep them aside nor see a "
            f"checkout overwrite them: {_shown(paths)}",
            hint=f"`git update-index {flag} -- {paths[0]}` for each (align then keeps their changes aside "
            "and restores them), run align, and set the flag again afterwards",
        )


def _shown(paths: list[str]) -> str:
    return ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
