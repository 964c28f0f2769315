"""The command table: one typed handler per command, set on its parser by ``align.parser``.

Each handler imports its command's module when the command runs, not when align starts: ``align --version``
and ``align check`` must start in under 150 ms (DESIGN §9), and the run commands import the whole engine.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]


def run(args: argparse.Namespace) -> int:
    """``align [run] BRANCH...``."""
    from align.commands.run import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def plan(args: argparse.Namespace) -> int:
    """``align plan [BRANCH]``."""
    from align.commands.plan import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def resume(args: argparse.Namespace) -> int:
    """``align continue | skip | abort`` (``args.command`` says which)."""
    from align.commands.resume import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def undo(args: argparse.Namespace) -> int:
    """``align undo [BRANCH]``."""
    from align.commands.undo import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def status(args: argparse.Namespace) -> int:
    """``align status``."""
    from align.commands.status import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def check(args: argparse.Namespace) -> int:
    """``align check [RECIPE...]``."""
    from align.commands.check import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def recipes_list(args: argparse.Namespace) -> int:
    """``align recipes list``."""
    from align.commands.recipes import run_list  # lazy: start-up time (DESIGN §9)

    return run_list(args)


def recipes_show(args: argparse.Namespace) -> int:
    """``align recipes show NAME [--resolved]``."""
    from align.commands.recipes import run_show  # lazy: start-up time (DESIGN §9)

    return run_show(args)


def recipes_schema(args: argparse.Namespace) -> int:
    """``align recipes schema``."""
    from align.commands.recipes import run_schema  # lazy: start-up time (DESIGN §9)

    return run_schema(args)


def backups_list(args: argparse.Namespace) -> int:
    """``align backups list [BRANCH]``."""
    from align.commands.backups import run_list  # lazy: start-up time (DESIGN §9)

    return run_list(args)


def backups_restore(args: argparse.Namespace) -> int:
    """``align backups restore BRANCH [TIMESTAMP]``."""
    from align.commands.backups import run_restore  # lazy: start-up time (DESIGN §9)

    return run_restore(args)


def backups_prune(args: argparse.Namespace) -> int:
    """``align backups prune [BRANCH] [--older-than AGE]``."""
    from align.commands.backups import run_prune  # lazy: start-up time (DESIGN §9)

    return run_prune(args)


def report(args: argparse.Namespace) -> int:
    """``align report [RUN_ID] [--format ...]``."""
    from align.commands.report import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def history(args: argparse.Namespace) -> int:
    """``align history [--limit N]``."""
    from align.commands.history import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def help_(args: argparse.Namespace) -> int:
    """``align help [TOPIC]``."""
    from align.commands.help import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def tree(args: argparse.Namespace) -> int:
    """``align tree [--format text|json]``."""
    from align.commands.tree import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def track(args: argparse.Namespace) -> int:
    """``align track BRANCH --parent PARENT`` or ``align track --import machete|git-town``."""
    from align.commands.track import run  # lazy: start-up time (DESIGN §9)

    return run(args)


def untrack(args: argparse.Namespace) -> int:
    """``align untrack BRANCH``."""
    from align.commands.track import run_untrack  # lazy: start-up time (DESIGN §9)

    return run_untrack(args)
