"""A run paused by the previous version of align (a flat journal) is continued or aborted by this one
(issue 14 item 5: the journal is split into a frozen record, its progress and its findings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from align.cli import main
from align.journal import FORMAT, Accounting, Dropped, Journal, Placed, RunRecord
from align.recipe import model
from align.status import RunStatus, StepStatus
from tests.builders import RESOLVED, conflicting
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import difference, rev, snapshot, subjects

# A journal written by align 371dd2d (before the split), paused at a conflict, kept as it was on disk.
OLD = Path(__file__).resolve().parent / "data" / "journal-v1-paused.json"
# Progress fields added since (issue 11: the engine); the previous version wrote none of them.
NEWER = ("engine", "engine_reason", "tree_moved", "carried", "validate_worktree")
NEWER += ("parent", "parent_source", "upstream", "parent_merged")  # stacks (issue 12)


def test_a_journal_of_the_previous_version_is_read_field_by_field() -> None:
    flat = json.loads(OLD.read_text(encoding="utf-8"))
    journal = Journal.from_json(OLD.read_text(encoding="utf-8"))

    assert isinstance(journal.run, RunRecord)
    assert (journal.run.run_id, journal.run.branch, journal.run.ref) == (flat["run_id"], "feature/x", REF)
    assert (journal.run.original_tip, journal.run.onto, journal.run.remote) == (
        flat["original_tip"], "origin/main", "origin",
    )  # fmt: skip
    assert journal.run.recipe.name == flat["recipe"]["name"] == "default"
    assert [step.kind for step in journal.run.recipe.steps] == [next(iter(step)) for step in flat["recipe"]["steps"]]
    assert isinstance(journal.run.recipe.steps[2], model.Rebase)
    assert journal.status is RunStatus.PAUSED
    assert (journal.step, journal.done, journal.backup_ref) == ("rebase", ["backup", "fetch"], flat["backup_ref"])
    assert [(phase.name, phase.status) for phase in journal.found.phases] == [
        ("backup", StepStatus.OK), ("fetch", StepStatus.OK), ("rebase", StepStatus.CONFLICT),
    ]  # fmt: skip
    assert [(item.commit, item.files, item.resolution) for item in journal.found.conflicts] == [
        (flat["conflicts"][0]["commit"], [("README.md", "both modified")], "pending")
    ]
    assert journal.started_rebase is True


def test_the_new_layout_is_written_and_read_back_unchanged() -> None:
    journal = Journal.from_json(OLD.read_text(encoding="utf-8"))
    data = json.loads(journal.to_json())

    assert data["format"] == FORMAT
    assert data["run"]["branch"] == "feature/x"
    assert data["found"]["conflicts"][0]["files"] == [["README.md", "both modified"]]
    assert "branch" not in data  # the record is not repeated among the progress fields
    assert Journal.from_json(journal.to_json()) == journal


def test_the_previous_versions_patch_accounting_and_dropped_commits_are_read_as_records() -> None:
    flat = json.loads(OLD.read_text(encoding="utf-8"))
    skipped = {"commit": "7" * 40, "short": "7777777", "subject": "skipped", "reason": "skipped by the user"}
    flat["dropped"] = [skipped]
    flat["patches"] = {  # as align 371dd2d's patches_preserved kept it: dicts, a rewrite named ``old``
        "preserved": [{"old": "1" * 40, "new": "2" * 40, "subject": "kept"}],
        "changed": [{"old": "3" * 40, "new": "4" * 40, "subject": "resolved", "reason": "by resolution"}],
        "upstream": [{"sha": "5" * 40, "subject": "same", "upstream": "6" * 40}],
        "dropped": [{"sha": "7" * 40, "subject": "skipped", "reason": "skipped by the user"}],
        "lost": [], "added": [{"sha": "8" * 40, "subject": "by hand"}], "unchanged": 2, "metadata": ["x"],
    }  # fmt: skip

    journal = Journal.from_json(json.dumps(flat))

    assert journal.found.dropped == [Dropped(**skipped)]
    assert journal.found.patches == Accounting(
        preserved=[Placed(sha="1" * 40, new="2" * 40, subject="kept")],
        changed=[Placed(sha="3" * 40, new="4" * 40, subject="resolved", reason="by resolution")],
        upstream=[Placed(sha="5" * 40, subject="same", upstream="6" * 40)],
        dropped=[Placed(sha="7" * 40, subject="skipped", reason="skipped by the user")],
        added=[Placed(sha="8" * 40, subject="by hand")],
        unchanged=2,
        metadata=["x"],
    )
    assert Journal.from_json(journal.to_json()) == journal


def _flatten(path: Path) -> None:
    """Rewrite the journal at ``path`` as the previous version wrote it: one flat object."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    run, found = data.pop("run"), data.pop("found")
    del data["format"]
    flat = {key: value for key, value in {**data, **run, **found}.items() if key not in NEWER}
    assert sorted(flat) == sorted(json.loads(OLD.read_text(encoding="utf-8")))  # the very keys of the old layout
    path.write_text(json.dumps(flat, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@pytest.mark.usefixtures("in_repo")
def test_a_run_paused_by_the_previous_version_is_aborted(repo: Repo) -> None:
    _, _, before = conflicting(repo, dirty=True)
    assert main([BRANCH]) == 3
    _flatten(repo.path / ".git" / "align" / "journal.json")

    assert main(["abort"]) == 0

    assert difference(before, snapshot(repo)) == ""


@pytest.mark.usefixtures("in_repo")
def test_a_run_paused_by_the_previous_version_is_continued(repo: Repo) -> None:
    commits, upstream, _ = conflicting(repo)
    assert main([BRANCH]) == 3
    _flatten(repo.path / ".git" / "align" / "journal.json")
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")

    assert main(["continue"]) == 0

    assert rev(repo, f"{REF}~3") == upstream
    assert subjects(repo, f"{upstream}..{REF}") == subjects(repo, f"{commits[0]}~1..{commits[-1]}")
    assert not (repo.path / ".git" / "align" / "journal.json").exists()
