"""The recipes shown in README.md and docs/ do what their text says, on real repositories (docs/examples/*.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import feature, moved_upstream
from tests.helpers import BRANCH, REF, Repo, git, write
from tests.snapshots import is_ancestor, out, rev, snapshot, stashes

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
Capture = pytest.CaptureFixture[str]

# The team's lint and tests; each appends its name to {log}; tests fails when {fail} exists. No virtualenvs.
NOXFILE = """\
import pathlib

import nox


def mark(name):
    with open({log!r}, "a") as log:
        log.write(name + "\\n")


@nox.session(venv_backend="none")
def lint(session):
    mark("lint")


@nox.session(venv_backend="none")
def tests(session):
    mark("tests")
    if pathlib.Path({fail!r}).exists():
        session.error("2 tests failed")
"""


@pytest.fixture
def team(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Repo, str]:
    """main has the team's noxfile; feature/x (checked out, one commit) is behind a moved origin/main."""
    repo.commit("noxfile.py", NOXFILE.format(log=str(tmp_path / "ran.txt"), fail=str(tmp_path / "fail")), "add nox")
    repo.git("push", "--quiet", "origin", "main")
    (old,) = feature(repo, ("a.txt", "a\n", "feature: add a"))
    moved_upstream(repo)
    monkeypatch.chdir(repo.path)
    return repo, old


def last_report(repo: Repo) -> tuple[Path, dict[str, object]]:
    """The folder of the last run and its JSON report."""
    runs = repo.path / ".git" / "align" / "runs"
    last = json.loads((repo.path / ".git" / "align" / "runs.jsonl").read_text().splitlines()[-1])["run_id"]
    folder = runs / last
    report: dict[str, object] = json.loads((folder / "report.json").read_text())
    return folder, report


def test_the_readme_recipe_aligns_then_runs_lint_and_tests(team: tuple[Repo, str], tmp_path: Path) -> None:
    repo, old = team
    assert main([BRANCH, "--recipe", str(EXAMPLES / "team.yaml")]) == 0
    assert (tmp_path / "ran.txt").read_text() == "lint\ntests\n"  # vars: sessions ran, in order
    assert is_ancestor(repo, "origin/main", REF)
    assert repo.git("log", "--format=%s", "-1", REF) == "feature: add a"
    assert rev(repo, REF) != old
    _, report = last_report(repo)
    assert report["status"] == "aligned"
    assert [(entry["session"], entry["ok"]) for entry in report["validate"]] == [("lint", True), ("tests", True)]


def test_the_readme_recipe_rolls_back_when_a_session_fails(team: tuple[Repo, str], tmp_path: Path) -> None:
    repo, old = team
    (tmp_path / "fail").touch()
    assert main([BRANCH, "--recipe", str(EXAMPLES / "team.yaml")]) == 1
    assert (tmp_path / "ran.txt").read_text() == "lint\ntests\n"
    assert rev(repo, REF) == old  # "a failure rolls everything back"
    assert repo.git("status", "--porcelain") == ""


def test_the_readme_recipe_refuses_a_dirty_tree(team: tuple[Repo, str], tmp_path: Path, capsys: Capture) -> None:
    repo, old = team
    write(repo.path / "a.txt", "edited\n")
    before = snapshot(repo)
    assert main([BRANCH, "--recipe", str(EXAMPLES / "team.yaml")]) == 4  # autostash: false
    assert "uncommitted" in out(capsys)
    assert snapshot(repo) == before
    assert rev(repo, REF) == old
    assert stashes(repo) == []
    assert not (tmp_path / "ran.txt").exists()


def test_the_line_by_line_recipe_validates_and_writes_every_report(team: tuple[Repo, str], tmp_path: Path) -> None:
    repo, _ = team
    assert main([BRANCH, "--recipe", str(EXAMPLES / "line-by-line.yaml")]) == 0
    assert (tmp_path / "ran.txt").read_text() == "lint\ntests\n"
    folder, report = last_report(repo)
    assert report["status"] == "aligned"
    assert {path.name for path in folder.iterdir()} >= {"report.json", "report.md", "junit.xml"}
    checks = [entry["check"] for entry in report["verify"]]
    assert checks == ["no_conflict_markers", "contains_target", "patches_preserved", "linear"]


def test_the_develop_merge_recipe_merges_origin_develop(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.git("switch", "--quiet", "-c", "develop")
    repo.git("push", "--quiet", "origin", "develop")
    (old,) = feature(repo, ("a.txt", "a\n", "feature: add a"))
    other = repo.origin.parent / "other"
    git(repo.origin.parent, "clone", "--quiet", "--branch", "develop", str(repo.origin), str(other))
    write(other / "d.txt", "develop\n")
    git(other, "add", "--", "d.txt")
    git(other, "commit", "--quiet", "-m", "develop: add d")
    git(other, "push", "--quiet", "origin", "develop")
    monkeypatch.chdir(repo.path)

    assert main([BRANCH, "--recipe", str(EXAMPLES / "develop-merge.yaml")]) == 0

    assert repo.git("rev-parse", f"{REF}^1", f"{REF}^2").splitlines() == [old, rev(repo, "origin/develop")]
    assert repo.git("log", "--format=%s", "-1", REF) == "Merge origin/develop into feature/x"
    assert rev(repo, "origin/develop") == git(other, "rev-parse", "HEAD")
    assert rev(repo, "refs/heads/main") == rev(repo, "origin/main")  # main is not the target here
