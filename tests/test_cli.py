"""The CLI in-process: `align check`, `align recipes list | show | schema`, help, usage errors, logging."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from align.cli import main
from align.recipe import sources
from align.recipe.resolve import resolve
from tests.helpers import Repo, write

ROOT = Path(__file__).resolve().parents[1]

VALID = """\
version: 1
description: |-
  The team's recipe: default, with a conflict aborting.
  A second line that `align recipes list` does not show.
extends: default
patch:
  on_conflict: {action: abort}
"""

INVALID = """\
version: 1
steps:
  - rebase: {onto: x, bogus: 1}
  - fetch: {prunee: true}
"""
INVALID_PROBLEMS = [
    "b.yaml:3:23: $.steps[0].rebase.bogus: unknown option 'bogus'",
    "b.yaml:4:13: $.steps[1].fetch.prunee: unknown option 'prunee'; did you mean 'prune'?",
]


def builtin_display(name: str) -> str:
    """Return what messages call the built-in recipe ``name`` (its path; the tests run outside the source tree)."""
    return sources.builtin(name).display


def columns(line: str) -> list[str]:
    """Split a `recipes list` line into its columns (separated by two spaces or more)."""
    return re.split(r"\s{2,}", line.strip())


def first_description_line(path: Path) -> str:
    """Return the first line of the recipe's description, read with plain PyYAML."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return str(data["description"]).strip().splitlines()[0]


@pytest.fixture
def team_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installed distribution ``teamrecipes`` that publishes the recipe ``team`` (a real dist-info on sys.path)."""
    site = tmp_path / "site"
    write(site / "teamrecipes" / "__init__.py", '"""Recipes of the team."""\n')
    write(site / "teamrecipes" / "team.yaml", VALID)
    write(site / "teamrecipes-1.0.dist-info" / "METADATA", "Metadata-Version: 2.1\nName: teamrecipes\nVersion: 1.0\n")
    write(site / "teamrecipes-1.0.dist-info" / "entry_points.txt", "[align.recipes]\nteam = teamrecipes\n")
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("teamrecipes", None)


# align check


def test_check_outside_a_repository_checks_the_builtin_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert out == f"ok: {builtin_display('default')} (the built-in default: not in a git repository)\n"
    assert "default.yaml (" in out


def test_check_in_a_repository_without_a_recipe_checks_the_builtin_default(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    assert main(["check"]) == 0
    why = "the built-in default: no .align.yaml in the working tree or on origin/main"
    assert capsys.readouterr().out == f"ok: {builtin_display('default')} ({why})\n"


@pytest.mark.parametrize("name", [".align.yaml", ".align.yml"])
def test_check_in_a_repository_checks_its_recipe(
    name: str, repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo.path / name, VALID)
    monkeypatch.chdir(repo.path)
    assert main(["check"]) == 0
    assert capsys.readouterr().out == f"ok: {name} (the working tree's {name})\n"


def test_check_prefers_align_yaml_over_align_yml(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo.path / ".align.yaml", VALID)
    write(repo.path / ".align.yml", INVALID)
    monkeypatch.chdir(repo.path)
    assert main(["check"]) == 0
    assert capsys.readouterr().out == "ok: .align.yaml (the working tree's .align.yaml)\n"


def test_check_in_a_subdirectory_finds_the_root_recipe(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo.path / ".align.yaml", VALID)
    deep = repo.path / "src" / "pkg"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert main(["check"]) == 0
    assert capsys.readouterr().out == f"ok: {repo.path.resolve() / '.align.yaml'} (the working tree's .align.yaml)\n"


def test_check_in_a_repository_reports_an_invalid_recipe(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo.path / ".align.yaml", INVALID)
    monkeypatch.chdir(repo.path)
    assert main(["check"]) == 2
    out = capsys.readouterr().out
    assert out.splitlines() == [
        *(line.replace("b.yaml", ".align.yaml", 1) for line in INVALID_PROBLEMS),
        "1 of 1 recipe(s) invalid, 2 problem(s)",
    ]


def test_check_lists_every_problem_of_the_invalid_file(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("a.yaml"), VALID)
    write(Path("b.yaml"), INVALID)
    assert main(["check", "a.yaml", "b.yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "\n".join(["ok: a.yaml", *INVALID_PROBLEMS, "1 of 2 recipe(s) invalid, 2 problem(s)", ""])
    assert captured.err == ""


def test_check_a_missing_file_is_a_located_problem(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "missing.yaml"]) == 2
    assert capsys.readouterr().out == (
        "missing.yaml:1:1: $: recipe file not found: missing.yaml\n1 of 1 recipe(s) invalid, 1 problem(s)\n"
    )


def test_check_an_unknown_builtin_name_suggests_the_close_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "defualt"]) == 2
    out = capsys.readouterr().out
    assert out.startswith("defualt:1:1: $: no built-in recipe named 'defualt'")
    assert "'default'" in out.splitlines()[0]
    assert out.endswith("1 of 1 recipe(s) invalid, 1 problem(s)\n")


def test_builtin_recipes_include_the_documented_ones() -> None:
    assert {"default", "merge", "ci"} <= set(sources.builtin_names())


@pytest.mark.parametrize("name", sources.builtin_names())
def test_every_builtin_recipe_passes_check(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", name]) == 0
    assert capsys.readouterr().out == f"ok: {builtin_display(name)}\n"


def test_check_a_package_recipe(team_package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "package:team"]) == 0
    assert capsys.readouterr().out == "ok: package:team (teamrecipes)\n"


def test_check_quiet_prints_only_problems(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("a.yaml"), VALID)
    write(Path("b.yaml"), INVALID)
    assert main(["-q", "check", "a.yaml"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["-q", "check", "a.yaml", "b.yaml"]) == 2
    assert capsys.readouterr().out.splitlines() == [*INVALID_PROBLEMS, "1 of 2 recipe(s) invalid, 2 problem(s)"]


# align recipes list


def builtin_rows(lines: list[str]) -> None:
    """Assert that ``lines`` start with one row per built-in recipe: name, first description line, built-in."""
    names = sources.builtin_names()
    assert [columns(line) for line in lines[: len(names)]] == [
        [name, first_description_line(sources.builtin(name).path), "built-in"] for name in names
    ]


def test_recipes_list_outside_a_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipes", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(sources.builtin_names())
    builtin_rows(lines)
    # the columns line up: every kind starts at the same column
    assert len({line.rindex("built-in") for line in lines}) == 1


def test_recipes_list_in_a_repository_adds_its_recipe(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo.path / ".align.yaml", VALID)
    monkeypatch.chdir(repo.path)
    assert main(["recipes", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(sources.builtin_names()) + 1
    builtin_rows(lines)
    assert columns(lines[-1]) == [".align.yaml", "The team's recipe: default, with a conflict aborting.", "repository"]
    assert lines[-1].endswith("repository")


def test_recipes_list_in_a_repository_without_a_recipe(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    assert main(["recipes", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(sources.builtin_names())
    assert not any(line.endswith("repository") for line in lines)


def test_recipes_list_marks_an_invalid_repository_recipe(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo.path / ".align.yaml", "version: 1\nversion: 1\n")
    monkeypatch.chdir(repo.path)
    assert main(["recipes", "list"]) == 0
    assert columns(capsys.readouterr().out.splitlines()[-1]) == [
        ".align.yaml",
        "(invalid: see `align check`)",
        "repository",
    ]


def test_recipes_list_shows_package_recipes(team_package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipes", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    builtin_rows(lines)
    team = [line for line in lines if line.startswith("package:team ")]
    assert len(team) == 1
    assert columns(team[0]) == [
        "package:team",
        "The team's recipe: default, with a conflict aborting.",
        "package teamrecipes",
    ]


# align recipes show / schema


@pytest.mark.parametrize("name", sources.builtin_names())
def test_recipes_show_prints_the_file_as_written(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "recipes" / f"{name}.yaml"
    assert main(["recipes", "show", name]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"# {builtin_display(name)} (built-in)\n" + path.read_text(encoding="utf-8")
    assert captured.err == ""


def test_recipes_show_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("team.yaml"), VALID)
    assert main(["recipes", "show", "team.yaml"]) == 0
    assert capsys.readouterr().out == f"# team.yaml (file)\n{VALID}"


def test_recipes_show_resolved_names_where_each_value_comes_from(capsys: pytest.CaptureFixture[str]) -> None:
    merge, default = builtin_display("merge"), builtin_display("default")
    assert main(["recipes", "show", "merge", "--resolved"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"# merge (built-in), resolved from: {merge} -> {default}"
    assert lines[1] == "version: 1"
    assert f"{'remote: origin':<40}  # schema default" in lines
    assert f"{'  - backup: {}':<40}  # {default}:7:5" in lines
    assert f"{'      strategy: merge':<40}  # {merge}:8:22" in lines
    assert f"{'      dirty: stash':<40}  # {default}:9:68" in lines
    assert f"{'      update_refs: false':<40}  # schema default" in lines
    assert (
        f"{'      onto: origin/${target}':<40}  # {default}:9:38; "
        "${remote} from schema default, ${target} set at run time"
    ) in lines
    checks = "      checks: [no_conflict_markers, clean_state, contains_target, backup_reachable]"
    assert f"{checks}  # {merge}:10:13" in lines


def test_recipes_show_resolved_with_set(capsys: pytest.CaptureFixture[str]) -> None:
    ci = builtin_display("ci")
    assert main(["recipes", "show", "ci", "--resolved", "--set", "sessions=[lint,tests]"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"{'  sessions: [lint, tests]':<40}  # --set" in lines
    assert f"{'      nox: [lint, tests]':<40}  # {ci}:24:21; ${{sessions}} from --set" in lines


@pytest.mark.parametrize("name", ["default", "ci"])
def test_recipes_show_resolved_is_a_valid_equivalent_recipe(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipes", "show", name, "--resolved"]) == 0
    write(Path("resolved.yaml"), capsys.readouterr().out)
    assert main(["check", "resolved.yaml"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "ok: resolved.yaml"  # (warnings: vars already substituted)
    original = resolve(sources.builtin(name), cwd=Path.cwd())
    again = resolve(sources.file(Path.cwd() / "resolved.yaml"), cwd=Path.cwd())
    assert (again.steps, again.variables, again.target, again.remote) == (
        original.steps,
        original.variables,
        original.target,
        original.remote,
    )


def test_recipes_show_set_without_resolved_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipes", "show", "ci", "--set", "sessions=[lint]"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "align: error: --set only applies with --resolved\nalign: hint: align recipes show ci --resolved --set ...\n"
    )


def test_recipes_show_set_without_equals_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipes", "show", "ci", "--resolved", "--set", "sessions"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("align: error: --set takes KEY=VALUE, found 'sessions'\n")


def test_recipes_show_resolved_invalid_recipe_lists_problems_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("b.yaml"), INVALID)
    assert main(["recipes", "show", "b.yaml", "--resolved"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        *INVALID_PROBLEMS,
        "align: error: invalid recipe (2 problems)",
        "align: hint: fix the problems above, then run `align check` again",
    ]


def test_recipes_show_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipes", "show", "./missing.yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "align: error: recipe file not found: missing.yaml\n"


def test_recipes_schema_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipes", "schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((ROOT / "schemas" / "recipe.schema.json").read_text(encoding="utf-8"))


# help, usage errors, logging


@pytest.mark.parametrize(
    "argv", [["check"], ["recipes", "list"], ["recipes", "show"], ["recipes", "schema"]], ids=" ".join
)
def test_help_has_examples(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: align {' '.join(argv)} ")
    assert re.search(r"^examples?:$", out, re.MULTILINE), out


def test_a_word_that_is_no_command_is_a_branch_to_align(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bogus"]) == 2  # `align bogus` is `align run bogus`; here, outside a repository
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "align: error: not inside a git working tree" in captured.err


def test_unknown_recipes_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipes", "bogus"]) == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_verbose_logs_git_commands(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    assert main(["-v", "check"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"ok: {builtin_display('default')} (the built-in default: ")
    assert re.search(r"^git rev-parse --show-toplevel -> 0 \(\d+\.\d{3} s\)$", captured.err, re.MULTILINE), captured.err


def test_without_verbose_git_commands_are_not_logged(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    assert main(["check"]) == 0
    assert capsys.readouterr().err == ""
