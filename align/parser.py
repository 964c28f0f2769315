"""The argument parser: every subcommand, its help and its examples."""

from __future__ import annotations

import argparse
from typing import Any

from align import __version__
from align.commands import table

REPORT_FILE_OPTIONS = ("--report-json", "--report-markdown", "--report-junit")
RUN_VALUE_OPTIONS = ("--recipe", "--target", "--remote", "--set", *REPORT_FILE_OPTIONS)
GLOBAL_VALUE_OPTIONS = ("--log-file",)  # accepted by every command
# The guide's page (`align help TOPIC`) that explains each command; named at the end of its --help.
HELP_TOPICS = {
    "run": "getting-started", "plan": "getting-started", "continue": "conflicts", "skip": "conflicts",
    "abort": "conflicts", "undo": "safety", "status": "safety", "check": "recipes", "recipes": "recipes",
    "backups": "safety", "report": "ci", "history": "ci", "help": "overview", "tree": "stacks",
    "track": "stacks", "untrack": "stacks",
}  # fmt: skip
EPILOG = """\
examples:
  align feature/x                   align feature/x onto its up-to-date primary branch
  align feature/x --recipe ci       ... following the built-in ci recipe
  align continue                    after resolving a conflict (or: align skip, align abort)
  align undo feature/x              put feature/x back where it was before the last run
  align check                       check the recipe align would use here
  align check .align.yaml ci        check a file and a built-in recipe
  align recipes list                the recipes you can use
  align recipes show default --resolved
  align history                     the last runs: outcome and duration
  align report --format markdown    the last run's report again, as Markdown

exit codes: 0 ok, 1 failed, 2 usage error or invalid recipe, 3 paused at a conflict,
4 refused (unsafe state), 130 interrupted.
The guide: `align help` lists its topics, `align help TOPIC` prints one; `man git-align`.
"""


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every subcommand."""

    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="align",
        description="Keep a feature branch aligned with its primary branch, as a YAML recipe says.",
        epilog=EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"align {__version__}")
    _add_verbosity(parser, default=False)
    parser.set_defaults(verbose=False, quiet=False, log_file=None)
    # -v/-q are accepted after the command too; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    _add_verbosity(common, default=argparse.SUPPRESS)
    commands = _Commands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True), common)

    _add_run_commands(commands, formatter)
    check_parser = commands.add_parser(
        "check",
        help="validate recipes; every error located; exit 2 when any is invalid",
        description="Validate recipes (files or names): schema, extends chain and variables. "
        "Every problem is printed as FILE:LINE:COL: JSON.PATH: MESSAGE. Works outside a repository.",
        epilog="examples:\n  align check\n  align check .align.yaml recipes/*.yaml\n  align check ci package:team\n\n"
        "Without RECIPE, checks the recipe align would use here: .align.yaml or .align.yml at the\n"
        "repository root, else the target's .align.yaml (origin/main's, as last fetched), else the\n"
        "built-in default; it says which. Exit 0 when all are valid (warnings included), 2 otherwise.",
        formatter_class=formatter,
    )
    check_parser.add_argument(
        "recipes", nargs="*", metavar="RECIPE", help="a path, a built-in name, package:NAME or git+URL@SHA#PATH"
    )
    _handled(check_parser, table.check)

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
    _handled(list_parser, table.recipes_list)
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
    _handled(show_parser, table.recipes_show)
    schema_parser = recipe_commands.add_parser(
        "schema",
        help="print the recipe JSON schema (for editors)",
        description="Print the JSON schema of the recipe format (draft 2020-12), "
        "e.g. to save it for a YAML language server.",
        epilog="example:\n  align recipes schema > .align.schema.json",
        formatter_class=formatter,
    )
    _handled(schema_parser, table.recipes_schema)
    _add_backups(commands, formatter)
    help_parser = commands.add_parser(
        "help",
        help="print a topic of the guide (getting-started, recipes, conflicts, ...); list them",
        description="Print a page of align's guide, shipped with align: through a pager on a terminal "
        "($PAGER, else less), as plain text otherwise. Without TOPIC, list the topics.",
        epilog="examples:\n  align help\n  align help conflicts\n  align help troubleshooting | grep -n stash",
        formatter_class=formatter,
    )
    help_parser.add_argument("topic", nargs="?", metavar="TOPIC", help="a topic, as `align help` lists them")
    _handled(help_parser, table.help_)
    _point_to_topics(commands)
    return parser


def _point_to_topics(commands: _Commands) -> None:
    """End each command's --help (and its subcommands') with the guide's topic that explains it."""
    for name, parser in commands.action.choices.items():
        more = f"more: align help {HELP_TOPICS.get(name, 'overview')}"  # a test keeps HELP_TOPICS complete
        nested = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
        for sub_parser in [parser, *(sub for action in nested for sub in action.choices.values())]:
            sub_parser.epilog = f"{sub_parser.epilog.rstrip()}\n\n{more}" if sub_parser.epilog else more


def _add_recipe_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--recipe",
        metavar="NAME|PATH",
        help="the recipe to follow (default: .align.yaml at the repository root, else the target's .align.yaml "
        "on its remote-tracking branch, else the built-in default)",
    )
    parser.add_argument(
        "--target",
        metavar="BRANCH",
        help="the primary branch to align onto (default: the recipe's target:, else the branch REMOTE/HEAD "
        "names, else main, else master)",
    )
    parser.add_argument(
        "--remote",
        metavar="NAME",
        help="the remote to fetch the target from (default: the recipe's remote:, else origin)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a recipe variable (text, or a list written [a,b])",
    )


def _add_run_commands(commands: _Commands, formatter: type[argparse.HelpFormatter]) -> None:
    run_parser = commands.add_parser(
        "run",
        help="align branches (the default command: `align BRANCH` is `align run BRANCH`)",
        description="Align each BRANCH (default: the checked-out one) onto its up-to-date primary branch, "
        "following the recipe's steps: backup, fetch, rebase or merge, verify, validate, report. A branch "
        "stacked on another (its parent: declared with `align track`, or a branch of the same command it was "
        "built on) is aligned onto its parent's tip, moving only its own commits; parents go first. A parent "
        "already merged into the target (also squash-merged) is stepped over: the child goes onto the target.",
        epilog="examples:\n  align feature/x\n  align feature/x feature/y --recipe merge\n"
        "  align 'feature/*'\n  align --stack\n"
        "  align --target develop --recipe validated --set sessions=[lint] feature/x\n\n"
        "exit codes: 0 aligned or up to date, 1 failed (rolled back), 2 usage error or invalid recipe,\n"
        "3 paused at a conflict, 4 refused (unsafe state; nothing touched), 130 interrupted.",
        formatter_class=formatter,
    )
    run_parser.add_argument(
        "branches",
        nargs="*",
        metavar="BRANCH",
        help="a local branch, or a pattern ('feature/*', as `git branch --list` matches it); default: the current one",
    )
    _add_recipe_options(run_parser)
    whole = run_parser.add_mutually_exclusive_group()
    whole.add_argument(
        "--stack",
        action="store_true",
        help="align the whole stack of the branch (default: the current one): its parents up to the target, "
        "itself and the branches stacked on it, parents first (`align tree` shows the stacks)",
    )
    whole.add_argument(
        "--all", action="store_true", help="align every local branch but the target's, each stack parents first"
    )
    run_parser.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    for fmt, what, many in (
        (
            "json",
            "JSON report",
            "one JSON array of their reports (a copy is always kept under .git/align/runs/RUN_ID/)",
        ),
        ("markdown", "Markdown report", "one document, a section each"),
        ("junit", "JUnit XML report", "one document, a <testsuite> each"),
    ):
        help_text = f"also write the {what} to PATH; several branches: {many}"
        run_parser.add_argument(f"--report-{fmt}", metavar="PATH", help=help_text)
    _handled(run_parser, table.run)

    plan_parser = commands.add_parser(
        "plan",
        help="what a run would do, with an exact conflict forecast; changes nothing",
        description="Show what `align BRANCH` would do: the recipe and its steps, the target, which engine "
        "would align the branch, and an exact forecast: the branch's commits are replayed onto the target in "
        "memory, with git's own merge, one by one. It says whether the branch is up to date, aligns cleanly "
        "(commits to replay, skipped as already upstream, dropped as empty) or stops at a conflict (which "
        "commit, which files, of what kind). Nothing is fetched or changed unless --fetch is given (when this "
        "clone does not know the target, the remote is asked which branch its HEAD names).",
        epilog="examples:\n  align plan feature/x\n  align plan feature/x feature/y --fetch\n"
        "  align plan feature/x --format json | jq '.plans[0].outcome'\n\n"
        "outcomes: up_to_date, clean, conflict, unknown (no exact forecast; the reason says why).\n"
        "exit codes: 0 forecast printed (whatever the outcome), 2 usage error (e.g. no such branch),\n"
        "4 refused (e.g. --fetch from an unsafe remote), 1 the fetch failed.",
        formatter_class=formatter,
    )
    plan_parser.add_argument(
        "branches", nargs="*", metavar="BRANCH", help="local branches or patterns ('feature/*'); default: current"
    )
    _add_recipe_options(plan_parser)
    plan_parser.add_argument(
        "--fetch",
        action="store_true",
        help="fetch the target first, as the recipe's fetch step would (only its remote-tracking ref changes)",
    )
    plan_parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default) or json (schemas/plan.schema.json)",
    )
    _handled(plan_parser, table.plan)

    for name, text in (
        ("continue", "go on after resolving a conflict (`git add` the files first)"),
        ("skip", "drop the commit that conflicts and go on; the report lists it"),
        ("abort", "end the run and put branch, HEAD and uncommitted work back as they were"),
    ):
        resume_parser = commands.add_parser(
            name,
            help=text,
            description=f"{text[0].upper()}{text[1:]}. Works from the journal, also after the process that "
            "paused (or was interrupted or killed) has exited. In a batch (several branches in one command), "
            "continue and skip then align the branches not started yet; abort puts back every branch the batch "
            "aligned (a branch that moved since is left alone and named, exit 4).",
            formatter_class=formatter,
        )
        _handled(resume_parser, table.resume)

    undo_parser = commands.add_parser(
        "undo",
        help="restore the branch from its last backup (refuses if it moved since)",
        description="Put BRANCH back at the tip it had before its last alignment. Refuses (exit 4) when the "
        "branch moved since that run, unless --force, which first keeps a backup of what it replaces. Without "
        "BRANCH, after a command that aligned several branches: every branch of that batch.",
        epilog="examples:\n  align undo\n  align undo feature/x --force",
        formatter_class=formatter,
    )
    undo_parser.add_argument(
        "branch", nargs="?", metavar="BRANCH", help="default: the current branch, or the whole last batch"
    )
    undo_parser.add_argument("--force", action="store_true", help="undo even if the branch moved since the run")
    _handled(undo_parser, table.undo)

    status_parser = commands.add_parser(
        "status",
        help="what is in progress; the last run's outcome",
        description="Show the run in progress (paused, interrupted), the lock holder and the last finished run.",
        formatter_class=formatter,
    )
    _handled(status_parser, table.status)
    _add_report_commands(commands, formatter)
    _add_graph_commands(commands, formatter)


def _add_graph_commands(commands: _Commands, formatter: type[argparse.HelpFormatter]) -> None:
    tree_parser = commands.add_parser(
        "tree",
        help="the branch graph: parents, bases, ahead/behind, merged state, worktrees, forecasts",
        description="Show every local branch under its parent (another local branch, or the target), with where "
        "the parent came from (declared with `align track`, imported, or inferred from the history), the base its "
        "own commits start from, commits ahead of and behind its parent, whether its commits already reached the "
        "target (ancestor: merged or fast-forwarded; rebase: every patch upstream; squash: its whole diff is one "
        "upstream commit), the working tree it is checked out in, and the exact forecast of aligning it onto its "
        "parent (clean, or the conflicting commit and files). Changes nothing.",
        epilog="examples:\n  align tree\n  align tree --format json | jq '.branches[] | {branch, merged}'\n\n"
        "exit codes: 0 printed, 2 usage error, 4 refused (e.g. the target does not exist here).",
        formatter_class=formatter,
    )
    _add_recipe_options(tree_parser)
    tree_parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json (schemas/tree.schema.json)"
    )
    _handled(tree_parser, table.tree)
    track_parser = commands.add_parser(
        "track",
        help="declare a branch's parent (git config branch.NAME.alignParent), or import git-machete's/git-town's",
        description="Declare that BRANCH is built on PARENT (another local branch, or the target): stored as "
        "branch.BRANCH.alignParent in the repository's git config. A declared parent beats an imported one, "
        "which beats the inferred one. With --import, copy the parents git-machete (.git/machete) or git-town "
        "(git-town-branch.NAME.parent) keeps into branch.NAME.alignImportedParent; importing again refreshes "
        "them. Only git config changes.",
        epilog="examples:\n  align track feature/b --parent feature/a\n  align track feature/a --parent main\n"
        "  align track --import machete\n\n"
        "exit codes: 0 done (or nothing to import), 2 usage error: an unknown branch or parent, a parent that is\n"
        "the branch, a parent that would make a cycle (nothing changed), 4 refused (e.g. an unsafe branch name).",
        formatter_class=formatter,
    )
    track_parser.add_argument("branch", nargs="?", metavar="BRANCH", help="the local branch whose parent you declare")
    track_parser.add_argument("--parent", metavar="PARENT", help="the local branch it is built on, or the target")
    track_parser.add_argument(
        "--import",
        dest="import_from",
        choices=("machete", "git-town"),
        help="copy the parents git-machete's layout or git-town's config keeps",
    )
    _add_recipe_options(track_parser)
    _handled(track_parser, table.track)
    untrack_parser = commands.add_parser(
        "untrack",
        help="forget a branch's declared or imported parent and its recorded base",
        description="Remove branch.BRANCH.alignParent, alignImportedParent, alignImportedFrom and alignBase from "
        "git config: the branch's parent is inferred from its history again. Only git config changes.",
        epilog="examples:\n  align untrack feature/b\n\n"
        "exit codes: 0 done (or nothing to forget), 2 no such branch, 4 refused (an unsafe branch name).",
        formatter_class=formatter,
    )
    untrack_parser.add_argument("branch", metavar="BRANCH", help="the branch align should forget the parent of")
    _handled(untrack_parser, table.untrack)


def _add_report_commands(commands: _Commands, formatter: type[argparse.HelpFormatter]) -> None:
    report_parser = commands.add_parser(
        "report",
        help="show a run's report again (the last run by default), in any format",
        description="Render the report of a past run (or of the run paused now) from what align kept under "
        "the git dir (.git/align/runs/RUN_ID/). Prints to stdout.",
        epilog="examples:\n  align report\n  align report --format json > report.json\n"
        "  align report 20261124T101500Z-1a2b --format junit > align.xml",
        formatter_class=formatter,
    )
    report_parser.add_argument("run_id", nargs="?", metavar="RUN_ID", help="as `align history` shows it")
    report_parser.add_argument(
        "--format",
        choices=("console", "json", "markdown", "junit"),
        default="console",
        help="console (default), json (schemas/report.schema.json), markdown, junit (XML)",
    )
    _handled(report_parser, table.report)
    history_parser = commands.add_parser(
        "history",
        help="the recent runs: when, branch, outcome, duration",
        description="List the recent runs of this repository, newest last, from .git/align/runs.jsonl.",
        epilog="examples:\n  align history\n  align history --limit 50",
        formatter_class=formatter,
    )
    history_parser.add_argument("--limit", type=int, default=20, metavar="N", help="how many runs (default: 20)")
    _handled(history_parser, table.history)


def _add_backups(commands: _Commands, formatter: type[argparse.HelpFormatter]) -> None:
    backups_parser = commands.add_parser(
        "backups",
        help="list, restore or prune the backups align keeps",
        description="align saves each branch tip as refs/align/backups/BRANCH/TIMESTAMP before it moves it.",
        epilog="examples:\n  align backups list\n  align backups restore feature/x\n"
        "  align backups prune --older-than 30d",
        formatter_class=formatter,
    )
    backup_commands = _Commands(
        backups_parser.add_subparsers(dest="backups_command", metavar="COMMAND", required=True), commands.common
    )
    list_parser = backup_commands.add_parser("list", help="one line per backup: branch, time, commit, ref")
    list_parser.add_argument("branch", nargs="?", metavar="BRANCH", help="only this branch's backups")
    _handled(list_parser, table.backups_list)
    restore_parser = backup_commands.add_parser(
        "restore",
        help="put a branch back at a backup (the newest by default)",
        description="Move BRANCH to a backup (compare-and-swap); its current tip is kept as a new backup. A branch "
        "that no longer exists (deleted by prune_merged, or by hand) is created again at the backup.",
    )
    restore_parser.add_argument("branch", metavar="BRANCH", help="the branch to put back")
    restore_parser.add_argument("stamp", nargs="?", metavar="TIMESTAMP", help="as `align backups list` shows it")
    _handled(restore_parser, table.backups_restore)
    prune_parser = backup_commands.add_parser("prune", help="delete old backups")
    prune_parser.add_argument("branch", nargs="?", metavar="BRANCH", help="only this branch's backups")
    prune_parser.add_argument("--older-than", default="30d", metavar="AGE", help="e.g. 12h, 30d, 2w (default: 30d)")
    _handled(prune_parser, table.backups_prune)


def _handled(parser: argparse.ArgumentParser, handler: table.Handler) -> None:
    """Make ``handler`` the one ``cli.main`` calls when ``parser``'s command is given (typed: mypy checks it)."""
    parser.set_defaults(handler=handler)


def _add_verbosity(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="show each git command and its duration"
    )
    parser.add_argument("-q", "--quiet", action="store_true", default=default, help="print only errors and problems")
    parser.add_argument(
        "--log-file", default=default, metavar="PATH", help="also write every progress line and git command to PATH"
    )


class _Commands:
    """A subparsers action whose parsers all accept -v/-q."""

    def __init__(self, action: Any, common: argparse.ArgumentParser) -> None:
        self.action = action
        self.common = common

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self.action.add_parser(name, parents=[self.common], **kwargs)
        return parser
