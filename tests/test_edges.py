"""Edges of the recipe language and the CLI that the main suites do not reach."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from align.cli import console, main
from align.errors import AlignError, RecipeError
from align.git import Git
from align.recipe import reference, sources
from align.recipe.load import Mark, load
from align.recipe.resolve import resolve
from tests.helpers import Repo, recipe_problems, write


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("{attempts: 0}", "r.yaml:3:23: $.steps[0].fetch.attempts: must be at least 1, found 0"),
        ("{attempts: 11}", "r.yaml:3:23: $.steps[0].fetch.attempts: must be at most 10, found 11"),
        (
            "{backoff: 1_0.5}",
            "r.yaml:3:22: $.steps[0].fetch.backoff: YAML 1.1 reads 1_0.5 as the number 10.5; "
            "write 10.5, or quote it ('1_0.5') for text",
        ),
    ],
)
def test_numeric_bounds_and_float_surprises(options: str, message: str) -> None:
    assert recipe_problems(f"version: 1\nsteps:\n  - fetch: {options}\n") == [message]


def test_empty_text_option() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - validate: {noxfile: ''}\n") == [
        "r.yaml:3:25: $.steps[0].validate.noxfile: must not be empty"
    ]


def test_misspelt_bare_step_suggests_the_kind() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - reprot\n") == [
        "r.yaml:3:5: $.steps[0]: a step is written `- kind: {...}`, found the text 'reprot'; did you mean 'report'?"
    ]


def test_step_without_a_value_suggests_empty_options() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - backup:\n") == [
        "r.yaml:3:12: $.steps[0].backup: expected a mapping, found nothing (null); "
        "write `backup: {}` for a step without options"
    ]


def test_a_key_must_be_text() -> None:
    assert recipe_problems("version: 1\n? [a, b]\n: c\nsteps:\n  - backup: {}\n") == [
        "r.yaml:2:3: $: a key must be plain text, not a list or a mapping"
    ]


def test_a_document_that_is_a_mapping_of_mappings_is_described() -> None:
    document, found = load("- {a: 1}\n", "r.yaml")
    assert document.data == [{"a": 1}]
    assert [str(problem) for problem in found] == [
        "r.yaml:1:1: $: a recipe is a mapping that starts with `version: 1`, found a list"
    ]


def test_mark_of_an_unknown_path_is_its_nearest_parent() -> None:
    document, _ = load("version: 1\nvars:\n  a: x\n", "r.yaml")
    assert document.mark(("vars", "missing", 3)) == Mark(line=3, col=3)
    assert document.mark(("nothing",)) == Mark(line=1, col=1)


def test_unreadable_recipe_file() -> None:
    Path("r.yaml").write_bytes(b"version: 1\n\xff\xfe\n")
    with pytest.raises(sources.SourceError, match=r"cannot read recipe r\.yaml: 'utf-8' codec"):
        resolve(sources.file(Path("r.yaml")), cwd=Path.cwd())


def test_recipe_file_removed_after_it_was_found() -> None:
    source = sources.file(write(Path("r.yaml"), "version: 1\n"))
    Path("r.yaml").unlink()
    with pytest.raises(sources.SourceError, match=r"recipe file not found: r\.yaml"):
        source.read()


def test_package_whose_module_does_not_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "site" / "ghost-1.0.dist-info"
    write(dist / "METADATA", "Metadata-Version: 2.1\nName: ghost\nVersion: 1.0\n")
    write(dist / "entry_points.txt", "[align.recipes]\nghost = ghost_recipes_missing\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(sources.SourceError, match="fails to import"):
        sources.package("ghost")
    assert main(["recipes", "list"]) == 0


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("git+-upload-pack=x@" + "a" * 40 + "#r.yaml", "invalid git URL '-upload-pack=x'"),
        ("git+weird::thing@" + "a" * 40 + "#r.yaml", "remote helper URLs such as weird:: run commands and are refused"),
    ],
)
def test_unsafe_git_urls_are_refused(reference: str, message: str) -> None:
    with pytest.raises(sources.SourceError) as raised:
        sources.parse_git(reference)
    assert raised.value.message == message


def test_a_git_recipe_cannot_extend_an_absolute_path() -> None:
    pin = sources.GitPin(url="file:///nowhere", sha="b" * 40, path="team.yaml")
    write(sources.cached_path(pin), "version: 1\nextends: /etc/passwd.yaml\n")
    with pytest.raises(RecipeError) as raised:
        resolve(sources.git(pin), cwd=Path.cwd())
    assert [problem.message for problem in raised.value.problems] == [
        "a recipe from git extends files of its own commit only, found '/etc/passwd.yaml'"
    ]


def test_missing_git_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(Path.cwd()))
    with pytest.raises(AlignError, match="git is not installed or not on PATH"):
        Git(Path.cwd())


def test_python_dash_m_align(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["align", "--version"])
    with pytest.raises(SystemExit) as raised:
        runpy.run_module("align", run_name="__main__")
    assert raised.value.code == 0
    assert capsys.readouterr().out.startswith("align ")


def test_console_script_exits_with_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["align", "check", "nope"])
    with pytest.raises(SystemExit) as raised:
        console()
    assert raised.value.code == 2


def test_reference_writes_a_file_or_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert reference.main(["ref.md"]) == 0
    assert Path("ref.md").read_text(encoding="utf-8") == reference.render()
    assert reference.main([]) == 0
    assert capsys.readouterr().out == reference.render()


def test_control_character_is_located() -> None:
    assert recipe_problems("version: 1\ndescription: a\x07b\n") == [
        "r.yaml:2:15: $: character '\\x07' is not allowed in YAML; remove it or write it as an escape"
    ]


def test_alias_of_a_mapping_is_refused() -> None:
    assert recipe_problems("version: 1\nextends: default\nvars: &v {x: *v}\n") == [
        "r.yaml:3:7: $.vars.x: anchors and aliases (*name) of mappings and lists are not supported",
        "r.yaml:3:7: $.vars.x: expected text or a number or true or false or a list, found a mapping",
    ]


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    assert recipe_problems("version: 1\nvars: {a: " + "[" * 3000 + "]" * 3000 + "}\n") == [
        "r.yaml:1:1: $: the YAML is nested too deeply to read"
    ]


def test_autostash_of_the_wrong_type_is_reported() -> None:
    assert recipe_problems("version: 1\nextends: default\npatch: {rebase: {autostash: [1]}}\n") == [
        "r.yaml:3:29: $.patch.rebase.autostash: expected true or false, found a list"
    ]


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("~nosuchuser/x.yaml", "cannot use '~nosuchuser/x.yaml' as a recipe path"),
        ("a" * 5000 + ".yaml", "cannot use '/"),
    ],
)
def test_impossible_paths_are_located(reference: str, message: str) -> None:
    (found,) = recipe_problems(f"version: 1\nextends: {reference}\n")
    assert found.startswith(f"r.yaml:2:10: $.extends: {message}")


def test_unwritable_cache_is_located(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = repo.commit("team.yaml", "version: 1\nextends: default\n", "team recipe")
    write(Path("cache-is-a-file"), "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(Path("cache-is-a-file").resolve()))
    (found,) = recipe_problems(f"version: 1\nextends: git+file://{repo.path}@{sha}#team.yaml\n")
    assert found.startswith("r.yaml:2:10: $.extends: cannot write the recipe cache")


def test_git_path_that_names_a_folder_is_not_cached(repo: Repo) -> None:
    sha = repo.commit("team/r.yaml", "version: 1\nextends: default\n", "team recipe")
    assert recipe_problems(f"version: 1\nextends: git+file://{repo.path}@{sha}#team\n") == [
        f"r.yaml:2:10: $.extends: team is not a file at commit {sha[:12]} of file://{repo.path}"
    ]
    assert not sources.cached_path(sources.GitPin(url=f"file://{repo.path}", sha=sha, path="team")).exists()
    write(Path("ok.yaml"), f"version: 1\nextends: git+file://{repo.path}@{sha}#team/r.yaml\n")
    assert resolve(sources.file(Path("ok.yaml")), cwd=Path.cwd()).chain[-1] == str(
        sources.data_dir("recipes") / "default.yaml"
    )


def test_target_is_checked_after_substitution() -> None:
    assert recipe_problems("version: 1\nextends: default\ntarget: '${t}'\nvars: {t: [a, b]}\n") == [
        "r.yaml:3:9: $.target: expected text, found a list"
    ]


def test_empty_target_from_set_is_refused() -> None:
    write(Path("r.yaml"), "version: 1\nextends: default\n")
    with pytest.raises(RecipeError) as raised:
        resolve(sources.file(Path("r.yaml")), cwd=Path.cwd(), overrides={"target": ""})
    assert [str(problem) for problem in raised.value.problems] == ["--set: $.target: must not be empty"]


def test_a_list_option_cannot_take_a_run_time_text() -> None:
    (found,) = recipe_problems("version: 1\nextends: validated\npatch: {validate: {nox: '${branch}'}}\n")
    assert found.startswith("r.yaml:3:25: $.steps[6].validate.nox: expected a list of text values")
    assert found.endswith("after substituting ${branch} set at run time")


def test_unreadable_parent_is_located_and_the_child_still_checked() -> None:
    Path("bin.yaml").write_bytes(b"\xff\xfe")
    found = recipe_problems("version: 1\nextends: ./bin.yaml\ntarget: [x]\nbogus: 1\n")
    assert [problem.split(": ")[0:2] for problem in found] == [
        ["r.yaml:2:10", "$.extends"],
        ["r.yaml:3:9", "$.target"],
        ["r.yaml:4:1", "$.bogus"],
    ]
    assert "cannot read recipe bin.yaml" in found[0]
