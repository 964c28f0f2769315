"""Recipe errors in variables and ``extends``/``patch`` chains, located as ``file:line:col: $.json.path: message``."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.recipe import sources
from align.recipe.model import Validate
from align.recipe.resolve import resolve
from tests.helpers import NOX_EXPECTED, recipe_problems, write

# Variables


def test_bad_variable_name() -> None:
    assert recipe_problems("version: 1\nextends: default\nvars:\n  my-var: x\n") == [
        "r.yaml:4:3: $.vars['my-var']: variable name 'my-var' must start with a letter or _ "
        "and hold only letters, digits and _"
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("branch", "'branch' is a built-in variable, set by align at run time"),
        ("run_id", "'run_id' is a built-in variable, set by align at run time"),
        ("target", "'target' is a built-in variable; set it with `target:` at the top of the recipe"),
        ("remote", "'remote' is a built-in variable; set it with `remote:` at the top of the recipe"),
    ],
)
def test_builtin_variable_set_in_vars(name: str, message: str) -> None:
    assert recipe_problems(f"version: 1\nextends: default\nvars:\n  {name}: x\n") == [
        f"r.yaml:4:3: $.vars.{name}: {message}"
    ]


def test_unknown_variable() -> None:
    text = """
        version: 1
        vars:
          sessions: [lint]
        steps:
          - validate: {nox: "${sesions}"}
    """
    assert recipe_problems(text) == [
        "r.yaml:5:21: $.steps[0].validate.nox: unknown variable ${sesions}; did you mean 'sessions'?"
    ]


def test_unclosed_reference() -> None:
    assert recipe_problems('version: 1\nsteps:\n  - rebase: {onto: "origin/${target"}\n') == [
        "r.yaml:3:20: $.steps[0].rebase.onto: unclosed ${ in 'origin/${target'; write $${ for a literal ${"
    ]


def test_invalid_reference() -> None:
    assert recipe_problems('version: 1\nsteps:\n  - rebase: {onto: "${a-b}"}\n') == [
        "r.yaml:3:20: $.steps[0].rebase.onto: invalid variable reference '${a-b}': a name is letters, digits and _"
    ]


def test_list_variable_inside_text() -> None:
    text = """
        version: 1
        vars:
          sessions: [lint]
        steps:
          - rebase: {onto: "origin/${sessions}"}
    """
    assert recipe_problems(text) == [
        "r.yaml:5:20: $.steps[0].rebase.onto: ${sessions} holds a list and cannot stand inside text; "
        "use it as the whole value"
    ]


def test_variable_cycle() -> None:
    text = """
        version: 1
        vars:
          a: "${b}"
          b: "${a}"
        steps:
          - backup: {}
    """
    # One problem per cycle, at its first variable; the options using it add none.
    assert recipe_problems(text) == ["r.yaml:3:6: $.vars.a: variable cycle: a -> b -> a"]


def test_type_error_after_substitution() -> None:
    text = """
        version: 1
        vars:
          sessions: lint
        steps:
          - validate: {nox: "${sessions}"}
    """
    assert recipe_problems(text) == [
        f"r.yaml:5:21: $.steps[0].validate.nox: {NOX_EXPECTED}; found the text 'lint' "
        "(write [lint] for a list of one); after substituting ${sessions} from r.yaml:3:13"
    ]


def test_escaped_reference_is_literal() -> None:
    write(Path("r.yaml"), 'version: 1\nsteps:\n  - validate: {args: ["a$${b}c"], run: [[echo, "$${HOME}"]]}\n')
    recipe = resolve(sources.file(Path("r.yaml")), cwd=Path.cwd())
    assert recipe.steps == (
        Validate(nox=(), noxfile="noxfile.py", args=("a${b}c",), run=(("echo", "${HOME}"),), timeout=900),
    )


# Patch and extends


def test_patch_together_with_steps() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - backup: {}\npatch:\n  backup: {}\n") == [
        "r.yaml:4:1: $.patch: `patch:` changes inherited steps; this recipe lists its own `steps:`, "
        "so change them there"
    ]


def test_patch_without_extends() -> None:
    assert recipe_problems("version: 1\npatch:\n  fetch: {prune: false}\n") == [
        "r.yaml:2:1: $.patch: `patch:` changes the steps of an extended recipe; add `extends: default` "
        "(or another recipe)"
    ]


def test_patch_of_a_step_the_chain_lacks() -> None:
    assert recipe_problems("version: 1\nextends: default\npatch:\n  validate: {nox: [lint]}\n") == [
        "r.yaml:4:3: $.patch.validate: no 'validate' step to patch; the inherited steps are: "
        "backup, fetch, rebase, on_conflict, on_fail, verify, report"
    ]


def test_no_steps_after_resolution() -> None:
    assert recipe_problems("version: 1\n") == [
        "r.yaml:1:1: $: no steps: start from a recipe with `extends: default`, or list `steps:`"
    ]


def test_extends_missing_builtin() -> None:
    assert recipe_problems("version: 1\nextends: defualt\n") == [
        "r.yaml:2:10: $.extends: no built-in recipe named 'defualt'; did you mean 'default'? "
        "(built-in recipes: ci, default, merge, offline, validated; a path starts with ./ or ends with .yaml)"
    ]


def test_extends_missing_file() -> None:
    assert recipe_problems("version: 1\nextends: ./team.yaml\n") == [
        "r.yaml:2:10: $.extends: recipe file not found: team.yaml"
    ]


def test_extends_cycle_shows_the_whole_chain() -> None:
    files = {"b.yaml": "version: 1\nextends: ./c.yaml\n", "c.yaml": "version: 1\nextends: ./r.yaml\n"}
    assert recipe_problems("version: 1\nextends: ./b.yaml\n", files) == [
        "c.yaml:2:10: $.extends: extends cycle: r.yaml -> b.yaml -> c.yaml -> r.yaml"
    ]


def test_extends_itself() -> None:
    assert recipe_problems("version: 1\nextends: ./r.yaml\n") == [
        "r.yaml:2:10: $.extends: extends cycle: r.yaml -> r.yaml"
    ]
