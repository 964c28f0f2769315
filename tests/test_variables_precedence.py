"""Where a value comes from: ``--set`` > repository recipe > extended recipes > built-in defaults, and its origin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from align.errors import UsageError
from align.recipe import model
from align.recipe.model import Origin
from align.recipe.resolve import parse_override
from tests.helpers import write
from tests.variables_helpers import CHILD, DEFAULT, PARENT, SCHEMA_DEFAULT, resolved, set_origin, validate

# -- precedence: --set > repository recipe > extended recipes > built-in defaults -------------------------------------


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
    assert (recipe.find(model.Rebase).onto, recipe.origins[path], recipe.via[path]) == (  # type: ignore[union-attr]
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
    assert (recipe.find(model.Fetch).attempts, recipe.origins["$.steps[1].fetch.attempts"]) == (  # type: ignore[union-attr]
        3,
        SCHEMA_DEFAULT,
    )


def test_run_time_reference_is_recorded_as_set_at_run_time() -> None:
    recipe = resolved("version: 1\nextends: default\n")
    assert recipe.via["$.steps[2].rebase.onto"] == ("${remote} from schema default", "${target} set at run time")


def test_set_target_when_no_recipe_sets_it() -> None:
    recipe = resolved("version: 1\nextends: default\n", overrides={"target": "release"})
    assert (recipe.target, recipe.find(model.Rebase).onto, recipe.origins["$.vars.target"]) == (  # type: ignore[union-attr]
        "release",
        "origin/release",
        set_origin("$.target"),
    )


def test_set_list_replaces_a_list_variable() -> None:
    recipe = resolved(validate('{nox: "${sessions}"}', "{sessions: [lint, tests]}"), overrides={"sessions": ["docs"]})
    assert recipe.find(model.Validate).nox == ("docs",)  # type: ignore[union-attr]


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
