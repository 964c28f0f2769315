"""A loaded recipe file as plain data, with the position of every key and value (no YAML here)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from align.errors import Problem

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, kw_only=True)
class Mark:
    """A 1-based line and column."""

    line: int
    col: int


@dataclass(frozen=True, kw_only=True)
class Surprise:
    """A plain scalar that YAML 1.1 reads as something other than it looks."""

    raw: str
    value: Any


@dataclass(frozen=True, kw_only=True)
class Document:
    """A loaded recipe file: its data plus the position of every key and value."""

    source: str
    text: str
    data: Any
    keys: dict[JsonPath, Mark] = field(default_factory=dict)
    values: dict[JsonPath, Mark] = field(default_factory=dict)
    surprises: dict[JsonPath, Surprise] = field(default_factory=dict)

    def mark(self, path: JsonPath, *, key: bool = False) -> Mark:
        """Return the position of ``path`` (its key when asked), else of its nearest parent."""
        while True:
            found = (self.keys.get(path) if key else None) or self.values.get(path)
            if found is not None:
                return found
            if not path:
                return Mark(line=1, col=1)
            path = path[:-1]

    def problem(self, path: JsonPath, message: str, *, key: bool = False) -> Problem:
        """Return a problem located at ``path``."""
        where = self.mark(path, key=key)
        return Problem(file=self.source, line=where.line, col=where.col, path=json_path(path), message=message)


def json_path(path: JsonPath) -> str:
    """Format ``("steps", 2, "rebase")`` as ``$.steps[2].rebase``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += f"[{part!r}]"
    return out
