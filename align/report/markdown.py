"""The Markdown report: a summary fit for a pull-request comment or ``$GITHUB_STEP_SUMMARY`` (GitHub-flavoured).

Text from the repository (subjects, paths, details, output) is escaped or put in code spans and fenced
blocks, so a commit subject cannot break the table or inject markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from align.report.console import TAIL_LINES, moved, outcome

ICONS = {
    "aligned": "✅",
    "up_to_date": "✅",
    "paused": "⏸️",
    "interrupted": "⏸️",
    "running": "⏳",
    "refused": "⛔",
    "skipped": "⏭️",
}
RESULTS = {
    "passed": "✅ passed",
    "ok": "✅ ok",
    "warning": "⚠️ warning",
    "skipped": "⏭️ skipped",
    "up_to_date": "✅ up to date",
    "conflict": "⚠️ conflict",
    "failed": "❌ failed",
    "error": "❌ error",
    "timeout": "❌ timeout",
    "aborted": "❌ aborted",
}
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")  # what could start markup inside a line of a table or a list
_TICKS = re.compile(r"`+")


def render(report: dict[str, Any]) -> str:
    """Return the report as Markdown: headline, summary table, conflicts, commits, phases, checks, sessions."""
    status = report["status"]
    icon = ICONS.get(status, "❌")
    parts = [
        f"### align: {code(report['branch'])} onto {code(report['onto'])}: {icon} {text(outcome(report))}",
        _summary(report),
    ]
    if report["message"] and status not in ("aligned", "up_to_date"):
        parts.append(f"**Why:** {text(report['message'])}")
    parts += [
        _conflicts(report["conflicts"]),
        _commits(report),
        _phases(report["phases"]),
        _checks(report["verify"]),
        _sessions(report["validate"]),
        _bullets("Warnings", [text(line) for line in report["warnings"]]),
    ]
    if report["guidance"]:
        parts.append("#### Next\n\n" + fenced("\n".join(report["guidance"])))
    return "\n\n".join(part for part in parts if part)


def text(value: object) -> str:
    """Return ``value`` as Markdown text: special characters escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def code(value: object) -> str:
    """Return ``value`` as a code span that holds any backticks it contains (and pipes, in a table)."""
    body = " ".join(str(value).split()).replace("|", "\\|")
    if not body:
        return ""
    ticks = "`" * (max((len(run) for run in _TICKS.findall(body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def fenced(body: str, language: str = "text") -> str:
    """Return ``body`` as a fenced code block whose fence no line of ``body`` can close."""
    fence = "`" * max(3, max((len(run) for run in _TICKS.findall(body)), default=0) + 1)
    return f"{fence}{language}\n{body}\n{fence}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    marks = align or "-" * len(header)
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if mark == "r" else "---" for mark in marks) + "|",  # r: a right-aligned column
    ]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _summary(report: dict[str, Any]) -> str:
    commits, git = report["commits"], report["git"]
    rows = [("outcome", f"{code(report['status'])} (exit {report['exit_code']})")]
    if commits["after"] and commits["after"] != commits["before"]:
        rows.append(
            (
                "commits",
                f"{code(commits['before'][:12])} ({commits['count_before']}) → "
                f"{code(commits['after'][:12])} ({commits['count_after']})",
            )
        )
    elif commits["before"] and commits["onto"]:
        rows.append(("commits", f"{code(commits['before'][:12])} ({commits['count_before']}), unchanged"))
    if commits["onto"]:
        rows.append(("onto", f"{code(report['onto'])} at {code(commits['onto'][:12])}"))
    if report["backup_ref"]:
        rows.append(("backup", code(report["backup_ref"])))
    engine = report.get("engine") or {}  # a report of an older align has none
    if engine.get("name"):
        rows.append(("engine", engine["name"] + (f" ({text(engine['reason'])})" if engine["reason"] else "")))
    for item in moved(report):
        rows.append(("stacked", f"{code(item['ref'])} {code(item['before'][:12])} → {code(item['after'][:12])}"))
    recipe = report["recipe"]
    rows.append(
        ("recipe", f"{code(recipe['name'])} ({code(recipe['source'])})" if recipe["source"] else code(recipe["name"]))
    )
    timing = f"{report['duration_s']:.2f} s; git: {git['calls']} calls, {git['seconds']:.2f} s"
    if report["paused_s"] > 0:
        timing += f"; paused at conflicts: {report['paused_s']:.2f} s"
    rows.append(("run", f"{code(report['run_id'])}, started {text(report['started_at'])}, {timing}"))
    rows.append(("align", text(report["tool_version"])))
    return _table(("", ""), rows)


def _conflicts(conflicts: list[dict[str, Any]]) -> str:
    lines = []
    for conflict in conflicts:
        files = ", ".join(f"{code(item['path'])} ({text(item['kind'])})" for item in conflict["files"])
        lines.append(f"{code(conflict['commit'])} {text(conflict['subject'])}: {files}: {text(conflict['resolution'])}")
    return _bullets("Conflicts", lines)


def _commits(report: dict[str, Any]) -> str:
    commits = report["commits"]
    lines = [
        f"already upstream: {code(item['sha'][:12])} {text(item['subject'])} (as {code(item['upstream'][:12])})"
        for item in commits["dropped_upstream"]
    ]
    lines += [
        f"dropped: {code(item['sha'][:12])} {text(item['subject'])} ({text(item['reason'])})"
        for item in commits["dropped"]
    ]
    lines += [
        f"changed: {code(item['old'][:12])} → {code(item['new'][:12])} {text(item['subject'])}"
        + (f" ({text(item['reason'])})" if item["reason"] else "")
        for item in commits["changed"]
    ]
    lines += [f"**lost**: {code(item['sha'][:12])} {text(item['subject'])}" for item in commits["lost"]]
    return _bullets("Commits", lines)


def _phases(phases: list[dict[str, Any]]) -> str:
    if not phases:
        return ""
    rows = [
        (text(phase["name"]), RESULTS.get(phase["status"], text(phase["status"])), f"{phase['duration_s']:.2f} s",
         text(phase["detail"]))
        for phase in phases
    ]  # fmt: skip
    return "#### Phases\n\n" + _table(("phase", "result", "duration", "detail"), rows, "--r-")


def _checks(checks: list[dict[str, Any]]) -> str:
    if not checks:
        return ""
    rows = [
        (code(check["check"]), RESULTS.get(check["status"], text(check["status"])), f"{check['duration_s']:.2f} s",
         text(check["detail"]))
        for check in checks
    ]  # fmt: skip
    return "#### Checks\n\n" + _table(("check", "result", "duration", "detail"), rows, "--r-")


def _sessions(sessions: list[dict[str, Any]]) -> str:
    if not sessions:
        return ""
    rows = [
        (code(item["session"]), text(item["kind"]), RESULTS.get(item["status"], text(item["status"])),
         f"{item['duration_s']:.2f} s", "" if item["exit_code"] is None else str(item["exit_code"]))
        for item in sessions
    ]  # fmt: skip
    parts = ["#### Sessions\n\n" + _table(("session", "kind", "result", "duration", "exit code"), rows, "---rr")]
    for item in sessions:
        if not item["ok"] and item["tail"]:
            tail = item["tail"][-TAIL_LINES * 3 :]
            summary = f"{html.escape(item['session'])}: last {len(tail)} line(s) of output"
            parts.append(f"<details><summary>{summary}</summary>\n\n{fenced(chr(10).join(tail))}\n\n</details>")
    return "\n\n".join(parts)


def _bullets(title: str, lines: list[str]) -> str:
    if not lines:
        return ""
    return f"#### {title}\n\n" + "\n".join(f"- {line}" for line in lines)
