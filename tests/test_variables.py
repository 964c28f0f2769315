"""``${name}`` substitution, built-in variables, ``--set`` and the precedence of where a value comes from."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from align.errors import RecipeError, UsageError
from align.recipe import sources
from align.recipe.model import Origin, Recipe
from align.recipe.resolve import parse_override, resolve
from align.recipe.show import render_resolved
from align.resources import data_dir
from tests.helpers import write

DEFAULT = str(data_dir("recipes") / "default.yaml")
SCHEMA_DEFAULT = Origin(file="schema default")


def set_origin(path: str) -> Origin:
    """Where ``--set`` puts a value: no file position, the JSON path of the key it sets."""
    return Origin(file="--set", path=path)


def resolved(
    text: str, *, name: str = "r.yaml", overrides: dict[str, Any] | None = None, runtime: dict[str, str] | None = None
) -> Recipe:
    """Write ``text`` to ``name`` in the working directory and resolve it."""
    path = write(Path.cwd() / name, text)
    return resolve(sources.file(path), cwd=Path.cwd(), overrides=overrides, runtime=runtime)


def problems(text: str, **kwargs: Any) -> list[str]:
    """Resolve ``text``, expecting an invalid recipe; return its problems as text."""
    with pytest.raises(RecipeError) as raised:
        resolved(text, **kwargs)
    return [str(problem) for problem in raised.value.problems]


def validate(options: str, variables: str = "{}") -> str:
    """Return a one-step recipe: ``vars`` on line 2, the validate step (``options``) on line 4."""
    return f"version: 1\nvars: {variables}\nsteps:\n  - validate: {options}\n"


def args(recipe: Recipe) -> tuple[str, ...]:
    return recipe.step("validate").args  # type: ignore[union-attr]


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
    assert recipe.step("validate").run == (("echo", "a b; c | d && e"),)  # type: ignore[union-attr]


def test_whole_value_reference_keeps_a_list() -> None:
    recipe = resolved(validate('{nox: "${sessions}"}', "{sessions: [lint, tests]}"))
    assert recipe.step("validate").nox == ("lint", "tests")  # type: ignore[union-attr]


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
    assert recipe.step("validate").nox == ("lint", "tests")  # type: ignore[union-attr]


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
    assert resolved(text).step("rebase").onto == "sideways"  # type: ignore[union-attr]


def test_substituted_value_is_checked_against_the_schema_and_names_the_variable() -> None:
    assert problems(validate('{nox: "${n}"}', "{n: 3}")) == [
        "r.yaml:4:21: $.steps[0].validate.nox: expected a list of text values, or one `${variable}` that holds "
        "such a list; found the number 3; after substituting ${n} from r.yaml:2:11"
    ]


# -- built-in variables -----------------------------------------------------------------------------------------------


def test_remote_defaults_to_origin_in_the_inherited_onto() -> None:
    recipe = resolved("version: 1\nextends: default\ntarget: main\n")
    assert recipe.step("rebase").onto == "origin/main"  # type: ignore[union-attr]


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
    assert recipe.step("validate").run == (("echo", hostile),)  # type: ignore[union-attr]
    assert args(recipe) == (f"--x={hostile}",)
    assert sorted(path.name for path in Path.cwd().iterdir()) == ["r.yaml"]


def test_hostile_recipe_value_is_substituted_literally_and_runs_nothing() -> None:
    recipe = resolved(validate('{run: [["${x}"]]}', "{x: '$(touch pwned)'}"))
    assert recipe.step("validate").run == (("$(touch pwned)",),)  # type: ignore[union-attr]
    assert not Path("pwned").exists()


# -- precedence: --set > repository recipe > extended recipes > built-in defaults -------------------------------------

PARENT = """\
version: 1
extends: default
remote: upstream
vars:
  level: parent
  only_parent: p
"""
CHILD = """\
version: 1
extends: ./parent.yaml
vars:
  level: child
patch:
  rebase: {onto: "${remote}/${level}"}
"""


@pytest.fixture
def chain() -> None:
    """``parent.yaml`` (extends default) in the working directory."""
    write(Path("parent.yaml"), PARENT)


def test_schema_default_when_no_recipe_sets_the_value() -> None:
    recipe = resolved("version: 1\nextends: default\n")
    assert (recipe.remote, recipe.origins["$.vars.remote"]) == ("origin", SCHEMA_DEFAULT)


@pytest.mark.usefixtures("chain")
def test_extended_recipe_beats_schema_default() -> None:
    recipe = resolved(CHILD, name="child.yaml")
    assert (recipe.remote, recipe.origins["$.vars.remote"]) == (
        "upstream",
        Origin(file="parent.yaml", line=3, col=9, path="$.remote"),
    )


@pytest.mark.usefixtures("chain")
def test_repository_recipe_beats_extended_recipe() -> None:
    recipe = resolved(CHILD, name="child.yaml")
    assert (recipe.variables["level"], recipe.origins["$.vars.level"]) == (
        "child",
        Origin(file="child.yaml", line=4, col=10, path="$.vars.level"),
    )


@pytest.mark.usefixtures("chain")
def test_extended_recipe_variable_not_overridden_keeps_its_origin() -> None:
    recipe = resolved(CHILD, name="child.yaml")
    assert (recipe.variables["only_parent"], recipe.origins["$.vars.only_parent"]) == (
        "p",
        Origin(file="parent.yaml", line=6, col=16, path="$.vars.only_parent"),
    )


@pytest.mark.usefixtures("chain")
def test_set_beats_repository_recipe() -> None:
    recipe = resolved(CHILD, name="child.yaml", overrides={"level": "cli"})
    assert (recipe.variables["level"], recipe.origins["$.vars.level"]) == ("cli", set_origin("$.vars.level"))


@pytest.mark.usefixtures("chain")
def test_set_beats_extended_recipe_scalar() -> None:
    recipe = resolved(CHILD, name="child.yaml", overrides={"remote": "mirror"})
    assert (recipe.remote, recipe.origins["$.vars.remote"]) == ("mirror", set_origin("$.remote"))


@pytest.mark.usefixtures("chain")
def test_substituted_option_records_where_it_was_written_and_which_variables_fed_it() -> None:
    recipe = resolved(CHILD, name="child.yaml", overrides={"level": "cli"})
    path = "$.steps[2].rebase.onto"
    assert (recipe.step("rebase").onto, recipe.origins[path], recipe.via[path]) == (  # type: ignore[union-attr]
        "upstream/cli",
        Origin(file="child.yaml", line=6, col=18, path="$.patch.rebase.onto"),
        ("${remote} from parent.yaml:3:9", "${level} from --set"),
    )


@pytest.mark.usefixtures("chain")
def test_inherited_option_records_the_extended_file() -> None:
    recipe = resolved(CHILD, name="child.yaml")
    assert recipe.origins["$.steps[2].rebase.rerere"] == Origin(
        file=DEFAULT, line=9, col=83, path="$.steps[2].rebase.rerere"
    )


@pytest.mark.usefixtures("chain")
def test_option_no_recipe_sets_records_the_schema_default() -> None:
    recipe = resolved(CHILD, name="child.yaml")
    assert (recipe.step("fetch").attempts, recipe.origins["$.steps[1].fetch.attempts"]) == (  # type: ignore[union-attr]
        3,
        SCHEMA_DEFAULT,
    )


def test_run_time_reference_is_recorded_as_set_at_run_time() -> None:
    recipe = resolved("version: 1\nextends: default\n")
    assert recipe.via["$.steps[2].rebase.onto"] == ("${remote} from schema default", "${target} set at run time")


def test_set_target_when_no_recipe_sets_it() -> None:
    recipe = resolved("version: 1\nextends: default\n", overrides={"target": "release"})
    assert (recipe.target, recipe.step("rebase").onto, recipe.origins["$.vars.target"]) == (  # type: ignore[union-attr]
        "release",
        "origin/release",
        set_origin("$.target"),
    )


def test_set_list_replaces_a_list_variable() -> None:
    recipe = resolved(validate('{nox: "${sessions}"}', "{sessions: [lint, tests]}"), overrides={"sessions": ["docs"]})
    assert recipe.step("validate").nox == ("docs",)  # type: ignore[union-attr]


def test_set_of_an_unknown_variable_is_a_usage_error_with_did_you_mean() -> None:
    with pytest.raises(UsageError) as raised:
        resolved(validate("{}", "{sessions: [lint]}"), overrides={"sesions": ["x"]})
    assert (raised.value.message, raised.value.hint) == (
        "--set sesions=...: the recipe has no variable 'sesions'; did you mean 'sessions'?",
        "its variables: remote, sessions, target",
    )


@pytest.mark.parametrize("name", ["branch", "run_id"])
def test_set_of_a_run_time_variable_is_refused(name: str) -> None:
    with pytest.raises(UsageError) as raised:
        resolved(validate("{}"), overrides={name: "x"})
    assert raised.value.message == f"--set {name}=... is not allowed: align sets ${{{name}}} at run time"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=b", ("a", "b")),
        ("a=[x, y]", ("a", ["x", "y"])),
        ("a=[x,y]", ("a", ["x", "y"])),
        ("a=[]", ("a", [])),
        ("a=", ("a", "")),
        ("a=b=c", ("a", "b=c")),
        ("a=[x", ("a", "[x")),
        ("a= spaced ", ("a", " spaced ")),
    ],
)
def test_parse_override(text: str, expected: tuple[str, Any]) -> None:
    assert parse_override(text) == expected


@pytest.mark.parametrize("text", ["a", "=b", ""])
def test_parse_override_without_key_or_equals_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_override(text)
    assert (raised.value.message, raised.value.hint) == (
        f"--set takes KEY=VALUE, found {text!r}",
        "for example: --set sessions=[lint,tests]",
    )


# -- align recipes show --resolved ------------------------------------------------------------------------------------

SMALL = """\
version: 1
target: main
vars:
  sessions: [lint]
steps:
  - fetch: {attempts: 2}
  - validate: {nox: "${sessions}"}
"""


def test_render_resolved_names_where_each_value_came_from() -> None:
    rendered = render_resolved(resolved(SMALL, overrides={"sessions": ["docs", "tests"]}))
    assert rendered == textwrap.dedent(
        """\
        # r (file), resolved from: r.yaml
        version: 1
        target: main                       # r.yaml:2:9
        remote: origin                     # schema default
        vars:
          sessions: [docs, tests]          # --set
        steps:
          - fetch:                         # r.yaml:6:5
              prune: true                  # schema default
              offline: false               # schema default
              attempts: 2                  # r.yaml:6:23
              backoff: 1.0                 # schema default
              timeout: 300                 # schema default
              deepen: false                # schema default
          - validate:                      # r.yaml:7:5
              nox: [docs, tests]           # r.yaml:7:21; ${sessions} from --set
              noxfile: noxfile.py          # schema default
              args: []                     # schema default
              run: []                      # schema default
              timeout: 900                 # schema default
        """
    )


def test_render_resolved_names_inherited_values_by_file_line_and_column() -> None:
    rendered = render_resolved(resolved("version: 1\nextends: default\ntarget: main\n"))
    assert f"      rerere: true                        # {DEFAULT}:9:83\n" in rendered


def test_render_resolved_is_a_recipe_that_resolves_to_the_same_steps() -> None:
    write(Path("parent.yaml"), PARENT)
    first = resolved(CHILD + "target: main\n", name="child.yaml", overrides={"level": "cli"})
    again = resolved(render_resolved(first), name="rendered.yaml")
    assert (again.steps, again.target, again.remote) == (first.steps, "main", "upstream")


def test_render_resolved_without_a_target_resolves_again() -> None:
    first = resolved("version: 1\nextends: default\n")
    again = resolved(render_resolved(first), name="rendered.yaml")
    assert (again.steps, again.target) == (first.steps, None)


def test_render_resolved_says_an_unset_target_is_chosen_at_run_time() -> None:
    rendered = render_resolved(resolved("version: 1\nextends: default\n")).splitlines()
    assert rendered[2] == "# target: set at run time (the remote's HEAD branch, else main, else master)"


def test_render_resolved_keeps_escaped_dollar_brace_literal() -> None:
    text = (
        "version: 1\ntarget: main\nvars: {literal: '$${x}'}\nsteps:\n  - validate: {args: ['$${HOME}', '${branch}']}\n"
    )
    first = resolved(text)
    again = resolved(render_resolved(first), name="rendered.yaml")
    assert (args(again), again.variables["literal"]) == (("${HOME}", "${branch}"), "${x}")
