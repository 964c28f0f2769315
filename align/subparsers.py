"""The argument parser's parts shared by its command groups: ``Commands`` (subparsers that all accept -v/-q),
``handled``, the recipe options, and the commands of the branch graph, of reports and of backups."""

from __future__ import annotations

import argparse
from typing import Any

from align.commands import table


class Commands:
    """A subparsers action whose parsers all accept -v/-q."""

    def __init__(self, action: Any, common: argparse.ArgumentParser) -> None:
        self.action = action
        self.common = common

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self.action.add_parser(name, parents=[self.common], **kwargs)
        return parser


def handled(parser: argparse.ArgumentParser, handler: table.Handler) -> None:
    """Make ``handler`` the one ``cli.main`` calls when ``parser``'s command is given (typed: mypy checks it)."""
    parser.set_defaults(handler=handler)


def add_recipe_options(parser: argparse.ArgumentParser) -> None:
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


def add_graph_commands(commands: Commands, formatter: type[argparse.HelpFormatter]) -> None:
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
    add_recipe_options(tree_parser)
    tree_parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json (schemas/tree.schema.json)"
    )
    handled(tree_parser, table.tree)
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
    add_recipe_options(track_parser)
    handled(track_parser, table.track)
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
    handled(untrack_parser, table.untrack)


def add_report_commands(commands: Commands, formatter: type[argparse.HelpFormatter]) -> None:
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
    handled(report_parser, table.report)
    history_parser = commands.add_parser(
        "history",
        help="the recent runs: when, branch, outcome, duration",
        description="List the recent runs of this repository, newest last, from .git/align/runs.jsonl.",
        epilog="examples:\n  align history\n  align history --limit 50",
        formatter_class=formatter,
    )
    history_parser.add_argument("--limit", type=int, default=20, metavar="N", help="how many runs (default: 20)")
    handled(history_parser, table.history)


def add_backups(commands: Commands, formatter: type[argparse.HelpFormatter]) -> None:
    backups_parser = commands.add_parser(
        "backups",
        help="list, restore or prune the backups align keeps",
        description="align saves each branch tip as refs/align/backups/BRANCH/TIMESTAMP before it moves it.",
        epilog="examples:\n  align backups list\n  align backups restore feature/x\n"
        "  align backups prune --older-than 30d",
        formatter_class=formatter,
    )
    backup_commands = Commands(
        backups_parser.add_subparsers(dest="backups_command", metavar="COMMAND", required=True), commands.common
    )
    list_parser = backup_commands.add_parser("list", help="one line per backup: branch, time, commit, ref")
    list_parser.add_argument("branch", nargs="?", metavar="BRANCH", help="only this branch's backups")
    handled(list_parser, table.backups_list)
    restore_parser = backup_commands.add_parser(
        "restore",
        help="put a branch back at a backup (the newest by default)",
        description="Move BRANCH to a backup (compare-and-swap); its current tip is kept as a new backup. A branch "
        "that no longer exists (deleted by prune_merged, or by hand) is created again at the backup.",
    )
    restore_parser.add_argument("branch", metavar="BRANCH", help="the branch to put back")
    restore_parser.add_argument("stamp", nargs="?", metavar="TIMESTAMP", help="as `align backups list` shows it")
    handled(restore_parser, table.backups_restore)
    prune_parser = backup_commands.add_parser("prune", help="delete old backups")
    prune_parser.add_argument("branch", nargs="?", metavar="BRANCH", help="only this branch's backups")
    prune_parser.add_argument("--older-than", default="30d", metavar="AGE", help="e.g. 12h, 30d, 2w (default: 30d)")
    handled(prune_parser, table.backups_prune)
