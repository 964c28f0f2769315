"""``rebase``: move the branch onto the target (``strategy: rebase``) or merge the target in (``merge``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from align.engine import Context, StepResult
from align.errors import Refusal
from align.git import Git
from align.plan import onto_commit
from align.recipe.model import Rebase, Verify
from align.steps import backup, conflict, keep, stash

UPDATE_REFS_VERSION = (2, 38)
MAX_AUTO_CONTINUE = 1000  # rerere resolutions continued in one go, at most
# git's sequencer drops a commit that has nothing left to apply (``--empty=drop``) and says so.
_EMPTIED = re.compile(r"dropping ([0-9a-f]{40,64}) ([^\r\n]*) -- patch contents already upstream")


def run(context: Context, step: Rebase) -> StepResult:
    """Align the branch: stash, switch to it, rebase or merge, then switch back and unstash."""
    git, journal = context.git, context.journal
    if journal.started_rebase:  # resumed after an interruption
        return resume(context, step, "continue")
    onto = resolve_onto(context, journal.onto)
    behind, ahead, merges, base = git.counts(onto, journal.original_tip)
    journal.onto_sha, journal.base = onto, base or ""
    journal.commits_before = journal.commits_after = ahead
    if behind == 0:
        return StepResult(status="up_to_date", detail=f"{journal.branch} already contains {journal.onto}")
    if step.strategy == "rebase" and not step.rebase_merges:
        refuse_flattening(journal.branch, merges, journal.onto)
    if step.update_refs and git.version()[:2] < UPDATE_REFS_VERSION:
        raise Refusal("`update_refs: true` needs git 2.38 or newer", hint="upgrade git or set `update_refs: false`")
    head = journal.original_tip if journal.original_head == journal.ref else git.commit_of(journal.original_head)
    at_risk = _protect_local_files(context, head or "")
    if not journal.backup_ref:  # promise 1: a backup before any ref moves, even without a backup step
        backup.run(context, step)
    if step.update_refs:
        _save_stacked(context)
    stash.save(context, head or "", at_risk)
    if journal.original_head != journal.ref:
        git.run("switch", "--quiet", "--no-guess", "--end-of-options", journal.branch)
    if git.commit_of(journal.ref) != journal.original_tip:
        raise Refusal(
            f"{journal.branch} moved since align read it (a commit made during the run?); align leaves it alone",
            hint="run align again; the new commit will be aligned with the others",
        )
    journal.started_rebase = True
    context.save()
    context.monitor.note(f"{ahead} commit(s) onto {behind} new commit(s) of {journal.onto}")
    return _outcome(context, step, _start(context, step))


def resume(context: Context, step: Rebase, action: str) -> StepResult:
    """Continue or skip after a conflict (or after an interruption), from the journal."""
    git, journal = _acting(context), context.journal
    merging = step.strategy == "merge"
    if not _in_progress(context, step):
        return _finish(context)  # git finished (or the user finished it with git)
    if action == "skip":
        if merging:
            raise Refusal("a merge has no commit to skip", hint="resolve the conflicts and `align continue`, or abort")
        current = conflict.current_commit(context)
        result = git.run("rebase", "--skip", ok=(0, 1, 128), on_stderr=context.monitor.git_progress)
        journal.dropped.append({**current, "reason": "skipped by the user"})
        _record_emptied(context, result.stderr)
        if journal.conflicts and journal.conflicts[-1].resolution == "pending":
            journal.conflicts[-1].resolution = "skipped"
        return _outcome(context, step, result.stderr if result.code else None)
    conflict.require_resolved(context)
    if journal.conflicts and journal.conflicts[-1].resolution == "pending":
        journal.conflicts[-1].resolution = "resolved by the user"
    return _outcome(context, step, _continue(context, step))


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
    if sha is None:
        raise Refusal(
            f"nothing to align onto: {onto!r} does not exist",
            hint=f"fetch it (`git fetch {context.journal.remote} {context.journal.target}`) or set --target",
        )
    return sha


def _start(context: Context, step: Rebase) -> str | None:
    """Start git's rebase or merge; return its stderr when it stopped, None when it finished."""
    git, journal = _acting(context), context.journal
    rerere = str(step.rerere).lower()
    # The recipe decides, not the user's config: rerere, update-refs, the merge backend, no autosquash.
    config = ["-c", f"rerere.enabled={rerere}", "-c", f"rerere.autoUpdate={rerere}"]
    config += ["-c", f"rebase.updateRefs={str(step.update_refs).lower()}"]
    if step.strategy == "merge":
        message = f"Merge {journal.onto} into {journal.branch}"
        args = [*config, "merge", "--no-ff", "--no-edit", "--no-verify", "--no-autostash", "-m", message]
    else:
        args = [*config, "rebase", "--merge", "--no-autostash", "--no-autosquash", "--no-fork-point"]
        if step.rebase_merges:
            args.append("--rebase-merges")
        if step.update_refs:
            args.append("--update-refs")
    result = git.run(
        *args, "--end-of-options", journal.onto_sha, ok=(0, 1, 128), on_stderr=context.monitor.git_progress
    )
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
            return StepResult(status="failed", detail=f"{step.strategy} failed: {detail}")
        resolved = conflict.rerere_paths(stopped)
        rounds += 1
        if files or not step.rerere or not resolved or rounds > MAX_AUTO_CONTINUE:
            recorded = conflict.record(context, files)
            return StepResult(status="conflict", detail=f"conflict in {recorded.commit} {recorded.subject}")
        conflict.record(context, resolved, resolution="auto-resolved (rerere)")
        stopped = _continue(context, step)
    return _finish(context)


def _in_progress(context: Context, step: Rebase) -> bool:
    """Tell whether git's merge or rebase that align started is still in progress."""
    return (context.git_dir / ("MERGE_HEAD" if step.strategy == "merge" else "rebase-merge")).exists()


def _continue(context: Context, step: Rebase) -> str | None:
    """Go on after a resolved conflict; return git's stderr when it stopped again, None when it finished."""
    git = _acting(context)
    if step.strategy == "merge":
        result = git.run("commit", "--quiet", "--no-edit", "--no-verify", ok=(0, 1))
    else:
        _commit_resolution(context, git)
        result = git.run("rebase", "--continue", ok=(0, 1, 128), on_stderr=context.monitor.git_progress)
        _record_emptied(context, result.stderr)
    return result.stderr if result.code else None


def _commit_resolution(context: Context, git: Git) -> None:
    """Commit a resolved pick with its message, author and date exactly as they were.

    Left to ``rebase --continue``, the message would go through an editor's clean-up, which drops
    lines starting with ``#`` ("#123 is fixed"). When nothing is staged, git drops the commit: the
    report says it was emptied by the resolution.
    """
    if not (context.git_dir / "REBASE_HEAD").exists():
        return
    if git.run("diff", "--cached", "--quiet", "HEAD", "--", ok=(0, 1)).code == 0:
        # (or the user committed it by hand: then verify finds the commit, and this reason is not used)
        emptied = {**conflict.current_commit(context), "reason": "emptied by the conflict resolution"}
        context.journal.dropped.append(emptied)
        return
    git.run("commit", "--quiet", "--no-verify", "--cleanup=verbatim", "--allow-empty-message", "-C", "REBASE_HEAD")


def _record_emptied(context: Context, stderr: str) -> None:
    """Note each commit git dropped because it had nothing left to apply (its changes are upstream)."""
    known = {item.get("commit") for item in context.journal.dropped}
    for sha, subject in _EMPTIED.findall(stderr):
        if sha not in known:
            item = {"commit": sha, "short": sha[:12], "subject": subject, "reason": "became empty (already upstream)"}
            context.journal.dropped.append(item)


def _rebasing(context: Context) -> bool:
    """Tell whether the run rebases (rather than merges)."""
    return bool(context.step("rebase").strategy == "rebase")


def _acting(context: Context) -> Git:
    """Return git whose rebase and merge name this run in the reflog (``align RUN_ID (finish): ...``)."""
    return context.git.with_env(GIT_REFLOG_ACTION=f"align {context.journal.run_id}")


def _protect_local_files(context: Context, head: str) -> list[str]:
    """Refuse what a checkout of the run would destroy; return the tracked files whose raw bytes to keep.

    Every path a checkout of the run may write (``keep.at_risk``: the switch to the branch, the
    rebase's checkout of the target and its picks, the way back) is looked at on disk, and the index
    is read only when one of them is there: no walk of the whole working tree.

    - An untracked file that git ignores there would be overwritten or deleted without a word: refused.
    - An untracked file the target adds could not be put back after the run: refused.
    - A tracked file whose bytes a conversion (filter, eol, autocrlf...) may change, or whose mode is
      not what a checkout would give it, is kept raw.
    """
    git, journal = context.git, context.journal
    paths = keep.at_risk(git, head, journal.original_tip, journal.base, journal.onto_sha)
    root = Path(journal.worktree)
    present = [path for path in sorted(paths.everything) if _occupied(root, path)]
    if not present:
        return []
    listed = git.run("ls-files", "-z", "--cached").stdout.split("\0")
    tracked = set(listed)
    untracked = [path for path in present if path not in tracked]
    if untracked:
        found = git.run("check-ignore", "-z", "--stdin", stdin="".join(f"{path}\0" for path in untracked), ok=(0, 1))
        ignored = sorted(path for path in found.stdout.split("\0") if path)
        if ignored:
            raise Refusal(
                f"{len(ignored)} ignored file(s) here would be overwritten or deleted by the checkouts of this run "
                f"(a branch or {journal.onto} tracks them): {_some(ignored)}",
                hint="move them aside (they are yours: git would not keep them), then run align again",
            )
        clash = [path for path in untracked if path in paths.target]
        if clash:
            raise Refusal(
                f"{journal.onto} adds {len(clash)} file(s) that exist here untracked, which the rebase would "
                f"overwrite or could not put back: {_some(clash)}",
                hint="move them aside (or commit them), then run align again",
            )
    possible = any(path.rpartition("/")[2] == ".gitattributes" for path in tracked)
    possible = possible or (context.git_dir / "info" / "attributes").exists()
    mine = [path for path in present if path in tracked]
    return keep.convertible(git, mine, possible) + keep.unusual_modes(root, mine)


def _some(paths: list[str]) -> str:
    return ", ".join(paths[:5]) + (" ..." if len(paths) > 5 else "")


def _occupied(root: Path, path: str) -> bool:
    """Tell whether ``path`` exists under ``root``, or one of its folders is a file or a link there."""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        folder = root.joinpath(*parts[:depth])
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            return True
        if not folder.exists():
            return False
    return os.path.lexists(root / path)


def _save_stacked(context: Context) -> None:
    """Back up the other branches inside the rebased range, which ``--update-refs`` moves too."""
    git, journal = context.git, context.journal
    fields = "--format=%(refname)%00%(objectname)"
    inside = ("--merged", journal.original_tip, "--no-merged", journal.base or journal.onto_sha)
    listed = git.run("for-each-ref", fields, *inside, "refs/heads/")
    for line in listed.stdout.splitlines():
        ref, sha = line.split("\0")
        if ref.startswith("refs/heads/") and ref != journal.ref:
            journal.stacked[ref] = sha
            backup.save(git, ref.removeprefix("refs/heads/"), sha, f"before align run {journal.run_id} (update_refs)")
    context.save()


def _finish(context: Context) -> StepResult:
    """Record the new tip, put HEAD back where it was and restore the uncommitted work."""
    git, journal = context.git, context.journal
    journal.new_tip = git.commit_of(journal.ref) or ""
    journal.started_rebase = False
    if journal.stacked:
        journal.stacked_new = {name: ref.sha for name, ref in git.refs(*journal.stacked).items()}
    if journal.new_tip == journal.original_tip:
        context.save()
        return StepResult(status="failed", detail="the branch did not change (was git's rebase aborted by hand?)")
    after = git.run("rev-list", "--count", f"{journal.onto_sha}..{journal.new_tip}", "--").stdout.strip()
    journal.commits_after = int(after or 0)
    checked = any(isinstance(item, Verify) and "patches_preserved" in item.checks for item in context.recipe_steps)
    if _rebasing(context) and not checked:
        unexplained = journal.commits_before - len(journal.dropped) - journal.commits_after
        if unexplained > 0:
            context.warnings.append(
                f"{unexplained} commit(s) of {journal.branch} are not in the new branch "
                "and were not dropped with `align skip`: "
                "already upstream, emptied by a resolution, or skipped with plain git (compare with "
                f"`git range-diff {journal.onto_sha[:12]} {journal.original_tip[:12]} {journal.new_tip[:12]}`)"
            )
    context.save()
    detail = f"{journal.original_tip[:12]} -> {journal.new_tip[:12]}, {journal.commits_after} commit(s) on top"
    return StepResult(status="ok", detail=detail)
