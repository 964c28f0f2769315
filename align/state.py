"""The run journal and the lock, under the repository's git dir; every write is atomic."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from align.errors import AlignError, Refusal
from align.invocation import command
from align.lock import Busy, Holder, lock_holder, take_lock
from align.status import RunStatus, StepStatus


class Unrecorded(AlignError):
    """The journal could not be written (a full disk, a read-only folder): the run stops where it is.

    Nothing more is changed once the journal cannot say so; the journal on disk is the last one written
    (before the step that was running), from which ``align abort`` and ``align continue`` finish the run.
    """

    def __init__(self, path: Path, error: OSError) -> None:
        self.reason = error.strerror or str(error)
        super().__init__(
            f"could not write align's journal {path}: {self.reason}; align stopped there and changed nothing more",
            hint=f"free some space (or make {path.parent} writable), then run `{command('abort')}` to put "
            f"everything back or `{command('continue')}` to finish the run",
        )


def align_dir(common_dir: Path) -> Path:
    """Return align's folder inside the repository's (common) git dir."""
    return common_dir / "align"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    with contextlib.suppress(OSError):  # make the rename itself durable where the platform allows
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


@dataclass(kw_only=True)
class Conflict:
    """A commit that stopped on conflicts, and its files as ``(path, kind)``."""

    commit: str
    subject: str
    files: list[tuple[str, str]]
    resolution: str = "pending"  # pending | resolved by the user | auto-resolved (rerere) | skipped | aborted


@dataclass(kw_only=True)
class Phase:
    """One step as it ran."""

    name: str
    status: StepStatus
    duration_s: float
    detail: str = ""


@dataclass(kw_only=True)
class Journal:
    """Everything needed to finish or undo a run from another process."""

    run_id: str
    started_at: str
    started_ts: float  # seconds since the epoch, for the duration
    pid: int
    recipe: dict[str, Any]  # name, source, sha256, steps (as resolved)
    branch: str
    ref: str
    original_tip: str
    original_head: str  # refs/heads/... or a sha when HEAD was detached
    target: str
    remote: str
    worktree: str = ""  # the working tree the run belongs to (continue/skip/abort must come from there)
    onto: str = ""
    onto_sha: str = ""
    base: str = ""
    backup_ref: str = ""
    stash: str = ""  # object id of align's own stash commit
    stash_ref: str = ""
    started_rebase: bool = False  # align started a rebase or merge that may be in progress
    new_tip: str = ""
    step: str = ""
    done: list[str] = field(default_factory=list)
    status: RunStatus = RunStatus.RUNNING
    message: str = ""
    exit_code: int = 0
    commits_before: int = 0
    commits_after: int = 0
    target_refreshed: bool = False
    stacked: dict[str, str] = field(default_factory=dict)  # refs update_refs may move -> pre-run tips
    stacked_new: dict[str, str] = field(default_factory=dict)  # ... -> where the run left them
    branch_restored: bool = True  # False when a rollback left a branch someone else moved
    rolling_back: str = ""  # the final status a rollback under way is heading to (``continue`` finishes it)
    rebase_abandoned: str = ""  # why git's rebase was quit instead of aborted, until the branch is checked out again
    rolling_message: str = ""  # ... and the run's message then
    conflicts: list[Conflict] = field(default_factory=list)
    dropped: list[dict[str, str]] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    paused_s: float = 0.0
    paused_at: float = 0.0
    git_calls: int = 0
    git_seconds: float = 0.0
    duration_s: float = 0.0
    # verify: one entry per check: check, ok, status (passed | failed | warning | skipped), detail, duration_s
    checks: list[dict[str, Any]] = field(default_factory=list)
    # verify's patches_preserved: preserved/changed [{old, new, subject, reason}], upstream/dropped/lost/added
    patches: dict[str, Any] = field(default_factory=dict)
    # validate: one entry per session or command: session, kind (nox | command), ok,
    # status (passed | failed | error | timeout | skipped), duration_s, exit_code, tail [lines], argv, reason
    sessions: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # kept across a pause, shown in every report
    report_json: str = ""  # --report-json PATH: where to write the JSON report as well
    invoked_as: str = ""  # how the user started align (``align``, ``git align``, ``nox -s align --``)
    report_markdown: str = ""  # --report-markdown PATH
    report_junit: str = ""  # --report-junit PATH
    batch: list[str] = field(default_factory=list)  # several branches: the command's run ids; each file holds all
    validating_group: int = 0  # process group of the validation command running now (0: none)
    # steps/keep.py: raw bytes of the user's tree: ref, tree, base, files [[path, kind, oid|target, mode]], dirs
    keep: dict[str, Any] = field(default_factory=dict)
    restoring: str = ""  # steps/stash.py: "" | "applying" (align's stash is being applied back) | "applied"
    restore_clean: bool = True  # the tree had nothing of the run's in it when the stash was applied back

    def to_json(self) -> str:
        """Return the journal as JSON text."""
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Journal:
        """Read a journal written by ``to_json``."""
        data = json.loads(text)
        data["conflicts"] = [
            Conflict(**{**item, "files": [tuple(pair) for pair in item["files"]]}) for item in data["conflicts"]
        ]
        data["phases"] = [Phase(**{**item, "status": StepStatus(item["status"])}) for item in data["phases"]]
        data["status"] = RunStatus(data["status"])
        known = {item.name for item in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


class Store:
    """align's files for one repository: the lock, the journal, finished runs."""

    def __init__(self, common_dir: Path) -> None:
        self.root = align_dir(common_dir)
        self.journal_path = self.root / "journal.json"
        self.lock_path = self.root / "lock"
        self.runs = self.root / "runs"
        self.history = self.root / "runs.jsonl"

    def journal(self) -> Journal | None:
        """Return the journal of the unfinished run, or None."""
        try:
            return Journal.from_json(self.journal_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def save(self, journal: Journal) -> None:
        """Write the journal atomically; raise ``Unrecorded`` when it cannot be written."""
        try:
            write_atomic(self.journal_path, journal.to_json())
        except OSError as error:
            _remove_temporary(self.journal_path)
            raise Unrecorded(self.journal_path, error) from error

    def finish(self, journal: Journal) -> str:
        """Move a finished run's journal to ``runs/<run_id>/`` and add it to the history.

        Returns:
            A warning when the archive or the history could not be written ("" otherwise): the run is
            finished all the same, and its journal is removed.
        """
        problem = self.archive(journal)
        self.journal_path.unlink(missing_ok=True)
        return problem

    def run_dir(self, run_id: str) -> Path:
        """Return the folder that keeps a run's journal and reports."""
        return self.runs / run_id

    def archive(self, journal: Journal) -> str:
        """Keep a finished (or refused) run's journal under ``runs/<run_id>/`` and add it to the history.

        Unlike ``finish`` this leaves ``journal.json`` alone: a refused run must not touch the journal
        of the run that made it refuse. Returns a warning when something could not be written ("" otherwise).
        """
        kept = self.run_dir(journal.run_id) / "journal.json"
        try:
            write_atomic(kept, journal.to_json())
        except OSError as error:
            _remove_temporary(kept)
            return f"could not keep the run's journal in {kept.parent}: {error.strerror or error}"
        line = {
            "run_id": journal.run_id,
            "branch": journal.branch,
            "status": journal.status,
            "exit_code": journal.exit_code,
            "started_at": journal.started_at,
            "duration_s": round(journal.duration_s, 3),
        }
        try:
            with open(self.history, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(line, sort_keys=True) + "\n")
        except OSError as error:  # a line cut short is skipped by past_runs
            return f"could not add the run to {self.history} (`align history`): {error.strerror or error}"
        return ""

    def past_runs(self) -> list[dict[str, Any]]:
        """Return the history, oldest first."""
        try:
            lines = self.history.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        runs = []
        for line in lines:
            try:
                runs.append(json.loads(line))
            except ValueError:  # a line cut short (a full disk, a kill mid-write): skip it
                continue
        return [run for run in runs if isinstance(run, dict) and "run_id" in run]

    def past_journal(self, run_id: str) -> Journal | None:
        """Return the journal of a finished run."""
        try:
            return Journal.from_json((self.runs / run_id / "journal.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def lock_holder(self) -> Holder | None:
        """Return who holds the repository's lock, or None when no process holds it (the kernel says)."""
        return lock_holder(self.lock_path)

    @contextlib.contextmanager
    def lock(self, command: str) -> Iterator[None]:
        """Hold the repository's lock for the block (``align.lock``); refuse (exit 4) while another process does."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            taken = take_lock(self.lock_path, command)
        except Busy as busy:
            raise _lock_refusal(busy.holder) from None
        except OSError as error:
            raise _unwritable(self.root, error) from error
        try:
            yield
        finally:
            taken.release()


def _unwritable(root: Path, error: OSError) -> Refusal:
    """The lock cannot be taken because align's folder cannot be written: refuse, nothing touched."""
    return Refusal(
        f"cannot write align's folder {root} (its lock and journal): {error.strerror or error}",
        hint=f"free some space or make {root} writable, then run align again",
    )


def _remove_temporary(path: Path) -> None:
    """Remove what a failed ``write_atomic`` of ``path`` may have left (a part of a temporary file)."""
    with contextlib.suppress(OSError):
        path.with_name(f".{path.name}.{os.getpid()}.tmp").unlink(missing_ok=True)


def _lock_refusal(holder: Holder) -> Refusal:
    return Refusal(
        f"another align run holds this repository's lock ({holder.describe()})",
        hint=f"wait for it to finish; `{command('status')}` shows what it is doing",
    )
