"""The subcommands: one module each, exposing ``run(args) -> int`` (or ``run_list``... for a command's own
subcommands); ``table`` maps each to the parser, ``outcome`` and ``forecast`` hold what several of them print.

No command module imports another: what two commands share lives in ``outcome`` or ``forecast``.
"""

from __future__ import annotations

# The command words; `align WORD` with any other first word aligns branch WORD (`align run WORD`).
COMMANDS = (
    "run", "continue", "skip", "abort", "undo", "status", "plan", "check", "recipes", "backups", "report", "history",
    "help", "tree", "track", "untrack",
)  # fmt: skip
