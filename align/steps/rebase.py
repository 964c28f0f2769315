"""``rebase``: move the branch onto the target (``strategy: rebase``) or merge the target in (``merge``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from align import shallow
from align.context import Context, StepResult, StepStatus
from align.errors import Refusal
from align.git import Git
from align.invocation import command
from align.journal import Dropped
from align.plan import NO_SUBMODULES, onto_commit
from align.recipe.model import Backup, Rebase, Verify
from align.refs import save_backup
from align.steps import backup, conflict, handled, local_files, memory, progress, rollback, stale, stash

UPDATE_REFS_VERSION = (2, 38)
MAX_AUTO_CONTINUE = 1000  # rerere resolutions continued in one go, at most
# git's sequencer drops a commit that has nothing left to apply (``--empty=drop``) and says so.
_EMPTIED = re.compile(r"dropping ([0-9a-f]{40,64}) ([^\r\n]*) -- patch contents already upstream")


def run(context: Context, step: Rebase) -> StepResult:
    """Align the branch: stash, switch to it, rebase or merge, then switch back and unstash."""
    git, journal = context.git, context.journal
    if journal.started_rebase:  # resumed after an interruption
        return resume(context, step, "continue")
    if memory.moved(context):  # resumed after an interruption that came once the memory run moved the branch
        return _finish(context)
    onto = resolve_onto(context, journal.run.onto_ref)
    behind, ahead, merges, base = git.counts(onto, journal.run.original_tip, journal.run.upstream)
    if base is None and shallow.is_shallow(context.store.root.parent):  # not "both added" everywhere: say why
        raise shallow.no_merge_base(journal.run.branch, journal.run.onto, journal.run.remote)
    journal.onto_sha, journal.base = onto, base or ""
    journal.commits_before = journal.commits_after = ahead
    if behind == 0:
        return StepResult(
            status=StepStatus.UP_TO_DATE, detail=f"{journal.run.branch} already contains {journal.run.onto}"
        )
    if step.strategy == "rebase" and not step.rebase_merges:
        refuse_flattening(journal.run.branch, merges, journal.run.onto)
    if step.update_refs and git.version()[:2] < UPDATE_REFS_VERSION:
        raise Refusal("`update_refs: true` needs git 2.38 or newer", hint="upgrade git or set `update_refs: false`")
    reason = memory.why_disk(context, step, merges=merges)
    if reason is None:
        done = memory.run(context, step)
        if done is None:
            return _finish(context, known=True)
        if isinstance(done, StepResult):
            return done
        reason = done.reason
    if step.engine == "memory":
        raise Refusal(
            f"engine: memory cannot align {journal.run.branch}: {reason}",
            hint="set `engine: auto` in the rebase step to let the working tree take over in such cases",
        )
    journal.engine, journal.engine_reason = "disk", reason
    head = (
        journal.run.original_tip
        if journal.run.original_head == journal.run.ref
        else git.commit_of(journal.run.original_head)
    )
    at_risk = local_files.protect(context, head or "")
    if not journal.backup_ref:  # promise 1: a backup before any ref moves, even without a backup step
        backup.run(context, Backup())
    if step.update_refs:
        _save_stacked(context)
    stash.save(git, journal, head or "", at_risk, record=context.save)
    if journal.run.original_head != journal.run.ref:
        git.run(*NO_SUBMODULES, "switch", "--quiet", "--no-guess", "--end-of-options", journal.run.branch)
    if git.commit_of(journal.run.ref) != journal.run.original_tip:
        raise Refusal(
            f"{journal.run.branch} moved since align read it (a commit made during the run?); align leaves it alone",
            hint="run align again; the new commit will be aligned with the others",
        )
    journal.started_rebase = True
    context.save()
    context.monitor.note(f"{ahead} commit(s) onto {behind} new commit(s) of {journal.run.onto}")
    return _outcome(context, step, _start(context, step))


def resume(context: Context, step: Rebase, action: str) -> StepResult:
    """Continue or skip after a conflict (or after an interruption), from the journal."""
    git, journal = _acting(context), context.journal
    merging = step.strategy == "merge"
    stale.clear_locks(context)  # left by a git process align stopped (an interruption), if unchanged since
    if journal.status != "paused" and _in_progress(context, step):
        stale.clear_rewritten(context, journal.run.original_tip)  # written by a stopped git before its index
    if action == "continue" and restartable(context):
        return _restart(context, step)
    handled.settle_pending(context, merging=merging)  # the user may have gone on with git during the pause
    if not _in_progress(context, step):
        return _finish(context)  # git finished (or the user finished it with git)
    if action == "skip":
        if merging:
            raise Refusal(
                "a merge has no commit to skip",
                hint=f"resolve the conflicts and `{command('continue')}`, or `{command('abort')}`",
            )
        current = conflict.current_commit(context)
        result = git.run(*NO_SUBMODULES, "rebase", "--skip", ok=(0, 1, 128), on_stderr=progress.callback(context, step))
        conflict.heard(context, result.stdout)
        journal.found.dropped.append(conflict.dropped(current, "skipped by the user"))
        _record_emptied(context, result.stderr)
        if journal.found.conflicts and journal.found.conflicts[-1].resolution == "pending":
            journal.found.conflicts[-1].resolution = "skipped"
        return _outcome(context, step, result.stderr if result.code else None)
    conflict.require_resolved(context)
    if journal.found.conflicts and journal.found.conflicts[-1].resolution == "pending":
        journal.found.conflicts[-1].resolution = "resolved by the user"
    return _outcome(context, step, _continue(context, step, by_user=True))


def restartable(context: Context) -> bool:
    """Tell whether an interrupted rebase or merge holds nothing of the user's, so it can start over.

    git stopped in the middle of a pick may leave a state its own ``--continue`` gets wrong (a commit
    lost, a message missing); without a resolution of the user's inside, starting again is exact.
    """
    journal = context.journal
    if journal.status == "paused" or context.git.commit_of(journal.run.ref) != journal.run.original_tip:
        return False
    return not any(item.resolution.startswith("resolved by the user") for item in journal.found.conflicts)


def _restart(context: Context, step: Rebase) -> StepResult:
    """Undo the interrupted rebase or merge (the user's work is in align's stash) and start it again."""
    git, journal = context.git, context.journal
    operation = git.operation_in_progress()
    if operation == "a merge":
        git.run(*NO_SUBMODULES, "merge", "--abort")
    elif operation is not None and operation.startswith("a rebase"):
        rollback.abort_rebase(context)
    stale.clear_half_done(context)
    if _head(context) != journal.run.ref:
        stale.clear_rewritten(context, journal.run.original_tip)
        git.run(*NO_SUBMODULES, "switch", "--quiet", "--no-guess", "--end-of-options", journal.run.branch)
    stale.forget(context)
    context.monitor.note("the interrupted rebase starts over (nothing of yours was in it)")
    return _outcome(context, step, _start(context, step))


def _head(context: Context) -> str:
    return context.git.run("symbolic-ref", "--quiet", "HEAD", ok=(0, 1)).stdout.strip()


def refuse_flattening(branch: str, merges: int, onto: str) -> None:
    """Refuse to rebase a branch with merge commits (``rebase_merges`` keeps them)."""
    if merges:
        raise Refusal(
            f"{branch} has {merges} merge commit(s) since {onto}; rebasing would flatten them",
            hint="set `rebase_merges: true` in the rebase step to keep them, or use the merge recipe",
        )


def resolve_onto(context: Context, onto: str) -> str:
    """Return the commit to align onto; refuse when it does not exist."""
    sha = onto_commit(context.git, onto)
    run = context.journal.run
    if sha is None and run.parent:
        raise Refusal(
            f"nothing to align onto: {run.branch}'s parent branch {run.parent} does not exist any more",
            hint=f"`{command(f'track {run.branch} --parent BRANCH')}` names another parent (or the target)",
        )
    if sha is None:
        raise Refusal(
            f"nothing to align onto: {onto!r} does not exist",
            hint=f"fetch it (`git fetch {context.journal.run.remote} {context.journal.run.target}`) or set --target",
        )
    return sha


def _start(context: Context, step: Rebase) -> str | None:
    """Start git's rebase or merge; return its stderr when it stopped, None when it finished."""
    git, journal = _acting(context), context.journal
    rerere = str(step.rerere).lower()
    # The recipe decides, not the user's config: rerere, update-refs, the merge backend, no autosquash.
    config = [*NO_SUBMODULES, "-c", f"rerere.enabled={rerere}", "-c", f"rerere.autoUpdate={rerere}"]
    config += ["-c", f"rebase.updateRefs={str(step.update_refs).lower()}"]
    if step.strategy == "merge" and not journal.commits_before:  # nothing of its own to merge: fast-forward
        args = [*config, "merge", "--ff-only", "--no-autostash"]
    elif step.strategy == "merge":
        message = f"Merge {journal.run.onto} into {journal.run.branch}"
        args = [*config, "merge", "--no-ff", "--no-edit", "--no-verify", "--no-autostash", "-m", message]
    else:
        args = [*config, "rebase", "--merge", "--no-autostash", "--no-autosquash", "--no-fork-point"]
        if step.rebase_merges:
            args.append("--rebase-merges")
        if step.update_refs:
            args.append("--update-refs")
    if journal.run.upstream and step.strategy == "rebase":  # a stacked branch: only its own commits move
        args += ["--onto", journal.onto_sha]
    upstream = journal.run.upstream if step.strategy == "rebase" else ""
    result = git.run(
        *args,
        "--end-of-options",
        upstream or journal.onto_sha,
        ok=(0, 1, 128),
        on_stderr=progress.callback(context, step),
    )
    conflict.heard(context, result.stdout)
    _record_emptied(context, result.stderr)
    return result.stderr if result.code else None


def _outcome(context: Context, step: Rebase, stopped: str | None) -> StepResult:
    """Turn where git stopped into a step result, continuing past conflicts rerere resolved."""
    git = _acting(context)
    rounds = 0
    while stopped is not None:
        files = git.unmerged()
        if not _in_progress(context, step):
            detail = stopped.strip().splitlines()[-1] if stopped.strip() else "git stopped"
            return StepResult(status=StepStatus.FAILED, detail=f"{step.strategy} failed: {detail}")
        resolved = conflict.rerere_paths(stopped)
        if not files and not resolved:  # git stopped for another reason than a conflict: never a pause
            return _not_a_conflict(context, step, stopped)
        rounds += 1
        if files or not step.rerere or not resolved or rounds > MAX_AUTO_CONTINUE:
            recorded = conflict.record(context, files)
            return StepResult(status=StepStatus.CONFLICT, detail=f"conflict in {recorded.commit} {recorded.subject}")
        conflict.record(context, resolved, resolution="auto-resolved (rerere)")
        stopped = _continue(context, step)
    return _finish(context)


def _not_a_conflict(context: Context, step: Rebase, stderr: str) -> StepResult:
    """Name why git stopped when no file conflicts (a failed signature, a hook...): the run fails, not pauses."""
    cause, hint = failure_cause(stderr)
    context.guidance.append(f"hint: {hint}")
    return StepResult(status=StepStatus.FAILED, detail=f"{step.strategy} stopped, not on a conflict: {cause}")


def failure_cause(stderr: str) -> tuple[str, str]:
    """Return (what went wrong, how to fix it) from the stderr of a git rebase, merge or commit that failed."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("error:", "fatal:"))]
    said = "; ".join(errors[:3]) or (lines[-1] if lines else "git stopped without saying why")
    if "gpg failed to sign" in stderr or "failed to sign" in stderr:
        return (
            f"signing a commit failed (commit.gpgsign is on and gpg.program failed): {said}",
            "make signing work (`git config gpg.program`, `echo test | gpg --clearsign`), or turn it off "
            "for this repository (`git config commit.gpgsign false`), then run align again",
        )
    if "would be overwritten" in stderr:
        return (said, "move the files git names aside (or commit them), then run align again")
    return (said, f"fix what git says above, then run align again; `{command('status')}` shows the last run")


def _in_progress(context: Context, step: Rebase) -> bool:
    """Tell whether git's merge or rebase that align started is still in progress."""
    now = context.git.progress()
    return now.merging if step.strategy == "merge" else now.rebasing


def _continue(context: Context, step: Rebase, *, by_user: bool = False) -> str | None:
    """Go on after a resolved conflict; return git's stderr when it stopped again, None when it finished.

    When the user's resolution cannot be committed (a failing signature...), ``align continue`` is
    refused and the run stays paused, the resolution in place: fix the cause, continue again.
    """
    git = _acting(context)
    if step.strategy == "merge":
        result = git.run(*NO_SUBMODULES, "commit", "--quiet", "--no-edit", "--no-verify", ok=(0, 1, 128))
        failed = result.stderr if result.code and not git.unmerged() else None
    else:
        failed = _commit_resolution(context, git)
        if failed is None:
            shown = progress.callback(context, step)
            result = git.run(*NO_SUBMODULES, "rebase", "--continue", ok=(0, 1, 128), on_stderr=shown)
            conflict.heard(context, result.stdout)
            _record_emptied(context, result.stderr)
    if failed is not None and by_user:
        cause, hint = failure_cause(failed)
        raise Refusal(
            f"your resolution could not be committed: {cause}; the run is still paused, your resolution in place",
            hint=f"{hint.removesuffix(', then run align again')}, then `{command('continue')}` "
            f"(or `{command('abort')}`)",
        )
    if failed is not None:
        return failed
    return result.stderr if result.code else None


def _commit_resolution(context: Context, git: Git) -> str | None:
    """Commit a resolved pick with its message, author and date exactly as they were.

    Left to ``rebase --continue``, the message would go through an editor's clean-up, which drops
    lines starting with ``#`` ("#123 is fixed"). When nothing is staged, git drops the commit: the
    report says it was emptied by the resolution. Returns git's stderr when the commit failed.
    """
    if not git.progress().picking:
        return None
    if git.run("diff", "--cached", "--quiet", "HEAD", "--", ok=(0, 1)).code == 0:
        # (or the user committed it by hand: then verify finds the commit, and this reason is not used)
        emptied = conflict.dropped(conflict.current_commit(context), "emptied by the conflict resolution")
        context.journal.found.dropped.append(emptied)
        return None
    committed = git.run(
        "commit", "--quiet", "--no-verify", "--cleanup=verbatim", "--allow-empty-message", "-C", "REBASE_HEAD",
        ok=(0, 1, 128),
    )  # fmt: skip
    return committed.stderr if committed.code else None


def _record_emptied(context: Context, stderr: str) -> None:
    """Note each commit git dropped because it had nothing left to apply (its changes are upstream)."""
    known = {item.commit for item in context.journal.found.dropped}
    for sha, subject in _EMPTIED.findall(stderr):
        if sha not in known:
            item = Dropped(commit=sha, short=sha[:12], subject=subject, reason="became empty (already upstream)")
            context.journal.found.dropped.append(item)


def _rebasing(context: Context) -> bool:
    """Tell whether the run rebases (rather than merges)."""
    return bool(context.options(Rebase).strategy == "rebase")


def _acting(context: Context) -> Git:
    """Return git whose rebase and merge name this run in the reflog (``align RUN_ID (finish): ...``)."""
    return context.git.with_env(GIT_REFLOG_ACTION=f"align {context.journal.run.run_id}")


def _save_stacked(context: Context) -> None:
    """Back up the other branches in the rebased range, which ``--update-refs`` moves (warn of those it cannot)."""
    git, journal = context.git, context.journal
    fields = "--format=%(refname)%00%(objectname)%00%(worktreepath)"
    inside = ("--merged", journal.run.original_tip, "--no-merged", journal.base or journal.onto_sha)
    listed = git.run("for-each-ref", fields, *inside, "refs/heads/")
    here = Path(journal.run.worktree)  # the working tree align runs in (asked of git once, when planning)
    for line in listed.stdout.splitlines():
        ref, sha, where = line.split("\0")
        if not ref.startswith("refs/heads/") or ref == journal.run.ref:
            continue
        if where and Path(where).resolve() != here.resolve():  # here, align switches away
            name, shown = ref.removeprefix("refs/heads/"), os.path.relpath(where, here)
            context.warnings.append(
                f"{name} not moved: checked out in {shown} (git does not move a branch checked out in another worktree)"
            )
        journal.stacked[ref] = sha
        save_backup(git, ref.removeprefix("refs/heads/"), sha, f"before align run {journal.run.run_id} (update_refs)")
    context.save()


def _finish(context: Context, *, known: bool = False) -> StepResult:
    """Record the new tip, put HEAD back where it was and restore the uncommitted work.

    ``known``: the memory engine moved the branch itself, so the journal has the new tip and its count.
    """
    git, journal = context.git, context.journal
    if not known:
        journal.new_tip = git.commit_of(journal.run.ref) or ""
    journal.started_rebase = False
    if journal.stacked:
        journal.stacked_new = {name: ref.sha for name, ref in git.refs(*journal.stacked).items()}
    if journal.new_tip == journal.run.original_tip:
        context.save()
        return StepResult(status=StepStatus.FAILED, detail=handled.unchanged_detail(context))
    if not known:
        after = git.run("rev-list", "--count", f"{journal.onto_sha}..{journal.new_tip}", "--").stdout.strip()
        journal.commits_after = int(after or 0)
    checked = any(isinstance(item, Verify) and "patches_preserved" in item.checks for item in context.recipe_steps)
    if _rebasing(context) and not checked:
        unexplained = journal.commits_before - len(journal.found.dropped) - journal.commits_after
        if unexplained > 0:
            context.warnings.append(
                f"{unexplained} commit(s) of {journal.run.branch} are not in the new branch "
                f"and were not dropped with `{command('skip')}`: "
                "already upstream, emptied by a resolution, or skipped with plain git (compare with "
                f"`git range-diff {journal.onto_sha[:12]} {journal.run.original_tip[:12]} {journal.new_tip[:12]}`)"
            )
    context.save()
    detail = f"{journal.run.original_tip[:12]} -> {journal.new_tip[:12]}, {journal.commits_after} commit(s) on top"
    if not journal.commits_before and journal.new_tip == journal.onto_sha:
        detail = f"fast-forward: {journal.run.original_tip[:12]} -> {journal.new_tip[:12]}, no commit of its own"
    return StepResult(status=StepStatus.OK, detail=detail)
