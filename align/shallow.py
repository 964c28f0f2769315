"""Shallow clones (CI's ``fetch-depth: 1``): tell them apart, deepen one to a merge base, or say what to do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from align.errors import Refusal
from align.git import Git

# How many commits each round of ``fetch --deepen`` adds (about 6,000 in all), before ``--unshallow``.
DEEPEN = (50, 100, 200, 400, 800, 1600, 3200)
NO_COMMAND_TRANSPORTS = ("-c", "protocol.ext.allow=never", "-c", "protocol.fd.allow=never")


def is_shallow(common_dir: Path) -> bool:
    """Tell whether the repository is a shallow clone (git keeps its cut-off commits in ``shallow``)."""
    return (common_dir / "shallow").exists()


def no_merge_base(branch: str, onto: str, remote: str) -> Refusal:
    """Return the refusal for a branch and a target whose common history lies beyond a shallow clone's cut."""
    return Refusal(
        f"shallow clone: {branch} and {onto} have no common commit in the history this clone holds (it was "
        "cloned with --depth, as CI checkouts are by default), so align cannot tell which commits are the branch's "
        "own; nothing was aligned",
        hint=(
            f"fetch the whole history (`git fetch --unshallow {remote}`; in GitHub Actions, `fetch-depth: 0` in "
            "actions/checkout), or let align deepen the clone as far as needed: `fetch: {deepen: true}` in the "
            "recipe (the ci recipe does)"
        ),
    )


def merge_base(git: Git, tip: str, onto: str) -> str | None:
    """Return the merge base of two commits, or None when they have none in the history here."""
    result = git.run("merge-base", "--end-of-options", tip, onto, ok=(0, 1))
    return result.stdout.strip() or None


def deepen(
    git: Git, fetch_args: Sequence[str], remote: str, wants: Sequence[str], *, tip: str, tracking: str,
    note: Callable[[str], None], timeout: float,
) -> tuple[bool, str]:  # fmt: skip
    """Deepen the clone round by round until ``tip`` and the target have a merge base.

    Each round fetches ``wants`` (the target's refspec and the branch's own commit) ``--deepen=N`` commits
    further back, N doubling; the last resort is ``--unshallow``. Returns (found, what was done).
    """
    fetched = 0
    for number, depth in enumerate(DEEPEN, start=1):
        note(f"shallow clone: no merge base yet; fetching {depth} more commit(s) of history ({number}/{len(DEEPEN)})")
        result = git.run(
            *fetch_args, f"--deepen={depth}", "--end-of-options", remote, *wants, ok=(0, 1, 128), terminal=True,
            timeout=timeout,
        )  # fmt: skip
        if result.code != 0 or result.timed_out:
            break  # e.g. a server that refuses a commit by its id: the whole history is the last resort
        fetched += depth
        if merge_base(git, tip, tracking) is not None:
            return True, f"deepened the shallow clone by {fetched} commit(s) to reach the merge base"
    note("shallow clone: fetching the whole history (--unshallow)")
    for asked in (wants, wants[:1]):  # the target alone, when the server refuses the branch's commit by its id
        result = git.run(
            *fetch_args, "--unshallow", "--end-of-options", remote, *asked, ok=(0, 1, 128), terminal=True,
            timeout=timeout,
        )  # fmt: skip
        if result.code == 0 and not result.timed_out:
            break
    if merge_base(git, tip, tracking) is not None:
        return True, "fetched the whole history of the shallow clone to reach the merge base"
    return False, ""


def remote_head(git: Git, remote: str) -> str | None:
    """Ask ``remote`` which branch its HEAD names (``ls-remote --symref``); None when it does not say."""
    result = git.run(
        *NO_COMMAND_TRANSPORTS, "ls-remote", "--symref", "--end-of-options", remote, "HEAD", ok=(0, 1, 2, 128),
        terminal=True, timeout=60,
    )  # fmt: skip
    for line in result.stdout.splitlines() if result.code == 0 and not result.timed_out else ():
        if line.startswith("ref: refs/heads/") and line.endswith("\tHEAD"):
            return line.removeprefix("ref: refs/heads/").removesuffix("\tHEAD")
    return None
