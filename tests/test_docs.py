"""The docs, the schema and the model agree: one source of truth, checked."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from align.recipe.model import ALIASES, STEP_TYPES
from align.recipe.reference import render
from align.resources import schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = schema()
STEP_KINDS = list(SCHEMA["$defs"]["step"]["properties"])


def options_with_defaults(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(location, subschema)`` for every subschema of ``node`` that declares a ``default``."""
    if isinstance(node, dict):
        if "default" in node:
            yield path, node
        for key, value in node.items():
            yield from options_with_defaults(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from options_with_defaults(value, f"{path}/{index}")


DEFAULTS = list(options_with_defaults(SCHEMA))


def test_recipe_reference_is_generated_from_the_schema() -> None:
    written = (ROOT / "docs" / "recipe-reference.md").read_text(encoding="utf-8")
    assert written == render(), "docs/recipe-reference.md is out of date with the schema: run `nox -s docs`"


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_step_kinds_are_the_same_everywhere() -> None:
    assert list(SCHEMA["properties"]["patch"]["properties"]) == STEP_KINDS
    assert set(STEP_KINDS) == set(STEP_TYPES)
    for kind in STEP_KINDS:
        assert SCHEMA["$defs"]["step"]["properties"][kind] == {"$ref": f"#/$defs/{kind}"}
        assert kind in SCHEMA["$defs"], f"step kind {kind!r} has no definition in $defs"


@pytest.mark.parametrize("kind", STEP_KINDS)
def test_every_step_and_option_has_a_description(kind: str) -> None:
    definition = SCHEMA["$defs"][kind]
    assert definition.get("description"), f"$defs.{kind} has no description"
    missing = [name for name, option in definition["properties"].items() if not option.get("description")]
    assert missing == [], f"options of {kind!r} without a description: {missing}"


def test_every_top_level_key_has_a_description() -> None:
    missing = [name for name, key in SCHEMA["properties"].items() if not key.get("description")]
    assert missing == []


@pytest.mark.parametrize("kind", STEP_KINDS)
def test_every_step_kind_has_a_model_with_the_schema_options(kind: str) -> None:
    assert kind in STEP_TYPES, f"step kind {kind!r} has no dataclass in align.recipe.model.STEP_TYPES"
    model = STEP_TYPES[kind]
    assert model.kind == kind
    options = set(SCHEMA["$defs"][kind]["properties"])
    aliases = {option for (alias_kind, option) in ALIASES if alias_kind == kind}
    fields = {field.name for field in dataclasses.fields(model)}
    assert options - aliases == fields
    for alias in aliases:
        target, _ = ALIASES[(kind, alias)]
        assert target in fields, f"alias {kind}.{alias} names {target!r}, which is not a field of {model.__name__}"


def test_aliases_name_schema_options() -> None:
    for kind, option in ALIASES:
        assert option in SCHEMA["$defs"][kind]["properties"], f"alias {kind}.{option} is not in the schema"


def test_the_schema_declares_defaults() -> None:
    locations = [location for location, _ in DEFAULTS]
    assert "$/properties/remote" in locations
    assert "$/$defs/rebase/properties/onto" in locations


@pytest.mark.parametrize(("location", "option"), DEFAULTS, ids=[location for location, _ in DEFAULTS])
def test_every_default_is_valid_against_its_own_schema(location: str, option: dict[str, Any]) -> None:
    # Validate against the option's schema with the document's $defs, so that $ref resolves.
    own = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], **option}
    errors = [error.message for error in jsonschema.Draft202012Validator(own).iter_errors(option["default"])]
    assert errors == [], f"the default at {location} is not valid against its own schema"


def test_pre_commit_hooks_offer_align_check() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    by_id = {hook["id"]: hook for hook in hooks}
    assert "align-check" in by_id
    hook = by_id["align-check"]
    assert hook["entry"] == "align check"
    assert hook["language"] == "python"
    assert hook.get("name")
    files = re.compile(hook.get("files", ""))
    for recipe in (".align.yaml", ".align.yml", "services/api/.align.yaml"):
        assert files.search(recipe), f"the align-check hook skips {recipe}"
    for other in (".pre-commit-config.yaml", ".github/workflows/ci.yml", "docker-compose.yaml"):
        assert not files.search(other), f"the align-check hook would check {other}, which is not a recipe"
