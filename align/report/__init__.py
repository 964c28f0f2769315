"""The report of a run: one plain object built from the journal, rendered as console, json, markdown or junit.

``build`` is the only place that reads a ``Journal`` for reporting; every renderer works from its result,
so ``align report`` can render a past run from the ``report.json`` kept under the git dir. The object
follows ``schemas/report.schema.json`` (``schema_version`` 1); keys are only ever added, with a default.

Keys, in the order a reader meets them:

- ``schema_version`` (1), ``run_id``, ``tool_version``, ``recipe`` {name, source, sha256}
- ``branch``, ``target``, ``remote``, ``onto`` (the ref aligned onto, e.g. ``origin/main``)
- ``status`` (an enum of ``schemas/report.schema.json``), ``exit_code`` (DESIGN §5), ``message`` (why, when
  not successful)
- ``started_at`` (UTC, ISO 8601), ``duration_s`` (pauses at conflicts excluded), ``paused_s`` (waiting for the user)
- ``phases`` [{name, status, duration_s, detail}], one per step as it ran (``on_fail``, ``abort`` too)
- ``commits`` {before, after, onto, base (shas; "" when unknown), count_before, count_after,
  patches_checked (whether ``patches_preserved`` ran), preserved (count), dropped_upstream [{sha, subject,
  upstream}], dropped [{sha, subject, reason}], changed [{old, new, subject, reason}], lost [{sha, subject}],
  added [{sha, subject}]}
- ``conflicts`` [{commit, subject, files [{path, kind}], resolution}]
- ``backup_ref``, ``stacked`` [{ref, before, after}] (branches ``update_refs`` moved), ``branch_restored``
- ``engine`` {name (memory | disk | ""), reason (why disk), tree_moved (memory: the checked-out tree followed),
  carried (the uncommitted work rode that checkout, no stash)}
- ``verify`` [{check, ok, status, detail, duration_s}], ``validate`` [{session, kind, ok, status, duration_s,
  exit_code, tail, argv, reason}]
- ``git`` {calls, seconds}, ``warnings`` [text], ``guidance`` [lines: what to do next]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from align import __version__
from align.graph.model import read_stepped_over
from align.journal import Accounting, CheckRecord, Journal, SessionRecord
from align.report import console

SCHEMA_VERSION = 1
FORMATS = ("console", "json", "markdown", "junit")
# File names of the reports kept under ``<git dir>/align/runs/<run_id>/``, per format.
FILE_NAMES = {"json": "report.json", "markdown": "report.md", "junit": "junit.xml"}


def _stack(journal: Journal) -> dict[str, Any] | None:
    """Return the branch's place on a stack (None: aligned onto the target as a branch of its own)."""
    run = journal.run
    if not run.parent_source:
        return None
    merged = read_stepped_over(run.parent_merged)
    return {
        "parent": run.parent or None,
        "parent_source": run.parent_source,
        "base": run.upstream,
        "merged_parent": None
        if merged is None
        else {"branch": merged[0], "kind": merged[1].kind, "upstream": merged[1].upstream},
    }


def build(journal: Journal, guidance: Sequence[str] = ()) -> dict[str, Any]:
    """Return the report object of ``journal`` (see the module docstring and ``schemas/report.schema.json``)."""
    moved = bool(journal.new_tip) and journal.new_tip != journal.run.original_tip
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": journal.run.run_id,
        "tool_version": __version__,
        "recipe": {
            "name": journal.run.recipe.name,
            "source": journal.run.recipe.source,
            "sha256": journal.run.recipe.sha256,
            "found": journal.run.recipe.found,
        },
        "branch": journal.run.branch,
        "target": journal.run.target,
        "remote": journal.run.remote,
        "onto": journal.run.onto,
        "stack": _stack(journal),
        "status": journal.status,
        "exit_code": journal.exit_code,  # set by the engine at every end, pause and interruption
        "message": journal.message,
        "started_at": journal.run.started_at,
        "duration_s": _seconds(_duration(journal)),
        "paused_s": _seconds(journal.paused_s),
        "phases": [
            {
                "name": phase.name,
                "status": phase.status,
                "duration_s": _seconds(phase.duration_s),
                "detail": phase.detail,
            }
            for phase in journal.found.phases
        ],
        "commits": _commits(journal, moved=moved),
        "conflicts": [
            {
                "commit": conflict.commit,
                "subject": conflict.subject,
                "files": [{"path": path, "kind": kind} for path, kind in conflict.files],
                "resolution": conflict.resolution,
            }
            for conflict in journal.found.conflicts
        ],
        "backup_ref": journal.backup_ref,
        "stacked": [
            {"ref": ref, "before": before, "after": journal.stacked_new.get(ref, "")}
            for ref, before in sorted(journal.stacked.items())
        ],
        "branch_restored": journal.branch_restored,
        "engine": {
            "name": journal.engine,
            "reason": journal.engine_reason,
            "tree_moved": journal.tree_moved,
            "carried": journal.carried,
        },
        "verify": [_check(item) for item in journal.found.checks],
        "validate": [_session(item) for item in journal.found.sessions],
        "git": {"calls": journal.git_calls, "seconds": _seconds(journal.git_seconds)},
        "warnings": list(journal.found.warnings),
        "guidance": list(guidance),
    }


def render(report: dict[str, Any], fmt: str) -> str:
    """Return ``report`` rendered in ``fmt`` (one of ``FORMATS``)."""
    if fmt == "json":
        import json

        return json.dumps(report, indent=2, sort_keys=True)
    if fmt == "console":
        return console.render(report)
    if fmt == "markdown":
        from align.report import markdown  # lazy: only a run that asks for it imports html (start-up time)

        return markdown.render(report)
    if fmt == "junit":
        from align.report import junit  # lazy: only a run that asks for it imports xml (start-up time)

        return junit.render(report)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _duration(journal: Journal) -> float:
    """Return the run's duration; a run stopped at a pause or an interruption is measured up to now."""
    if journal.duration_s or journal.status not in ("paused", "interrupted", "running") or not journal.run.started_ts:
        return journal.duration_s
    end = journal.paused_at or time.time()
    return max(0.0, end - journal.run.started_ts - journal.paused_s)


def _commits(journal: Journal, *, moved: bool) -> dict[str, Any]:
    patches = journal.found.patches or Accounting()
    if journal.found.patches:  # the patch check placed every commit: its list is the truth
        dropped = [{"sha": item.sha, "subject": item.subject, "reason": item.reason} for item in patches.dropped]
    else:  # what the run recorded (`align skip`, commits git dropped as empty)
        dropped = [
            {"sha": item.commit or item.short, "subject": item.subject, "reason": item.reason}
            for item in journal.found.dropped
        ]
    return {
        "before": journal.run.original_tip,
        "after": journal.new_tip if moved else journal.run.original_tip,
        "onto": journal.onto_sha,
        "base": journal.base,
        "count_before": journal.commits_before,
        "count_after": journal.commits_after if moved else journal.commits_before,
        "patches_checked": bool(journal.found.patches)
        and any(item.check == "patches_preserved" for item in journal.found.checks),
        "preserved": len(patches.preserved) + patches.unchanged,
        "dropped_upstream": [
            {"sha": item.sha, "subject": item.subject, "upstream": item.upstream} for item in patches.upstream
        ],
        "dropped": dropped,
        "changed": [
            {"old": item.sha, "new": item.new, "subject": item.subject, "reason": item.reason}
            for item in patches.changed
        ],
        "lost": [{"sha": item.sha, "subject": item.subject} for item in patches.lost],
        "added": [{"sha": item.sha, "subject": item.subject} for item in patches.added],
    }


def _check(item: CheckRecord) -> dict[str, Any]:
    return {
        "check": item.check,
        "ok": item.ok,
        "status": item.status or ("passed" if item.ok else "failed"),
        "detail": item.detail,
        "duration_s": _seconds(item.duration_s),
    }


def _session(item: SessionRecord) -> dict[str, Any]:
    return {
        "session": item.session,
        "kind": item.kind or "command",
        "ok": item.ok,
        "status": item.status or ("passed" if item.ok else "failed"),
        "duration_s": _seconds(item.duration_s),
        "exit_code": item.exit_code,
        "tail": list(item.tail),
        "argv": list(item.argv),
        "reason": item.reason,
    }


def _seconds(value: float) -> float:
    return round(float(value), 3)
