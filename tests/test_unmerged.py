"""``Git.unmerged`` reads the unmerged paths from the index alone (``ls-files -u``), with the letters
``git status`` gives them: compared with ``git status`` itself at a real rebase stopped at conflicts of
every kind, from the top of the working tree and from a folder inside it."""

from __future__ import annotations

import subprocess

from align.git import Git
from tests.builders import conflict
from tests.helpers import BRANCH, Repo


def _status(repo: Repo) -> list[tuple[str, str]]:
    out = subprocess.run(
        ["git", "status", "--porcelain=v2", "-z", "--untracked-files=no"],
        cwd=repo.path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    entries = [entry.split(" ", 10) for entry in out.split("\0") if entry.startswith("u ")]
    return [(fields[10], fields[1]) for fields in entries]


def test_unmerged_paths_are_those_git_status_shows(repo: Repo) -> None:
    conflict(
        repo,
        {
            "c.txt": "content",
            "a b.txt": "added",
            "d.txt": "deleted upstream",
            "h.txt": "deleted here",
            "r.txt": "renamed here",
        },
        head=BRANCH,
    )
    stopped = subprocess.run(["git", "rebase", "--merge", "main"], cwd=repo.path, capture_output=True, check=False)
    assert stopped.returncode != 0
    (repo.path / "sub").mkdir(exist_ok=True)

    expected = sorted(_status(repo))
    assert {code for _, code in expected} >= {"UU", "AA", "UD", "DU"}
    assert sorted(Git(repo.path).unmerged()) == expected
    assert sorted(Git(repo.path / "sub").unmerged()) == expected
