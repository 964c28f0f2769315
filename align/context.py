"""The step contract: what a step runner gets (``Context``) and returns (``StepResult``).

Steps import this module, never the engine; the engine imports the steps (their registry,
``align.steps.registry.ACTIONS``) at the top. Data flows one way: plan -> engine -> steps -> journal -> report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from align.git import Git
from align.journal import Accounting, Journal
from align.monitor import Monitor
from align.recipe import model
from align.state import Store
from align.status import RunStatus, StepStatus

__all__ = ["Context", "RunStatus", "Runner", "StepResult", "StepStatus"]

S = TypeVar("S", bound=model.Step)
S_contra = TypeVar("S_contra", bound=model.Step, contravariant=True)


@dataclass(frozen=True, kw_only=True)
class StepResult:
    """How one step ended, and a one-line detail for the console and the report."""

    status: StepStatus
    detail: str = ""


@dataclass(kw_only=True)
class Context:
    """What a step runner works with; the journal is the state that changes (and is saved)."""

    git: Git
    store: Store
    journal: Journal
    recipe_steps: tuple[model.Step, ...]
    monitor: Monitor
    guidance: list[str] = field(default_factory=list)  # what the user can do next, shown after the summary
    warnings: list[str] = field(default_factory=list)  # the journal's own list: warnings survive a pause
    rendered: str = ""  # the console report, once written
    conflict_notes: dict[str, str] = field(
        default_factory=dict
    )  # what git said per file as it stopped (CONFLICT lines)
    accounting: Accounting | None = None  # where each old commit went: computed once per verify step

    def save(self) -> None:
        """Write the journal (atomically)."""
        self.store.save(self.journal)

    def options(self, kind: type[S]) -> S:
        """Return the recipe's step of type ``kind`` (``model.Rebase``...), or its schema defaults when the
        recipe has none (``on_conflict``, ``on_fail`` and ``report`` are optional)."""
        found = next((step for step in self.recipe_steps if isinstance(step, kind)), None)
        if found is not None:
            return found
        default = model.default_step(kind.kind)
        if not isinstance(default, kind):  # STEP_TYPES maps each kind to its own class
            raise TypeError(f"the defaults of {kind.kind} are not a {kind.__name__}")
        return default


class Runner(Protocol[S_contra]):
    """A step runner: does its step's work through ``context.git`` and says how it ended; never prints."""

    def __call__(self, context: Context, step: S_contra, /) -> StepResult: ...
