"""Helpers of the variable tests: resolving recipe text, where a value comes from, an extends chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from align.errors import RecipeError
from align.recipe import model, sources
from align.recipe.model import Origin, Recipe
from align.recipe.resolve import resolve
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
    return recipe.find(model.Validate).args  # type: ignore[union-attr]


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
