"""Stacks aligned as stacks (issue 12): each child onto its parent's new tip, moving only its own commits.

Real repositories: main <- a <- b <- c (one commit each), origin/main moving on; the state after each run
is read back with git (each branch's own commits, what it sits on, the recorded base, the working tree).
"""

from __future__ import annotations

import json

import pytest

from align.cli import main
from tests.builders import moved_upstream, upstream
from tests.graphing import branch_on, by_branch, config_keys, stack, tree_json
from tests.helpers import Repo, git
from tests.snapshots import rev


def own(repo: Repo, branch: str, below: str) -> list[str]:
    """The subjects of ``branch``'s commits above ``below``, oldest first."""
    listed = repo.git("log", "--reverse", "--format=%s", f"{below}..{branch}")
    return [line for line in listed.splitlines() if line]


def sits_on(repo: Repo, branch: str, parent: str) -> bool:
    """Tell whether ``parent``'s tip is in ``branch``'s history."""
    return repo.git("merge-base", branch, parent) == rev(repo, parent)


def test_a_three_deep_stack_is_aligned_parents_first_each_child_on_its_parent(in_repo: Repo) -> None:
    stack(in_repo)
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    assert main(["c", "a", "b"]) == 0  # any order given: parents go first
    target = rev(in_repo, "origin/main")
    assert own(in_repo, "a", "origin/main") == ["a: a.txt"]
    assert own(in_repo, "b", "a") == ["b: b.txt"]
    assert own(in_repo, "c", "b") == ["c: c.txt"]
    assert sits_on(in_repo, "a", "origin/main")
    assert sits_on(in_repo, "b", "a")
    assert sits_on(in_repo, "c", "b")
    keys = config_keys(in_repo)  # each child records the parent's tip it now sits on
    assert keys["branch.b.alignbase"] == rev(in_repo, "a")
    assert keys["branch.c.alignbase"] == rev(in_repo, "b")
    assert "branch.a.alignbase" not in keys  # a sits on the target: nothing to record
    assert rev(in_repo, "a~1") == target
    assert in_repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert in_repo.git("status", "--porcelain") == ""


def test_the_stack_option_aligns_the_current_branchs_whole_stack(in_repo: Repo) -> None:
    stack(in_repo)
    branch_on(in_repo, "other", "main", ("o.txt", "o\n"))  # another stack: left alone
    other = rev(in_repo, "other")
    in_repo.git("switch", "--quiet", "b")
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    assert main(["--stack"]) == 0
    assert own(in_repo, "a", "origin/main") == ["a: a.txt"]
    assert own(in_repo, "b", "a") == ["b: b.txt"]
    assert own(in_repo, "c", "b") == ["c: c.txt"]
    assert rev(in_repo, "other") == other
    assert in_repo.git("symbolic-ref", "HEAD") == "refs/heads/b"
    assert (in_repo.path / "b.txt").read_text() == "b\n"
    assert (in_repo.path / "up.txt").exists()


def test_all_aligns_every_stack(in_repo: Repo) -> None:
    stack(in_repo)
    branch_on(in_repo, "other", "main", ("o.txt", "o\n"))
    in_repo.git("switch", "--quiet", "main")
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    assert main(["--all"]) == 0
    for branch, parent in (("a", "origin/main"), ("b", "a"), ("c", "b"), ("other", "origin/main")):
        assert sits_on(in_repo, branch, parent), branch
    assert own(in_repo, "c", "b") == ["c: c.txt"]


def test_all_refuses_branch_names(in_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    stack(in_repo)
    tips = {name: rev(in_repo, name) for name in "abc"}
    assert main(["--all", "a"]) == 2
    assert "--all" in capsys.readouterr().err
    assert {name: rev(in_repo, name) for name in "abc"} == tips


def test_an_amended_parent_takes_only_the_childs_own_commits(in_repo: Repo) -> None:
    stack(in_repo)
    assert main(["track", "b", "--parent", "a"]) == 0  # amended, a's tip leaves b's history: declare it
    in_repo.git("switch", "--quiet", "a")
    in_repo.git("commit", "--quiet", "--amend", "-m", "a: a.txt, amended")  # a rewritten under b
    in_repo.git("switch", "--quiet", "main")
    assert main(["a", "b"]) == 0  # a is up to date; b goes onto the amended a, without the old a commit
    assert own(in_repo, "b", "a") == ["b: b.txt"]
    assert own(in_repo, "b", "origin/main") == ["a: a.txt, amended", "b: b.txt"]


def test_a_declared_parent_places_a_branch_aligned_alone(in_repo: Repo) -> None:
    stack(in_repo)
    assert main(["track", "b", "--parent", "a"]) == 0
    in_repo.git("switch", "--quiet", "a")
    in_repo.commit("a2.txt", "a2\n", "a: a2.txt")  # the parent moves on
    in_repo.git("switch", "--quiet", "main")
    a = rev(in_repo, "a")
    assert main(["b"]) == 0
    assert rev(in_repo, "a") == a  # not named: not moved
    assert own(in_repo, "b", "a") == ["b: b.txt"]
    assert config_keys(in_repo)["branch.b.alignbase"] == a


def test_an_inferred_parent_alone_leaves_the_branch_on_the_target(in_repo: Repo) -> None:
    stack(in_repo)
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    a = rev(in_repo, "a")
    assert main(["b"]) == 0  # b's parent a is only inferred: b goes onto origin/main with a's commit, as before
    assert rev(in_repo, "a") == a
    assert own(in_repo, "b", "origin/main") == ["a: a.txt", "b: b.txt"]
    assert "branch.b.alignbase" not in config_keys(in_repo)


@pytest.mark.parametrize("merge", ["squash", "rebase", "merge"])
def test_a_child_of_a_merged_parent_ends_with_exactly_its_own_commits_on_the_target(
    in_repo: Repo, merge: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stack(in_repo)
    in_repo.git("switch", "--quiet", "a")
    in_repo.commit("a.txt", "a, reviewed\n", "a: review")  # a has two commits; b sits on the first
    in_repo.git("switch", "--quiet", "main")
    assert main(["track", "b", "--parent", "a"]) == 0
    _merge_upstream(in_repo, merge)
    upstream(in_repo, "up.txt", "upstream\n", "upstream: add up", fetch=True)
    assert main(["b"]) == 0
    assert own(in_repo, "b", "origin/main") == ["b: b.txt"]
    assert in_repo.git("show", "b:a.txt") == "a, reviewed"  # a's work is there, from the target
    assert config_keys(in_repo)["branch.b.alignbase"] == rev(in_repo, "origin/main")
    assert main(["b"]) == 0  # and it stays so: up to date
    assert own(in_repo, "b", "origin/main") == ["b: b.txt"]
    capsys.readouterr()


def _merge_upstream(repo: Repo, how: str) -> None:
    """Merge feature branch a into origin's main the way a forge would: squash, rebase or merge commit."""
    other = repo.origin.parent / "merger"
    git(repo.origin.parent, "clone", "--quiet", str(repo.origin), str(other))
    repo.git("push", "--quiet", "origin", "a")
    git(other, "fetch", "--quiet", "origin", "a:a")
    if how == "squash":
        git(other, "merge", "--quiet", "--squash", "a")
        git(other, "commit", "--quiet", "-m", "a (#1)")
    elif how == "rebase":
        git(other, "commit", "--quiet", "--allow-empty", "-m", "upstream: something first")
        git(other, "cherry-pick", "main..a")
    else:
        git(other, "commit", "--quiet", "--allow-empty", "-m", "upstream: something first")
        git(other, "merge", "--quiet", "--no-ff", "-m", "Merge a", "a")
    git(other, "push", "--quiet", "origin", "main")
    repo.git("fetch", "--quiet")


def test_plan_forecasts_a_stacked_branch_onto_its_parent_from_its_base(
    in_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    stack(in_repo)
    assert main(["track", "b", "--parent", "a"]) == 0
    in_repo.git("switch", "--quiet", "a")
    in_repo.git("commit", "--quiet", "--amend", "-m", "a: a.txt, amended")
    in_repo.git("switch", "--quiet", "main")
    tips = {name: rev(in_repo, name) for name in "abc"}
    capsys.readouterr()
    assert main(["plan", "b", "--format", "json"]) == 0
    [found] = json.loads(capsys.readouterr().out)["plans"]
    assert (found["onto"], found["outcome"]) == ("a", "clean")
    assert [item["subject"] for item in found["commits"]["replay"]] == ["b: b.txt"]  # not the old a commit
    assert main(["plan", "b"]) == 0
    out = capsys.readouterr().out
    assert "stacked on a (declared): its own commits from" in out
    assert "a is a local branch (its parent): the run aligns onto it as it is then" in out
    assert "does not refresh" not in out
    assert {name: rev(in_repo, name) for name in "abc"} == tips


def test_tree_forecasts_a_child_from_its_base(in_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    stack(in_repo)
    assert main(["track", "b", "--parent", "a"]) == 0
    in_repo.git("switch", "--quiet", "a")
    in_repo.commit("a.txt", "a, rewritten\n", "a: a.txt again")
    in_repo.git("commit", "--quiet", "--amend", "-m", "a: squashed by hand")
    in_repo.git("reset", "--quiet", "--soft", "HEAD~2")
    in_repo.git("commit", "--quiet", "-m", "a: one commit, rewritten")  # a's old commit is gone from a
    in_repo.git("switch", "--quiet", "main")
    capsys.readouterr()
    entries = by_branch(tree_json(capsys))
    assert entries["b"]["forecast"]["outcome"] == "clean"  # the old a commit would conflict with the new one
    assert entries["b"]["forecast"]["replay"] == 1


def test_dry_run_forecasts_a_child_onto_its_parents_new_tip(in_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    stack(in_repo)
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    tips = {name: rev(in_repo, name) for name in "abc"}
    capsys.readouterr()
    assert main(["--dry-run", "--stack", "b"]) == 0
    out = capsys.readouterr().out
    assert out.count("plan: align ") == 3
    assert "already up to date" not in out  # b and c go onto the tips a's and b's replays make
    assert {name: rev(in_repo, name) for name in "abc"} == tips
