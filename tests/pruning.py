"""What the ``prune_merged`` tests share (issue 12): the recipe that turns it on, a stack whose bottom branch
was merged upstream the way a forge merges (squash, rebase, merge commit)."""

from __future__ import annotations

from pathlib import Path

from align.cli import main
from tests.builders import upstream
from tests.graphing import stack
from tests.helpers import Repo, git, write
from tests.snapshots import rev

PRUNING = "version: 1\nextends: default\npatch: {rebase: {prune_merged: true}}\n"


def pruning(tmp_path: Path) -> str:
    """A recipe file (outside the working tree): the default one with ``prune_merged: true``."""
    return str(write(tmp_path / "recipes" / "prune.yaml", PRUNING))


def merge_upstream(repo: Repo, how: str, branch: str = "a") -> None:
    """Merge ``branch`` into origin's main from another clone, as a forge would (squash, rebase, merge); fetch."""
    other = repo.origin.parent / f"merger-{how}"
    git(repo.origin.parent, "clone", "--quiet", str(repo.origin), str(other))
    repo.git("push", "--quiet", "origin", branch)
    git(other, "fetch", "--quiet", "origin", f"{branch}:{branch}")
    if how == "squash":
        git(other, "merge", "--quiet", "--squash", branch)
        git(other, "commit", "--quiet", "-m", f"{branch} (#1)")
    elif how == "rebase":
        git(other, "commit", "--quiet", "--allow-empty", "-m", "upstream: something first")
        git(other, "cherry-pick", f"main..{branch}")
    else:
        git(other, "commit", "--quiet", "--allow-empty", "-m", "upstream: something first")
        git(other, "merge", "--quiet", "--no-ff", "-m", f"Merge {branch}", branch)
    git(other, "push", "--quiet", "origin", "main")
    repo.git("fetch", "--quiet")


def squashed_stack(repo: Repo) -> dict[str, str]:
    """main <- a (two commits) <- b <- c, b declared on a and c on b; a squash-merged upstream, and upstream
    moved on. Return the tips before any run."""
    stack(repo)
    repo.git("switch", "--quiet", "a")
    repo.commit("a.txt", "a, reviewed\n", "a: review")  # two commits: the squash is not a's only patch
    repo.git("switch", "--quiet", "main")
    assert main(["track", "b", "--parent", "a"]) == 0
    assert main(["track", "c", "--parent", "b"]) == 0
    merge_upstream(repo, "squash")
    upstream(repo, "up.txt", "upstream\n", "upstream: add up", fetch=True)
    return {name: rev(repo, name) for name in "abc"}
