"""How an ``extends`` chain is merged: cycles, scalars, vars, steps, ``patch`` and ``description``."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.errors import RecipeError
from align.recipe import model, sources
from align.recipe.model import Fetch, Rebase, Report, Validate
from align.recipe.resolve import resolve
from tests.extends_helpers import DEFAULT, DEFAULT_STEPS, child, problems, resolved
from tests.helpers import write

# -- chains and cycles ------------------------------------------------------------------------------------------------


def test_chain_of_depth_four_takes_a_value_from_each_level() -> None:
    write(Path("c.yaml"), "version: 1\nextends: default\nvars: {from_c: c}\n")
    write(Path("b.yaml"), "version: 1\nextends: ./c.yaml\nremote: from-b\n")
    write(Path("a.yaml"), "version: 1\nextends: ./b.yaml\ntarget: from-a\n")
    recipe = resolved("a.yaml")
    assert recipe.chain == ("a.yaml", "b.yaml", "c.yaml", DEFAULT)
    assert (recipe.target, recipe.remote, recipe.variables["from_c"]) == ("from-a", "from-b", "c")
    assert recipe.find(model.Rebase).onto == "from-b/from-a"  # type: ignore[union-attr]


def test_cycle_is_reported_with_the_whole_chain() -> None:
    write(Path("a.yaml"), "version: 1\nextends: ./b.yaml\n")
    write(Path("b.yaml"), "version: 1\nextends: ./a.yaml\n")
    assert problems("a.yaml") == ["b.yaml:2:10: $.extends: extends cycle: a.yaml -> b.yaml -> a.yaml"]


def test_longer_cycle_is_reported_with_the_whole_chain() -> None:
    write(Path("a.yaml"), "version: 1\nextends: ./b.yaml\n")
    write(Path("b.yaml"), "version: 1\nextends: ./c.yaml\n")
    write(Path("c.yaml"), "version: 1\nextends: ./b.yaml\n")
    assert problems("a.yaml") == ["c.yaml:2:10: $.extends: extends cycle: a.yaml -> b.yaml -> c.yaml -> b.yaml"]


def test_self_extension_is_a_cycle() -> None:
    write(Path("a.yaml"), "version: 1\nextends: ./a.yaml\n")
    assert problems("a.yaml") == ["a.yaml:2:10: $.extends: extends cycle: a.yaml -> a.yaml"]


def test_cycle_through_a_recipe_option_spelt_with_dot_dot_reports_the_chain_once() -> None:
    write(Path("team/a.yaml"), "version: 1\nextends: ./b.yaml\n")
    write(Path("team/b.yaml"), "version: 1\nextends: ./a.yaml\n")
    with pytest.raises(RecipeError) as raised:
        resolve(sources.discover("../work/team/a.yaml", Path.cwd()), cwd=Path.cwd())
    assert [str(problem) for problem in raised.value.problems] == [
        "team/b.yaml:2:10: $.extends: extends cycle: team/a.yaml -> team/b.yaml -> team/a.yaml"
    ]


# -- merge rules ------------------------------------------------------------------------------------------------------


def test_child_target_overrides_parent_target() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\ntarget: main\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\ntarget: develop\n")
    assert resolved("child.yaml").target == "develop"


def test_child_remote_overrides_parent_remote() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\nremote: upstream\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\nremote: fork\n")
    recipe = resolved("child.yaml")
    assert (recipe.remote, recipe.find(model.Rebase).onto) == ("fork", "fork/${target}")  # type: ignore[union-attr]


def test_parent_scalars_are_inherited_when_the_child_is_silent() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\ntarget: main\nremote: upstream\n")
    recipe = resolved(child("./base.yaml"))
    assert (recipe.target, recipe.remote) == ("main", "upstream")


def test_vars_merge_by_key_child_wins_parent_keys_kept() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\nvars: {shared: parent, only_parent: p}\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\nvars: {shared: child, only_child: c}\n")
    assert resolved("child.yaml").variables == {
        "remote": "origin",
        "shared": "child",
        "only_parent": "p",
        "only_child": "c",
    }


def test_child_list_variable_replaces_the_parent_list() -> None:
    write(Path("base.yaml"), "version: 1\nextends: validated\nvars: {sessions: [lint, tests, docs]}\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\nvars: {sessions: [tests]}\n")
    assert resolved("child.yaml").find(model.Validate).nox == ("tests",)  # type: ignore[union-attr]


def test_child_steps_replace_the_parent_list_wholesale() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\nsteps:\n  - rebase: {onto: origin/main}\n")
    assert resolved("child.yaml").steps == (
        Rebase(
            strategy="rebase",
            onto="origin/main",
            dirty="stash",
            rerere=False,  # the parent's rerere: true is not carried over
            update_refs=False,
            rebase_merges=False,
        ),
    )


def test_patch_changes_only_the_named_options_of_one_kind() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\npatch:\n  rebase: {update_refs: true}\n")
    recipe = resolved("child.yaml")
    assert recipe.find(model.Rebase) == Rebase(
        strategy="rebase",
        onto="origin/${target}",
        dirty="stash",
        rerere=True,
        update_refs=True,
        rebase_merges=False,
    )
    assert recipe.steps[:2] + recipe.steps[3:] == DEFAULT_STEPS[:2] + DEFAULT_STEPS[3:]


def test_patch_keeps_the_inherited_order_of_steps() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\npatch:\n  report: {formats: [junit]}\n")
    recipe = resolved("child.yaml")
    assert [step.kind for step in recipe.steps] == [step.kind for step in DEFAULT_STEPS]
    assert recipe.find(model.Report) == Report(formats=("junit",))


def test_patch_autostash_false_overrides_inherited_dirty_stash() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\npatch:\n  rebase: {autostash: false}\n")
    assert resolved("child.yaml").find(model.Rebase).dirty == "refuse"  # type: ignore[union-attr]


def test_patch_autostash_true_overrides_inherited_dirty_refuse() -> None:
    write(Path("child.yaml"), "version: 1\nextends: ci\npatch:\n  rebase: {autostash: true}\n")
    assert resolved("child.yaml").find(model.Rebase).dirty == "stash"  # type: ignore[union-attr]


def test_patches_accumulate_along_the_chain() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\npatch:\n  fetch: {attempts: 5}\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\npatch:\n  fetch: {prune: false}\n")
    assert resolved("child.yaml").find(model.Fetch) == Fetch(
        prune=False, offline=False, attempts=5, backoff=1.0, timeout=300
    )


def test_patch_applies_to_steps_the_parent_replaced() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\nsteps:\n  - validate: {nox: [lint]}\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\npatch:\n  validate: {timeout: 60}\n")
    assert resolved("child.yaml").steps == (Validate(nox=("lint",), noxfile="noxfile.py", args=(), run=(), timeout=60),)


def test_patch_of_a_kind_not_inherited_is_a_located_error() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\npatch:\n  validate: {nox: [lint]}\n")
    assert problems("child.yaml") == [
        "child.yaml:4:3: $.patch.validate: no 'validate' step to patch; the inherited steps are: "
        "backup, fetch, rebase, on_conflict, on_fail, verify, report"
    ]


def test_description_is_not_inherited() -> None:
    write(Path("base.yaml"), "version: 1\ndescription: The parent.\nextends: default\n")
    assert resolved(child("./base.yaml")).description == ""


def test_child_description_is_its_own() -> None:
    write(Path("child.yaml"), "version: 1\ndescription: The child.\nextends: ci\n")
    assert resolved("child.yaml").description == "The child."
