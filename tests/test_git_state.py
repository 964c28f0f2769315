"""git's state through one door: ``Git.operation_in_progress``, ``applying``, ``progress`` and ``git_path``
(``rev-parse --git-path``, right in a linked worktree; asked once, in locate's own call) (issue 14, item 3)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from align.cli import main
from align.git import Git
from align.gitstate import GIT_PATHS, Progress
from tests.helpers import BRANCH, Repo, git, write

NOTHING = Progress(rebasing=False, merging=False, picking=False, number=None, total=None, done=frozenset())


def conflicting(repo: Repo, where: Path) -> tuple[str, str]:
    """In ``where`` (the clone or a worktree of it), branch ``side`` changes README.md against main; return the
    two commits of ``side``."""
    base = repo.commit("README.md", "from main\n", "main: reword")
    git(where, "switch", "--quiet", "-c", "side", f"{base}~1")
    write(where / "a.txt", "a\n")
    git(where, "add", "a.txt")
    git(where, "commit", "--quiet", "-m", "side: add a")
    first = git(where, "rev-parse", "HEAD")
    write(where / "README.md", "from side\n")
    git(where, "commit", "--quiet", "-am", "side: reword")
    second = git(where, "rev-parse", "HEAD")
    return first, second


def worktree(repo: Repo, tmp_path: Path) -> Path:
    where = tmp_path / "linked"
    repo.git("worktree", "add", "--quiet", "--detach", str(where))
    return where


def test_a_rebase_stopped_in_a_linked_worktree(repo: Repo, tmp_path: Path) -> None:
    where = worktree(repo, tmp_path)
    first, second = conflicting(repo, where)
    stopped = ("-c", "rebase.backend=merge", "rebase", "--quiet", "main")
    assert git_code(where, *stopped) != 0
    location = Git(where).locate()
    assert location is not None
    ours = Git.at(location)

    assert ours.operation_in_progress() == "a rebase"
    assert ours.applying() == "REBASE_HEAD"
    now = ours.progress()
    assert now == Progress(rebasing=True, merging=False, picking=True, number="2", total="2", done=now.done)
    assert {first, second} >= now.done >= {second}
    assert ours.stats.calls == 0  # every path known from locate: no git process asked
    own = repo.path / ".git" / "worktrees" / "linked"
    assert ours.git_path("rebase-merge") == own / "rebase-merge"
    assert ours.git_path("info/attributes") == repo.path / ".git" / "info" / "attributes"  # the common dir's
    assert Git(repo.path).operation_in_progress() is None  # the main working tree has nothing in progress

    git(where, "rebase", "--abort")

    assert (ours.operation_in_progress(), ours.applying(), ours.progress()) == (None, None, NOTHING)


def test_a_merge_in_progress(repo: Repo) -> None:
    conflicting(repo, repo.path)
    repo.git("switch", "--quiet", "side")
    assert git_code(repo.path, "merge", "--quiet", "main") != 0
    ours = Git(repo.path)

    assert ours.operation_in_progress() == "a merge"
    assert ours.applying() == "MERGE_HEAD"
    assert ours.progress() == Progress(
        rebasing=False, merging=True, picking=False, number=None, total=None, done=frozenset()
    )


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("cherry-pick", "side"), "a cherry-pick"),
        (("revert", "--no-edit", "side"), "a revert"),
        (("bisect", "start"), "a bisect"),
    ],
)
def test_other_operations_in_progress(repo: Repo, argv: tuple[str, ...], said: str) -> None:
    conflicting(repo, repo.path)
    repo.git("switch", "--quiet", "main")
    if argv[0] == "revert":
        repo.git("merge", "--quiet", "--no-edit", "-X", "theirs", "side")
        repo.commit("README.md", "main again\n", "main: reword again")
    git_code(repo.path, *argv)

    assert Git(repo.path).operation_in_progress() == said


def test_a_git_not_made_from_a_location_asks_every_path_in_one_call(repo: Repo) -> None:
    ours = Git(repo.path)

    assert ours.git_path("MERGE_HEAD") == repo.path / ".git" / "MERGE_HEAD"
    assert ours.stats.calls == 1
    assert [ours.git_path(name) for name in GIT_PATHS] == [repo.path / ".git" / name for name in GIT_PATHS]
    assert ours.with_env(GIT_REFLOG_ACTION="x").git_path("sequencer") == repo.path / ".git" / "sequencer"
    assert ours.stats.calls == 2  # one more name, asked once; shared with with_env's copy
    assert ours.operation_in_progress() is None
    assert ours.stats.calls == 2


def test_locate_knows_the_paths_from_a_folder_below_the_root(repo: Repo) -> None:
    (repo.path / "deep" / "er").mkdir(parents=True)

    location = Git(repo.path / "deep" / "er").locate()

    assert location is not None
    assert dict(location.paths) == {name: repo.path / ".git" / name for name in GIT_PATHS}


def git_code(cwd: Path, *args: str) -> int:
    """Run git in ``cwd``; return its exit code (a conflict is expected)."""
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False).returncode


def test_line_endings_set_in_the_common_info_attributes_are_kept_in_a_linked_worktree(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tracked file git calls clean whose bytes a checkout would rewrite (CRLF on disk, ``text`` in
    ``info/attributes``) comes back byte for byte, in a linked worktree too: there ``info/attributes`` is in the
    common git dir (align looked for it in the worktree's own git dir, and did not keep the file's bytes)."""
    write(repo.path / ".git" / "info" / "attributes", "*.txt text\n")
    repo.commit("notes.txt", "one\n", "notes")
    repo.git("push", "--quiet", "origin", "main")
    repo.git("switch", "--quiet", "-c", BRANCH)
    tip = repo.commit("notes.txt", "one\ntwo\n", "feature: notes")
    repo.git("switch", "--quiet", "main")
    upstream = repo.commit("README.md", "upstream side\n", "upstream: readme")
    repo.git("push", "--quiet", "origin", "main")
    where = tmp_path / "linked"
    repo.git("worktree", "add", "--quiet", str(where), BRANCH)
    raw = b"one\r\ntwo\r\n"
    (where / "notes.txt").write_bytes(raw)
    git(where, "add", "notes.txt")  # the same blob: only the index's file size changes
    assert git(where, "status", "--porcelain") == ""
    monkeypatch.chdir(where)

    assert main([BRANCH]) == 0

    assert git(where, "rev-parse", f"{BRANCH}~1") == upstream
    assert git(where, "rev-parse", BRANCH) != tip
    assert git(where, "show", f"{BRANCH}:notes.txt") == "one\ntwo"
    assert (where / "notes.txt").read_bytes() == raw
    assert git(where, "stash", "list") == ""
