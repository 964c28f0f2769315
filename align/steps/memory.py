"""``rebase`` with the in-memory engine: choose it, run it, move the refs in one transaction.

``why_disk`` names the first reason the memory engine could give another result than ``git rebase``
(or could not run at all); ``auto`` then uses the disk path, ``memory`` refuses. ``run`` replays the
branch with ``align.replay`` and moves it with one ``git update-ref --stdin`` (compare-and-swap). The
working tree, the index, HEAD and the stash list are never touched: a kill at any point leaves either
nothing moved, or the branch moved and the journal's reflog-named move for ``align abort`` to undo.

A branch checked out here is replayed the same way; then the branch moves, and ``git read-tree -m -u OLD
NEW`` moves the index and the files in one two-way merge (what ``git checkout`` does), instead of one
checkout per commit. The uncommitted work rides that merge when it can (``steps/carry.py``: no validate on
the tree, no path of the user's that the alignment changes); otherwise it goes to align's stash first, as
for the disk path, and the run is then where a disk rebase would leave it (branch at the new tip, clean
tree, the work in align's stash), so the rest — verify, validate, the stash put back, a rollback — is the same.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from align.context import Context, StepResult, StepStatus
from align.errors import Refusal
from align.git import Git
from align.invocation import command
from align.journal import Conflict, Dropped
from align.plan import NO_SUBMODULES
from align.recipe.model import Backup, OnConflict, Rebase
from align.replay import (
    MEMORY_VERSION,
    Conflicted,
    Replayed,
    Unsupported,
    as_git_labels,
    commits,
    committer_ident,
    replay,
)
from align.steps import backup, carry, conflict, local_files, stash

# The config that makes a rebase do what the memory engine does not: sign, re-encode, copy notes,
# renormalise or call a merge driver, or run hooks from elsewhere.
_CONFIG = (
    r"^(commit\.gpgsign|commit\.cleanup|i18n\.commitencoding|i18n\.logoutputencoding|notes\.rewriteref|merge\.renormalize"
    r"|merge\..+\.driver|core\.hookspath|pull\.twohead)$"
)
# Hooks git's rebase runs (pre-rebase, post-rewrite) or its picks may run (prepare-commit-msg, post-commit).
_HOOKS = ("pre-rebase", "post-rewrite", "prepare-commit-msg", "post-commit")
_FALSE = ("false", "no", "off", "0")
_UTF8 = ("utf-8", "utf8")


@dataclass(frozen=True, kw_only=True)
class Fallback:
    """The memory engine stands aside: the disk path aligns the branch, for this reason."""

    reason: str


def why_disk(context: Context, step: Rebase, *, merges: int) -> str | None:
    """Return why this run's rebase goes through the working tree, or None when memory gives git's result."""
    git, journal = context.git, context.journal
    if step.engine == "disk":
        return "the recipe asks for it (engine: disk)"
    if step.strategy == "merge":
        return "strategy: merge"
    if git.version()[:2] < MEMORY_VERSION:
        return f"git {'.'.join(map(str, git.version()[:3]))} has no `merge-tree --write-tree` (2.38 or newer)"
    if not journal.base:
        return f"{journal.run.branch} has no common history with {journal.run.onto}"
    if merges:
        return f"{journal.run.branch} has merge commits (rebase_merges)"
    if step.update_refs:
        return "update_refs: other branches move with it"
    here = journal.run.original_head == journal.run.ref  # (not here, validate runs in a temporary worktree)
    return _config_reason(git, checked_out=here) or _attributes_reason(context)


def run(context: Context, step: Rebase) -> StepResult | Fallback | None:
    """Align the branch in memory. Returns None when the branch moved (the rebase step finishes it), a
    ``StepResult`` for a conflict that ends the run, or a ``Fallback`` for the disk path to take over."""
    git, journal = context.git, context.journal
    try:
        originals, trees = commits(
            git, journal.onto_sha, journal.run.original_tip, journal.base, upstream=journal.run.upstream
        )
        committer = committer_ident(git)
        result = replay(git, journal.onto_sha, originals, trees, committer=committer, picked=context.monitor.progress)
    except Unsupported as error:
        return Fallback(reason=str(error))
    if isinstance(result, Conflicted):
        return _conflicted(context, step, result)
    here = journal.run.original_head == journal.run.ref
    at_risk = local_files.protect(context, journal.run.original_tip) if here else []
    if not journal.backup_ref:  # promise 1: a backup before any ref moves, even without a backup step
        backup.run(context, Backup())
    carried = here and not journal.stash and carry.possible(context, journal.run.original_tip, result.tip, at_risk)
    if here and not carried:  # the user's uncommitted work waits in align's stash, as for the disk path
        stash.save(git, journal, journal.run.original_tip, at_risk, record=context.save)
    journal.engine, journal.tree_moved, journal.carried, journal.new_tip = "memory", here, carried, result.tip
    journal.commits_after = len(result.rewritten)
    context.save()
    _move(context, result)
    if here:  # the working tree and index follow the branch (a two-way merge, as `git checkout` moves them)
        carry.move(git, journal.run.original_tip, result.tip)
    for item in result.left:
        if item.reason != "already upstream":  # as the disk path: only what git says it dropped is recorded
            journal.found.dropped.append(
                Dropped(commit=item.sha, short=item.sha[:12], subject=item.subject, reason=item.reason)
            )
    untouched = "the working tree followed in one checkout" if here else "the working tree was not touched"
    if carried:
        untouched += ", your uncommitted changes with it (no stash)"
    context.monitor.note(f"{len(result.rewritten)} commit(s) replayed in memory ({result.picks} merge(s)); {untouched}")
    return None


def moved(context: Context) -> bool:
    """After an interruption: tell whether this run's memory replay moved the branch already; if so, finish
    moving its working tree (a kill between the ref transaction and the checkout)."""
    git, journal = context.git, context.journal
    if journal.engine != "memory" or not journal.new_tip or git.commit_of(journal.run.ref) != journal.new_tip:
        return False
    if journal.tree_moved:
        carry.finish(git, journal.run.original_tip, journal.new_tip)
    return True


def _move(context: Context, result: Replayed) -> None:
    """Move the branch to the new tip, only from the tip align read (one transaction)."""
    git, journal = context.git, context.journal
    message = f"align {journal.run.run_id} (finish): rebase onto {journal.onto_sha} in memory"
    lines = f"update {journal.run.ref} {result.tip} {journal.run.original_tip}\n"
    moved = git.run("update-ref", "--create-reflog", "-m", message, "--stdin", stdin=lines, ok=(0, 1, 128))
    if moved.code != 0:
        raise Refusal(
            f"{journal.run.branch} moved since align read it (a commit made during the run?); align leaves it alone",
            hint="run align again; the new commit will be aligned with the others",
        )


def _conflicted(context: Context, step: Rebase, found: Conflicted) -> StepResult | Fallback:
    """A pick conflicts: end the run here when it would end anyway (``on_conflict: abort``); else let the
    disk path stop at it in the working tree, where the user resolves it."""
    journal = context.journal
    where = f"{found.commit[:12]} {found.subject}"
    aborting = context.options(OnConflict).action == "abort"
    if aborting and not (step.rerere and conflict.has_resolutions(context.git)):
        journal.engine = "memory"
        found = as_git_labels(context.git, found)  # a file moved aside is named as git's rebase names it
        files = [(path, conflict.KINDS.get(code, code)) for path, code in found.files]
        short = context.git.run("rev-parse", "--short", found.commit).stdout.strip()  # as git names it at a pause
        journal.found.conflicts.append(Conflict(commit=short, subject=found.subject, files=files))
        conflict.heard(context, "\n".join(found.messages))
        context.save()
        names = ", ".join(path for path, _ in found.files)
        return StepResult(status=StepStatus.CONFLICT, detail=f"conflict in {where}: {names} (found in memory)")
    if step.engine == "memory":
        raise Refusal(
            f"the rebase of {journal.run.branch} conflicts at {where}; engine: memory cannot pause in the working tree",
            hint=f"resolve it with `engine: auto` or `engine: disk`; `{command('plan')}` shows the conflict",
        )
    return Fallback(reason=f"a conflict at {where} is resolved in the working tree")


def _config_reason(git: Git, *, checked_out: bool) -> str | None:
    """Return the first setting that makes git's rebase differ from the memory engine (one git process)."""
    hooks = ""
    for key, value in git.config_matching(_CONFIG):
        if key == "commit.gpgsign" and value.lower() not in _FALSE:
            return "commit.gpgsign is set (git's rebase signs the commits)"
        if key == "commit.cleanup" and value in ("strip", "whitespace", "scissors"):  # as git spells them
            return f"commit.cleanup is {value} (git's rebase cleans up the messages)"
        if key.startswith("i18n.") and value.lower() not in _UTF8:
            return f"{key} is {value} (git re-encodes the messages)"
        if key == "notes.rewriteref":
            return "notes.rewriteRef is set (git copies notes to the rewritten commits)"
        if key == "merge.renormalize" and value.lower() not in _FALSE:
            return "merge.renormalize is set"
        if key.startswith("merge.") and key.endswith(".driver"):
            return f"a merge driver is configured ({key})"
        if key == "pull.twohead" and value != "ort":  # the sequencer's default strategy
            return f"pull.twohead is {value} (git's rebase merges with that strategy, not ort)"
        if key == "core.hookspath":
            hooks = value
    return _hook_reason(git, hooks, (*_HOOKS, "post-checkout") if checked_out else _HOOKS)


def _attributes_reason(context: Context) -> str | None:
    """Return why a ``.gitattributes`` could make a pick merge otherwise than in git's rebase (three git
    processes, none when no such file mentions a merge attribute).

    git 2.39's ``merge-tree`` reads ``merge``/``conflict-marker-size`` attributes (``binary`` sets
    ``-merge``) from the working tree it runs in, the user's; git's rebase reads them from the tree it
    checks out (the target, then each pick). Until the replay can give merge-tree the picked tree's
    attributes, a ``.gitattributes`` that may set one, here, in the target or in the branch's changes,
    sends the run to disk. (A macro defined in info/attributes or core.attributesFile is not seen.)"""
    git, journal = context.git, context.journal
    pattern, files = r"merge|conflict-marker-size|binary|\[attr\]", "*.gitattributes"
    searches = (
        ("grep", "-q", "--untracked", "--no-exclude-standard", "-E", "-e", pattern, "--", files),  # the user's
        ("grep", "-q", "-E", "-e", pattern, journal.onto_sha, "--", files),  # the target's
    )
    for args in searches:
        if git.run(*NO_SUBMODULES, *args, ok=(0, 1)).code == 0:  # (grep --untracked refuses submodule.recurse)
            return "a .gitattributes file sets merge attributes (git's rebase reads them from the tree it checks out)"
    changed = f"{journal.base}..{journal.run.original_tip}"
    if git.run("log", "--format=%H", "-G", pattern, changed, "--", files).stdout.strip():
        return "the branch changes merge attributes in a .gitattributes file"
    return None


def _hook_reason(git: Git, configured: str, names: tuple[str, ...]) -> str | None:
    folder = Path(os.path.expanduser(configured)) if configured else git.git_path("hooks")
    if configured and not folder.is_absolute():
        folder = git.cwd / folder
    for name in names:
        hook = folder / name
        if hook.is_file() and os.access(hook, os.X_OK):
            return f"a {name} hook is installed"
    return None
