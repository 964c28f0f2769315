"""Small pieces of the in-memory engine, on a real repository: the line-at-a-time git, the object reader,
the backup a memory run makes when the recipe has no backup step."""

from __future__ import annotations

import pytest

from align.cli import main
from align.errors import GitError
from align.git import Git
from align.gitstream import stream
from align.replay import Unsupported, commits, committer_ident, read_objects, replay
from tests.builders import feature, steps_recipe, upstream
from tests.helpers import BRANCH, REF, Repo
from tests.journals import last_run
from tests.snapshots import backups, rev, snapshot


def test_a_line_with_a_newline_is_refused_before_it_reaches_git(repo: Repo) -> None:
    with (
        pytest.raises(ValueError, match="holds a newline"),
        stream(Git(repo.path), "hash-object", "--stdin-paths") as asked,
    ):
        asked.ask("two\nlines")


def test_a_git_that_fails_on_its_own_is_a_git_error_when_the_stream_ends(repo: Repo) -> None:
    with pytest.raises(GitError), stream(Git(repo.path), "cat-file", "--no-such-option"):
        pass


def test_an_object_that_is_not_a_commit_is_refused(repo: Repo) -> None:
    tree = repo.git("rev-parse", "HEAD^{tree}")
    with pytest.raises(Unsupported, match="not a commit"):
        read_objects(Git(repo.path), [tree])


def test_a_memory_run_without_a_backup_step_still_backs_the_branch_up_first(in_repo: Repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    [old] = feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    upstream(in_repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    in_repo.git("switch", "--quiet", "main")

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, "rebase: {onto: origin/main}")]) == 0

    assert last_run(in_repo).engine == "memory"
    assert list(backups(in_repo).values()) == [old]
    assert rev(in_repo, REF) != old


def test_a_commit_whose_parent_the_replay_was_not_given_is_left_to_git(repo: Repo) -> None:
    feature(repo, ("a.txt", "a\n", "feature: add a"), ("b.txt", "b\n", "feature: add b"))
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    git = Git(repo.path)
    onto = rev(repo, "origin/main")
    base = repo.git("merge-base", onto, BRANCH)
    originals, trees = commits(git, onto, rev(repo, REF), base)
    known = {sha: trees[sha] for sha in (onto, base)}  # the trees of the target and the base, not of "add a"
    before = snapshot(repo)

    with pytest.raises(Unsupported, match="outside the branch"):
        replay(git, onto, originals[1:], known, committer=committer_ident(git))  # its parent: not in the list

    assert snapshot(repo) == before
