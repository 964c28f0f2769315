"""The scenario builders build what they say: each kind of conflict stops git's rebase with git's own status."""

from __future__ import annotations

import subprocess

import pytest

from tests.builders import SIX, Kind, conflict, diverge
from tests.helpers import BRANCH, REF, Repo
from tests.snapshots import in_progress, refs, rev, subjects


def rebase_status(repo: Repo) -> list[str]:
    """Rebase the branch onto origin/main with git itself; return ``git status --porcelain`` where it stops."""
    done = subprocess.run(
        ["git", "rebase", "--quiet", "origin/main", BRANCH], cwd=repo.path, capture_output=True, check=False
    )
    assert done.returncode != 0, "the rebase did not stop at a conflict"
    return repo.git("status", "--porcelain", "--untracked-files=no").splitlines()


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        pytest.param("content", ["UU f.txt"], id="content"),
        pytest.param("added", ["AA f.txt"], id="added"),
        pytest.param("deleted upstream", ["DU f.txt"], id="deleted-upstream"),
        pytest.param("deleted here", ["UD f.txt"], id="deleted-here"),
        pytest.param("renamed here", ["DU renamed.txt"], id="renamed-here"),
        pytest.param("directory here", ["D  f.txt", "A  f.txt/inside.txt", "UD f.txt~HEAD"], id="directory-here"),
    ],
)
def test_each_kind_of_conflict_stops_a_rebase_as_git_names_it(kind: Kind, status: list[str], repo: Repo) -> None:
    built = conflict(repo, {"f.txt": kind})

    assert rev(repo, "origin/main") == rev(repo, "main") == built.upstream[0]  # pushed from this clone
    assert rev(repo, REF) == built.tip
    assert subjects(repo, f"main..{BRANCH}") == ["feature: conflict"]
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert rebase_status(repo) == status
    assert in_progress(repo)


def test_a_content_conflict_of_readme_keeps_mains_text_as_the_base(repo: Repo) -> None:
    initial = rev(repo, "main")

    built = conflict(repo, before=[("a.txt", "a\n", "a")], after=[("c.txt", "c\n", "c")], via="clone", head=BRANCH)

    assert rev(repo, "main") == rev(repo, "origin/main") == initial  # no base commit; upstream moved elsewhere
    assert repo.git("ls-remote", str(repo.origin), "refs/heads/main").split()[0] == built.upstream[0]
    assert subjects(repo, f"main..{BRANCH}") == ["a", "feature: conflict", "c"]
    assert repo.git("show", f"{built.commits[1]}:README.md") == "feature side"
    assert repo.git("symbolic-ref", "HEAD") == REF
    repo.git("fetch", "--quiet")
    assert rebase_status(repo) == ["UU README.md"]


def test_diverge_takes_changes_of_several_files_and_removals(repo: Repo) -> None:
    built = diverge(
        repo,
        [({"six.txt": SIX, "README.md": None}, "feature: six, no readme")],
        [("up.txt", "up\n", "upstream: up")],
        via="clone",
        fetch=True,
        branch="topic",
        head="topic",
    )

    assert repo.git("ls-tree", "-r", "--name-only", "topic").splitlines() == ["six.txt"]
    assert rev(repo, "origin/main") == built.upstream[0]
    assert subjects(repo, "main..origin/main") == ["upstream: up"]
    assert set(refs(repo, "refs/heads/")) == {"refs/heads/main", "refs/heads/topic"}
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/topic"
