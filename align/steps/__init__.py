"""Step runners, one module per step kind, registered in one dict.

A runner takes the engine's ``Context`` and its step's options and returns a ``StepResult``;
it never prints and never calls ``sh`` (only ``context.git``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from align.steps import backup, fetch, rebase, validate, verify

RUNNERS: dict[str, Callable[[Any, Any], Any]] = {
    "backup": backup.run,
    "fetch": fetch.run,
    "rebase": rebase.run,
    "verify": verify.run,
    "validate": validate.run,
}
