"""``prune_merged`` killed at any point: the merged branch or its backup is always there (never neither).

``align b`` (b declared on a, a squash-merged upstream, ``prune_merged: true``) runs as its own process; its
git calls are counted once, then a copy of the scenario is killed (SIGKILL) right after each call of the
prune (from its look at the working trees' state files to its last call). Afterwards a's commit is on
``refs/heads/a`` or on one of a's backups, b's declared parent is main once a is gone, and the next run
aligns b with exactly its own commit.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from align.cli import main
from tests.graphing import config_keys
from tests.helpers import Repo, git, write
from tests.killing import Wrapper, copy, environment, hermetic_env, run_align, subcommand
from tests.pruning import PRUNING, squashed_stack

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Template:
    work: Path  # the scenario, to copy
    recipe: str  # the recipe with prune_merged: true
    tip: str  # a's tip
    calls: list[list[str]]  # the git calls of an uninterrupted run
    first: int  # the prune's first call (1-based)


@functools.cache
def template() -> Template:
    """Build the scenario once per process and count the git calls of an uninterrupted run."""
    root = Path(tempfile.mkdtemp(prefix="align-prune-kill-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    env = hermetic_env(root / "home")
    with environment(env):
        repo = Repo.create(root / "repos")
        with contextlib.chdir(repo.path):  # align's commands (track) run in-process from the clone
            tips = squashed_stack(repo)
        recipe = str(write(root / "recipes" / "prune.yaml", PRUNING))
        counted = Wrapper(root / "count")
        done = counted.run(copy(repo.path, root / "counted").path, env, "b", "--recipe", recipe)
        assert done.code == 0, done.output
        assert "pruned a: merged" in done.output
    calls = counted.calls()
    first = next(number for number, argv in enumerate(calls, 1) if argv[-1:] == ["--git-common-dir"])
    assert any("--stdin" in argv and any(a.startswith("align prune_merged") for a in argv) for argv in calls[first:])
    return Template(work=repo.path, recipe=recipe, tip=tips["a"], calls=calls, first=first)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "call" in metafunc.fixturenames:
        found = template()
        numbers = range(found.first, len(found.calls) + 1)
        metafunc.parametrize("call", numbers, ids=[f"{n}-{subcommand(found.calls[n - 1])}" for n in numbers])


def kept(repo: Repo) -> dict[str, str]:
    """a's branch and backups: ref -> commit."""
    listed = git(
        repo.path, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/a", "refs/align/backups/a/"
    )
    return dict(line.split() for line in listed.splitlines())


def test_a_kill_during_the_prune_leaves_the_branch_or_its_backup(
    tmp_path: Path, call: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = template()
    env = hermetic_env(tmp_path / "home")
    repo = copy(found.work, tmp_path)
    killed = Wrapper(tmp_path / "kill", "after", call).run(repo.path, env, "b", "--recipe", found.recipe)
    assert killed.code == -9, killed.output
    refs = kept(repo)
    assert found.tip in refs.values(), refs  # never neither
    keys = config_keys(repo)
    if "refs/heads/a" in refs:
        assert refs["refs/heads/a"] == found.tip
        assert keys["branch.b.alignparent"] in ("a", "main")  # re-parented first, or not yet
    else:
        assert keys["branch.b.alignparent"] == "main"
    again = run_align(repo.path, env, "b", "--recipe", found.recipe)  # a run after the kill goes as ever
    assert again.code == 0, again.output
    monkeypatch.chdir(repo.path)
    assert found.tip in kept(repo).values()
    assert git(repo.path, "log", "--format=%s", "origin/main..b") == "b: b.txt"
    assert main(["tree"]) == 0
