"""Recipe errors in keys, step kinds, options and steps, located as ``file:line:col: $.json.path: message``."""

from __future__ import annotations

import pytest

from tests.helpers import NOX_EXPECTED, recipe_problems

# Keys, kinds and options


def test_unknown_top_level_key() -> None:
    assert recipe_problems("version: 1\nextends: default\ntarjet: main\n") == [
        "r.yaml:3:1: $.tarjet: unknown key 'tarjet'; did you mean 'target'?"
    ]


def test_step_kind_at_top_level() -> None:
    assert recipe_problems("version: 1\nextends: default\nfetch: {prune: false}\n") == [
        "r.yaml:3:1: $.fetch: unknown key 'fetch': step options go in a `- fetch: {...}` item under `steps:` "
        "(or under `patch:`)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nsteps:\n  - rebsae: {}\n", "r.yaml:3:5: $.steps[0].rebsae"),
        ("version: 1\nextends: default\npatch:\n  rebsae: {}\n", "r.yaml:4:3: $.patch.rebsae"),
    ],
    ids=["steps", "patch"],
)
def test_unknown_step_kind(text: str, expected: str) -> None:
    assert recipe_problems(text) == [f"{expected}: unknown step kind 'rebsae'; did you mean 'rebase'?"]


def test_unknown_option() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - rebase: {autostsh: true}\n") == [
        "r.yaml:3:14: $.steps[0].rebase.autostsh: unknown option 'autostsh'; did you mean 'autostash'?"
    ]


def test_enum_value() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - rebase: {strategy: rebsae}\n") == [
        "r.yaml:3:24: $.steps[0].rebase.strategy: 'rebsae' is not one of rebase, merge; did you mean 'rebase'?"
    ]


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("report: {formats: console}", "3:23: $.steps[0].report.formats: expected a list, found the text 'console'"),
        ("rebase: {onto: 3}", "3:20: $.steps[0].rebase.onto: expected text, found the number 3"),
        ("rebase: {onto: null}", "3:20: $.steps[0].rebase.onto: expected text, found nothing (null)"),
        ("fetch: true", "3:12: $.steps[0].fetch: expected a mapping, found true"),
    ],
    ids=["text-for-list", "number-for-text", "null", "boolean-for-options"],
)
def test_wrong_type(step: str, expected: str) -> None:
    assert recipe_problems(f"version: 1\nsteps:\n  - {step}\n") == [f"r.yaml:{expected}"]


# Steps


def test_bare_string_step() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - backup: {}\n  - report\n") == [
        "r.yaml:4:5: $.steps[1]: write `- report: {}`: a step maps its kind to its options"
    ]


def test_step_with_two_kinds() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - backup: {}\n    fetch: {}\n") == [
        "r.yaml:4:5: $.steps[0].fetch: a step names one kind, this one names 2 (backup, fetch); "
        "split it into one `- kind: {...}` item each"
    ]


def test_empty_step() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - {}\n") == [
        "r.yaml:3:5: $.steps[0]: an empty step: name its kind, e.g. `- backup: {}`"
    ]


def test_empty_steps_list() -> None:
    assert recipe_problems("version: 1\nsteps: []\n") == ["r.yaml:2:8: $.steps: needs at least one step"]


def test_duplicate_step_kind() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - backup: {}\n  - fetch: {}\n  - backup: {}\n") == [
        "r.yaml:5:5: $.steps[2].backup: step 'backup' appears twice (first at steps[0]); each kind appears once"
    ]


def test_duplicate_check_points_at_the_repeated_item() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - verify: {checks: [linear, clean_state, linear]}\n") == [
        "r.yaml:3:44: $.steps[0].verify.checks[2]: 'linear' is listed more than once (first at [0])"
    ]


def test_empty_command() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - validate: {run: [[make, test], []]}\n") == [
        "r.yaml:3:36: $.steps[0].validate.run[1]: a command is a list [program, arguments...], not empty"
    ]


def test_nox_sessions_as_text() -> None:
    assert recipe_problems("version: 1\nsteps:\n  - validate: {nox: lint}\n") == [
        f"r.yaml:3:21: $.steps[0].validate.nox: {NOX_EXPECTED}; found the text 'lint' (write [lint] for a list of one)"
    ]


@pytest.mark.parametrize(
    ("autostash", "dirty", "meant"),
    [("true", "refuse", "stash"), ("false", "stash", "refuse")],
)
def test_autostash_contradicts_dirty(autostash: str, dirty: str, meant: str) -> None:
    assert recipe_problems(f"version: 1\nsteps:\n  - rebase: {{autostash: {autostash}, dirty: {dirty}}}\n") == [
        f"r.yaml:3:14: $.steps[0].rebase.autostash: `autostash: {autostash}` means `dirty: {meant}`, "
        f"which contradicts `dirty: {dirty}`; keep one"
    ]
