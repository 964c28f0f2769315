"""``validate``: run the team's nox sessions and plain commands on the aligned tree."""

from __future__ import annotations

import subprocess
import sys

from align.engine import Context, StepResult
from align.recipe.model import Validate


def run(context: Context, step: Validate) -> StepResult:
    """Run each nox session, then each command; fail at the first one that fails or times out."""
    journal = context.journal
    if not journal.new_tip or journal.new_tip == journal.original_tip:
        return StepResult(status="skipped", detail="nothing was rewritten")
    root = context.git.cwd
    commands = [
        (f"nox -s {session}", [sys.executable, "-m", "nox", "-f", step.noxfile, "-s", session, *_after(step.args)])
        for session in step.nox
    ]
    commands += [(" ".join(argv), list(argv)) for argv in step.run]
    if not commands:
        return StepResult(status="skipped", detail="no sessions or commands")
    for name, argv in commands:
        context.monitor.note(f"running {name}")
        try:
            done = subprocess.run(argv, cwd=root, timeout=step.timeout, capture_output=True, text=True, check=False)
        except subprocess.TimeoutExpired:
            return StepResult(status="failed", detail=f"validate: {name} timed out after {step.timeout} s")
        except OSError as error:
            return StepResult(status="failed", detail=f"validate: {name} could not start: {error.strerror}")
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
            return StepResult(status="failed", detail=f"validate: {name} failed (exit {done.returncode}): {tail[0]}")
    return StepResult(status="ok", detail=f"{len(commands)} passed: {', '.join(name for name, _ in commands)}")


def _after(args: tuple[str, ...]) -> list[str]:
    return ["--", *args] if args else []
