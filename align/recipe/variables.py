"""``${name}`` substitution: per value, never through a shell; ``$${`` escapes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from align.errors import Problem
from align.recipe.model import Origin

_TOKEN = re.compile(r"\$\$\{|\$\{([^{}]*)\}|\$\{")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WHOLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}\Z")


class Deferred:
    """A variable that only the run knows (``branch``, ``run_id``, an unset ``target``)."""


DEFERRED = Deferred()


class VariableError(Exception):
    """A substitution that cannot be made; carries the message only."""


class Variables:
    """A table of variables, each with where it was set, resolved lazily and checked for cycles."""

    def __init__(self, table: Mapping[str, tuple[Any, Origin]], deferred: tuple[str, ...]) -> None:
        self.table = dict(table)
        self.deferred = deferred
        self.used: dict[str, Origin] = {}
        self._done: dict[str, Any] = {}

    def names(self) -> list[str]:
        """Return every name a recipe may use."""
        return sorted({*self.table, *self.deferred})

    def value(self, name: str, stack: tuple[str, ...] = ()) -> Any:
        """Return the substituted value of ``name`` (``DEFERRED`` when only the run knows it)."""
        if name in self._done:
            return self._done[name]
        if name not in self.table:
            if name in self.deferred:
                return DEFERRED
            from align.recipe.validate import did_you_mean

            raise VariableError(f"unknown variable ${{{name}}}{did_you_mean(name, self.names())}")
        if name in stack:
            raise VariableError(f"variable cycle: {' -> '.join((*stack, name))}")
        raw, origin = self.table[name]
        self.used[name] = origin
        try:
            value = expand(raw, lambda inner: self.value(inner, (*stack, name)))
        except VariableError as error:
            if stack:
                raise
            raise VariableError(f"in ${{{name}}} (set at {origin}): {error}") from None
        self._done[name] = value
        return value

    def problems(self) -> list[Problem]:
        """Return a located problem for each variable whose own value cannot be substituted."""
        found = []
        for name, (_, origin) in sorted(self.table.items()):
            try:
                self.value(name)
            except VariableError as error:
                found.append(
                    Problem(file=origin.file, line=origin.line, col=origin.col, path=origin.path, message=str(error))
                )
        return found


def expand(value: Any, lookup: Callable[[str], Any]) -> Any:
    """Substitute the variables in ``value`` (text, or lists of text, at any depth)."""
    if isinstance(value, str):
        return substitute(value, lookup)
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            expanded = expand(item, lookup)
            if isinstance(item, str) and isinstance(expanded, (list, tuple)):
                raise VariableError(f"{item} holds a list and cannot stand inside a list; use it as the whole value")
            out.append(expanded)
        return out
    return value


def substitute(text: str, lookup: Callable[[str], Any]) -> Any:
    """Substitute ``text``; a text that is exactly ``${name}`` takes the variable's value as is."""
    whole = _WHOLE.match(text)
    if whole:
        value = lookup(whole.group(1))
        return text if value is DEFERRED else value

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        name = match.group(1)
        if name is None:
            raise VariableError(f"unclosed ${{ in {text!r}; write $${{ for a literal ${{")
        if not _NAME.match(name):
            raise VariableError(f"invalid variable reference {token!r}: a name is letters, digits and _")
        value = lookup(name)
        if value is DEFERRED:
            return token
        if isinstance(value, (list, tuple)):
            raise VariableError(f"${{{name}}} holds a list and cannot stand inside text; use it as the whole value")
        if isinstance(value, bool):
            return str(value).lower()
        return str(value)

    return _TOKEN.sub(replace, text)
