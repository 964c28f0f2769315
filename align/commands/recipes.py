"""``align recipes list | show | schema``: the recipes align can use, and their format."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from align.errors import AlignError, UsageError
from align.git import Git
from align.recipe import sources
from align.recipe.load import load
from align.recipe.resolve import parse_override, resolve
from align.recipe.show import render_resolved
from align.resources import schema


def run_list(args: argparse.Namespace) -> int:
    """Print one line per recipe: name, first line of its description, where it comes from."""
    rows = [(name, _describe(sources.builtin(name)), "built-in") for name in sources.builtin_names()]
    published = sources.packages()  # one scan of the installed distributions
    for name, owners in sorted(published.items()):
        try:
            source = sources.package(name, published)
        except AlignError as error:
            rows.append((f"package:{name}", f"(unusable: {error.message})", "package"))
            continue
        rows.append((f"package:{name}", _describe(source), f"package {owners[0][0]}"))
    root = Git(Path.cwd()).toplevel()
    own = sources.repository_recipe(root) if root is not None else None
    if own is not None:
        rows.append((own.display, _describe(own), "repository"))
    name_width = max(len(row[0]) for row in rows)
    text_width = max(len(row[1]) for row in rows)
    for name, text, kind in rows:
        print(f"{name.ljust(name_width)}  {text.ljust(text_width)}  {kind}".rstrip())
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print a recipe as written, or resolved with where each value came from."""
    cwd = Path.cwd()
    source = sources.locate(args.recipe, None, cwd)
    if not args.resolved:
        if args.overrides:
            raise UsageError(
                "--set only applies with --resolved", hint=f"align recipes show {args.recipe} --resolved --set ..."
            )
        print(f"# {source.display} ({source.kind})")
        print(source.read(), end="")
        return 0
    overrides = dict(parse_override(item) for item in args.overrides)
    print(render_resolved(resolve(source, cwd=cwd, overrides=overrides)), end="")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    """Print the recipe JSON schema, for editors and other tools."""
    print(json.dumps(schema(), indent=2))
    return 0


def _describe(source: sources.Source) -> str:
    try:
        document, problems = load(source.read(), source.display)
    except AlignError as error:
        return f"(unreadable: {error.message})"
    description = document.data.get("description") if isinstance(document.data, dict) else None
    if problems or not isinstance(description, str):
        return "(invalid: see `align check`)" if problems else ""
    return description.strip().splitlines()[0] if description.strip() else ""
