"""``${name}`` substitution: per value, never through a shell; ``$${`` escapes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from align.errors import Problem
from align.recipe.messages import did_you_mean
from align.recipe.model import Origin

_TOKEN = re.compile(r"\$\$\{|\$\{([^{}]*)\}|\$\{")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WHOLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}\Z")


class Deferred:
    """A variable that only the run knows (``branch``, ``run_id``, an unset ``target``)."""


DEFERRED = Deferred()


class VariableError(Exception):
    """A substitution that cannot be made; ``owner`` is the variable whose value holds the fault."""

    def __init__(self, message: str, owner: str | None = None, cycle: frozenset[str] = frozenset()) -> None:
        super().__init__(message)
        self.owner = owner
        self.cycle = cycle


class Variables:
    """A table of variables, each with where it was set, resolved lazily and checked for cycles."""

    def __init__(self, table: Mapping[str, tuple[Any, Origin]], deferred: tuple[str, ...]) -> None:
        self.table = dict(table)
        self.deferred = deferred
        self.broken: set[str] = set()
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
            raise VariableError(f"unknown variable ${{{name}}}{did_you_mean(name, self.names())}")
        if name in stack:
            members = stack[stack.index(name) :]
            message = f"variable cycle: {' -> '.join((*members, name))}"
            raise VariableError(message, owner=name, cycle=frozenset(members))
        try:
            value = expand(self.table[name][0], lambda inner: self.value(inner, (*stack, name)))
        except VariableError as error:
            error.owner = error.owner or name
            raise
        self._done[name] = value
        return value

    def problems(self) -> list[Problem]:
        """Return a problem located at each variable whose own value holds a fault; mark the broken ones."""
        found = []
        cycles: set[frozenset[str]] = set()
        for name, (_, origin) in sorted(self.table.items()):
            try:
                self.value(name)
            except VariableError as error:
                self.broken.add(name)
                if error.owner == name and not (error.cycle and error.cycle in cycles):
                    found.append(origin.problem(str(error)))
                if error.cycle:
                    cycles.add(error.cycle)
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


def references(value: Any) -> set[str]:
    """Return the names ``value`` refers to as ``${name}`` (text, or lists of text, at any depth)."""
    if isinstance(value, str):
        return {match.group(1) for match in _TOKEN.finditer(value) if match.group(1) and _NAME.match(match.group(1))}
    if isinstance(value, (list, tuple)):
        return {name for item in value for name in references(item)}
    if isinstance(value, dict):
        return {name for item in value.values() for name in references(item)}
    return set()


def is_reference(text: str) -> bool:
    """Tell whether ``text`` is exactly one ``${name}``."""
    return _WHOLE.match(text) is not None


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
