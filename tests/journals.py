"""Reading what a finished run left: its journal, its checks, its patch accounting."""

from __future__ import annotations

from pathlib import Path

from align.journal import Accounting, CheckRecord, Journal
from align.state import Store
from tests.builders import ALIGN_STEPS, REPORT, steps_recipe
from tests.helpers import Repo

HISTORY = ("patches_preserved", "metadata_preserved", "tree_matches_merge")


def last_run(repo: Repo) -> Journal:
    """The journal of the last finished run."""
    store = Store(repo.path / ".git")
    journal = store.past_journal(store.past_runs()[-1]["run_id"])
    assert journal is not None
    return journal


def checks(journal: Journal) -> dict[str, CheckRecord]:
    """The run's verify checks by name."""
    return {item.check: item for item in journal.found.checks}


def accounting(journal: Journal) -> Accounting:
    """Where ``patches_preserved`` found each old commit (the check must have run)."""
    assert journal.found.patches is not None
    return journal.found.patches


def history_recipe(tmp_path: Path, *, strict: bool = False) -> str:
    """A recipe whose verify runs the history checks."""
    verify = f"verify: {{checks: [{', '.join(HISTORY)}], strict: {str(strict).lower()}}}"
    return steps_recipe(tmp_path, *ALIGN_STEPS, verify, REPORT)
