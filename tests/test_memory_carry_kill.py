"""A memory run that carries the user's work (issue 11) killed during its two-way merge: git had written the
new tip's files but not yet the index. ``align continue`` finishes the merge exactly, ``align abort`` puts
everything back; the user's work never goes through a stash. (Killed right after the ref transaction, before
the merge: tests/test_memory_interrupted.py; at every git call: the kill sweep's ``onbranch`` scenario.)"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from align.cli import main
from align.state import Store
from tests.helpers import BRANCH, REF, git
from tests.killing import Wrapper, copy, environment, hermetic_env, scenario, subcommand
from tests.snapshots import difference, rev, snapshot

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("action", ["continue", "abort"])
def test_a_kill_while_the_merge_wrote_the_files_but_not_the_index(
    action: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = hermetic_env(tmp_path / "home")
    with environment(env):
        work = scenario(tmp_path / "work", BRANCH)  # dirty work on files the alignment does not touch
    before = snapshot(work)
    reference = copy(work.path, tmp_path / "reference")
    counted = Wrapper(tmp_path / "count")
    assert counted.run(reference.path, env, BRANCH).code == 0
    expected = snapshot(reference)
    assert expected.stashes == before.stashes
    assert not [argv for argv in counted.calls() if subcommand(argv).startswith("stash")]  # carried, no stash
    calls = counted.calls()
    moved = next(
        number for number, argv in enumerate(calls, 1) if subcommand(argv) == "update-ref" and "--stdin" in argv
    )
    merge = counted.argv(moved + 1)
    assert subcommand(merge) == "read-tree"
    repo = copy(work.path, tmp_path / "killed")
    killed = Wrapper(tmp_path / "kill", "after", moved).run(repo.path, env, BRANCH)
    assert killed.code == -9, killed.output
    # git's merge, stopped after the files and before the index: the same merge against a spare index
    spare = tmp_path / "spare-index"
    shutil.copy(repo.path / ".git" / "index", spare)
    with environment({**env, "GIT_INDEX_FILE": str(spare)}):
        git(repo.path, *merge[merge.index("read-tree") :])
    assert (repo.path / "up.txt").exists()  # the new tip's file is there, the index does not know it
    assert "?? up.txt" in git(repo.path, "status", "--porcelain")
    journal = Store(repo.path / ".git").journal()  # the interrupted run's
    assert journal is not None
    assert journal.carried
    monkeypatch.chdir(repo.path)
    os.environ.pop("GIT_INDEX_FILE", None)

    assert main([action]) == 0

    after = snapshot(repo)
    target = dataclasses.replace(expected if action == "continue" else before, config=after.config)
    assert difference(target, after) == ""
    assert rev(repo, REF) == target.refs[REF]
