"""The console report: a compact summary a person reads at the end of a run (plain ASCII labels)."""

from __future__ import annotations

from typing import Any

HEADLINES = {
    "aligned": "aligned",
    "up_to_date": "already up to date",
    "paused": "paused at a conflict",
    "conflict_aborted": "conflict: run aborted, everything rolled back",
    "failed_rolled_back": "failed: everything rolled back",
    "failed_kept": "failed: state kept as it is (on_fail: keep)",
    "aborted": "aborted: everything rolled back",
    "interrupted": "interrupted",
    "refused": "refused",
    "skipped": "skipped: not started, its parent did not align",
    "error": "error",
    "running": "running",
}
SESSION_RESULTS = {"passed": "ok", "failed": "FAILED", "error": "ERROR", "timeout": "TIMEOUT", "skipped": "skipped"}
TAIL_LINES = 10  # of a failed session's output, at most
QUIET = ("aligned", "up_to_date", "paused")  # statuses whose message is not a reason to show


def render(report: dict[str, Any]) -> str:
    """Return the summary: outcome, commits, conflicts, phases, checks, sessions, git use, warnings, next steps."""
    lines = [headline(report)]
    lines += _commits(report)
    if report["backup_ref"]:
        lines.append(f"  backup:  {report['backup_ref']}")
    for item in moved(report):
        name = item["ref"].removeprefix("refs/heads/")
        lines.append(f"  moved:   {name} {item['before'][:12]} -> {item['after'][:12]} (update_refs)")
    engine = report.get("engine") or {}  # a report of an older align has none
    if engine.get("name") == "memory" and engine.get("carried"):
        lines.append("  engine:  memory (the working tree followed in one checkout, your uncommitted changes with it)")
    elif engine.get("name") == "memory" and engine.get("tree_moved"):
        lines.append("  engine:  memory (the working tree followed in one checkout)")
    elif engine.get("name") == "memory":
        lines.append("  engine:  memory (the working tree, index and HEAD were not touched)")
    elif engine.get("name") == "disk":
        lines.append(f"  engine:  disk ({engine['reason']})")
    if report["message"] and report["status"] not in QUIET:
        lines.append(f"  why:     {_why(report)}")
    for conflict in report["conflicts"]:
        files = ", ".join(f"{item['path']} ({item['kind']})" for item in conflict["files"])
        lines.append(f"  conflict {conflict['commit']} {conflict['subject']}: {files} [{conflict['resolution']}]")
    lines += _commit_lists(report)
    if report["phases"]:
        phases = ", ".join(
            f"{phase['name']} {phase['status']} {phase['duration_s']:.2f}s" for phase in report["phases"]
        )
        lines.append(f"  phases:  {phases}")
    lines += _checks(report["verify"])
    lines += _sessions(report["validate"])
    lines.append(_timing(report))
    lines += [f"  warning: {text}" for text in report["warnings"]]
    lines += _guidance(report)
    return "\n".join(lines)


def _why(report: dict[str, Any]) -> str:
    """Return the reason of the outcome, without the hint in parentheses that a ``hint:`` line gives below."""
    message: str = report["message"]
    for line in report["guidance"]:
        if line.startswith("hint: "):
            message = message.removesuffix(f" ({line.removeprefix('hint: ')})")
    return message


def _guidance(report: dict[str, Any]) -> list[str]:
    """Return the next steps; a refusal's ``refused:`` line is left out, the ``why:`` line says it."""
    lines: list[str] = report["guidance"]
    if report["status"] != "refused" or not report["message"]:
        return lines
    return [line for line in lines if not line.startswith("refused: ")]


def headline(report: dict[str, Any]) -> str:
    """Return the first line: ``align: BRANCH onto ONTO (sha): outcome``."""
    onto_sha = report["commits"]["onto"]
    onto = f"{report['onto']} ({onto_sha[:12]})" if onto_sha else report["onto"]
    return f"align: {report['branch']} onto {onto}: {outcome(report)}"


def outcome(report: dict[str, Any]) -> str:
    """Return how the run ended, in words (``conflict: run aborted, everything rolled back``...)."""
    text = str(HEADLINES.get(report["status"], report["status"]))
    if not report["branch_restored"]:
        text = text.replace("everything rolled back", f"rolled back, except {report['branch']}, moved meanwhile")
    return text


def moved(report: dict[str, Any]) -> list[dict[str, str]]:
    """Return the other branches the run moved (``update_refs``) and left moved: a rollback puts them back."""
    return [item for item in report["stacked"] if item["after"] and item["after"] != item["before"]]


def short(sha: str) -> str:
    """Return a commit of a list (dropped, changed...) as ``git log --oneline`` shows it in a small repository."""
    return sha[:7] if sha else "?"


def _commits(report: dict[str, Any]) -> list[str]:
    commits = report["commits"]
    if commits["after"] and commits["after"] != commits["before"]:
        return [
            f"  commits: {commits['before'][:12]} ({commits['count_before']}) -> "
            f"{commits['after'][:12]} ({commits['count_after']})"
        ]
    if commits["onto"] and commits["before"] and report["status"] != "refused":
        return [f"  commits: {commits['before'][:12]} ({commits['count_before']}), unchanged"]
    return []


def _commit_lists(report: dict[str, Any]) -> list[str]:
    commits, onto = report["commits"], report["onto"]
    lines = [
        f"  upstream {short(item['sha'])} {item['subject']} (already in {onto} as {short(item['upstream'])})"
        for item in commits["dropped_upstream"]
    ]
    lines += [f"  dropped {short(item['sha'])} {item['subject']} ({item['reason']})" for item in commits["dropped"]]
    lines += [
        f"  changed {short(item['old'])} -> {short(item['new'])} {item['subject']}"
        + (f" ({item['reason']})" if item["reason"] else "")
        for item in commits["changed"]
    ]
    lines += [f"  LOST    {short(item['sha'])} {item['subject']}" for item in commits["lost"]]
    return lines


def _checks(checks: list[dict[str, Any]]) -> list[str]:
    passed = [check["check"] for check in checks if check["status"] == "passed"]
    lines = [f"  checks:  {len(passed)} passed: {', '.join(passed)}"] if passed else []
    for check in checks:
        if check["status"] != "passed":
            label = "FAILED" if check["status"] == "failed" else check["status"]
            detail = f": {check['detail']}" if check["detail"] else ""
            lines.append(f"  check:   {label} {check['check']}{detail}")
    return lines


def _sessions(sessions: list[dict[str, Any]]) -> list[str]:
    lines = []
    for session in sessions:
        result = SESSION_RESULTS.get(session["status"], session["status"])
        name = f"nox:{session['session']}" if session["kind"] == "nox" else session["session"]
        code = f"exit {session['exit_code']}, " if session["exit_code"] not in (None, 0) else ""
        reason = f": {session['reason']}" if session["reason"] and not session["ok"] else ""
        lines.append(f"  session: {result} {name} ({code}{session['duration_s']:.2f} s){reason}")
        if not session["ok"]:
            lines += [f"           | {line}" for line in session["tail"][-TAIL_LINES:]]
    return lines


def _timing(report: dict[str, Any]) -> str:
    git = report["git"]
    line = (
        f"  git:     {git['calls']} calls, {git['seconds']:.2f} s; run {report['run_id']}, {report['duration_s']:.2f} s"
    )
    if report["paused_s"] > 0:
        line += f" (plus {report['paused_s']:.2f} s paused at conflicts)"
    return line
