"""One list of statuses (issue 14): the enums, the report schema, the renderers and the exit codes agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from align.context import Context
from align.ending import exit_code
from align.git import Git
from align.journal import Journal, Phase
from align.monitor import Monitor
from align.recipe import model
from align.report import console, markdown
from align.state import Store
from align.status import RunStatus, StepStatus, worst
from align.steps.registry import ACTIONS
from tests.helpers import run_record

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "report.schema.json").read_text())


def test_the_report_schema_lists_exactly_the_run_statuses() -> None:
    assert set(SCHEMA["properties"]["status"]["enum"]) == {status.value for status in RunStatus}


def test_the_report_schema_lists_every_exit_code_a_status_has() -> None:
    assert {status.exit_code for status in RunStatus} <= set(SCHEMA["properties"]["exit_code"]["enum"])


@pytest.mark.parametrize("status", list(RunStatus))
def test_every_run_status_has_a_headline(status: RunStatus) -> None:
    assert status.value in console.HEADLINES


@pytest.mark.parametrize("status", list(StepStatus))
def test_every_step_status_has_a_result_in_the_markdown_report(status: StepStatus) -> None:
    assert status.value in markdown.RESULTS


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (RunStatus.ALIGNED, 0),
        (RunStatus.UP_TO_DATE, 0),
        (RunStatus.PAUSED, 3),
        (RunStatus.CONFLICT_ABORTED, 1),
        (RunStatus.FAILED_ROLLED_BACK, 1),
        (RunStatus.FAILED_KEPT, 1),
        (RunStatus.ABORTED, 0),
        (RunStatus.INTERRUPTED, 130),
        (RunStatus.REFUSED, 4),
        (RunStatus.ERROR, 1),
    ],
)
def test_exit_codes_of_design_section_5(status: RunStatus, code: int) -> None:
    assert status.exit_code == code


def test_an_abort_that_could_not_restore_a_branch_exits_1() -> None:
    journal = _journal(RunStatus.ABORTED)
    assert exit_code(journal) == 0
    journal.branch_restored = False
    assert exit_code(journal) == 1


def test_a_status_not_in_the_list_is_an_error_not_exit_1() -> None:
    """A typo no longer slips through as exit 1 (``EXIT_CODES.get(status, 1)``)."""
    with pytest.raises(ValueError, match="alinged"):
        RunStatus("alinged")


def test_final_statuses_archive_and_the_others_keep_the_journal() -> None:
    kept = {status for status in RunStatus if not status.final}
    assert kept == {RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.INTERRUPTED, RunStatus.ERROR}
    assert {status for status in RunStatus if status.undoable} == {RunStatus.ALIGNED, RunStatus.FAILED_KEPT}


@pytest.mark.parametrize(
    ("codes", "expected"), [([], 0), ([0, 0], 0), ([0, 1, 4], 4), ([1, 3], 3), ([4, 130], 130), ([0, 2], 2)]
)
def test_a_batch_exit_code(codes: list[int], expected: int) -> None:
    assert worst(codes) == expected


def test_a_journal_keeps_its_statuses_as_enums_through_json() -> None:
    journal = _journal(RunStatus.PAUSED)
    journal.found.phases.append(Phase(name="rebase", status=StepStatus.CONFLICT, duration_s=0.5))
    text = journal.to_json()
    assert '"status": "paused"' in text
    assert '"status": "conflict"' in text
    again = Journal.from_json(text)
    assert again.status is RunStatus.PAUSED
    assert again.found.phases[0].status is StepStatus.CONFLICT


def test_context_options_gives_the_recipe_step_or_its_defaults(tmp_path: Path) -> None:
    rebase = model.default_step("rebase")
    assert isinstance(rebase, model.Rebase)
    chosen = model.Rebase(**{**rebase.__dict__, "strategy": "merge"})
    context = Context(
        git=Git(tmp_path),
        store=Store(tmp_path),
        journal=_journal(RunStatus.RUNNING),
        recipe_steps=(chosen,),
        monitor=Monitor(1),
    )
    assert context.options(model.Rebase) is chosen
    assert context.options(model.OnConflict) == model.default_step("on_conflict")
    assert context.options(model.OnConflict).action == "pause"


def test_the_registry_has_one_entry_per_action_step_kind() -> None:
    assert list(ACTIONS) == ["backup", "fetch", "rebase", "verify", "validate"]
    journal = _journal(RunStatus.RUNNING)
    titles = {kind: action.title(model.default_step(kind), journal) for kind, action in ACTIONS.items()}
    assert titles == {
        "backup": "backup feature/x",
        "fetch": "fetch main from origin",
        "rebase": "rebase feature/x onto origin/main",
        "verify": "verify",
        "validate": "validate",
    }
    with pytest.raises(TypeError, match="the rebase entry got a fetch step"):
        ACTIONS["rebase"].title(model.default_step("fetch"), journal)


def _journal(status: RunStatus) -> Journal:
    return Journal(run=run_record(original_head="refs/heads/main"), pid=1, status=status)
