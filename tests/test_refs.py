"""align/refs.py: backups and putting branches back by compare-and-swap, the one door the rollback,
`align undo` and `align backups restore` go through (issue 14, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from align import refs as door
from align.cli import main
from align.git import Git
from tests.builders import ALIGN_STEPS, fetched_feature, steps_recipe
from tests.helpers import BRANCH, REF, Repo
from tests.snapshots import BACKUPS, backups, files, head, refs, rev, snapshot, stashes

Capture = pytest.CaptureFixture[str]


def reflog(repo: Repo, ref: str) -> list[str]:
    return repo.git("log", "-g", "--format=%H %gs", ref, "--").splitlines()


def test_restore_branch_moves_a_checked_out_branch_and_its_tree(repo: Repo) -> None:
    first = rev(repo, "HEAD")
    second = repo.commit("a.txt", "a\n", "add a")
    before = {**refs(repo)}

    assert door.restore_branch(Git(repo.path), "refs/heads/main", first, second, "test: back to the first")

    assert refs(repo) == {**before, "refs/heads/main": first}
    assert head(repo) == "refs/heads/main"
    assert files(repo) == {"README.md": b"hello\n"}  # the tree followed the branch
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""
    assert reflog(repo, "refs/heads/main")[0] == f"{first} test: back to the first"


def test_restore_branch_leaves_a_branch_that_is_not_where_expected(repo: Repo) -> None:
    first = rev(repo, "HEAD")
    repo.commit("a.txt", "a\n", "add a")
    repo.git("branch", "other", first)
    before = snapshot(repo)

    assert not door.restore_branch(Git(repo.path), "refs/heads/main", first, "1" * 40, "test: never")
    assert not door.restore_branch(Git(repo.path), "refs/heads/other", rev(repo, "main"), "1" * 40, "test: never")

    assert snapshot(repo) == before  # HEAD on main again, its tree and index as they were


def test_replace_branch_keeps_what_it_replaces_and_nothing_when_the_branch_moved(repo: Repo) -> None:
    first = rev(repo, "HEAD")
    second = repo.commit("a.txt", "a\n", "add a")
    git = Git(repo.path)

    assert door.replace_branch(git, "refs/heads/main", second, first, "test", backup_why="before a test") is None
    assert backups(repo) == {}  # the backup made for it is gone again: nothing changed
    assert rev(repo, "main") == second

    kept = door.replace_branch(git, "refs/heads/main", first, second, "test", backup_why="before a test")

    assert kept is not None
    assert kept.startswith(f"{BACKUPS}main/")
    assert backups(repo) == {kept: second}
    assert reflog(repo, kept) == [f"{second} align backup of refs/heads/main before a test"]
    assert rev(repo, "main") == first


def test_restore_stacked_puts_back_only_what_the_run_left_or_the_rebase_rewrote(repo: Repo) -> None:
    base = rev(repo, "HEAD")
    new = repo.commit("a.txt", "a\n", "add a")
    other = repo.commit("b.txt", "b\n", "add b")
    for name in ("left", "rewritten", "moved", "unmoved", "gone"):
        repo.git("branch", name, base)
    repo.git("update-ref", "-m", "test", "refs/heads/left", new)
    repo.git("update-ref", "-m", door.REWRITTEN, "refs/heads/rewritten", new)
    repo.git("update-ref", "-m", "someone else", "refs/heads/moved", other)
    repo.git("branch", "-D", "gone")
    original = {f"refs/heads/{name}": base for name in ("left", "rewritten", "moved", "unmoved", "gone")}
    left = {"refs/heads/left": new, "refs/heads/moved": new}

    done = door.restore_stacked(Git(repo.path), original, left, "test: rollback", rewritten=True)

    assert done == [
        door.Restored(ref="refs/heads/left", restored=True, now=base),
        door.Restored(ref="refs/heads/rewritten", restored=True, now=base),
        door.Restored(ref="refs/heads/moved", restored=False, now=other),
        door.Restored(ref="refs/heads/gone", restored=False, now=None),
    ]
    assert {name: sha for name, sha in refs(repo, "refs/heads/").items() if name != "refs/heads/main"} == {
        "refs/heads/left": base,
        "refs/heads/rewritten": base,
        "refs/heads/moved": other,
        "refs/heads/unmoved": base,
    }
    assert reflog(repo, "refs/heads/left")[0] == f"{base} test: rollback"
    assert backups(repo) == {}


def test_restore_stacked_keeps_a_backup_of_each_branch_it_puts_back(repo: Repo) -> None:
    base = rev(repo, "HEAD")
    new = repo.commit("a.txt", "a\n", "add a")
    repo.git("branch", "part", new)

    [done] = door.restore_stacked(
        Git(repo.path), {"refs/heads/part": base}, {"refs/heads/part": new}, "t", backup_why="w"
    )

    assert done.restored
    assert done.now == base
    assert backups(repo) == {done.kept: new}
    assert rev(repo, "part") == base


@pytest.mark.usefixtures("in_repo")
def test_undo_leaves_alone_a_stacked_branch_the_run_did_not_move(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    """A branch checked out in another worktree is not moved by ``--update-refs``: `align undo` used to keep a
    backup of it and say it restored it."""
    old = fetched_feature(repo)
    repo.git("branch", "feature/part1", old[0])
    repo.git("branch", "feature/part2", old[1])
    repo.git("worktree", "add", "--quiet", str(tmp_path / "other"), "feature/part2")
    path = steps_recipe(tmp_path, *ALIGN_STEPS[:2], "rebase: {update_refs: true}", *ALIGN_STEPS[3:])
    assert main([BRANCH, "--recipe", path]) == 0
    aligned, part1 = rev(repo, REF), rev(repo, "feature/part1")
    run_backups = backups(repo)
    capsys.readouterr()

    assert main(["undo", BRANCH]) == 0

    lines = capsys.readouterr().out.splitlines()
    made = {name: sha for name, sha in backups(repo).items() if name not in run_backups}
    assert sorted(made.values()) == sorted([aligned, part1])  # none of feature/part2
    assert not any("feature/part2" in name for name in made)
    assert [line for line in lines if "feature/part" in line] == [
        f"feature/part1 restored to {old[0][:12]} (update_refs); what it replaced is kept as "
        + next(name for name, sha in made.items() if sha == part1)
    ]
    assert rev(repo, REF) == old[-1]
    assert rev(repo, "feature/part1") == old[0]
    assert rev(repo, "feature/part2") == old[1]
    assert stashes(repo) == []
