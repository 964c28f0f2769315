"""The error family: each error says what went wrong and what to do next."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from align import invocation


class AlignError(Exception):
    """An error the user can act on; ``cli.main`` prints it and picks the exit code."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """Return the message with its hint in parentheses, for a located problem."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(AlignError):
    """Bad command-line input; nothing was touched."""

    exit_code = 2


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One located problem in a recipe: ``file:line:col: $.json.path: message``."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}"


class RecipeError(AlignError):
    """One or more recipes are invalid; every problem is listed."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(set(problems), key=_order))
        count = len(self.problems)
        super().__init__(
            f"invalid recipe ({count} problem{'s' if count != 1 else ''})",
            hint=f"fix the problems above, then run `{invocation.command('check')}` again",
        )


class GitError(AlignError):
    """A git command failed unexpectedly."""

    def __init__(self, argv: Iterable[str], returncode: int, stderr: str) -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stderr = stderr
        detail = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
        super().__init__(f"`git {' '.join(self.argv)}` exited with {returncode}: {detail}")


class Refusal(AlignError):
    """Refused before starting: the repository is in a state align will not touch."""

    exit_code = 4


class Interrupted(AlignError):
    """SIGINT or SIGTERM arrived; the journal is consistent."""

    exit_code = 130


def _order(problem: Problem) -> tuple[str, int, int, str, str]:
    return (problem.file, problem.line, problem.col, problem.path, problem.message)
