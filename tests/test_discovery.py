"""Recipe discovery: --recipe, the working tree's .align.yaml, the target's (from its remote-tracking ref), the
built-in default; every command says which. Validation checks the noxfile the aligned branch will have."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from align.journal import Journal
from align.recipe import sources
from align.state import Store
from tests.builders import feature
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import backups, is_ancestor, out, rev, snapshot, stashes

Capture = pytest.CaptureFixture[str]

TEAM_RECIPE = "version: 1\nextends: validated\nvars:\n  sessions: [good]\n"
NOXFILE = """\
import pathlib

import nox


@nox.session(venv_backend="none")
def good(session):
    pathlib.Path({out!r}).write_text("good ran on " + str(sorted(p.name for p in pathlib.Path().iterdir())))
"""
TARGET_WHY = "the target's .align.yaml on origin/main; the working tree has none"


@pytest.fixture
def older(in_repo: Repo, tmp_path: Path) -> Repo:
    """feature/x (checked out) branched before main got the team's .align.yaml and noxfile.py (pushed)."""
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    in_repo.git("switch", "--quiet", "main")
    in_repo.commit(".align.yaml", TEAM_RECIPE, "the team's recipe")
    in_repo.commit("noxfile.py", NOXFILE.format(out=str(tmp_path / "ran.txt")), "the team's noxfile")
    in_repo.git("push", "--quiet", "origin", "main")
    in_repo.git("switch", "--quiet", BRANCH)
    return in_repo


def last_journal(repo: Repo) -> Journal:
    store = Store(repo.path / ".git")
    journal = store.past_journal(store.past_runs()[-1]["run_id"])
    assert journal is not None
    return journal


def test_check_finds_the_targets_recipe_on_a_branch_older_than_it(older: Repo, capsys: Capture) -> None:
    assert main(["check"]) == 0
    assert out(capsys) == f"ok: origin/main:.align.yaml ({TARGET_WHY})\n"


def test_plan_says_where_the_recipe_comes_from(older: Repo, capsys: Capture) -> None:
    assert main(["plan", BRANCH]) == 0
    lines = out(capsys).splitlines()
    assert lines[:3] == [
        f"plan: align {BRANCH} onto origin/main (recipe .align.yaml: origin/main:.align.yaml)",
        f"recipe: {TARGET_WHY}",
        "steps: backup -> fetch -> rebase -> on_conflict -> on_fail -> verify -> validate -> report",
    ]


def test_a_run_follows_the_targets_recipe_and_its_noxfile(older: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = rev(older, REF)
    assert main([BRANCH]) == 0
    text = out(capsys)
    assert f"recipe .align.yaml (origin/main:.align.yaml): {TARGET_WHY}" in text
    # validated: the team's session ran on the aligned tree, which now has the noxfile
    assert (tmp_path / "ran.txt").read_text(encoding="utf-8").startswith("good ran on ")
    assert "noxfile.py" in (tmp_path / "ran.txt").read_text(encoding="utf-8")
    assert is_ancestor(older, "origin/main", REF)
    assert older.git("log", "--format=%s", f"origin/main..{REF}") == "feature: add a"
    assert rev(older, REF) != old
    assert rev(older, "HEAD") == rev(older, REF)
    assert older.git("status", "--porcelain") == ""
    assert stashes(older) == []
    journal = last_journal(older)
    assert (journal.run.recipe.name, journal.run.recipe.source, journal.run.recipe.found) == (
        ".align.yaml",
        "origin/main:.align.yaml",
        "target",
    )
    assert [(item.session, item.status) for item in journal.found.sessions] == [("good", "passed")]


def test_recipe_option_validates_against_the_targets_noxfile(older: Repo, tmp_path: Path, capsys: Capture) -> None:
    assert main([BRANCH, "--recipe", "ci", "--set", "sessions=[good]"]) == 0
    assert (tmp_path / "ran.txt").exists()
    assert is_ancestor(older, "origin/main", REF)
    assert last_journal(older).run.recipe.found == "option"


def test_an_unknown_session_of_the_targets_noxfile_is_refused_before_anything_moves(
    older: Repo, capsys: Capture
) -> None:
    before, tip = snapshot(older), rev(older, REF)
    assert main([BRANCH, "--recipe", "ci", "--set", "sessions=[godo]"]) == 2
    text = out(capsys)
    assert "validate: noxfile.py (as on origin/main; the working tree has none) has no session godo" in text
    assert "did you mean good?" in text
    assert snapshot(older) == before
    assert rev(older, REF) == tip
    assert backups(older) == {}


def test_no_noxfile_anywhere_names_both_places(in_repo: Repo, capsys: Capture) -> None:
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    before = snapshot(in_repo)
    assert main([BRANCH, "--recipe", "ci"]) == 2
    assert f"validate: there is no noxfile noxfile.py in {in_repo.path} or on origin/main" in out(capsys)
    assert snapshot(in_repo) == before


def test_the_working_trees_recipe_wins_over_the_targets(older: Repo, capsys: Capture) -> None:
    write(older.path / ".align.yaml", "version: 1\nextends: offline\n")
    assert main(["check"]) == 0
    assert out(capsys) == "ok: .align.yaml (the working tree's .align.yaml)\n"
    assert main(["plan", BRANCH]) == 0
    assert out(capsys).splitlines()[1] == "recipe: the working tree's .align.yaml"


def test_without_any_recipe_the_builtin_default_says_where_it_looked(in_repo: Repo, capsys: Capture) -> None:
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    assert main(["check"]) == 0
    why = "the built-in default: no .align.yaml in the working tree or on origin/main"
    assert out(capsys) == f"ok: {sources.builtin('default').display} ({why})\n"
    assert main([BRANCH]) == 0
    assert f"recipe default ({sources.builtin('default').display}): {why}" in out(capsys)
    assert last_journal(in_repo).run.recipe.found == "default"


def test_target_option_chooses_the_ref_discovery_reads(in_repo: Repo, capsys: Capture) -> None:
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    in_repo.git("switch", "--quiet", "-c", "develop", "main")
    in_repo.commit(".align.yaml", "version: 1\nextends: ./team/base.yaml\n", "develop's recipe")
    in_repo.commit("team/base.yaml", "version: 1\nextends: merge\ndescription: from develop\n", "its base")
    in_repo.git("push", "--quiet", "origin", "develop")
    in_repo.git("switch", "--quiet", BRANCH)
    assert main(["plan", BRANCH]) == 0
    assert out(capsys).splitlines()[1].startswith("recipe: the built-in default")
    assert main(["plan", BRANCH, "--target", "develop"]) == 0
    lines = out(capsys).splitlines()
    assert lines[:2] == [
        f"plan: align {BRANCH} onto origin/develop (recipe .align.yaml: origin/develop:.align.yaml)",
        "recipe: the target's .align.yaml on origin/develop; the working tree has none",
    ]


def test_a_target_recipe_extends_files_of_the_same_commit(in_repo: Repo, capsys: Capture) -> None:
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    in_repo.git("switch", "--quiet", "main")
    in_repo.commit(".align.yaml", "version: 1\nextends: ./team/base.yaml\n", "recipe")
    in_repo.commit("team/base.yaml", "version: 1\nextends: default\ntarget: main\n", "its base")
    in_repo.git("push", "--quiet", "origin", "main")
    in_repo.commit("team/base.yaml", "version: 1\nextends: default\ntarget: later\n", "not pushed")
    in_repo.git("switch", "--quiet", BRANCH)
    assert main(["check"]) == 0
    assert out(capsys) == f"ok: origin/main:.align.yaml ({TARGET_WHY})\n"
    assert main(["plan", BRANCH]) == 0
    assert out(capsys).splitlines()[0] == (
        f"plan: align {BRANCH} onto origin/main (recipe .align.yaml: origin/main:.align.yaml)"
    )


def test_a_target_recipe_extending_a_file_its_commit_lacks_is_a_located_error(in_repo: Repo, capsys: Capture) -> None:
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    in_repo.git("switch", "--quiet", "main")
    in_repo.commit(".align.yaml", "version: 1\nextends: ./team/missing.yaml\n", "recipe")
    in_repo.git("push", "--quiet", "origin", "main")
    write(in_repo.path / "team" / "missing.yaml", "version: 1\nextends: default\n")  # here, not in the commit
    in_repo.git("switch", "--quiet", BRANCH)
    sha = rev(in_repo, "origin/main")
    assert main(["check"]) == 2
    assert out(capsys).splitlines() == [
        f"origin/main:.align.yaml:2:10: $.extends: team/missing.yaml is not a file at origin/main ({sha[:12]})",
        "1 of 1 recipe(s) invalid, 1 problem(s)",
    ]
