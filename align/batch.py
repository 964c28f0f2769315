"""A command given several branches is one batch: its list is kept beside the journal until it is over.

``align run b1 b2 b3`` that pauses at b2 keeps ``batch.json`` in align's folder: every branch with its
run id and where it stands (``pending``, then the status its run ended with), and the command line's
options. ``align continue`` (or ``skip``) finishes b2's run, then aligns the branches still pending
with the same options; ``align abort`` aborts b2's run, then puts back every branch the batch aligned
(compare-and-swap, each from its run's backup; a branch that moved since is left alone and named), and
b3 is never started. The file goes once the batch is over: every branch ran, or it was aborted.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from align.errors import Refusal
from align.state import Store, Unrecorded, write_atomic
from align.status import RunStatus

if TYPE_CHECKING:
    from align.plan import Plan

PENDING = "pending"
_REPORTS = ("report_json", "report_markdown", "report_junit")
_PLACE = ("parent", "parent_source", "upstream", "parent_merged")
_OPTIONS = ("recipe", "target", "remote", "overrides", "quiet", *_REPORTS)


@dataclass(kw_only=True)
class Entry:
    """One branch of a batch: its run's id (given before it starts) and where it stands."""

    branch: str
    run_id: str
    status: str = PENDING  # pending, or the status its run ended with (align.status.RunStatus), or skipped
    # Its place on a stack, decided before any branch of the batch moved (align.graph.place): a child
    # started after a pause must still move only its own commits.
    parent: str = ""
    parent_source: str = ""
    upstream: str = ""
    parent_merged: str = ""


@dataclass(kw_only=True)
class Batch:
    """The branches of one command, in order, and the options they are aligned with."""

    worktree: str
    cwd: str = ""  # the directory the command ran in: its relative --recipe and report paths are from there
    entries: list[Entry] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)  # the command line's, for the branches still pending

    @classmethod
    def start(
        cls, worktree: str, branches: list[tuple[str, str]], args: argparse.Namespace, *, plans: Sequence[Plan] = ()
    ) -> Batch:
        """Return a new batch of (branch, run id) pairs run with the options of ``args``, each placed on its
        stack as its plan in ``plans`` is."""
        options = {name: getattr(args, name, None) for name in _OPTIONS}
        options["overrides"] = list(options["overrides"] or [])
        here = Path.cwd()
        for name in _REPORTS:  # as ``align run`` writes them: from where the command ran
            path = options[name]
            options[name] = str(here / path) if isinstance(path, str) and path else path
        places = {plan.run_id: {name: getattr(plan, name) for name in _PLACE} for plan in plans}
        entries = [Entry(branch=branch, run_id=run_id, **places.get(run_id, {})) for branch, run_id in branches]
        return cls(worktree=worktree, cwd=str(here), entries=entries, options=options)

    @property
    def run_ids(self) -> tuple[str, ...]:
        """The run ids of the batch, in order (each report file holds them all)."""
        return tuple(entry.run_id for entry in self.entries)

    def pending(self) -> list[Entry]:
        """The branches not started yet."""
        return [entry for entry in self.entries if entry.status == PENDING]

    def args(self) -> argparse.Namespace:
        """The command line's options again, for the pending branches (as ``align run`` reads them, a
        refused run's report included)."""
        return argparse.Namespace(
            **{**self.options, "branches": [entry.branch for entry in self.entries], "dry_run": False}
        )

    def placed(self, plan: Plan) -> Plan:
        """Return ``plan`` (of a pending branch) placed where the batch placed it before anything moved."""
        for entry in self.entries:
            if entry.run_id == plan.run_id and entry.parent_source:
                return replace(plan, **{name: getattr(entry, name) for name in _PLACE}, onto=entry.parent or plan.onto)
        return plan

    def ended(self, run_id: str, status: str) -> None:
        """Note how the run ``run_id`` ended (or stopped: paused, interrupted)."""
        for entry in self.entries:
            if entry.run_id == run_id:
                entry.status = status

    def settle(self, store: Store) -> None:
        """After an interruption between two runs: take each started run's status from its archive."""
        for entry in self.entries:
            if entry.status in (PENDING, RunStatus.RUNNING, RunStatus.INTERRUPTED, RunStatus.PAUSED):
                journal = store.past_journal(entry.run_id)
                if journal is not None:
                    entry.status = journal.status

    def to_json(self) -> str:
        """Return the batch as JSON."""
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Batch:
        """Read a batch written by ``to_json``; ``ValueError`` when it is not one."""
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise ValueError("not a batch: no list of entries")
        entries = []
        for entry in data["entries"]:
            known = [entry.get(name) for name in ("branch", "run_id", "status")] if isinstance(entry, dict) else []
            fields = [value for value in known if isinstance(value, str) and value]
            if len(fields) != len(("branch", "run_id", "status")):
                raise ValueError(f"not an entry of a batch: {entry!r}"[:200])
            place = {name: entry[name] for name in _PLACE if isinstance(entry.get(name), str)}
            entries.append(Entry(branch=fields[0], run_id=fields[1], status=fields[2], **place))
        worktree, cwd, options = data.get("worktree", ""), data.get("cwd", ""), data.get("options")
        if not isinstance(worktree, str) or not isinstance(cwd, str) or not isinstance(options, dict):
            raise ValueError("not a batch: its worktree, directory or options are not what align writes")
        if missing := sorted(set(_OPTIONS) - set(options)):
            raise ValueError(f"not a batch: its options lack {', '.join(missing)}")
        return cls(worktree=worktree, cwd=cwd, entries=entries, options=dict(options))


def load(store: Store) -> Batch | None:
    """Return the batch in progress, or None; refuse (exit 4) when its file cannot be read."""
    path = _path(store)
    try:
        return Batch.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:  # UnicodeDecodeError and json's errors are ValueErrors
        raise Refusal(
            f"the batch file {path} cannot be read: {error}",
            hint=f"remove it to forget the batch (`rm {path}`): a run in progress is then continued or aborted "
            "alone, the branches not started stay as they are, and every branch aligned keeps its backup "
            "(`align backups list`)",
        ) from error


def save(store: Store, batch: Batch) -> None:
    """Write the batch atomically; ``Unrecorded`` (as for the journal) when it cannot be written."""
    path = _path(store)
    try:
        write_atomic(path, batch.to_json())
    except OSError as error:
        raise Unrecorded(path, error) from error


def drop(store: Store) -> None:
    """The batch is over: forget it."""
    _path(store).unlink(missing_ok=True)


def _path(store: Store) -> Path:
    return store.root / "batch.json"
