"""The command line: parse arguments, run a command, map errors to exit codes (DESIGN §4-5)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from align import __version__
from align.errors import AlignError, RecipeError

EPILOG = """\
examples:
  align check                       check the recipe align would use here
  align check .align.yaml ci        check a file and a built-in recipe
  align recipes list                the recipes you can use
  align recipes show default --resolved

exit codes: 0 ok, 1 failed, 2 usage error or invalid recipe, 3 paused at a conflict,
4 refused (unsafe state), 130 interrupted. Docs: docs/recipes.md
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every subcommand."""
    from align.commands import check, recipes

    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="align",
        description="Keep a feature branch aligned with its primary branch, as a YAML recipe says.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"align {__version__}")
    _add_verbosity(parser, default=False)
    parser.set_defaults(verbose=False, quiet=False)
    # -v/-q are accepted after the command too; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    _add_verbosity(common, default=argparse.SUPPRESS)
    commands = _Commands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True), common)

    check_parser = commands.add_parser(
        "check",
        help="validate recipes; every error located; exit 2 when any is invalid",
        description="Validate recipes (files or names): schema, extends chain and variables. "
        "Every problem is printed as FILE:LINE:COL: JSON.PATH: MESSAGE. Works outside a repository.",
        epilog="examples:\n  align check\n  align check .align.yaml recipes/*.yaml\n  align check ci package:team\n\n"
        "Without RECIPE, checks the recipe align would use here: .align.yaml or .align.yml at the\n"
        "repository root, else the built-in default. Exit 0 when all are valid, 2 otherwise.",
        formatter_class=formatter,
    )
    check_parser.add_argument(
        "recipes", nargs="*", metavar="RECIPE", help="a path, a built-in name, package:NAME or git+URL@SHA#PATH"
    )
    check_parser.set_defaults(handler=check.run)

    recipes_parser = commands.add_parser(
        "recipes",
        help="list the recipes you can use, or show one",
        description="The recipes align can use: built-in, published by installed packages, the repository's own.",
        epilog="examples:\n  align recipes list\n  align recipes show ci --resolved\n"
        "  align recipes schema > .align.schema.json",
        formatter_class=formatter,
    )
    recipe_commands = _Commands(
        recipes_parser.add_subparsers(dest="recipes_command", metavar="COMMAND", required=True), common
    )
    list_parser = recipe_commands.add_parser(
        "list",
        help="one line per recipe: name, description, where it comes from",
        description="List every recipe: built-in ones, package:NAME ones from installed packages, and the "
        "repository's .align.yaml when run inside a repository.",
        epilog="example:\n  align recipes list",
        formatter_class=formatter,
    )
    list_parser.set_defaults(handler=recipes.run_list)
    show_parser = recipe_commands.add_parser(
        "show",
        help="print a recipe as written, or resolved",
        description="Print a recipe as written; with --resolved, after extends, variables and defaults, "
        "as YAML with where each value came from.",
        epilog="examples:\n  align recipes show ci\n  align recipes show .align.yaml --resolved\n"
        "  align recipes show ci --resolved --set sessions=[lint,tests]",
        formatter_class=formatter,
    )
    show_parser.add_argument(
        "recipe", metavar="NAME|PATH", help="a built-in name, a path, package:NAME or git+URL@SHA#PATH"
    )
    show_parser.add_argument(
        "--resolved", action="store_true", help="follow extends, substitute variables, fill defaults"
    )
    show_parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a variable (text, or a list written [a,b]); with --resolved",
    )
    show_parser.set_defaults(handler=recipes.run_show)
    schema_parser = recipe_commands.add_parser(
        "schema",
        help="print the recipe JSON schema (for editors)",
        description="Print the JSON schema of the recipe format (draft 2020-12), "
        "e.g. to save it for a YAML language server.",
        epilog="example:\n  align recipes schema > .align.schema.json",
        formatter_class=formatter,
    )
    schema_parser.set_defaults(handler=recipes.run_schema)
    return parser


def _add_verbosity(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="show each git command and its duration"
    )
    parser.add_argument("-q", "--quiet", action="store_true", default=default, help="print only errors and problems")


class _Commands:
    """A subparsers action whose parsers all accept -v/-q."""

    def __init__(self, action: Any, common: argparse.ArgumentParser) -> None:
        self.action = action
        self.common = common

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self.action.add_parser(name, parents=[self.common], **kwargs)
        return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run align with ``argv`` (default: ``sys.argv[1:]``) and return its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    _configure_logging(verbose=args.verbose, quiet=args.quiet)
    try:
        code: int = args.handler(args)
    except RecipeError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        _print_error(error)
        return error.exit_code
    except AlignError as error:
        _print_error(error)
        return error.exit_code
    return code


def _print_error(error: AlignError) -> None:
    print(f"align: error: {error.message}", file=sys.stderr)
    if error.hint:
        print(f"align: hint: {error.hint}", file=sys.stderr)


def _configure_logging(*, verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr, force=True)
    logging.getLogger("sh").setLevel(logging.WARNING)


def console() -> None:
    """Entry point of the ``align`` and ``git-align`` console scripts."""
    sys.exit(main())
