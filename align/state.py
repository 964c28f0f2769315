"""The run journal and the lock, under the repository's git dir; every write is atomic."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from align.errors import AlignError, Refusal
from align.invocation import command
from align.journal import Journal
from align.lock import Busy, Holder, lock_holder, take_lock


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
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:  # a full disk, an interruption: no half-written temporary file is left behind
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where the platform allows
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


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
        kept = self.run_dir(journal.run.run_id) / "journal.json"
        try:
            write_atomic(kept, journal.to_json())
        except OSError as error:
            _remove_temporary(kept)
            return f"could not keep the run's journal in {kept.parent}: {error.strerror or error}"
        line = {
            "run_id": journal.run.run_id,
            "branch": journal.run.branch,
            "status": journal.status,
            "exit_code": journal.exit_code,
            "started_at": journal.run.started_at,
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
        """Hold the repository's lock for the block (``align.lock``); refuse (exit 4) while another process does.

        Re-entrant within the process: a batch holds the lock from its first branch to its last, and each
        branch's run takes it again inside (nothing is taken or let go then).
        """
        key = str(self.lock_path)
        if _HELD.get(key):
            _HELD[key] += 1
            try:
                yield
            finally:
                _HELD[key] -= 1
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            taken = take_lock(self.lock_path, command)
        except Busy as busy:
            raise _lock_refusal(busy.holder) from None
        except OSError as error:
            raise _unwritable(self.root, error) from error
        _HELD[key] = 1
        try:
            yield
        finally:
            _HELD.pop(key, None)
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


_HELD: dict[str, int] = {}  # the lock files this process holds, and how many blocks hold each


def _lock_refusal(holder: Holder) -> Refusal:
    return Refusal(
        f"another align run holds this repository's lock ({holder.describe()})",
        hint=f"wait for it to finish; `{command('status')}` shows what it is doing",
    )
