"""``align check [RECIPE...]``: validate recipes, listing every problem."""

from __future__ import annotations

import argparse
from pathlib import Path

from align.errors import Problem, RecipeError
from align.git import Git
from align.plan import DEFAULT_REMOTE, target_ref
from align.recipe import sources
from align.recipe.resolve import resolve
from align.recipe.unused import unused_variables


def run(args: argparse.Namespace) -> int:
    """Check each recipe named (or the one align would use here); exit 2 when any is invalid."""
    cwd = Path.cwd()
    references: list[str | None] = list(args.recipes) or [None]
    invalid = problems = 0
    for reference in references:
        found = _check(reference, cwd, quiet=args.quiet)
        if found:
            invalid += 1
            problems += len(found)
            for problem in found:
                print(problem)
    if invalid:
        print(f"{invalid} of {len(references)} recipe(s) invalid, {problems} problem(s)")
        return 2
    return 0


def _check(reference: str | None, cwd: Path, *, quiet: bool) -> list[Problem]:
    try:
        source = sources.discover(reference, cwd, target=lambda: target_ref(Git(cwd), DEFAULT_REMOTE, None))
        resolve(source, cwd=cwd, require_rebase=True)
    except RecipeError as error:
        return list(error.problems)
    except sources.SourceError as error:
        return [Problem(file=reference or ".", line=1, col=1, path="$", message=error.one_line())]
    for warning in unused_variables(source, cwd):
        print(f"warning: {warning}")
    if not quiet:
        print(f"ok: {source.display}" + ("" if reference else f" ({source.why})"))
    return []
