"""A recipe must align: no rebase step is an error (check and run, exit 2); an unused variable is a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from align.recipe import sources
from tests.builders import feature, moved_upstream
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import backups, out, rev, snapshot

Capture = pytest.CaptureFixture[str]

NO_REBASE = """\
version: 1
extends: default
steps:
  - validate: {nox: [lint]}
"""
HINT = (
    "r.yaml:3:1: $.steps: the recipe has no rebase step, so it would align nothing: "
    "`steps:` replaces the inherited list of steps (backup, fetch, rebase, on_conflict, on_fail, verify, report), "
    "it does not add to it; list every step, rebase included, or keep the inherited ones and change one with "
    "`patch: {STEP: {...}}`; to run nox sessions, extend `validated` or `ci`"
)


def test_check_refuses_a_recipe_whose_steps_drop_the_rebase(tmp_path: Path, capsys: Capture) -> None:
    write(Path("r.yaml"), NO_REBASE)
    assert main(["check", "r.yaml"]) == 2
    assert out(capsys).splitlines() == [HINT, "1 of 1 recipe(s) invalid, 1 problem(s)"]


def test_a_recipe_of_its_own_without_rebase_is_refused_with_a_short_hint(capsys: Capture) -> None:
    write(Path("r.yaml"), "version: 1\nsteps:\n  - backup: {}\n  - fetch: {}\n")
    assert main(["check", "r.yaml"]) == 2
    assert out(capsys).splitlines()[0] == (
        "r.yaml:2:1: $.steps: the recipe has no rebase step, so it would align nothing: "
        'add one, e.g. `- rebase: {onto: "${remote}/${target}"}`, or start from `extends: default`'
    )


def test_a_run_with_such_a_recipe_is_refused_before_anything_moves(
    in_repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet", "origin")
    path = write(tmp_path / "recipes" / "r.yaml", NO_REBASE)
    before, tip = snapshot(in_repo), rev(in_repo, REF)
    assert main([BRANCH, "--recipe", str(path)]) == 2
    assert "the recipe has no rebase step, so it would align nothing" in out(capsys)
    assert snapshot(in_repo) == before
    assert rev(in_repo, REF) == tip
    assert backups(in_repo) == {}
    assert not (Path(in_repo.git("rev-parse", "--git-common-dir")).resolve() / "align" / "runs.jsonl").exists()


def test_patch_changes_one_step_and_keeps_the_rebase(capsys: Capture) -> None:
    write(Path("r.yaml"), "version: 1\nextends: default\npatch:\n  rebase: {strategy: merge}\n")
    assert main(["check", "r.yaml"]) == 0
    assert out(capsys) == "ok: r.yaml\n"


@pytest.mark.parametrize("name", sources.builtin_names())
def test_every_builtin_recipe_passes_without_warnings(name: str, capsys: Capture) -> None:
    assert main(["check", name]) == 0
    assert out(capsys) == f"ok: {sources.builtin(name).display}\n"


def test_a_variable_no_step_uses_is_a_warning(capsys: Capture) -> None:
    write(Path("r.yaml"), "version: 1\nextends: default\nvars:\n  sessions: [lint, tests]\n")
    assert main(["check", "r.yaml"]) == 0
    assert out(capsys).splitlines() == [
        "warning: r.yaml:4:13: $.vars.sessions: variable 'sessions' is set but nothing uses it: "
        "no step of the resolved recipe says ${sessions} (there is no validate step; `validated` and `ci` have one)",
        "ok: r.yaml",
    ]


def test_variables_used_by_an_extended_recipe_or_by_a_used_variable_are_used(capsys: Capture) -> None:
    write(Path("base.yaml"), 'version: 1\nextends: ci\npatch:\n  validate: {args: ["${flag}"]}\n')
    write(
        Path("r.yaml"),
        "version: 1\nextends: ./base.yaml\nvars:\n  sessions: [lint]\n  flag: ${word}\n  word: --quick\n",
    )
    assert main(["check", "r.yaml"]) == 0
    assert out(capsys) == "ok: r.yaml\n"


def test_a_variable_used_only_by_an_unused_variable_is_unused_too(capsys: Capture) -> None:
    write(Path("r.yaml"), "version: 1\nextends: default\nvars:\n  a: ${b}\n  b: x\n")
    assert main(["check", "r.yaml"]) == 0
    warnings = [line for line in out(capsys).splitlines() if line.startswith("warning: ")]
    assert [line.split(": ")[2] for line in warnings] == ["$.vars.a", "$.vars.b"]


def test_remote_and_target_are_read_by_align_itself(capsys: Capture) -> None:
    text = 'version: 1\ntarget: develop\nremote: upstream\nsteps:\n  - rebase: {onto: "upstream/develop"}\n'
    write(Path("r.yaml"), text)
    assert main(["check", "r.yaml"]) == 0
    assert out(capsys) == "ok: r.yaml\n"
