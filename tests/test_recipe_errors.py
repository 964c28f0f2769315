"""Every error kind of the recipe language, located as ``file:line:col: $.json.path: message`` (DESIGN §3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from align import __version__
from align.cli import main
from align.recipe import sources
from align.recipe.model import Validate
from align.recipe.resolve import resolve
from tests.helpers import recipe_problems, write

NOT_A_MAPPING = "a recipe is a mapping that starts with `version: 1`, found"
NOX_EXPECTED = "expected a list of text values, or one `${variable}` that holds such a list"


# Reading the file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "version: 1\nsteps:\n\t- backup: {}\n",
            "r.yaml:3:1: $: YAML syntax error: found character '\\t' that cannot start any token "
            "(while scanning for the next token)",
            id="tab",
        ),
        pytest.param(
            "version: 1\nsteps:\n  - backup: {}\n   - fetch: {}\n",
            "r.yaml:4:4: $: YAML syntax error: expected <block end>, but found '<block sequence start>' "
            "(while parsing a block collection that starts at line 3, column 3)",
            id="indentation",
        ),
        pytest.param(
            "version: 1\ntarget: a: b\n",
            "r.yaml:2:10: $: YAML syntax error: mapping values are not allowed here",
            id="colon-in-plain-text",
        ),
        pytest.param(
            'version: 1\ntarget: "main\n',
            "r.yaml:3:1: $: YAML syntax error: found unexpected end of stream "
            "(while scanning a quoted scalar that starts at line 2, column 9)",
            id="unclosed-quote",
        ),
    ],
)
def test_yaml_syntax_error(text: str, expected: str) -> None:
    assert recipe_problems(text) == [expected]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("- backup: {}\n- fetch: {}\n", "a list", id="list"),
        pytest.param("", "an empty file", id="empty"),
        pytest.param("# nothing yet\n", "an empty file", id="comment-only"),
        pytest.param(
            "hello\n",
            "the text 'hello'",
            id="text",
        ),
        pytest.param(
            "3\n",
            "the number 3",
            id="number",
        ),
    ],
)
def test_document_that_is_not_a_mapping(text: str, found: str) -> None:
    assert recipe_problems(text) == [f"r.yaml:1:1: $: {NOT_A_MAPPING} {found}"]


@pytest.mark.parametrize("second", ["version: 1\n", ""], ids=["with-content", "empty"])
def test_two_documents(second: str) -> None:
    assert recipe_problems(f"version: 1\nextends: default\n---\n{second}") == [
        "r.yaml:3:1: $: a recipe file holds one YAML document; remove the second `---` and what follows it"
    ]


def test_duplicate_key_points_at_the_second_and_names_the_first() -> None:
    assert recipe_problems("version: 1\nextends: default\nextends: ci\n") == [
        "r.yaml:3:1: $.extends: duplicate key 'extends' (first at line 2); keep one"
    ]


def test_duplicate_nested_key() -> None:
    text = """
        version: 1
        steps:
          - rebase:
              onto: origin/main
              rerere: true
              onto: origin/dev
    """
    assert recipe_problems(text) == [
        "r.yaml:6:7: $.steps[0].rebase.onto: duplicate key 'onto' (first at line 4); keep one"
    ]


def test_merge_key() -> None:
    text = """
        version: 1
        extends: default
        patch:
          rebase:
            <<: {rerere: true}
    """
    assert recipe_problems(text) == [
        "r.yaml:5:5: $.patch.rebase: merge keys (<<) are not supported; use `extends:` to reuse a recipe"
    ]


def test_explicit_standard_tag() -> None:
    assert recipe_problems('version: 1\nextends: default\npatch:\n  fetch: {attempts: !!int "3"}\n') == [
        "r.yaml:4:21: $.patch.fetch.attempts: YAML tags such as !!int are not supported; write the value plainly",
        "r.yaml:4:21: $.patch.fetch.attempts: expected a whole number, found the text '3'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "version: 1\nextends: default\ntarget: !foo main\n",
            ["r.yaml:3:9: $.target: YAML tags such as !foo are not supported; write the value plainly"],
            id="plain",
        ),
        pytest.param(
            'version: 1\nextends: default\ntarget: !foo "main"\n',
            ["r.yaml:3:9: $.target: YAML tags such as !foo are not supported; write the value plainly"],
            id="quoted",
        ),
        pytest.param(
            "version: 1\nextends: default\npatch: !foo\n  fetch: {prune: false}\n",
            ["r.yaml:3:8: $.patch: YAML tags such as !foo are not supported; write the value plainly"],
            id="on-a-mapping",
        ),
        pytest.param(
            "version: 1\nextends: default\npatch:\n  fetch: {prune: !!bool 3}\n",
            [
                "r.yaml:4:18: $.patch.fetch.prune: YAML tags such as !!bool are not supported; write the value plainly",
                "r.yaml:4:18: $.patch.fetch.prune: expected true or false, found the text '3'",
            ],
            id="standard-tag-on-plain-text",
        ),
    ],
)
def test_custom_tag(text: str, expected: list[str]) -> None:
    assert recipe_problems(text) == expected


# YAML 1.1 surprises


@pytest.mark.parametrize(
    ("raw", "reading"),
    [("no", "false"), ("on", "true"), ("1:30", "the number 90")],
)
def test_yaml11_reading_where_text_is_expected(raw: str, reading: str) -> None:
    assert recipe_problems(f"version: 1\nextends: default\ntarget: {raw}\n") == [
        f"r.yaml:3:9: $.target: YAML 1.1 reads {raw} as {reading}; quote it: '{raw}'"
    ]


@pytest.mark.parametrize(("raw", "reading"), [("yes", "true"), ("off", "false")])
def test_yaml11_reading_where_a_boolean_is_expected(raw: str, reading: str) -> None:
    assert recipe_problems(f"version: 1\nextends: default\npatch:\n  fetch: {{prune: {raw}}}\n") == [
        f"r.yaml:4:18: $.patch.fetch.prune: YAML 1.1 reads {raw} as {reading}; write {reading}"
    ]


@pytest.mark.parametrize(("raw", "number"), [("010", 8), ("1:30", 90), ("1_000", 1000)])
def test_yaml11_number(raw: str, number: int) -> None:
    assert recipe_problems(f"version: 1\nsteps:\n  - validate: {{timeout: {raw}}}\n") == [
        f"r.yaml:3:25: $.steps[0].validate.timeout: YAML 1.1 reads {raw} as the number {number}; "
        f"write {number}, or quote it ('{raw}') for text"
    ]


# The version


def test_missing_version() -> None:
    assert recipe_problems("extends: default\n") == ["r.yaml:1:1: $: missing `version: 1`; add it as the first line"]


def test_newer_version_names_this_align() -> None:
    assert recipe_problems("version: 2\nextends: default\n") == [
        f"r.yaml:1:10: $.version: recipe version 2 needs an align newer than {__version__}: this align reads "
        "recipe version 1; upgrade (pip install --upgrade git-align) or write `version: 1`"
    ]


@pytest.mark.parametrize(
    ("raw", "found"),
    [('"1"', "the text '1'"), ("1.0", "the number 1.0"), ("0", "the number 0"), ("", "nothing (null)")],
)
def test_version_must_be_the_number_1(raw: str, found: str) -> None:
    column = 10 if raw else 9
    assert recipe_problems(f"version: {raw}\nextends: default\n") == [
        f"r.yaml:1:{column}: $.version: version must be 1, found {found}"
    ]


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


# All at once


def test_every_problem_is_reported_sorted_by_line() -> None:
    text = """
        version: 1
        extends: default
        tarjet: main
        vars:
          my-var: x
        patch:
          rebase: {strategy: rebsae, autostsh: true}
          fetch: {prune: yes, attempts: 010}
          verify: {strict: "no"}
          validate: {nox: lint}
        extends: ci
    """
    assert recipe_problems(text) == [
        "r.yaml:3:1: $.tarjet: unknown key 'tarjet'; did you mean 'target'?",
        "r.yaml:5:3: $.vars['my-var']: variable name 'my-var' must start with a letter or _ "
        "and hold only letters, digits and _",
        "r.yaml:7:22: $.patch.rebase.strategy: 'rebsae' is not one of rebase, merge; did you mean 'rebase'?",
        "r.yaml:7:30: $.patch.rebase.autostsh: unknown option 'autostsh'; did you mean 'autostash'?",
        "r.yaml:8:18: $.patch.fetch.prune: YAML 1.1 reads yes as true; write true",
        "r.yaml:8:33: $.patch.fetch.attempts: YAML 1.1 reads 010 as the number 8; "
        "write 8, or quote it ('010') for text",
        "r.yaml:9:20: $.patch.verify.strict: expected true or false, found the text 'no'",
        "r.yaml:10:3: $.patch.validate: no 'validate' step to patch; the inherited steps are: "
        "backup, fetch, rebase, on_conflict, on_fail, verify, report",
        f"r.yaml:10:19: $.patch.validate.nox: {NOX_EXPECTED}; found the text 'lint' (write [lint] for a list of one)",
        "r.yaml:11:1: $.extends: duplicate key 'extends' (first at line 2); keep one",
    ]


def test_schema_and_variable_problems_are_reported_together() -> None:
    text = """
        version: 1
        steps:
          - fetch: {prnue: true}
          - rebase: {onto: "${remot}/main"}
    """
    assert recipe_problems(text) == [
        "r.yaml:3:13: $.steps[0].fetch.prnue: unknown option 'prnue'; did you mean 'prune'?",
        "r.yaml:4:20: $.steps[1].rebase.onto: unknown variable ${remot}; did you mean 'remote'?",
    ]


# Through the command line


def test_check_prints_every_problem_of_every_recipe(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("ok.yaml"), "version: 1\nextends: default\n")
    write(Path("r.yaml"), "version: 1\nsteps:\n  - rebase: {autostsh: true, strategy: rebsae}\n")
    write(Path("v.yaml"), "version: 2\n")
    assert main(["check", "ok.yaml", "r.yaml", "v.yaml"]) == 2
    assert capsys.readouterr().out == (
        "ok: ok.yaml\n"
        "r.yaml:3:14: $.steps[0].rebase.autostsh: unknown option 'autostsh'; did you mean 'autostash'?\n"
        "r.yaml:3:40: $.steps[0].rebase.strategy: 'rebsae' is not one of rebase, merge; did you mean 'rebase'?\n"
        f"v.yaml:1:10: $.version: recipe version 2 needs an align newer than {__version__}: this align reads "
        "recipe version 1; upgrade (pip install --upgrade git-align) or write `version: 1`\n"
        "2 of 3 recipe(s) invalid, 3 problem(s)\n"
    )


def test_check_reports_a_problem_in_an_extended_file(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("team.yaml"), "version: 1\nextends: default\npatch:\n  fetch: {prune: yes}\n")
    write(Path("r.yaml"), "version: 1\nextends: ./team.yaml\n")
    assert main(["check", "r.yaml"]) == 2
    assert capsys.readouterr().out == (
        "team.yaml:4:18: $.patch.fetch.prune: YAML 1.1 reads yes as true; write true\n"
        "1 of 1 recipe(s) invalid, 1 problem(s)\n"
    )


def test_check_reports_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "nope.yaml"]) == 2
    assert capsys.readouterr().out == (
        "nope.yaml:1:1: $: recipe file not found: nope.yaml\n1 of 1 recipe(s) invalid, 1 problem(s)\n"
    )
