"""Variables a recipe sets and nothing uses: a warning of ``align check``, not an error."""

from __future__ import annotations

from pathlib import Path

from align.errors import Problem
from align.recipe import sources
from align.recipe.resolve import load_chain, merge
from align.recipe.validate import RUNTIME_VARS
from align.recipe.variables import references
from align.resources import schema

# Variables align reads itself, whether or not a step says ``${name}``.
READ_BY_ALIGN = ("remote", "target", *RUNTIME_VARS)


def unused_variables(source: sources.Source, cwd: Path) -> list[Problem]:
    """Return a warning, located where it is set, for each variable of ``vars:`` that nothing uses.

    A variable is used when a step of the resolved recipe (its inherited steps and their defaults
    included), ``target:``, ``remote:`` or a used variable says ``${name}``, or when align reads it itself.
    """
    layers, _ = load_chain(source, cwd)
    table, entries = merge(list(reversed(layers)), [])
    step_schemas = schema()["$defs"]
    used = set(READ_BY_ALIGN)
    for entry in entries:
        defaults = [spec["default"] for spec in step_schemas[entry.kind]["properties"].values() if "default" in spec]
        used |= references([*defaults, *(value for value, _ in entry.options.values())])
    pending = list(used)
    while pending:
        name = pending.pop()
        for inner in references(table[name][0]) - used if name in table else ():
            used.add(inner)
            pending.append(inner)
    declared = {name for layer in layers for name in _vars(layer.document.data)}
    kinds = {entry.kind for entry in entries}
    found = []
    for name in sorted(declared - used):
        message = f"variable {name!r} is set but nothing uses it: no step of the resolved recipe says ${{{name}}}"
        if "validate" not in kinds:
            message += " (there is no validate step; `validated` and `ci` have one)"
        found.append(table[name][1].problem(message))
    return found


def _vars(data: object) -> list[str]:
    value = data.get("vars") if isinstance(data, dict) else None
    return list(value) if isinstance(value, dict) else []
