"""Builders for alignment scenarios: a feature branch, an upstream that moved on, and snapshots of all state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from align.cli import main
from tests.helpers import Repo, git, write
from tests.snapshots import BACKUPS, Snapshot, backups, files, head, refs, rev, snapshot, stashes

__all__ = ["BACKUPS", "Snapshot", "backups", "files", "head", "refs", "rev", "snapshot", "stashes"]

BRANCH = "feature/x"
REF = f"refs/heads/{BRANCH}"

# A feature commit and an upstream commit that both change README.md ("hello\n" on main).
FEATURE_EDIT = ("README.md", "hello from the feature\n", "feature: reword the readme")
UPSTREAM_EDIT = ("README.md", "hello from upstream\n", "upstream: reword the readme")
RESOLVED = "hello from both\n"

KEEP_RECIPE = """\
version: 1
steps:
  - backup: {}
  - fetch: {}
  - rebase: {onto: "${remote}/${target}"}
  - on_conflict: {action: pause}
  - on_fail: {action: %s}
  - validate: {run: [["false"]]}
  - report: {formats: [console]}
"""


def out(capsys: pytest.CaptureFixture[str]) -> str:
    """Return what was printed (stdout then stderr) since the last call."""
    captured = capsys.readouterr()
    return captured.out + captured.err


def upstream(repo: Repo, name: str, text: str, message: str, *, fetch: bool = False) -> str:
    """Commit on origin's main from a second clone (this clone's origin/main stays stale unless ``fetch``)."""
    other = repo.origin.parent / "other"
    if not other.exists():
        git(repo.origin.parent, "clone", "--quiet", str(repo.origin), str(other))
    else:
        git(other, "pull", "--quiet", "--ff-only")
    write(other / name, text)
    git(other, "add", "--", name)
    git(other, "commit", "--quiet", "-m", message)
    git(other, "push", "--quiet", "origin", "main")
    if fetch:
        repo.git("fetch", "--quiet", "origin")
    return git(other, "rev-parse", "HEAD")


def feature(repo: Repo, *commits: tuple[str, str, str], branch: str = BRANCH) -> list[str]:
    """Create ``branch`` from main with one commit per (file, text, subject); leave it checked out."""
    repo.git("switch", "--quiet", "-c", branch, "main")
    return [repo.commit(name, text, subject) for name, text, subject in commits]


def three_commits(repo: Repo, *, conflicting: bool = False) -> list[str]:
    """feature/x with 3 commits; the middle one changes README.md when ``conflicting``."""
    middle = FEATURE_EDIT if conflicting else ("b.txt", "b\n", "feature: add b")
    return feature(repo, ("a.txt", "a\n", "feature: add a"), middle, ("c.txt", "c\n", "feature: add c"))


def moved_upstream(repo: Repo, *, conflicting: bool = False) -> str:
    """origin/main gains one commit (touching README.md when ``conflicting``); return its sha."""
    if conflicting:
        return upstream(repo, *UPSTREAM_EDIT)
    return upstream(repo, "up.txt", "upstream\n", "upstream: add up")


def recipe(tmp_path: Path, text: str) -> str:
    """Write a recipe file outside the working tree and return its path."""
    return str(write(tmp_path / "recipes" / "r.yaml", text))


def subjects(repo: Repo, revs: str) -> list[str]:
    """Subjects of the commits ``revs`` selects, oldest first."""
    return repo.git("log", "--reverse", "--format=%s", revs, "--").splitlines()


def is_ancestor(repo: Repo, ancestor: str, descendant: str) -> bool:
    """Whether ``ancestor`` is reachable from ``descendant``."""
    done = subprocess.run(["git", "merge-base", "--is-ancestor", ancestor, descendant], cwd=repo.path, check=False)
    return done.returncode == 0


def make_dirty(repo: Repo) -> None:
    """Stage a new file, modify a tracked file (notes.txt, which upstream never touches), add an untracked file."""
    write(repo.path / "staged.txt", "staged\n")
    repo.git("add", "--", "staged.txt")
    write(repo.path / "notes.txt", "notes, edited\n")
    write(repo.path / "scratch.txt", "untracked\n")


def user_stashes(repo: Repo) -> list[str]:
    """Push two stashes of the user's own (notes.txt must be tracked); return the stash list."""
    for text in ("first stash\n", "second stash\n"):
        write(repo.path / "notes.txt", text)
        repo.git("stash", "push", "--quiet", "-m", text.strip())
    return stashes(repo)


def in_progress(repo: Repo) -> bool:
    """Whether git has a rebase or merge in progress."""
    git_dir = Path(repo.git("rev-parse", "--absolute-git-dir"))
    return any((git_dir / name).exists() for name in ("rebase-merge", "rebase-apply", "MERGE_HEAD"))


def track_notes(repo: Repo) -> None:
    """Add notes.txt on main (and push it), for the dirty-tree scenarios."""
    repo.commit("notes.txt", "notes\n", "add notes")
    repo.git("push", "--quiet", "origin", "main")


# -- recipes, shapes of branch and validate commands for tests/test_steps.py and tests/test_commands.py ---

# The steps every custom recipe starts with: a default alignment that pauses at a conflict and rolls back a failure.
ALIGN_STEPS = (
    "backup: {}",
    "fetch: {}",
    'rebase: {onto: "${remote}/${target}"}',
    "on_conflict: {action: pause}",
    "on_fail: {action: rollback}",
)


def steps_recipe(tmp_path: Path, *steps: str, name: str = "r.yaml") -> str:
    """Write a recipe with these ``steps`` (flow-style YAML mappings) outside the tree; return its path."""
    body = "version: 1\nsteps:\n" + "".join(f"  - {step}\n" for step in steps)
    return str(write(tmp_path / "recipes" / name, body))


def merged_feature(repo: Repo) -> str:
    """feature/x (checked out): one commit, then a --no-ff merge of a side branch forked from main; return the merge."""
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    repo.git("switch", "--quiet", "-c", "side", "main")
    repo.commit("side.txt", "side\n", "side: add side")
    repo.git("switch", "--quiet", BRANCH)
    repo.git("merge", "--quiet", "--no-ff", "--no-edit", "side")
    repo.git("branch", "--quiet", "-D", "side")
    return rev(repo, "HEAD")


def interrupting(marker: Path) -> list[str]:
    """A validate command that, the first time, creates ``marker`` and sends SIGINT to its parent (align, which is
    the test process when align runs in-process); once ``marker`` exists it just succeeds."""
    code = (
        "import os, pathlib, signal, sys, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if marker.exists(): sys.exit(0)\n"
        "marker.touch()\n"
        "os.kill(os.getppid(), signal.SIGINT)\n"
        "time.sleep(10)\n"
    )
    return [sys.executable, "-c", code]


REPORT = "report: {formats: [console]}"
# A noxfile with a session that passes (writing its posargs to {out}) and one that fails; no virtualenvs.
NOXFILE = """\
import pathlib

import nox


@nox.session(venv_backend="none")
def good(session):
    pathlib.Path({out!r}).write_text(" ".join(["good", *session.posargs]))


@nox.session(venv_backend="none")
def bad(session):
    session.error("lint found 2 problems")
"""
OTHER = "feature/y"


def fetched_feature(repo: Repo) -> list[str]:
    """feature/x (3 commits, checked out) behind origin/main, which is already fetched: a fetch changes nothing."""
    old = three_commits(repo)
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    return old


def assert_untouched(repo: Repo, before: Snapshot, old_tip: str) -> None:
    """The run changed nothing but (maybe) a backup ref: branch, HEAD, index, tree and stashes as before."""
    assert snapshot(repo) == before
    assert rev(repo, REF) == old_tip
    assert refs(repo, "refs/align/stash/") == {}


def counting_upload_pack(repo: Repo, tmp_path: Path, *, fail: bool) -> Path:
    """Make origin's upload-pack count its calls in a file (and fail when ``fail``); return the file."""
    count = tmp_path / "upload-pack-calls"
    tail = "exit 1" if fail else 'exec git-upload-pack "$@"'
    script = write(tmp_path / "upload-pack.sh", f"#!/bin/sh\necho call >> '{count}'\n{tail}\n")
    script.chmod(0o755)
    repo.git("config", "remote.origin.uploadpack", str(script))
    return count


def calls(count: Path) -> int:
    return len(count.read_text().splitlines()) if count.exists() else 0


class Terminal:
    """A stand-in for a terminal's stderr: says it is a tty, keeps what is written."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def two_features(repo: Repo, *, conflicting: bool = False) -> tuple[str, str]:
    """feature/x (3 commits) and feature/y (1 commit, checked out) behind a moved origin/main; return both tips."""
    x = three_commits(repo, conflicting=conflicting)[-1]
    [y] = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)
    moved_upstream(repo, conflicting=conflicting)
    return x, y


def aligned(repo: Repo) -> tuple[str, str]:
    """feature/x (3 commits, checked out) aligned onto a moved origin/main; return (old tip, new tip)."""
    old = three_commits(repo)[-1]
    moved_upstream(repo)
    assert main([BRANCH]) == 0
    return old, rev(repo, REF)


def trunk_only(repo: Repo) -> str:
    """Rename main to trunk here and on origin (origin has no HEAD, main or master); feature/x from trunk, which
    then moves on. Return feature/x's tip."""
    repo.git("branch", "--quiet", "-m", "main", "trunk")
    repo.git("push", "--quiet", "origin", "trunk")
    repo.git("--git-dir", str(repo.origin), "symbolic-ref", "HEAD", "refs/heads/trunk")
    repo.git("push", "--quiet", "origin", "--delete", "main")
    repo.git("switch", "--quiet", "-c", BRANCH, "trunk")
    tip = repo.commit("a.txt", "a\n", "feature: add a")
    repo.git("switch", "--quiet", "trunk")
    repo.commit("up.txt", "up\n", "upstream: add up")
    repo.git("push", "--quiet", "origin", "trunk")
    repo.git("switch", "--quiet", BRANCH)
    return tip
