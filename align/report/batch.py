"""The report of a batch: several branches aligned by one command, as one document (``schema_version`` 2).

``build`` takes the reports of the branches that ran (each one run's report, ``schemas/report.schema.json``,
as kept under ``runs/<run_id>/``) and the names of those not started yet, and returns one object
(``schemas/batch-report.schema.json``):

- ``schema_version`` (2), ``kind`` ("batch"), ``batch_id`` (the first run's id), ``run_ids``, ``tool_version``
- ``recipe``, ``target``, ``remote`` (the first branch's: one command, one recipe)
- ``status``: ``succeeded`` (every branch aligned or up to date), ``failed`` (at least one did not: a conflict
  rolled back, a failure, a refusal, a child skipped), ``paused`` or ``interrupted`` (the batch waits for
  ``align continue`` or ``abort``), ``in_progress`` (written between two branches); ``exit_code`` (the
  command's: a pause or an interruption, else the highest of the branches')
- ``started_at``, ``duration_s`` and ``git`` {calls, seconds}: the branches' summed
- ``counts`` {status: branches}, ``pending`` [branches not started yet]
- ``branches`` [each branch's full report, in the order they ran]

Rendered: JSON (the object), Markdown (a table with one row per branch, then each branch's section), console
(one line per branch). JUnit stays one ``<testsuite>`` per branch (``align.report.junit.render_many``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from align import __version__
from align.status import worst

SCHEMA_VERSION = 2
_SUCCEEDED = ("aligned", "up_to_date")


def build(reports: Sequence[dict[str, Any]], pending: Sequence[str] = ()) -> dict[str, Any]:
    """Return the batch report of ``reports`` (the branches that ran, in order) and ``pending`` (not started)."""
    first = reports[0] if reports else {}
    statuses = [report["status"] for report in reports]
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "batch",
        "batch_id": first.get("run_id", ""),
        "run_ids": [report["run_id"] for report in reports],
        "tool_version": __version__,
        "recipe": first.get("recipe"),
        "target": first.get("target", ""),
        "remote": first.get("remote", ""),
        "status": _status(statuses, pending),
        "exit_code": worst([report["exit_code"] for report in reports]),
        "started_at": first.get("started_at", ""),
        "duration_s": round(sum(float(report["duration_s"]) for report in reports), 3),
        "git": {
            "calls": sum(int(report["git"]["calls"]) for report in reports),
            "seconds": round(sum(float(report["git"]["seconds"]) for report in reports), 3),
        },
        "counts": dict(sorted(Counter(statuses).items())),
        "pending": list(pending),
        "branches": list(reports),
    }


def _status(statuses: list[str], pending: Sequence[str]) -> str:
    for stopped in ("paused", "interrupted", "error", "running"):
        if stopped in statuses:
            return "interrupted" if stopped in ("error", "running") else stopped
    if pending:
        return "in_progress"
    return "succeeded" if all(status in _SUCCEEDED for status in statuses) else "failed"


def render(batch: dict[str, Any], fmt: str) -> str:
    """Return the batch report in ``fmt``: json, markdown, junit or console."""
    if fmt == "json":
        return json.dumps(batch, indent=2, sort_keys=True)
    if fmt == "console":
        return console(batch)
    if fmt == "markdown":
        return _markdown(batch)
    if fmt == "junit":
        from align.report import junit  # lazy: only a run that asks for it imports xml (start-up time)

        return junit.render_many(batch["branches"])
    raise ValueError(f"unknown report format {fmt!r}")


def console(batch: dict[str, Any]) -> str:
    """Return one line per branch (outcome, commits, time), then the branches not started."""
    rows = [
        (report["branch"], _outcome(report), _commits(report), f"{float(report['duration_s']):.2f} s")
        for report in batch["branches"]
    ]
    widths = [max((len(row[index]) for row in rows), default=0) for index in range(3)]
    lines = [f"batch: {len(batch['branches']) + len(batch['pending'])} branches, {_said(batch)}"]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        lines.append("  " + "  ".join([*cells, row[3]]))
    if batch["pending"]:
        lines.append(f"  not started yet: {', '.join(batch['pending'])}")
    return "\n".join(line.rstrip() for line in lines)


def _said(batch: dict[str, Any]) -> str:
    counts = ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in batch["counts"].items())
    return f"{batch['status'].replace('_', ' ')} ({counts})" if counts else batch["status"].replace("_", " ")


def _outcome(report: dict[str, Any]) -> str:
    stack = report.get("stack") or {}
    where = f" onto {report['onto']}" if stack.get("parent") else ""
    return f"{report['status'].replace('_', ' ')}{where}"


def _commits(report: dict[str, Any]) -> str:
    commits = report["commits"]
    if report["status"] == "aligned":
        return f"{commits['count_before']} -> {commits['count_after']} commit(s)"
    return f"{commits['count_before']} commit(s)" if commits["before"] else ""


def _markdown(batch: dict[str, Any]) -> str:
    """Return the batch as Markdown: a headline, a table with one row per branch, then each branch's section."""
    from align.report import markdown  # lazy: only a run that asks for it imports html (start-up time)

    ok = batch["status"] == "succeeded"
    icon = "✅" if ok else markdown.ICONS.get(batch["status"], "❌")
    total = len(batch["branches"]) + len(batch["pending"])
    onto = markdown.code(f"{batch['remote']}/{batch['target']}")
    parts = [f"## align: {total} branches onto {onto}: {icon} {markdown.text(_said(batch))}"]
    rows = ["| branch | outcome | commits | onto | time |", "|---|---|---|---|---|"]
    for report in batch["branches"]:
        icon = markdown.ICONS.get(report["status"], "❌")
        status = markdown.text(report["status"].replace("_", " "))
        seconds = f"{float(report['duration_s']):.2f} s"
        cells = [
            markdown.code(report["branch"]),
            f"{icon} {status}",
            markdown.text(_commits(report).replace("->", "→")),
        ]
        rows.append(f"| {' | '.join([*cells, markdown.code(report['onto']), seconds])} |")
    for name in batch["pending"]:
        rows.append(f"| {markdown.code(name)} | ⏳ not started | | | |")
    parts.append("\n".join(rows))
    parts += [markdown.render(report) for report in batch["branches"]]
    return "\n\n".join(parts)
