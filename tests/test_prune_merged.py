"""``prune_merged: true`` (issue 12): the branches a run found merged are deleted, each kept as a backup first.

Real repositories: main <- a <- b <- c (tests/graphing.py ``stack``), a merged into origin's main from
another clone the way a forge merges (squash, rebase, merge commit). After each run the refs, the backups,
the graph's config keys, HEAD, the working tree and the stash list are read back with git.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from align.cli import main
from align.git import Git
from align.graph.prune import Pruned, lines, prune
from tests.builders import upstream
from tests.graphing import config_keys, stack
from tests.helpers import Repo, git, write
from tests.pruning import PRUNING, merge_upstream, pruning, squashed_stack
from tests.snapshots import rev, stashes


def own(repo: Repo, branch: str, below: str) -> list[str]:
    """The subjects of ``branch``'s commits above ``below``, oldest first."""
    return [line for line in repo.git("log", "--reverse", "--format=%s", f"{below}..{branch}").splitlines() if line]


def branches(repo: Repo) -> dict[str, str]:
    """Every local branch and its commit."""
    listed = repo.git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
    return dict(line.split() for line in listed.splitlines())


def backups(repo: Repo, branch: str) -> dict[str, str]:
    """``branch``'s backup refs and their commits."""
    listed = repo.git("for-each-ref", "--format=%(refname) %(objectname)", f"refs/align/backups/{branch}/")
    return dict(line.split() for line in listed.splitlines())


def test_a_squash_merged_parent_is_pruned_and_its_child_takes_its_parent(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tips = squashed_stack(in_repo)
    capsys.readouterr()
    assert main(["b", "--recipe", pruning(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "pruned a: merged (squash" in out
    assert "b now sits on a's parent" in out
    assert "`align backups restore a` brings it back" in out
    assert set(branches(in_repo)) == {"main", "b", "c"}  # a is gone; nothing else
    assert rev(in_repo, "c") == tips["c"]
    assert list(backups(in_repo, "a").values()) == [tips["a"]]  # a's tip kept, once
    assert own(in_repo, "b", "origin/main") == ["b: b.txt"]  # exactly its own commit, on the target
    keys = config_keys(in_repo)
    assert keys["branch.b.alignparent"] == "main"  # a's own parent: the target
    assert keys["branch.b.alignbase"] == rev(in_repo, "origin/main")
    assert keys["branch.c.alignparent"] == "b"
    assert not [key for key in keys if key.startswith("branch.a.")]  # a's keys went with it
    assert in_repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert in_repo.git("status", "--porcelain") == ""
    assert stashes(in_repo) == []
    capsys.readouterr()
    assert main(["c"]) == 0  # the rest of the stack aligns as before: c onto b, only its own commit
    assert own(in_repo, "c", "b") == ["c: c.txt"]


def test_the_whole_stack_with_the_merged_parent_in_it(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    squashed_stack(in_repo)
    recipe = str(write(tmp_path / "recipes" / "abort.yaml", PRUNING.replace("}}", "}, on_conflict: {action: abort}}")))
    capsys.readouterr()
    main(["b", "c", "--recipe", recipe])
    out = capsys.readouterr().out
    assert "pruned a: merged (squash" in out
    assert set(branches(in_repo)) == {"main", "b", "c"}
    assert own(in_repo, "b", "origin/main") == ["b: b.txt"]
    assert own(in_repo, "c", "b") == ["c: c.txt"]


def test_without_the_option_nothing_is_deleted(in_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    tips = squashed_stack(in_repo)
    capsys.readouterr()
    assert main(["b"]) == 0
    assert "prune" not in capsys.readouterr().out
    assert branches(in_repo)["a"] == tips["a"]
    assert backups(in_repo, "a") == {}
    assert config_keys(in_repo)["branch.b.alignparent"] == "a"
    assert own(in_repo, "b", "origin/main") == ["b: b.txt"]


@pytest.mark.parametrize("how", ["rebase", "merge"])
def test_a_merged_branch_named_is_pruned(
    in_repo: Repo, tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tips = stack(in_repo)
    merge_upstream(in_repo, how)
    capsys.readouterr()
    assert main(["a", "--recipe", pruning(tmp_path)]) == 0
    assert "pruned a: merged" in capsys.readouterr().out
    assert set(branches(in_repo)) == {"main", "b", "c"}
    assert tips["a"] in backups(in_repo, "a").values()


def test_a_branch_with_a_commit_not_upstream_is_not_deleted_and_says_why(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack(in_repo)
    merge_upstream(in_repo, "rebase")  # a's one commit is upstream...
    in_repo.git("switch", "--quiet", "a")
    in_repo.commit("late.txt", "late\n", "a: one more")  # ...and then it got another
    in_repo.git("switch", "--quiet", "main")
    capsys.readouterr()
    assert main(["a", "--recipe", pruning(tmp_path)]) == 0
    assert "not pruned a: 1 commit not upstream" in capsys.readouterr().out
    assert own(in_repo, "a", "origin/main") == ["a: one more"]  # aligned, and still there
    assert backups(in_repo, "a") != {}  # the run's own backup only
    assert all(rev(in_repo, "a") != sha for sha in backups(in_repo, "a").values())


def test_the_checked_out_branch_is_not_deleted(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tips = squashed_stack(in_repo)
    in_repo.git("switch", "--quiet", "a")
    write(in_repo.path / "notes.txt", "mine\n")  # untracked work: the branch and the tree stay as they are
    capsys.readouterr()
    assert main(["b", "--recipe", pruning(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"not pruned a: merged (squash), but checked out in {in_repo.path}\n" in out
    assert branches(in_repo)["a"] == tips["a"]
    assert backups(in_repo, "a") == {}
    assert in_repo.git("symbolic-ref", "HEAD") == "refs/heads/a"
    assert in_repo.git("status", "--porcelain") == "?? notes.txt"
    assert config_keys(in_repo)["branch.b.alignparent"] == "a"  # nothing re-parented either


def test_a_branch_checked_out_in_a_linked_worktree_is_not_deleted(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tips = squashed_stack(in_repo)
    linked = tmp_path / "linked"
    in_repo.git("worktree", "add", "--quiet", str(linked), "a")
    capsys.readouterr()
    assert main(["b", "--recipe", pruning(tmp_path)]) == 0
    assert f"but checked out in {linked}" in capsys.readouterr().out
    assert branches(in_repo)["a"] == tips["a"]
    assert git(linked, "symbolic-ref", "HEAD") == "refs/heads/a"
    assert backups(in_repo, "a") == {}


def test_a_branch_being_rebased_in_a_linked_worktree_is_not_deleted(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tips = squashed_stack(in_repo)
    linked = tmp_path / "linked"
    in_repo.git("worktree", "add", "--quiet", str(linked), "a")
    stopped = subprocess.run(["git", "rebase", "--quiet", "--exec", "false", "main"], cwd=linked, check=False)
    assert stopped.returncode != 0  # stopped at the exec: HEAD detached, a being rebased
    assert git(linked, "rev-parse", "--abbrev-ref", "HEAD") == "HEAD"
    capsys.readouterr()
    assert main(["b", "--recipe", pruning(tmp_path)]) == 0
    assert "not pruned a: merged (squash" in capsys.readouterr().out
    assert branches(in_repo)["a"] == tips["a"]


def test_backups_restore_brings_a_pruned_branch_back(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tips = squashed_stack(in_repo)
    assert main(["b", "--recipe", pruning(tmp_path)]) == 0
    [backup] = backups(in_repo, "a")
    capsys.readouterr()
    assert main(["backups", "restore", "a"]) == 0
    assert capsys.readouterr().out == f"a restored to {tips['a'][:12]} ({backup}); it did not exist\n"
    assert branches(in_repo)["a"] == tips["a"]
    assert backups(in_repo, "a") == {backup: tips["a"]}  # no backup of "nothing" was made
    assert in_repo.git("log", "-g", "-n1", "--format=%gs", "refs/heads/a") == f"align backups restore {backup}"
    assert in_repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert in_repo.git("status", "--porcelain") == ""


def test_undo_brings_a_branch_pruned_by_its_run_back(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tips = stack(in_repo)
    merge_upstream(in_repo, "rebase")
    assert main(["a", "--recipe", pruning(tmp_path)]) == 0
    assert "a" not in branches(in_repo)
    capsys.readouterr()
    assert main(["undo", "a"]) == 0
    assert f"a restored to {tips['a'][:12]} (from refs/align/backups/a/" in capsys.readouterr().out
    assert branches(in_repo) == {"main": rev(in_repo, "main"), "a": tips["a"], "b": tips["b"], "c": tips["c"]}
    assert in_repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert in_repo.git("status", "--porcelain") == ""


def test_prune_never_deletes_the_target_nor_a_branch_with_a_commit_not_upstream(in_repo: Repo) -> None:
    tips = stack(in_repo)
    upstream(in_repo, "up.txt", "upstream\n", "upstream: add up", fetch=True)
    in_repo.git("switch", "--quiet", "c")
    before = branches(in_repo)
    found = prune(Git(in_repo.path), target="main", onto="origin/main", branches=dict.fromkeys(["main", "a", "b"], ""),
                  why="test")  # fmt: skip
    assert found == [
        Pruned(branch="a", deleted=False, detail="1 commit not upstream"),
        Pruned(branch="b", deleted=False, detail="2 commits not upstream"),
    ]
    assert lines(found) == ["not pruned a: 1 commit not upstream", "not pruned b: 2 commits not upstream"]
    assert branches(in_repo) == before
    assert rev(in_repo, "a") == tips["a"]
    assert in_repo.git("for-each-ref", "refs/align/") == ""


def test_a_merged_stack_is_pruned_bottom_up_each_child_taking_the_nearest_parent_left(in_repo: Repo) -> None:
    tips = stack(in_repo)
    assert main(["track", "b", "--parent", "a"]) == 0
    assert main(["track", "c", "--parent", "b"]) == 0
    merge_upstream(in_repo, "merge", "b")  # a and b both reached the target; c did not
    found = prune(Git(in_repo.path), target="main", onto="origin/main", branches={"b": "", "a": ""}, why="test")
    assert [(item.branch, item.deleted, item.reparented) for item in found] == [
        ("a", True, ("b",)),
        ("b", True, ("c",)),
    ]
    assert set(branches(in_repo)) == {"main", "c"}
    keys = config_keys(in_repo)
    assert keys["branch.c.alignparent"] == "main"
    assert keys["branch.c.alignbase"] == tips["b"]  # where its own commits start, kept though b is gone
    assert {sha for name in "ab" for sha in backups(in_repo, name).values()} == {tips["a"], tips["b"]}
    assert main(["c"]) == 0
    assert own(in_repo, "c", "origin/main") == ["c: c.txt"]


def test_a_batch_paused_then_continued_prunes_once_every_branch_ran(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tips = squashed_stack(in_repo)
    in_repo.git("switch", "--quiet", "-c", "x", "main")
    in_repo.commit("README.md", "hello from x\n", "x: reword the readme")
    in_repo.git("switch", "--quiet", "main")
    upstream(in_repo, "README.md", "hello from upstream\n", "upstream: reword the readme", fetch=True)
    assert main(["x", "b", "--recipe", pruning(tmp_path)]) == 3  # x pauses at its conflict; b waits
    assert "pruned" not in capsys.readouterr().out
    assert branches(in_repo)["a"] == tips["a"]
    write(in_repo.path / "README.md", "hello from both\n")
    in_repo.git("add", "README.md")
    assert main(["continue"]) == 0
    assert "pruned a: merged (squash" in capsys.readouterr().out
    assert set(branches(in_repo)) == {"main", "b", "c", "x"}
    assert own(in_repo, "b", "origin/main") == ["b: b.txt"]
    assert list(backups(in_repo, "a").values()) == [tips["a"]]
