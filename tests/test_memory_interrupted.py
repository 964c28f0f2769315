"""A memory run killed between its ref transaction and the checkout of the checked-out branch (issue 11): the
branch has moved, the files have not. ``align continue`` completes the checkout and the run; ``align abort``
puts the branch back. (The kill sweep does this at every git call in subprocesses; here the resume runs
in-process.)"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from align.cli import main
from tests.helpers import BRANCH, REF
from tests.killing import Wrapper, copy, environment, hermetic_env, scenario, subcommand
from tests.snapshots import difference, rev, snapshot

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("action", ["continue", "abort"])
def test_a_kill_between_the_transaction_and_the_checkout(
    action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = hermetic_env(tmp_path / "home")
    with environment(env):
        work = scenario(tmp_path / "work", BRANCH)  # feature/x checked out, a dirty tree, the user's stashes
    before = snapshot(work)
    reference = copy(work.path, tmp_path / "reference")
    counted = Wrapper(tmp_path / "count")
    assert counted.run(reference.path, env, BRANCH).code == 0
    expected = snapshot(reference)  # what an uninterrupted run leaves
    moved = next(
        number
        for number, argv in enumerate(counted.calls(), 1)
        if subcommand(argv) == "update-ref" and "--stdin" in argv
    )
    assert subcommand(counted.argv(moved + 1)) == "read-tree"  # the checkout comes next
    repo = copy(work.path, tmp_path / "killed")
    killed = Wrapper(tmp_path / "kill", "after", moved).run(repo.path, env, BRANCH)
    assert killed.code == -9, killed.output
    assert rev(repo, REF) == expected.refs[REF]  # the branch moved; its files did not
    assert repo.git("diff", "--cached", "--name-only", REF) != ""
    monkeypatch.chdir(repo.path)

    assert main([action]) == 0

    after = snapshot(repo)
    target = dataclasses.replace(expected if action == "continue" else before, config=after.config)
    assert difference(target, after) == ""
    assert after.config == before.config
