"""Render a resolved recipe as YAML, each value followed by where it came from."""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

import yaml

from align.recipe.document import json_path
from align.recipe.model import Recipe

_COMMENT_COLUMN = 40


def render_resolved(recipe: Recipe) -> str:
    """Return ``recipe`` as a version-1 YAML recipe with a provenance comment on each line."""
    deferred = ["branch", "run_id"] + (["target"] if recipe.target is None else [])
    # Every ``${`` but a reference left for the run is literal text, written ``$${`` again.
    literal = re.compile(r"\$\{(?!(?:" + "|".join(deferred) + r")\})")

    def _flow(value: Any) -> str:
        return _yaml(_escape(value, literal))

    lines: list[tuple[str, str]] = [
        (f"# {recipe.name} ({recipe.kind}), resolved from: {' -> '.join(recipe.chain)}", ""),
        ("version: 1", ""),
    ]
    if recipe.description:
        lines.append((f"description: {_flow(recipe.description.splitlines()[0])}", ""))
    if recipe.target is None:
        lines.append(("# target: set at run time (the remote's HEAD branch, else main, else master)", ""))
    else:
        lines.append((f"target: {_flow(recipe.target)}", _where(recipe, "$.vars.target")))
    lines.append((f"remote: {_flow(recipe.remote)}", _where(recipe, "$.vars.remote")))
    own = {name: value for name, value in recipe.variables.items() if name not in ("target", "remote")}
    if own:
        lines.append(("vars:", ""))
        for name, value in own.items():
            lines.append((f"  {name}: {_flow(value)}", _where(recipe, json_path(("vars", name)))))
    lines.append(("steps:", ""))
    for index, step in enumerate(recipe.steps):
        base = json_path(("steps", index, step.kind))
        options = fields(step)
        lines.append((f"  - {step.kind}:" + ("" if options else " {}"), _where(recipe, base)))
        for option in options:
            path = f"{base}.{option.name}"
            lines.append((f"      {option.name}: {_flow(getattr(step, option.name))}", _where(recipe, path)))
    width = min(_COMMENT_COLUMN, max(len(text) for text, _ in lines))
    return "".join(f"{text.ljust(width)}  # {note}\n" if note else f"{text}\n" for text, note in lines)


def _where(recipe: Recipe, path: str) -> str:
    note = str(recipe.origins[path])
    via = recipe.via.get(path)
    return f"{note}; {', '.join(via)}" if via else note


def _yaml(value: Any) -> str:
    """Return ``value`` as a one-line YAML flow value."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 16, allow_unicode=True).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _escape(value: Any, literal: re.Pattern[str]) -> Any:
    if isinstance(value, tuple | list):
        return [_escape(item, literal) for item in value]
    if isinstance(value, str):
        return literal.sub("$${", value)
    return value
