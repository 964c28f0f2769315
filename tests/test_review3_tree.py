"""Review of stacked runs (issue 12): ``align tree`` forecasts each branch as a run would move it.

A child whose parent was merged into the target (here squash-merged) is aligned onto the target, the
parent stepped over (``align.graph.place``); its forecast in the tree must be that one, not a forecast onto
the merged parent's old tip.
"""

from __future__ import annotations

import json

import pytest

from align.cli import main
from tests.builders import upstream
from tests.graphing import branch_on, by_branch, tree_json
from tests.helpers import Repo, git
from tests.snapshots import snapshot

Capture = pytest.CaptureFixture[str]


def _squash_merged_upstream(repo: Repo, branch: str) -> None:
    """Squash-merge ``branch`` into origin's main, as a forge does, and fetch it."""
    other = repo.origin.parent / "merger"
    git(repo.origin.parent, "clone", "--quiet", str(repo.origin), str(other))
    repo.git("push", "--quiet", "origin", branch)
    git(other, "fetch", "--quiet", "origin", f"{branch}:{branch}")
    git(other, "merge", "--quiet", "--squash", branch)
    git(other, "commit", "--quiet", "-m", f"{branch} (#1)")
    git(other, "push", "--quiet", "origin", "main")
    repo.git("fetch", "--quiet")


def test_the_tree_forecasts_a_child_of_a_merged_parent_onto_the_target(in_repo: Repo, capsys: Capture) -> None:
    branch_on(in_repo, "a", "main", ("a.txt", "a\n"), ("a.txt", "a, reviewed\n"))
    branch_on(in_repo, "b", "a", ("b.txt", "b\n"))
    in_repo.git("switch", "--quiet", "main")
    assert main(["track", "b", "--parent", "a"]) == 0
    _squash_merged_upstream(in_repo, "a")
    upstream(in_repo, "b.txt", "b from upstream\n", "upstream: add b.txt", fetch=True)  # b onto the target conflicts
    before = snapshot(in_repo)
    capsys.readouterr()
    entries = by_branch(tree_json(capsys))
    assert entries["a"]["merged"]["kind"] == "squash"
    assert entries["b"]["forecast"]["outcome"] == "conflict"  # not "clean": onto a's old tip nothing conflicts
    assert entries["b"]["forecast"]["conflict"]["files"][0]["path"] == "b.txt"
    assert main(["plan", "b", "--format", "json"]) == 0
    [planned] = json.loads(capsys.readouterr().out)["plans"]
    assert (planned["onto"], planned["outcome"]) == ("origin/main", "conflict")
    assert snapshot(in_repo) == before
