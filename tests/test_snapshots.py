"""The snapshot helper sees every part of the state a run promises to keep (tests/snapshots.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import Repo, write
from tests.snapshots import difference, index_flags, snapshot


def symlink(repo: Repo) -> None:
    os.symlink("README.md", repo.path / "link")


def retarget(repo: Repo) -> None:
    (repo.path / "link").unlink()
    os.symlink("elsewhere", repo.path / "link")


def executable(repo: Repo) -> None:
    (repo.path / "README.md").chmod(0o700)


def ignored(repo: Repo) -> None:
    write(repo.path / "settings.log", "changed\n")


def empty_folder(repo: Repo) -> None:
    (repo.path / "mnt" / "empty").mkdir(parents=True)


def stash(repo: Repo) -> None:
    write(repo.path / "README.md", "stashed\n")
    repo.git("stash", "push", "--quiet")


def config(repo: Repo) -> None:
    repo.git("config", "core.autocrlf", "true")


def lock(repo: Repo) -> None:
    write(repo.path / ".git" / "refs" / "heads" / "main.lock", "")


def intent_to_add(repo: Repo) -> None:
    write(repo.path / "new.txt", "new\n")
    repo.git("add", "--intent-to-add", "new.txt")


def skip_worktree(repo: Repo) -> None:
    repo.git("update-index", "--skip-worktree", "README.md")


def assume_unchanged(repo: Repo) -> None:
    repo.git("update-index", "--assume-unchanged", "README.md")


def operation(repo: Repo) -> None:
    write(repo.path / ".git" / "CHERRY_PICK_HEAD", repo.git("rev-parse", "HEAD") + "\n")


def journal(repo: Repo) -> None:
    write(repo.path / ".git" / "align" / "journal.json", "{}")


CHANGES: dict[str, tuple[Callable[[Repo], None], str]] = {
    "symlink": (symlink, "modes[link]: None -> 'symlink'"),
    "symlink target": (retarget, "files[link]: b'README.md' -> b'elsewhere'"),
    "executable bit": (executable, "'file 700'"),
    "ignored file": (ignored, "files[settings.log]: b'local\\n' -> b'changed\\n'"),
    "empty folder": (empty_folder, "modes[mnt/empty]: None -> 'dir "),
    "stash": (stash, "stashes: [] -> ["),
    "config": (config, "config: lost [], gained ['\\tautocrlf = true']"),
    "lock file": (lock, "locks: [] -> ['refs/heads/main.lock']"),
    "intent to add": (intent_to_add, "index_flags[new.txt [0]]: None -> 'intent-to-add'"),
    "skip-worktree": (skip_worktree, "index_flags[README.md [0]]: None -> 'skip-worktree'"),
    "assume-unchanged": (assume_unchanged, "index_tags: lost ['H README.md'], gained ['h README.md']"),
    "operation": (operation, "operations: [] -> ['CHERRY_PICK_HEAD']"),
    "journal": (journal, "align: [] -> ['journal.json']"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_snapshot_sees_the_change(change: str, repo: Repo) -> None:
    if change == "symlink target":
        symlink(repo)
    write(repo.path / ".gitignore", "*.log\n")
    write(repo.path / "settings.log", "local\n")
    before = snapshot(repo)
    make, expected = CHANGES[change]

    make(repo)

    after = snapshot(repo)
    assert after != before
    assert expected in difference(before, after)


def test_equal_states_make_equal_snapshots(repo: Repo) -> None:
    write(repo.path / "settings.log", "local\n")
    (repo.path / "empty").mkdir()
    assert difference(snapshot(repo), snapshot(repo)) == ""
    assert snapshot(repo) == snapshot(repo)


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_the_index_flags_are_read_in_each_index_version(version: str, repo: Repo) -> None:
    for name in ("a", "dir/b", "dir/c", "new"):
        write(repo.path / name, f"{name}\n")
    repo.git("add", "a", "dir")
    repo.git("add", "--intent-to-add", "new")
    repo.git("update-index", "--assume-unchanged", "a")
    repo.git("update-index", "--skip-worktree", "dir/c")
    repo.git("update-index", "--index-version", version)
    flags = index_flags(repo.path / ".git" / "index")
    if version == "2":  # version 2 cannot hold skip-worktree or intent-to-add: git writes version 3
        assert repo.path.joinpath(".git", "index").read_bytes()[4:8] == b"\0\0\0\3"
    assert flags == {"a [0]": "assume-unchanged", "dir/c [0]": "skip-worktree", "new [0]": "intent-to-add"}
    assert index_flags(Path(repo.path / ".git" / "no-index")) == {}
