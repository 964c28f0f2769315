"""A long-running git process that stops answering (found by ``align plan``, which replays through
``align.gitstream``): the wait ends with a ``GitError`` naming git's complaint, not an internal error."""

from __future__ import annotations

import pytest

from align.errors import GitError
from align.git import Git
from align.gitstream import stream
from tests.helpers import Repo
from tests.snapshots import snapshot


def test_a_git_that_dies_mid_stream_is_a_git_error(repo: Repo) -> None:
    before = snapshot(repo)
    git = Git(repo.path)

    with pytest.raises(GitError) as caught, stream(git, "hash-object", "--stdin-paths") as asked:
        asked.ask(str(repo.path / "no-such-file"))

    assert "no-such-file" in str(caught.value)
    assert snapshot(repo) == before
