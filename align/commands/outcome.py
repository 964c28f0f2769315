"""How a run ended, printed: ``align run`` and ``align continue | skip | abort`` end with it."""

from __future__ import annotations

import sys

from align import engine


def show(outcome: engine.Outcome, *, quiet: bool = False) -> int:
    """Print an outcome's report (only when it did not succeed under ``-q``); return its exit code."""
    if quiet and outcome.exit_code == 0:
        for warning in outcome.journal.found.warnings:  # -q keeps what went wrong, such as a report file not written
            print(f"align: warning: {warning}", file=sys.stderr)
        return 0
    if outcome.rendered:
        print(outcome.rendered)
    else:
        for line in (*outcome.warnings, *outcome.guidance):
            print(line)
    if outcome.journal.status == "refused":  # the summary is on stdout; a script reading stderr gets it here
        print(f"align: error: {outcome.journal.message}", file=sys.stderr)
    return outcome.exit_code
