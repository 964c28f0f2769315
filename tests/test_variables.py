"""``${name}`` substitution, built-in variables and no shell; precedence and ``--set``: test_variables_precedence.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.recipe import model
from tests.helpers import write
from tests.variables_helpers import args, problems, resolved, validate

# -- substitution -----------------------------------------------------------------------------------------------------


def test_variable_is_substituted_inside_text() -> None:
    assert args(resolved(validate('{args: ["hello-${name}"]}', "{name: world}"))) == ("hello-world",)


def test_several_variables_in_one_text() -> None:
    recipe = resolved(validate('{args: ["${a}/${b}-${a}"]}', "{a: x, b: y}"))
    assert args(recipe) == ("x/y-x",)


def test_each_argument_is_substituted_on_its_own() -> None:
    recipe = resolved(validate('{args: ["--a=${a}", "${b}", plain]}', "{a: '1 2', b: 'x y'}"))
    assert args(recipe) == ("--a=1 2", "x y", "plain")


def test_value_with_spaces_and_shell_characters_stays_one_argument_of_a_command() -> None:
    recipe = resolved(validate('{run: [[echo, "${msg}"]]}', "{msg: 'a b; c | d && e'}"))
    assert recipe.find(model.Validate).run == (("echo", "a b; c | d && e"),)  # type: ignore[union-attr]


def test_whole_value_reference_keeps_a_list() -> None:
    recipe = resolved(validate('{nox: "${sessions}"}', "{sessions: [lint, tests]}"))
    assert recipe.find(model.Validate).nox == ("lint", "tests")  # type: ignore[union-attr]


def test_number_and_boolean_variables_become_text_inside_text() -> None:
    recipe = resolved(validate('{args: ["-j${jobs}", "--fast=${fast}"]}', "{jobs: 4, fast: true}"))
    assert args(recipe) == ("-j4", "--fast=true")


def test_list_variable_inside_text_is_a_located_error() -> None:
    assert problems(validate('{args: ["x${sessions}"]}', "{sessions: [lint]}")) == [
        "r.yaml:4:22: $.steps[0].validate.args: ${sessions} holds a list and cannot stand inside text; "
        "use it as the whole value"
    ]


def test_list_variable_as_an_item_of_a_list_is_a_located_error() -> None:
    assert problems(validate('{args: ["${sessions}"]}', "{sessions: [lint]}")) == [
        "r.yaml:4:22: $.steps[0].validate.args: ${sessions} holds a list and cannot stand inside a list; "
        "use it as the whole value"
    ]


def test_double_dollar_brace_escapes_a_literal_dollar_brace() -> None:
    assert args(resolved(validate('{args: ["$${HOME}", "a$${b}c"]}'))) == ("${HOME}", "a${b}c")


def test_escaped_reference_to_a_known_variable_is_not_substituted() -> None:
    assert args(resolved(validate('{args: ["$${name}"]}', "{name: world}"))) == ("${name}",)


def test_dollar_not_followed_by_brace_is_kept() -> None:
    assert args(resolved(validate('{args: ["$HOME", "$$", "cost: 5$"]}'))) == ("$HOME", "$$", "cost: 5$")


def test_variable_may_refer_to_another_variable() -> None:
    recipe = resolved(validate('{args: ["${b}"]}', "{a: x, b: '${a}-y'}"))
    assert (args(recipe), recipe.variables["b"]) == (("x-y",), "x-y")


def test_variable_may_take_another_list_variable_whole() -> None:
    recipe = resolved(validate('{nox: "${chosen}"}', "{all: [lint, tests], chosen: '${all}'}"))
    assert recipe.find(model.Validate).nox == ("lint", "tests")  # type: ignore[union-attr]


def test_variable_cycle_is_a_located_error() -> None:
    text = "version: 1\nvars:\n  a: '${b}'\n  b: '${a}'\nsteps:\n  - validate: {args: ['${a}']}\n"
    assert problems(text) == ["r.yaml:3:6: $.vars.a: variable cycle: a -> b -> a"]  # once, not at each use


def test_unknown_variable_in_a_step_is_a_located_error_with_did_you_mean() -> None:
    assert problems(validate('{args: ["${sesions}"]}', "{sessions: [lint]}")) == [
        "r.yaml:4:22: $.steps[0].validate.args: unknown variable ${sesions}; did you mean 'sessions'?"
    ]


def test_unknown_variable_in_a_variable_is_located_at_that_variable() -> None:
    assert problems(validate("{}", "{a: '${nope}'}")) == ["r.yaml:2:11: $.vars.a: unknown variable ${nope}"]


def test_unknown_variable_in_an_inherited_step_is_located_in_the_parent_file() -> None:
    write(Path("parent.yaml"), 'version: 1\nsteps:\n  - validate: {args: ["${missing}"]}\n')
    assert problems("version: 1\nextends: ./parent.yaml\n") == [
        "parent.yaml:3:22: $.steps[0].validate.args: unknown variable ${missing}"
    ]


def test_unclosed_reference_is_a_located_error() -> None:
    assert problems(validate('{args: ["${name"]}', "{name: x}")) == [
        "r.yaml:4:22: $.steps[0].validate.args: unclosed ${ in '${name'; write $${ for a literal ${"
    ]


def test_invalid_variable_name_is_a_located_error() -> None:
    assert problems(validate('{args: ["${a-b}"]}')) == [
        "r.yaml:4:22: $.steps[0].validate.args: invalid variable reference '${a-b}': a name is letters, digits and _"
    ]


def test_substituted_value_fills_a_text_option() -> None:
    text = "version: 1\nvars: {how: sideways}\nsteps:\n  - rebase: {strategy: merge, onto: '${how}'}\n"
    assert resolved(text).find(model.Rebase).onto == "sideways"  # type: ignore[union-attr]


def test_substituted_value_is_checked_against_the_schema_and_names_the_variable() -> None:
    assert problems(validate('{nox: "${n}"}', "{n: 3}")) == [
        "r.yaml:4:21: $.steps[0].validate.nox: expected a list of text values, or one `${variable}` that holds "
        "such a list; found the number 3; after substituting ${n} from r.yaml:2:11"
    ]


# -- built-in variables -----------------------------------------------------------------------------------------------


def test_remote_defaults_to_origin_in_the_inherited_onto() -> None:
    recipe = resolved("version: 1\nextends: default\ntarget: main\n")
    assert recipe.find(model.Rebase).onto == "origin/main"  # type: ignore[union-attr]


def test_remote_and_target_are_variables_of_every_recipe() -> None:
    recipe = resolved("version: 1\ntarget: trunk\nsteps:\n  - validate: {args: ['${remote}', '${target}']}\n")
    assert args(recipe) == ("origin", "trunk")


def test_run_time_variables_stay_literal_when_the_run_does_not_give_them() -> None:
    recipe = resolved(validate('{args: ["${branch}", "run-${run_id}", "${target}", "${remote}/${target}"]}'))
    assert (args(recipe), recipe.target) == (("${branch}", "run-${run_id}", "${target}", "origin/${target}"), None)


def test_run_time_variables_are_substituted_when_the_run_gives_them() -> None:
    runtime = {"branch": "feature/x", "run_id": "20260101-120000", "target": "main"}
    recipe = resolved(validate('{args: ["${branch}", "run-${run_id}", "${remote}/${target}"]}'), runtime=runtime)
    assert (args(recipe), recipe.target) == (("feature/x", "run-20260101-120000", "origin/main"), "main")


def test_run_time_values_are_not_recipe_variables() -> None:
    recipe = resolved(validate("{}", "{a: x}"), runtime={"branch": "feature/x", "run_id": "1"})
    assert recipe.variables == {"remote": "origin", "a": "x"}


def test_variable_holding_a_run_time_reference_is_substituted_at_run_time() -> None:
    recipe = resolved(validate('{args: ["${tag}"]}', "{tag: 'align/${branch}'}"), runtime={"branch": "feature/x"})
    assert args(recipe) == ("align/feature/x",)


def test_run_time_values_are_taken_literally() -> None:
    # `x${remote}` and `y$${z}` are valid git branch names; they must not be expanded or unescaped.
    recipe = resolved(validate('{args: ["${branch}"]}'), runtime={"branch": "x${remote}-y$${z}"})
    assert args(recipe) == ("x${remote}-y$${z}",)


@pytest.mark.parametrize("name", ["branch", "run_id"])
def test_run_time_variables_cannot_be_set_in_vars(name: str) -> None:
    assert problems(validate("{}", f"{{{name}: x}}")) == [
        f"r.yaml:2:8: $.vars.{name}: {name!r} is a built-in variable, set by align at run time"
    ]


# -- never through a shell --------------------------------------------------------------------------------------------


def test_hostile_set_value_is_substituted_literally_and_runs_nothing() -> None:
    hostile = "$(touch pwned); rm -rf / `touch pwned2` > pwned3"
    recipe = resolved(validate('{run: [[echo, "${x}"]], args: ["--x=${x}"]}', "{x: safe}"), overrides={"x": hostile})
    assert recipe.find(model.Validate).run == (("echo", hostile),)  # type: ignore[union-attr]
    assert args(recipe) == (f"--x={hostile}",)
    assert sorted(path.name for path in Path.cwd().iterdir()) == ["r.yaml"]


def test_hostile_recipe_value_is_substituted_literally_and_runs_nothing() -> None:
    recipe = resolved(validate('{run: [["${x}"]]}', "{x: '$(touch pwned)'}"))
    assert recipe.find(model.Validate).run == (("$(touch pwned)",),)  # type: ignore[union-attr]
    assert not Path("pwned").exists()
