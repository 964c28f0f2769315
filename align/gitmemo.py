"""What git already answered in this run, so that align asks each question once (issue 11).

Two kinds of answers are kept, both by ``Git`` (one ``Memo`` shared by every ``Git`` of a run):

- answers about commits named by their full object names (``rev-list --count A..B``, ``merge-base A B``):
  the object graph does not change, so they hold until a git command that could change how git walks it
  (a fetch deepening a shallow clone, a replace ref...) — any command but a read or a move of a branch;
- ref lookups (``for-each-ref``), given to callers that ask for them (``Git.refs(..., known=True)``): they
  hold until align moves a ref they cover, or runs any command that may move refs (a rebase, a switch...).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

# Commands that change neither refs nor how git walks history (objects they write change no answer).
READS = frozenset(
    (
        "cat-file",
        "check-ignore",
        "check-ref-format",
        "diff",
        "diff-tree",
        "for-each-ref",
        "grep",
        "hash-object",
        "log",
        "ls-files",
        "ls-remote",
        "ls-tree",
        "merge-base",
        "merge-tree",
        "patch-id",
        "rev-list",
        "rev-parse",
        "show",
        "status",
        "var",
        "version",
    )
)
# Commands that may write git config (a rebase, a merge, a fetch, update-ref never do).
CONFIG_WRITERS = frozenset(
    ("branch", "checkout", "clone", "config", "init", "push", "remote", "submodule", "switch", "worktree")
)
PURE = frozenset(("merge-base", "rev-list", "version"))  # their answer depends only on the commits named
# Options that keep such a question about the commits named (``--all``, ``--fork-point``... read refs: not here).
PURE_OPTIONS = frozenset(
    ("--", "--count", "--end-of-options", "--first-parent", "--is-ancestor", "--left-right", "--parents", "--reverse")
)
_PARENTS = re.compile(r"--(min|max)-parents=\d+")
MAX_KEPT = 64 * 1024  # characters of output kept per answer, at most
_OBJECT = re.compile(r"([0-9a-f]{40}|[0-9a-f]{64})")
_RANGE = re.compile(r"\^?([0-9a-f]{40}|[0-9a-f]{64})(\.\.\.?([0-9a-f]{40}|[0-9a-f]{64}))?")
_GLOB = re.compile(r"[*?\[]")

log = logging.getLogger("align.git")
R = TypeVar("R")
F = TypeVar("F")


def subcommand(args: Sequence[str]) -> str:
    """Return the git command ``args`` run (after ``-c NAME=VALUE`` and other options of git itself)."""
    index = 0
    while index < len(args) and args[index].startswith("-"):
        index += 2 if args[index] in ("-c", "-C") else 1
    return args[index] if index < len(args) else ""


def reads(args: Sequence[str]) -> bool:
    """Tell whether ``args`` only read: they move no ref and change nothing git walks."""
    command = subcommand(args)
    rest = list(args[list(args).index(command) + 1 :]) if command else []
    if command == "worktree":
        return rest[:1] == ["list"]
    if command == "config":
        return any(arg.startswith("--get") or arg in ("--list", "-l") for arg in rest)
    if command == "symbolic-ref":  # with one name it reads; with a target too it writes
        return len([arg for arg in rest if not arg.startswith("-")]) == 1
    return command in READS


def is_pure(args: Sequence[str]) -> bool:
    """Tell whether ``args`` ask a question whose answer depends only on commits named by full object names."""
    command = subcommand(args)
    if command not in PURE:
        return False
    after = args[list(args).index(command) + 1 :]
    return all(_RANGE.fullmatch(arg) or arg in PURE_OPTIONS or _PARENTS.fullmatch(arg) for arg in after)


def covers(pattern: str, name: str) -> bool:
    """Tell whether a ``for-each-ref`` pattern (no glob) lists ref ``name``: equal, or a prefix up to a slash."""
    if name == pattern:
        return True
    return name.startswith(pattern) and (pattern.endswith("/") or name[len(pattern)] == "/")


@dataclass(kw_only=True)
class Memo(Generic[R, F]):
    """The answers of one run: ``R`` is a finished command's result, ``F`` what ``for-each-ref`` said of one ref."""

    answers: dict[tuple[str, ...], R] = field(default_factory=dict)
    config: list[tuple[str, str]] | None = None  # ``git config -z --list`` (Git.config_matching), until written
    listed: list[tuple[tuple[str, ...], dict[str, F]]] = field(default_factory=list)  # (patterns, refs found)

    def answer(self, args: Sequence[str]) -> R | None:
        """Return the result of pure question ``args`` (``is_pure``) asked before in this run, or None."""
        known = self.answers.get(tuple(args))
        if known is not None:
            log.debug("git %s: answered earlier in this run", " ".join(args))
        return known

    def keep(self, args: Sequence[str], result: R, size: int) -> None:
        """Keep the result of a pure question (``is_pure``) of ``size`` characters, unless it is large."""
        if size <= MAX_KEPT:
            self.answers[tuple(args)] = result

    def refs(self, patterns: Sequence[str]) -> dict[str, F] | None:
        """Return what ``for-each-ref PATTERNS`` would say, from lookups still valid; None when not known."""
        if not patterns or any(_GLOB.search(pattern) for pattern in patterns):
            return None
        found: dict[str, F] = {}
        for pattern in patterns:
            source = next((seen for asked, seen in self.listed if any(covers(p, pattern) for p in asked)), None)
            if source is None:
                return None
            found.update({name: ref for name, ref in source.items() if covers(pattern, name)})
        return found

    def listed_refs(self, patterns: Sequence[str], found: Mapping[str, F]) -> None:
        """Remember what ``for-each-ref PATTERNS`` said (glob patterns are not remembered)."""
        if patterns and not any(_GLOB.search(pattern) for pattern in patterns):
            self.listed.append((tuple(patterns), dict(found)))

    def ran(self, args: Sequence[str], moved: Iterable[str] | None = None) -> None:
        """Forget what a command may have changed: nothing for a read; the lookups covering ``moved`` when
        only those refs can have moved; else every answer."""
        if reads(args):
            return
        if subcommand(args) in CONFIG_WRITERS:
            self.config = None
        if moved is None:
            self.answers.clear()
            self.listed.clear()
            return
        refs = list(moved)
        names = [name for name in refs if not name.startswith("refs/replace/")]
        if len(names) != len(refs):  # a replace ref changes what git walks
            self.answers.clear()
        self.listed = [
            (asked, seen) for asked, seen in self.listed if not any(covers(p, n) for p in asked for n in names)
        ]
