"""Helpers of the ``extends`` tests: the built-in recipes' paths and steps, resolving a recipe file."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.errors import RecipeError
from align.recipe import sources
from align.recipe.model import Backup, Fetch, OnConflict, OnFail, Rebase, Recipe, Report, Verify
from align.recipe.resolve import resolve
from align.resources import data_dir
from tests.helpers import write

DEFAULT = str(data_dir("recipes") / "default.yaml")
CI = str(data_dir("recipes") / "ci.yaml")
DEFAULT_CHECKS = (
    "no_conflict_markers",
    "clean_state",
    "contains_target",
    "linear",
    "backup_reachable",
    "patches_preserved",
    "metadata_preserved",
)
DEFAULT_STEPS = (
    Backup(),
    Fetch(prune=True, offline=False, attempts=3, backoff=1.0, timeout=300),
    Rebase(
        strategy="rebase",
        onto="origin/${target}",
        dirty="stash",
        rerere=True,
        update_refs=False,
        rebase_merges=False,
    ),
    OnConflict(action="pause"),
    OnFail(action="rollback"),
    Verify(checks=DEFAULT_CHECKS, strict=False),
    Report(formats=("console", "json")),
)
PIN_EXAMPLE = "extends: git+https://host/team/recipes.git@<40-hex commit>#path/recipe.yaml"


def resolved(path: str | Path) -> Recipe:
    """Resolve the recipe file ``path`` (relative to the working directory)."""
    return resolve(sources.file(Path.cwd() / path), cwd=Path.cwd())


def problems(path: str | Path) -> list[str]:
    """Resolve ``path``, expecting an invalid recipe; return its problems as text."""
    with pytest.raises(RecipeError) as raised:
        resolved(path)
    return [str(problem) for problem in raised.value.problems]


def child(extends: str) -> str:
    """Write ``child.yaml`` that only extends ``extends``; return its name."""
    write(Path("child.yaml"), f"version: 1\nextends: {extends}\n")
    return "child.yaml"
