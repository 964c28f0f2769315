"""``report``: always last, whatever happened (also at a pause, an interruption or a refusal).

Where the reports go:

- ``<git dir>/align/runs/<run_id>/report.json``, always (``align report`` and ``align history`` read it),
  plus ``report.md`` and ``junit.xml`` when the recipe asks for markdown or junit;
- ``--report-json PATH``, ``--report-markdown PATH``, ``--report-junit PATH`` (``journal.run.report_json``...),
  written atomically; a failure becomes a warning. When the command was given several branches
  (``journal.run.batch``), each file holds the batch report (``align.report.batch``: one JSON object with a
  ``branches`` list, a Markdown table and a section per branch, one JUnit ``<testsuite>`` per branch) of all
  its runs so far, rewritten whole by each run (and by a resumed one);
- ``$GITHUB_STEP_SUMMARY``: when that variable names a file and the recipe asks for ``markdown``, the
  Markdown report is appended to it (GitHub's job summary; every run of the job adds its own section);
- the console summary is returned (and put in ``context.rendered``) when the recipe asks for ``console``.

Writing a report never fails a run: a file that cannot be written becomes a warning.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from align import batch as batches
from align.context import Context
from align.errors import AlignError
from align.journal import Journal
from align.recipe.model import Report
from align.report import FILE_NAMES, batch, build, render
from align.state import Store, write_atomic

SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


def run(context: Context) -> None:
    """Write the run's reports in the formats the recipe asks for; keep the console summary to print."""
    formats = context.options(Report).formats
    context.rendered = write(context.store, context.journal, formats, context.guidance)


def write(store: Store | None, journal: Journal, formats: Sequence[str], guidance: Sequence[str] = ()) -> str:
    """Write the reports of ``journal`` and return its console summary ("" when ``console`` is not in ``formats``).

    Args:
        store: where the run's reports are kept (``runs/<run_id>/``); None keeps nothing there.
        journal: the run; a failure to write a file is added to ``journal.found.warnings`` (and so to the report).
        formats: the recipe's report formats (console, json, markdown, junit); json is kept whatever they are.
        guidance: what to tell the user next, kept in the report.
    """
    built: dict[str, Any] = {}

    def current() -> dict[str, Any]:
        """The report, built again only when a failed write has added a warning since."""
        if built.get("warnings") != journal.found.warnings:
            built.clear()
            built.update(build(journal, guidance))
        return built

    if "markdown" in formats and os.environ.get(SUMMARY_VARIABLE):
        summary = Path(os.environ[SUMMARY_VARIABLE])
        _attempt(journal, f"${SUMMARY_VARIABLE} ({summary})", _append, summary, render(current(), "markdown"))
    for fmt, asked in requested(journal).items():
        text = _batch(store, journal, current(), fmt) if journal.run.batch else render(current(), fmt)
        _attempt(journal, asked, write_atomic, Path(asked), text + "\n")
    if store is not None:
        folder = store.run_dir(journal.run.run_id)
        for fmt in ("json", *(name for name in formats if name in FILE_NAMES and name != "json")):
            path = folder / FILE_NAMES[fmt]
            _attempt(journal, str(path), write_atomic, path, render(current(), fmt) + "\n")
    return render(current(), "console") if "console" in formats else ""


def requested(journal: Journal) -> dict[str, str]:
    """Return the report files the command line asked for (``--report-json PATH``...), by format."""
    paths = {
        "json": journal.run.report_json,
        "markdown": journal.run.report_markdown,
        "junit": journal.run.report_junit,
    }
    return {fmt: path for fmt, path in paths.items() if path}


def _batch(store: Store | None, journal: Journal, report: dict[str, Any], fmt: str) -> str:
    """Return the batch report of the command so far (this run's report as it is now; the branches not
    started yet named from the batch's file) as one document."""
    reports = []
    for run_id in journal.run.batch:
        if run_id == journal.run.run_id:
            reports.append(report)
        elif store is not None:  # an earlier branch's run: its report as kept under the git dir
            kept = kept_report(store, run_id)
            if kept is not None:
                reports.append(kept)
    ran = {item["run_id"] for item in reports}
    pending = [branch for run_id, branch in _entries(store) if run_id in journal.run.batch and run_id not in ran]
    return batch.render(batch.build(reports, pending), fmt)


def kept_report(store: Store, run_id: str) -> dict[str, Any] | None:
    """Return the report kept for ``run_id`` under the git dir; None when it did not run (or is unreadable)."""
    try:
        kept: dict[str, Any] = json.loads((store.run_dir(run_id) / FILE_NAMES["json"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return kept


def _entries(store: Store | None) -> list[tuple[str, str]]:
    """Return (run id, branch) of each branch of the batch in progress, from its file ([] when none)."""
    if store is None:
        return []
    try:
        saved = batches.load(store)
    except AlignError:  # unreadable: the branches not started are not named (`align continue` says why)
        return []
    return [(entry.run_id, entry.branch) for entry in saved.entries] if saved is not None else []


def _append(path: Path, text: str) -> None:
    """Append ``text`` to ``path`` followed by a blank line, so the next run's section starts apart."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text.rstrip("\n") + "\n\n")


def _attempt(journal: Journal, where: str, action: Callable[[Path, str], None], path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with ``action``; turn an OS error into a warning of the run."""
    try:
        action(path, text)
    except OSError as error:
        warning = f"report: could not write {where}: {error.strerror or error}"
        if warning not in journal.found.warnings:  # the same file again after a pause: say it once
            journal.found.warnings.append(warning)
