"""``fetch``: refresh the target from the remote with an explicit refspec, retrying transient failures."""

from __future__ import annotations

import time

from align.engine import Context, StepResult
from align.errors import Refusal
from align.git import Git
from align.recipe.model import Fetch

UNSAFE_TRANSPORTS = ("ext::", "fd::")


def run(context: Context, step: Fetch) -> StepResult:
    """Fetch ``refs/heads/<target>`` into ``refs/remotes/<remote>/<target>``; a failure changes nothing."""
    journal = context.journal
    if step.offline:
        context.warnings.append(f"offline: {journal.remote}/{journal.target} was not refreshed")
        return StepResult(status="skipped", detail=f"offline: {journal.remote}/{journal.target} not refreshed")
    git = context.git
    check_remote(git, journal.remote)  # checked before the run too; again here, right before the fetch
    refspec = f"+refs/heads/{journal.target}:refs/remotes/{journal.remote}/{journal.target}"
    args = ["-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never", "fetch", "--quiet", "--no-tags"]
    if step.prune:
        args.append("--prune")
    result = None
    for attempt in range(1, step.attempts + 1):
        result = git.run(*args, "--end-of-options", journal.remote, refspec, ok=(0, 1, 128), terminal=True)
        if result.code == 0:
            journal.target_refreshed = True
            tries = f" after {attempt} attempts" if attempt > 1 else ""
            return StepResult(status="ok", detail=f"{journal.remote}/{journal.target} is up to date{tries}")
        if _permanent(result.stderr) or attempt == step.attempts:
            break
        context.monitor.note(f"fetch failed (attempt {attempt}/{step.attempts}); retrying in {step.backoff:g} s")
        time.sleep(step.backoff * 2 ** (attempt - 1))
    assert result is not None
    last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.code}"
    return StepResult(status="failed", detail=f"fetch of {journal.target} from {journal.remote} failed: {last}")


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


def _permanent(stderr: str) -> bool:
    """Tell whether a fetch failure will not go away by retrying (a missing ref, a refused transport)."""
    markers = ("couldn't find remote ref", "transport '", "not allowed", "does not appear to be a git repository")
    return any(marker in stderr for marker in markers)
