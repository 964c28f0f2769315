"""Recipe errors in reading the file (YAML syntax and 1.1 surprises, documents, tags, the version), located as
``file:line:col: $.json.path: message`` (DESIGN §3); the other kinds: test_recipe_errors_*.py."""

from __future__ import annotations

import pytest

from align import __version__
from tests.helpers import NOT_A_MAPPING, recipe_problems

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
