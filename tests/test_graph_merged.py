"""Merged branches (issue 12): a branch whose commits reached the target by a merge commit, a fast-forward, a
rebase-merge or a squash merge (GitHub's: one commit with the whole diff), and a squash merge of a branch whose
conflicts with the target were resolved first (the target holds its tree changes). Nothing moves to find it."""

from __future__ import annotations

import pytest

from align.git import Git
from align.graph.merged import merged
from align.graph.model import ANCESTOR, REBASE, SQUASH, Merged
from tests.builders import upstream
from tests.graphing import branch_on, read_graph, stack
from tests.helpers import Repo, git, write
from tests.snapshots import refs, rev, snapshot


def merged_states(repo: Repo) -> dict[str, Merged | None]:
    before = snapshot(repo)
    found = merged(Git(repo.path), read_graph(repo))
    assert snapshot(repo) == before  # refs, HEAD, index, files, config: only unreachable trees may be written
    return found


def on_origin(repo: Repo, *commands: tuple[str, ...]) -> str:
    """Run git commands in a second clone on main, push main, fetch here; return origin/main."""
    other = repo.origin.parent / "other"
    if not other.exists():
        git(repo.origin.parent, "clone", "--quiet", str(repo.origin), str(other))
    git(other, "fetch", "--quiet", "origin")
    git(other, "switch", "--quiet", "main")
    git(other, "reset", "--quiet", "--hard", "origin/main")
    for command in commands:
        git(other, *command)
    git(other, "push", "--quiet", "origin", "main")
    repo.git("fetch", "--quiet", "origin")
    return repo.git("rev-parse", "origin/main")


def push_branches(repo: Repo, *names: str) -> None:
    repo.git("push", "--quiet", "origin", *names)


def test_nothing_is_merged_in_a_fresh_stack(in_repo: Repo) -> None:
    stack(in_repo)
    upstream(in_repo, "up.txt", "up\n", "upstream: more", fetch=True)
    in_repo.git("branch", "fresh", "origin/main")  # at the target's tip, no commit of its own: not merged
    in_repo.git("branch", "stale", "main")  # behind the target, no commit of its own: merged (nothing to lose)
    in_repo.git("branch", "based", "main")
    in_repo.git("config", "branch.based.alignBase", in_repo.git("rev-parse", "main"))  # its base is its tip: not merged

    found = merged_states(in_repo)

    assert found == {
        "a": None,
        "b": None,
        "c": None,
        "fresh": None,
        "stale": Merged(kind=ANCESTOR, upstream=in_repo.git("rev-parse", "main")),
        "based": None,
    }


def test_a_branch_merged_with_a_merge_commit_names_the_merge(in_repo: Repo) -> None:
    tips = stack(in_repo)
    push_branches(in_repo, "a")
    upstream(in_repo, "up.txt", "up\n", "upstream: more")
    target = on_origin(
        in_repo, ("fetch", "--quiet", "origin", "a"), ("merge", "--quiet", "--no-ff", "-m", "Merge a", "FETCH_HEAD")
    )

    found = merged_states(in_repo)

    assert found["a"] == Merged(kind=ANCESTOR, upstream=target)
    assert found["b"] is None
    assert tips["a"] != target


def test_a_fast_forwarded_branch_names_its_own_tip(in_repo: Repo) -> None:
    tips = stack(in_repo)
    push_branches(in_repo, "b")
    on_origin(in_repo, ("fetch", "--quiet", "origin", "b"), ("merge", "--quiet", "--ff-only", "FETCH_HEAD"))
    upstream(in_repo, "up.txt", "up\n", "upstream: more", fetch=True)

    found = merged_states(in_repo)

    assert found["a"] == Merged(kind=ANCESTOR, upstream=tips["a"])
    assert found["b"] == Merged(kind=ANCESTOR, upstream=tips["b"])
    assert found["c"] is None


def test_a_rebase_merged_branch_names_the_upstream_copy_of_its_last_commit(in_repo: Repo) -> None:
    branch_on(in_repo, "r", "main", ("r1.txt", "1\n"), ("r2.txt", "2\n"))
    push_branches(in_repo, "r")
    upstream(in_repo, "up.txt", "up\n", "upstream: more")
    target = on_origin(in_repo, ("fetch", "--quiet", "origin", "r"), ("cherry-pick", "main..FETCH_HEAD"))
    partial = branch_on(in_repo, "half", "main", ("r1.txt", "1\n"), ("own.txt", "own\n"))  # one patch upstream only

    found = merged_states(in_repo)

    assert found["r"] == Merged(kind=REBASE, upstream=target)
    assert found["half"] is None
    assert partial


def test_a_squash_merged_stack_bottom_is_found_and_its_child_is_not(in_repo: Repo) -> None:
    stack(in_repo)
    push_branches(in_repo, "a", "b")
    upstream(in_repo, "up.txt", "up\n", "upstream: more")
    # GitHub's squash merge of b (built on a): one commit with b's whole diff from main, a's and b's changes
    squash = on_origin(
        in_repo,
        ("fetch", "--quiet", "origin", "b"),
        ("merge", "--quiet", "--squash", "FETCH_HEAD"),
        ("commit", "--quiet", "-m", "Squash a and b"),
    )
    upstream(in_repo, "later.txt", "later\n", "upstream: later", fetch=True)

    found = merged_states(in_repo)

    assert found["b"] == Merged(kind=SQUASH, upstream=squash)  # a+b from the merge base: the tree case
    assert found["a"] == Merged(kind=SQUASH, upstream=None)  # no one upstream commit is a's, but main holds a
    assert found["c"] is None


@pytest.mark.parametrize("recorded", [True, False])
def test_a_squash_merge_of_a_child_matches_its_diff_from_its_base(in_repo: Repo, recorded: bool) -> None:
    a = branch_on(in_repo, "a", "main", ("a.txt", "a\n"), ("a2.txt", "a2\n"))
    b = branch_on(in_repo, "b", "a", ("b.txt", "b\n"), ("b2.txt", "b2\n"))
    in_repo.git("switch", "--quiet", "main")
    if recorded:
        in_repo.git("config", "branch.b.alignBase", a)
    # upstream squashes a, then b on its own (b's diff from a's tip), as after retargeting b's PR to main
    push_branches(in_repo, "a", "b")
    squash_b = on_origin(
        in_repo,
        ("fetch", "--quiet", "origin", "a", "b"),
        ("merge", "--quiet", "--squash", "origin/a"),
        ("commit", "--quiet", "-m", "Squash a"),
        ("cherry-pick", "--no-commit", "origin/a..origin/b"),
        ("commit", "--quiet", "-m", "Squash b"),
    )
    squash_a = in_repo.git("rev-parse", "origin/main~1")

    found = merged_states(in_repo)

    assert found == {"a": Merged(kind=SQUASH, upstream=squash_a), "b": Merged(kind=SQUASH, upstream=squash_b)}
    assert refs(in_repo, "refs/heads/") == {
        "refs/heads/a": a,
        "refs/heads/b": b,
        "refs/heads/main": rev(in_repo, "main"),
    }


def test_a_branch_whose_changes_the_target_holds_is_merged_without_a_commit_named(in_repo: Repo) -> None:
    stack(in_repo)
    push_branches(in_repo, "b")
    on_origin(  # b squashed: a's changes and b's in one commit; a alone is no upstream commit, but main holds it
        in_repo,
        ("fetch", "--quiet", "origin", "b"),
        ("merge", "--quiet", "--squash", "FETCH_HEAD"),
        ("commit", "--quiet", "-m", "Squash a and b"),
    )

    assert merged_states(in_repo)["a"] == Merged(kind=SQUASH, upstream=None)


def test_a_two_commit_branch_squashed_after_its_conflicts_were_resolved(in_repo: Repo) -> None:
    branch_on(in_repo, "p", "main", ("README.md", "hello from p\n"), ("p.txt", "p\n"))
    upstream(in_repo, "README.md", "hello from upstream\n", "upstream: reword", fetch=True)
    # the conflict is resolved on the branch by merging the target in, then the branch is squashed upstream
    in_repo.git("switch", "--quiet", "p")
    in_repo.git("merge", "--quiet", "origin/main", "-m", "merge main", "-X", "ours")
    in_repo.commit("README.md", "hello from both\n", "p: resolve with upstream")
    push_branches(in_repo, "p")
    in_repo.git("switch", "--quiet", "main")
    squash = on_origin(
        in_repo,
        ("fetch", "--quiet", "origin", "p"),
        ("merge", "--quiet", "--squash", "FETCH_HEAD"),
        ("commit", "--quiet", "-m", "Squash p"),
    )
    upstream(in_repo, "after.txt", "after\n", "upstream: after", fetch=True)

    found = merged_states(in_repo)

    assert found["p"] == Merged(kind=SQUASH, upstream=squash)


def test_a_squash_merge_is_found_whatever_the_diff_config_says(in_repo: Repo) -> None:
    # textconv, an external diff, no prefixes, signatures shown: the upstream patches are read as git's plumbing does
    in_repo.git("config", "diff.upper.textconv", "tr a-z A-Z")
    in_repo.git("config", "diff.external", "false")
    in_repo.git("config", "diff.noprefix", "true")
    in_repo.git("config", "log.showSignature", "true")
    write(in_repo.path / ".git" / "info" / "attributes", "*.txt diff=upper\n")
    branch_on(in_repo, "s", "main", ("s.txt", "one\n"), ("s.txt", "one\ntwo\n"))
    push_branches(in_repo, "s")
    in_repo.git("switch", "--quiet", "main")
    squash = on_origin(
        in_repo,
        ("fetch", "--quiet", "origin", "s"),
        ("merge", "--quiet", "--squash", "FETCH_HEAD"),
        ("commit", "--quiet", "-m", "Squash s"),
    )
    upstream(in_repo, "after.txt", "after\n", "upstream: after", fetch=True)

    assert merged_states(in_repo)["s"] == Merged(kind=SQUASH, upstream=squash)
