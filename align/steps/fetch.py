"""``fetch``: refresh the target from the remote with an explicit refspec, retrying transient failures.

Each attempt may take ``timeout`` seconds; a timed-out attempt counts as a transient failure.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import unquote

from align import shallow
from align.context import Context, StepResult, StepStatus
from align.errors import Refusal
from align.git import Git, Result
from align.recipe.model import Fetch
from align.recipe.sources import REPOSITORY_FILES

UNSAFE_TRANSPORTS = ("ext::", "fd::")


def run(context: Context, step: Fetch) -> StepResult:
    """Fetch ``refs/heads/<target>`` into ``refs/remotes/<remote>/<target>``; a failure changes nothing."""
    journal = context.journal
    if step.offline:
        context.warnings.append(f"offline: {journal.run.remote}/{journal.run.target} was not refreshed")
        return StepResult(
            status=StepStatus.SKIPPED, detail=f"offline: {journal.run.remote}/{journal.run.target} not refreshed"
        )
    git = context.git
    check_remote(git, journal.run.remote)  # checked before the run too; again here, right before the fetch
    refspec = f"+refs/heads/{journal.run.target}:refs/remotes/{journal.run.remote}/{journal.run.target}"
    args = ["-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never", "fetch", "--quiet", "--no-tags"]
    if step.prune:
        args.append("--prune")
    tracking = f"refs/remotes/{journal.run.remote}/{journal.run.target}"
    before = _sha(git, tracking, known=True)  # as planning read it, unless a ref moved since
    result = None
    for attempt in range(1, step.attempts + 1):
        result = git.run(
            *args, "--end-of-options", journal.run.remote, refspec, ok=(0, 1, 128), terminal=True, timeout=step.timeout
        )
        if result.code == 0 and not result.timed_out:
            journal.target_refreshed = True
            tries = f" after {attempt} attempts" if attempt > 1 else ""
            after = _sha(git, tracking)
            detail = moved(context, before, after) + tries
            recipe_changed(context, before, after)
            if after is not None and shallow.is_shallow(context.store.root.parent):
                return _reach_merge_base(context, step, args, detail)
            return StepResult(status=StepStatus.OK, detail=detail)
        # A timeout is taken for a transient failure (a stalled connection): retried like one.
        if (not result.timed_out and _permanent(result.stderr)) or attempt == step.attempts:
            break
        what = f"timed out after {step.timeout:g} s" if result.timed_out else "failed"
        context.monitor.note(f"fetch {what} (attempt {attempt}/{step.attempts}); retrying in {step.backoff:g} s")
        time.sleep(step.backoff * 2 ** (attempt - 1))
    assert result is not None
    why = _reason(git, journal.run.remote, result, step)
    return StepResult(
        status=StepStatus.FAILED, detail=f"fetch of {journal.run.target} from {journal.run.remote} failed: {why}"
    )


def _reach_merge_base(context: Context, step: Fetch, args: list[str], detail: str) -> StepResult:
    """In a shallow clone, make sure the branch and the fetched target share a commit: deepen, or refuse."""
    git, journal = context.git, context.journal
    tracking = f"refs/remotes/{journal.run.remote}/{journal.run.target}"
    if shallow.merge_base(git, journal.run.original_tip, tracking) is not None:
        return StepResult(status=StepStatus.OK, detail=detail)
    onto = f"{journal.run.remote}/{journal.run.target}"
    if not step.deepen:
        raise shallow.no_merge_base(journal.run.branch, onto, journal.run.remote)
    wants = [f"+refs/heads/{journal.run.target}:{tracking}", journal.run.original_tip]
    found, done = shallow.deepen(
        git, args, journal.run.remote, wants, tip=journal.run.original_tip, tracking=tracking,
        note=context.monitor.note, timeout=step.timeout,
    )  # fmt: skip
    if not found:
        raise shallow.no_merge_base(journal.run.branch, onto, journal.run.remote)
    return StepResult(status=StepStatus.OK, detail=f"{detail}; {done}")


def moved(context: Context, before: str | None, after: str | None) -> str:
    """Return what the fetch did to the remote-tracking target; warn when it moved other than forward."""
    journal = context.journal
    name = f"{journal.run.remote}/{journal.run.target}"
    if before == after:
        return f"{name} unchanged"
    if after is None:  # a failed fetch changes nothing; --prune cannot remove the ref it fetches
        return f"{name} is gone"
    if before is None:
        return f"{name} fetched at {after[:7]} (new here)"
    counted = context.git.run("rev-list", "--left-right", "--count", f"{before}...{after}", "--").stdout.split()
    gone, new = int(counted[0]), int(counted[1])
    if not gone:
        if shallow.is_shallow(context.store.root.parent):
            return _shallow_moved(context, name, before, after)
        return f"{name} {before[:7]}..{after[:7]} ({new} new commit{'s' if new != 1 else ''})"
    said = f"{name} + {before[:7]}...{after[:7]} (forced)"
    context.warnings.append(
        f"{said}: {journal.run.target} on {journal.run.remote} was moved, not fast-forwarded: {gone} commit(s) "
        f"that were on it are gone from it, {new} new; if your branch was built on them, check that it still "
        "holds only your own commits"
    )
    return said


def _shallow_moved(context: Context, name: str, before: str, after: str) -> str:
    """Say how a shallow clone's target moved forward, not counting the history below the old cut as new.

    ``before..after`` there also holds the older history the fetch brought (e.g. what merges on the target
    reach below the clone's cut): the commits new on the target are those that descend from the old tip.
    """
    git, remote = context.git, f"refs/remotes/{context.journal.run.remote}"
    descend = int(git.run("rev-list", "--count", "--ancestry-path", f"{before}..{after}", "--").stdout.strip())
    others = (f"--exclude={remote}/{context.journal.run.target}", f"--exclude={remote}/HEAD", "--all")
    grown = git.run(  # what the fetch brought: reachable from the new tip, from no other ref, nor the old tip
        "rev-list", "--count", after, "--not", before, *others, "--"
    ).stdout.strip()  # fmt: skip
    said = f"{name} {before[:7]}..{after[:7]} ({descend} new commit{'s' if descend != 1 else ''}"
    if int(grown) <= descend:
        return f"{said})"
    return (
        f"{said} on top of {before[:7]}; this shallow clone's history grew by {grown} commits: merges on "
        f"{name} reach history it did not hold)"
    )


def recipe_changed(context: Context, before: str | None, after: str | None) -> None:
    """Warn when the fetch changed the target's recipe file that this run's recipe was discovered from.

    Discovery reads the target's ``.align.yaml`` before the fetch: a run that followed it (or fell back to the
    built-in default for want of one) follows the one as last fetched, not the one just fetched.
    """
    journal = context.journal
    if before is None or after is None or before == after or journal.run.recipe.found not in ("target", "default"):
        return
    changed = context.git.run(
        "diff-tree", "-r", "--name-only", "--no-commit-id", before, after, "--", *REPOSITORY_FILES
    ).stdout.split()
    if changed:
        name = f"{journal.run.remote}/{journal.run.target}"
        follows = "the one as last fetched" if journal.run.recipe.found == "target" else "the built-in default"
        context.warnings.append(
            f"{name}'s {' and '.join(changed)} changed with this fetch: this run follows {follows}, read before "
            "the fetch; run align again to follow the new one"
        )


def _sha(git: Git, ref: str, *, known: bool = False) -> str | None:
    """Return the commit ``ref`` points at, or None when it does not exist (one for-each-ref; ``known``: none
    when this run's lookups cover it)."""
    found = git.refs(ref, known=known)
    return found[ref].sha if ref in found else None


def check_remote(git: Git, remote: str) -> None:
    """Refuse a remote that does not exist or whose URL (insteadOf applied) would run commands."""
    url = git.remote_url(remote)
    if url is None:
        raise Refusal(
            f"no remote {remote!r} in this repository",
            hint="`git remote -v` lists the remotes; choose one with --remote, or use the offline recipe",
        )
    if url.startswith(UNSAFE_TRANSPORTS):
        raise Refusal(
            f"refusing to fetch from {remote!r}: its URL uses {url.split('::')[0]}::, which runs commands",
            hint="point the remote at an https, ssh or file URL (`git remote set-url`)",
        )


# Failures that retrying does not cure: a bad refspec or remote, a missing repository, refused credentials.
PERMANENT = (
    "couldn't find remote ref",
    "invalid refspec",
    "transport '",
    "not allowed",
    "does not appear to be a git repository",
    "No such remote",
    "not found",
    "Authentication failed",
    "terminal prompts disabled",
    "Permission denied",
    "Host key verification failed",
)


def _permanent(stderr: str) -> bool:
    """Tell whether a fetch failure will not go away by retrying (a missing ref, a refused transport)."""
    return any(marker in stderr for marker in PERMANENT)


def _reason(git: Git, remote: str, result: Result, step: Fetch) -> str:
    """Return why the fetch failed, in words a person can act on."""
    tries = f"{step.attempts} attempts" if step.attempts > 1 else "1 attempt"
    if result.timed_out:
        return (
            f"no answer within {step.timeout:g} s ({tries}); if the remote is only slow, allow it more "
            "time with `fetch: {timeout: SECONDS}` in the recipe"
        )
    if "does not appear to be a git repository" in result.stderr:
        url = git.remote_url(remote) or remote
        path = _local_path(git.cwd, url)
        if path is not None and not path.exists():
            return f"the URL of remote {remote!r}, {url}, does not exist (`git remote set-url {remote} URL` fixes it)"
        return f"the URL of remote {remote!r}, {url}, is not a git repository (`git remote -v` shows it)"
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    first = next((line for line in lines if line.startswith(("fatal:", "error:"))), None)
    return first or (lines[-1] if lines else f"exit {result.code}")


def _local_path(cwd: Path, url: str) -> Path | None:
    """Return the folder a URL names on this machine (a path or ``file://``), or None for a network URL."""
    if url.startswith("file://"):
        return Path(unquote(url.removeprefix("file://")))
    colon, slash = url.find(":"), url.find("/")
    if "://" in url or (colon > 0 and (slash < 0 or colon < slash)):  # scheme://... or host:path (ssh)
        return None
    return cwd / url
