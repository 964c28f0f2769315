"""What the tests of batches share: three branches behind origin/main, the middle one conflicting."""

from __future__ import annotations

from align.git import Git
from align.plan import locate
from align.state import Store
from tests.builders import feature, moved_upstream, three_commits
from tests.helpers import OTHER, Repo

THIRD = "feature/z"


def three_branches(repo: Repo) -> tuple[str, str, str]:
    """feature/y (clean), feature/x (conflicts at its 2nd commit), feature/z (clean), behind origin/main;
    main checked out. Returns the three tips, in that order."""
    x = three_commits(repo, conflicting=True)[-1]
    [y] = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)
    [z] = feature(repo, ("z.txt", "z\n", "feature: add z"), branch=THIRD)
    moved_upstream(repo, conflicting=True)
    repo.git("fetch", "--quiet")
    repo.git("switch", "--quiet", "main")
    return y, x, z


def store_of(repo: Repo) -> Store:
    """align's files of ``repo``."""
    return Store(locate(Git(repo.path)).common_dir)
