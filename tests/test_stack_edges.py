"""Stacked runs at their edges (issue 12): the disk engine with ``--onto`` and every verify check, a parent
deleted while its child waits in a batch, the base that cannot be recorded, ``--stack`` and ``--all``
without a place to start, and what ``align plan`` says of a child whose parent was merged."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from tests.builders import FEATURE_EDIT, RESOLVED, UPSTREAM_EDIT, steps_recipe, upstream
from tests.graphing import branch_on, config_keys, stack
from tests.helpers import Repo, write
from tests.snapshots import rev

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")

ALL_CHECKS = (
    "verify: {checks: [no_conflict_markers, clean_state, contains_target, linear, backup_reachable, "
    "patches_preserved, metadata_preserved, tree_matches_merge], strict: true}"
)


def _own(repo: Repo, branch: str, below: str) -> list[str]:
    listed = repo.git("log", "--reverse", "--format=%s", f"{below}..{branch}")
    return [line for line in listed.splitlines() if line]


@pytest.mark.parametrize("engine", ["disk", "memory"])
def test_a_stacked_child_passes_every_check_with_either_engine(
    repo: Repo, tmp_path: Path, capsys: Capture, engine: str
) -> None:
    stack(repo)
    assert main(["track", "b", "--parent", "a"]) == 0
    repo.git("switch", "--quiet", "a")
    repo.git("commit", "--quiet", "--amend", "-m", "a: a.txt, amended")  # b's base is a's old tip
    repo.git("switch", "--quiet", "main")
    recipe = steps_recipe(tmp_path, "backup: {}", f"rebase: {{engine: {engine}}}", ALL_CHECKS, "report: {}")
    capsys.readouterr()
    assert main(["b", "--recipe", recipe]) == 0
    out = capsys.readouterr().out
    assert "8 passed" in out or "checks:  8 passed" in out
    assert f"engine:  {engine}" in out
    assert _own(repo, "b", "a") == ["b: b.txt"]
    assert config_keys(repo)["branch.b.alignbase"] == rev(repo, "a")


def test_a_parent_deleted_while_its_child_waits_refuses_the_child_by_name(repo: Repo, capsys: Capture) -> None:
    name, text, _ = FEATURE_EDIT
    branch_on(repo, "x", "main", (name, text))  # conflicts with origin/main: the batch pauses there
    a = branch_on(repo, "a", "main", ("a.txt", "a\n"))
    b = branch_on(repo, "b", "a", ("b.txt", "b\n"))
    repo.git("switch", "--quiet", "main")
    assert main(["track", "b", "--parent", "a"]) == 0
    upstream(repo, *UPSTREAM_EDIT, fetch=True)
    assert main(["x", "b"]) == 3
    repo.git("branch", "-D", "a")  # the parent goes while the batch waits
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")
    capsys.readouterr()

    assert main(["continue"]) == 4

    err = capsys.readouterr().err
    assert "nothing to align onto: b's parent branch a does not exist any more" in err
    assert rev(repo, "b") == b
    assert a != b


def test_a_base_that_cannot_be_recorded_is_a_warning_and_the_branch_is_aligned(repo: Repo, capsys: Capture) -> None:
    stack(repo)
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    lock = repo.path / ".git" / "config.lock"
    lock.write_text("held by another git\n")  # git config cannot write the base
    capsys.readouterr()
    try:
        assert main(["a", "b"]) == 0
    finally:
        lock.unlink()
    out = capsys.readouterr().out
    assert "warning: the base of b was not recorded" in out
    assert _own(repo, "b", "a") == ["b: b.txt"]
    assert "branch.b.alignbase" not in config_keys(repo)
    assert main(["a", "b"]) == 0  # found again from a's backups: nothing moves twice
    assert _own(repo, "b", "a") == ["b: b.txt"]


def test_stack_on_the_target_and_all_without_the_target_are_usage_errors(repo: Repo, capsys: Capture) -> None:
    stack(repo)
    tips = {name: rev(repo, name) for name in "abc"}
    assert main(["--stack"]) == 2  # main is checked out: the target has no stack
    assert "main is the target: it has no stack" in capsys.readouterr().err
    repo.git("update-ref", "-d", "refs/remotes/origin/main")
    assert main(["--all", "--recipe", "offline"]) == 2
    assert "origin/main does not exist here: the target is needed to find the stacks" in capsys.readouterr().err
    assert {name: rev(repo, name) for name in "abc"} == tips


def test_plan_says_a_child_goes_past_its_merged_parent(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    stack(repo)
    assert main(["track", "b", "--parent", "a"]) == 0
    other = tmp_path / "merger"
    repo.git("clone", "--quiet", str(repo.origin), str(other))
    repo.git("push", "--quiet", "origin", "a")
    repo.git("-C", str(other), "fetch", "--quiet", "origin", "a:a")
    repo.git("-C", str(other), "merge", "--quiet", "--squash", "a")
    repo.git("-C", str(other), "commit", "--quiet", "-m", "a (#1)")
    repo.git("-C", str(other), "push", "--quiet", "origin", "main")
    repo.git("fetch", "--quiet")
    capsys.readouterr()
    assert main(["plan", "b"]) == 0
    out = capsys.readouterr().out
    assert "plan: align b onto origin/main" in out
    assert "its parent a is in the target (rebase): its own commits from" in out  # one commit: its patch is upstream
