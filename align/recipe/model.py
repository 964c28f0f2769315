"""The recipe model: frozen dataclasses that everything downstream reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar, Literal, TypeVar

from align.errors import Problem
from align.resources import schema

VarValue = str | int | bool | float | tuple[str, ...]
S = TypeVar("S", bound="Step")


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a value was set: a recipe file position, a default, ``--set`` or the run."""

    file: str
    line: int = 0
    col: int = 0
    path: str = "$"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.line else self.file

    def problem(self, message: str) -> Problem:
        """Return a problem located here."""
        return Problem(file=self.file, line=self.line, col=self.col, path=self.path, message=message)


@dataclass(frozen=True, kw_only=True)
class Backup:
    """Save the branch tip before any ref moves."""

    kind: ClassVar[str] = "backup"


@dataclass(frozen=True, kw_only=True)
class Fetch:
    """Fetch the target from the remote."""

    kind: ClassVar[str] = "fetch"
    prune: bool
    offline: bool
    attempts: int
    backoff: float
    timeout: float
    deepen: bool = False  # a shallow clone is deepened until the branch and the target have a merge base


@dataclass(frozen=True, kw_only=True)
class Rebase:
    """Move the branch onto the target."""

    kind: ClassVar[str] = "rebase"
    strategy: Literal["rebase", "merge"]
    onto: str
    dirty: Literal["stash", "refuse"]
    rerere: bool
    update_refs: bool
    rebase_merges: bool
    engine: Literal["auto", "memory", "disk"] = "auto"
    prune_merged: bool = False  # delete the branches the run found merged (align.graph.prune)


@dataclass(frozen=True, kw_only=True)
class OnConflict:
    """What a conflict does."""

    kind: ClassVar[str] = "on_conflict"
    action: Literal["pause", "abort"]


@dataclass(frozen=True, kw_only=True)
class OnFail:
    """What a failure does."""

    kind: ClassVar[str] = "on_fail"
    action: Literal["rollback", "keep"]


@dataclass(frozen=True, kw_only=True)
class Verify:
    """Prove the result."""

    kind: ClassVar[str] = "verify"
    checks: tuple[str, ...]
    strict: bool


@dataclass(frozen=True, kw_only=True)
class Validate:
    """Run the team's own checks."""

    kind: ClassVar[str] = "validate"
    nox: tuple[str, ...]
    noxfile: str
    args: tuple[str, ...]
    run: tuple[tuple[str, ...], ...]
    timeout: int


@dataclass(frozen=True, kw_only=True)
class Report:
    """Write the run's report."""

    kind: ClassVar[str] = "report"
    formats: tuple[str, ...]


Step = Backup | Fetch | Rebase | OnConflict | OnFail | Verify | Validate | Report
STEP_TYPES: dict[str, type[Step]] = {
    step.kind: step for step in (Backup, Fetch, Rebase, OnConflict, OnFail, Verify, Validate, Report)
}
# Options that are another name for a model field: (kind, option) -> (field, {value: field value}).
ALIASES: dict[tuple[str, str], tuple[str, dict[object, str]]] = {
    ("rebase", "autostash"): ("dirty", {True: "stash", False: "refuse"}),
}


@dataclass(frozen=True, kw_only=True)
class Recipe:
    """A resolved recipe: extends followed, variables substituted, defaults filled in."""

    name: str
    kind: str
    source: str
    sha256: str
    description: str
    target: str | None
    remote: str
    variables: Mapping[str, VarValue]
    steps: tuple[Step, ...]
    chain: tuple[str, ...]
    origins: Mapping[str, Origin]  # JSON path -> where its value was set
    via: Mapping[str, tuple[str, ...]]  # JSON path -> the variables substituted into it
    found: str = ""  # how discovery chose the recipe: option | working_tree | target | default
    why: str = ""  # the same, in words

    def find(self, kind: type[S]) -> S | None:
        """Return the recipe's step of type ``kind`` (``Rebase``...), or None when the recipe has none."""
        return next((step for step in self.steps if isinstance(step, kind)), None)


def step_to_dict(step: Step) -> dict[str, dict[str, object]]:
    """Return ``{kind: {option: value}}`` for a step (lists as lists), as a journal stores it."""
    options = {item.name: _thaw(getattr(step, item.name)) for item in fields(step)}
    return {step.kind: options}


def step_from_dict(data: Mapping[str, Mapping[str, object]]) -> Step:
    """Rebuild a step written by ``step_to_dict``; an option it lacks (a journal written before the option
    existed) takes its schema default."""
    ((kind, options),) = data.items()
    known = {**_defaults(kind), **options}
    return STEP_TYPES[kind](**{name: _freeze(value) for name, value in known.items()})  # type: ignore[arg-type]


def default_step(kind: str) -> Step:
    """Return the step of ``kind`` with every option at its schema default."""
    return step_from_dict({kind: {}})


def _defaults(kind: str) -> dict[str, object]:
    properties = schema()["$defs"][kind]["properties"]
    names = {item.name for item in fields(STEP_TYPES[kind])}
    return {name: spec["default"] for name, spec in properties.items() if name in names}


def _thaw(value: object) -> object:
    return [_thaw(item) for item in value] if isinstance(value, tuple) else value


def _freeze(value: object) -> object:
    return tuple(_freeze(item) for item in value) if isinstance(value, list) else value
