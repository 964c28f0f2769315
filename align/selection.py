"""Which branches a command names: names as given, and patterns (``'feature/*'``) matched over the local
branches as ``git branch --list PATTERN`` matches them (git's wildmatch; ``*`` also crosses ``/``)."""

from __future__ import annotations

import re

from align.errors import UsageError
from align.git import Git

_PATTERN = re.compile(r"[*?\[]")


def expand(git: Git, names: list[str]) -> list[str]:
    """Return ``names`` with each pattern replaced by the local branches it matches, in name order; each
    branch once, where it is first named (one ``git branch --list`` per pattern). A pattern that matches
    no branch is a usage error (exit 2)."""
    found: list[str] = []
    for name in names:
        if not _PATTERN.search(name) or name.startswith("-"):
            found.append(name)
            continue
        listed = git.run("branch", "--list", "--format=%(refname)", "--", name).stdout.split("\n")
        matched = sorted(line.removeprefix("refs/heads/") for line in listed if line.startswith("refs/heads/"))
        if not matched:
            raise UsageError(
                f"no local branch matches {name!r}", hint=f"`git branch --list '{name}'` shows what a pattern matches"
            )
        found.extend(matched)
    return list(dict.fromkeys(found))
