"""Generate ``docs/recipe-reference.md`` from the schema: ``python -m align.recipe.reference [OUT]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from align.resources import schema

HEADER = """\
# Recipe reference

<!-- Generated from schemas/recipe.schema.json by `nox -s docs`. Do not edit by hand:
     a test fails when this file and the schema disagree. -->

This is every key and option of the recipe language, version 1. How to write,
customise and reuse recipes is in [recipes.md](recipes.md).
"""


def render(document: dict[str, Any] | None = None) -> str:
    """Return the Markdown reference for the recipe schema."""
    spec = document or schema()
    defs = spec["$defs"]
    out = [HEADER, f"{spec['description']}\n", "## Top-level keys\n", *_table("key", spec["properties"], defs)]
    out.append(f"Required: {', '.join(f'`{name}`' for name in spec['required'])}.\n")
    out.append("## Steps\n")
    out.append(f"{defs['step']['description']}\n")
    for kind in defs["step"]["properties"]:
        out.append(f"### `{kind}`\n")
        out.append(f"{defs[kind]['description']}\n")
        if defs[kind]["properties"]:
            out.extend(_table("option", defs[kind]["properties"], defs))
    return "\n".join(out)


def _table(noun: str, properties: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    rows = [f"| {noun} | type | default | description |", "|---|---|---|---|"]
    for name, spec in properties.items():
        default = f"`{json.dumps(spec['default'])}`" if "default" in spec else ""
        description = spec.get("description") or defs[spec["$ref"].split("/")[-1]]["description"]
        rows.append(f"| `{name}` | {_type(spec, defs)} | {default} | {description} |")
    return [*rows, ""]


def _type(spec: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in spec:
        name = spec["$ref"].split("/")[-1]
        return "list of text, or `${variable}`" if name == "string_list" else "mapping (see Steps)"
    if "const" in spec:
        return f"`{json.dumps(spec['const'])}`"
    if "enum" in spec:
        return " \\| ".join(f"`{value}`" for value in spec["enum"])
    kind = spec.get("type")
    if kind == "array":
        items = spec["items"]
        inner = _type(items, defs)
        return f"list of {inner}"
    if kind == "object":
        return "mapping of name to text, number, boolean or list of text" if "propertyNames" in spec else "mapping"
    return {"string": "text", "integer": "integer", "number": "number", "boolean": "boolean"}.get(str(kind), str(kind))


def main(argv: list[str]) -> int:
    """Write the reference to ``argv[0]`` (default: stdout)."""
    text = render()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
