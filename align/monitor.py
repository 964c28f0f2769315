"""Progress and timings: what the run is doing, through ``logging`` (steps never print)."""

from __future__ import annotations

import logging
import re
import sys
import time

log = logging.getLogger("align")

_REBASING = re.compile(r"Rebasing \((\d+)/(\d+)\)")


class Monitor:
    """Report step starts, live rebase progress and step durations."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.index = 0
        self._live = sys.stderr.isatty() and log.isEnabledFor(logging.INFO)
        self._shown = ""

    def step(self, text: str) -> float:
        """Announce the next step; return its start time."""
        self.index += 1
        log.info("[%d/%d] %s", self.index, self.total, text)
        return time.perf_counter()

    def done(self, started: float, detail: str) -> float:
        """Log how a step ended and return its duration in seconds."""
        elapsed = time.perf_counter() - started
        self._clear()
        log.info("      %s (%.2f s)", detail, elapsed)
        return elapsed

    def note(self, text: str) -> None:
        """Log a line of information."""
        self._clear()
        log.info("      %s", text)

    def git_progress(self, chunk: str) -> None:
        """Turn git's ``Rebasing (k/N)`` output into ``applying commit k/N``."""
        for done, total in _REBASING.findall(chunk):
            text = f"applying commit {done}/{total}"
            if self._live:
                sys.stderr.write(f"\r      {text}")
                sys.stderr.flush()
                self._shown = text
            else:
                log.debug("      %s", text)

    def _clear(self) -> None:
        if self._shown:
            sys.stderr.write("\r" + " " * (len(self._shown) + 6) + "\r")
            self._shown = ""
