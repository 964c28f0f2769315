"""Helpers of the shallow clone tests: an origin with a long history, a ``--depth 1`` clone of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Repo, git, write

Capture = pytest.CaptureFixture[str]
BRANCH = "feature/x"
REF = f"refs/heads/{BRANCH}"
TRACKING = "refs/remotes/origin/main"
OWN = [f"feature: {number}" for number in range(1, 61)]
DEEPEN = "version: 1\nextends: default\npatch:\n  fetch: {deepen: true}\n"


def commit(work: Path, name: str, text: str, message: str) -> str:
    write(work / name, text)
    git(work, "add", "--", name)
    git(work, "commit", "--quiet", "-m", message)
    return git(work, "rev-parse", "HEAD")


def origin_with_history(base: Path, *, noxfile: str = "") -> tuple[Path, str]:
    """origin.git: main with 4 or 5 commits (shared.txt among them), feature/x forked there with 60 commits of its
    own (pushed), then 3 more commits on main, the last of which changes shared.txt. Return origin and main's tip.

    A `--depth 1` clone of feature/x reaches the merge base after 59 more commits: two rounds of deepening."""
    base.mkdir(parents=True, exist_ok=True)
    origin, seed = base / "origin.git", base / "seed"
    git(base, "init", "--quiet", "--bare", str(origin))
    git(base, "clone", "--quiet", str(origin), str(seed))
    commit(seed, "shared.txt", "shared\n", "main: add shared")
    if noxfile:
        commit(seed, "noxfile.py", noxfile, "main: add the noxfile")
    for number in range(1, 4):
        commit(seed, f"m{number}.txt", f"{number}\n", f"main: {number}")
    git(seed, "push", "--quiet", "origin", "main")
    git(seed, "switch", "--quiet", "-c", BRANCH)
    for number in range(1, 61):
        commit(seed, f"f{number}.txt", f"f{number}\n", f"feature: {number}")
    git(seed, "push", "--quiet", "origin", BRANCH)
    git(seed, "switch", "--quiet", "main")
    for number in range(4, 6):
        commit(seed, f"m{number}.txt", f"{number}\n", f"main: {number}")
    tip = commit(seed, "shared.txt", "shared, changed upstream\n", "main: change shared")
    git(seed, "push", "--quiet", "origin", "main")
    return origin, tip


def shallow_clone(base: Path, origin: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A `--depth 1` clone of feature/x alone, as actions/checkout makes for a pull request's branch; cd into it."""
    work = base / "work"
    git(base, "clone", "--quiet", "--depth", "1", "--branch", BRANCH, f"file://{origin}", str(work))
    monkeypatch.chdir(work)
    return Repo(path=work, origin=origin)


def is_shallow(repo: Repo) -> bool:
    return repo.git("rev-parse", "--is-shallow-repository") == "true"


def report(repo: Repo) -> dict[str, Any]:
    path = sorted((repo.path / ".git" / "align" / "runs").glob("*/report.json"))[-1]
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
