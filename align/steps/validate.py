"""``validate``: run the team's nox sessions, then plain commands, on the aligned working tree.

A branch the memory engine aligned without checking it out is validated in a temporary worktree of its
new tip (``steps/elsewhere.py``): the user's working tree, index, HEAD and stash list are not touched.

Each name in ``nox:`` runs as its own nox process, in the working tree's root::

    python -m nox --no-color --noxfile=NOXFILE --sessions=NAME --report TMP/report.json [-- ARGS]

(``nox`` from ``PATH`` when align's interpreter cannot import nox; ``--option=value`` so that no
name can become an option). One process per name, not one for all: each then has its own
``timeout`` (the schema says "seconds each session may take"), exit code and report, and nothing
of a later session runs after one fails. Measured on a noxfile of ``venv_backend="none"``
sessions, the extra cost is nox's start-up, about 0.1 s per session (3 sessions: 0.44 s in three
processes, 0.11 s in one; ``nox --list --json``: 0.12 s).
The result of each session comes from nox's ``--report`` JSON (written to a temporary folder,
never into the tree): ``success`` is passed, ``skipped`` is skipped (not a failure), ``failed``
and ``aborted`` are failed. A name nox expands (``tests`` for ``tests-3.11`` and ``tests-3.12``,
``@nox.parametrize``) gives one entry per session it ran. No report, or a nonzero exit the
report does not explain, is an ``error``.

``run:`` commands are argv lists, run without a shell, after the sessions. Output of both is
streamed live (``nox:NAME | line`` or ``PROGRAM | line``) and its last ``TAIL`` lines are kept in
``journal.found.sessions``. The first session or command that fails, errs or times out ends the step
(the rest do not run and are not recorded; the detail names them) and the run goes to ``on_fail``.

``preflight`` runs at planning, before anything is touched: the noxfile must exist and name
every session (``nox --list --json``), else a ``UsageError`` (exit 2) with a "did you mean".
"""

from __future__ import annotations

import ast
import difflib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from align import git
from align.context import Context, StepResult, StepStatus
from align.errors import UsageError
from align.gitenv import LEAKED
from align.journal import SessionRecord
from align.recipe.model import Validate
from align.steps import _process, elsewhere

TAIL = 30  # lines of output kept per session or command
TAIL_WIDTH = 1000  # characters kept of a line in the tail
LIST_TIMEOUT = 120  # seconds `nox --list` may take at planning
_RUNNING = re.compile(r"^nox > Running session (.+)$")
NO_NOX = "nox is not installed (align's Python cannot import it, and it is not on PATH)"
_STATUS = {"success": "passed", "skipped": "skipped", "failed": "failed", "aborted": "failed"}
Entry = SessionRecord


def run(context: Context, step: Validate) -> StepResult:
    """Run each nox session, then each command; stop at the first one that fails, errs or times out."""
    journal = context.journal
    if not journal.new_tip or journal.new_tip == journal.run.original_tip:
        return StepResult(status=StepStatus.SKIPPED, detail="nothing was rewritten")
    labels = [*(f"nox:{name}" for name in step.nox), *(" ".join(argv) for argv in step.run)]
    if not labels:
        return StepResult(status=StepStatus.SKIPPED, detail="no sessions or commands")
    journal.found.sessions.clear()  # a resumed run validates again, from the start
    if not elsewhere.needed(context):
        return _validate(context, step, labels, context.git.cwd)
    with elsewhere.worktree(context) as root:  # the branch is not checked out here: the user's tree stays theirs
        context.monitor.note(
            f"in a temporary worktree of {journal.new_tip[:12]} ({root}); your working tree is not touched"
        )
        result = _validate(context, step, labels, root)
    where = f" (in a temporary worktree of {journal.new_tip[:12]})"
    return StepResult(status=result.status, detail=result.detail + where)


def _validate(context: Context, step: Validate, labels: Sequence[str], root: Path) -> StepResult:
    """Run the sessions and commands ``labels`` name in the working tree ``root``."""
    journal, env = context.journal, environment()
    for index, label in enumerate(labels):
        context.monitor.note(f"running {label}")
        if index < len(step.nox):
            entries = _nox_session(context, step, step.nox[index], root, env)
        else:
            entries = [_command(context, step.run[index - len(step.nox)], step.timeout, root, env)]
        journal.found.sessions.extend(entries)
        journal.validating_group = 0
        context.save()
        failed = next((entry for entry in entries if not entry.ok), None)
        if failed is not None:
            rest = labels[index + 1 :]
            return StepResult(status=StepStatus.FAILED, detail=_why(failed, step.timeout) + _not_run(rest))
    return StepResult(status=StepStatus.OK, detail=_summary(journal.found.sessions))


def preflight(root: Path, step: Validate, *, target: tuple[str, str] | None = None) -> None:
    """Check that the noxfile exists and has every session ``step`` names; raise ``UsageError`` (exit 2) if not.

    Runs ``nox -f NOXFILE --list --json`` once, in ``root``. A name matches as with ``nox -s``: the
    session's name (``tests`` for ``tests-3.12``) or one of its full names. Does nothing without ``nox:``.

    Args:
        target: the commit the branch is aligned onto and its name (sha, ``origin/main``). The noxfile is
            checked as it will be after the alignment: when the working tree has none, the target's (read
            from that commit into a temporary folder) is the one the aligned branch will have.
    """
    if not step.nox:
        return
    if (root / step.noxfile).is_file():
        listing = _listing(root, step.noxfile)
        where = step.noxfile
    else:
        text = git.Git(root).show_file(target[0], step.noxfile) if target is not None else None
        if text is None:
            also = f" or on {target[1]}" if target is not None else ""
            raise UsageError(
                f"validate: there is no noxfile {step.noxfile} in {root}{also}",
                hint="add it, or set `validate: {noxfile: PATH}` (relative to the repository root)",
            )
        assert target is not None
        with tempfile.TemporaryDirectory(prefix="align-noxfile-") as folder:
            copy = Path(folder) / step.noxfile
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(text, encoding="utf-8")
            listing = _listing(Path(folder), step.noxfile, shown=f"{target[1]}:{step.noxfile}")
        where = f"{step.noxfile} (as on {target[1]}; the working tree has none)"
    unknown = [name for name in step.nox if not any(_matches(name, session) for session in listing)]
    if not unknown:
        return
    available = list(dict.fromkeys(name for session in listing for name in (session["name"], session["session"])))
    close = [match for name in unknown for match in difflib.get_close_matches(name, available, n=1)]
    suggestion = f"did you mean {', '.join(close)}? " if close else ""
    raise UsageError(
        f"validate: {where} has no session {', '.join(unknown)}",
        hint=f"{suggestion}its sessions: {', '.join(available) or 'none'}",
    )


def nox_command() -> list[str]:
    """Return how to start nox: with align's interpreter when it has nox, else ``nox`` from ``PATH``."""
    if importlib.util.find_spec("nox") is not None:
        return [sys.executable, "-m", "nox"]
    found = shutil.which("nox")
    if found is None:
        raise UsageError(
            f"validate: {NO_NOX}",
            hint="install it (`pipx install nox`), or validate with `run:` commands",
        )
    return [found]


def environment() -> dict[str, str]:
    """Return the environment for sessions and commands: align's, without git variables leaked by a hook."""
    return {name: value for name, value in os.environ.items() if name not in LEAKED}


def _nox_session(context: Context, step: Validate, name: str, root: Path, env: dict[str, str]) -> list[Entry]:
    """Run one nox session name; return an entry per session nox ran for it (or one for the error)."""
    try:
        command = nox_command()
    except UsageError:
        return [_entry(name, "nox", "error", _process.Finished(exit_code=None), reason=f"could not start: {NO_NOX}")]
    current = name
    tails: dict[str, deque[str]] = {}

    def on_line(line: str) -> None:
        nonlocal current
        running = _RUNNING.match(line)
        if running:
            current = running.group(1)
        context.monitor.output(f"nox:{current}", line)
        tails.setdefault(current, deque(maxlen=TAIL)).append(line)

    with tempfile.TemporaryDirectory(prefix="align-nox-") as folder:
        report = Path(folder) / "report.json"
        argv = [*command, "--no-color", f"--noxfile={step.noxfile}", f"--sessions={name}", "--report", str(report)]
        argv += ["--", *step.args] if step.args else []
        done = _process.stream(
            argv, cwd=root, timeout=step.timeout, on_line=on_line, env=env, on_start=_started(context)
        )
        results = _results(report)
    if done.timed_out or done.error:
        status, reason = ("timeout", "") if done.timed_out else ("error", f"could not start: {done.error}")
        return [_entry(current, "nox", status, done, tail=tails.get(current, ()), argv=argv, reason=reason)]
    entries = []
    for item in results:
        full = item["signatures"][0] if item.get("signatures") else item["name"]
        status = _STATUS.get(item["result"], "error")
        duration = float(item.get("duration") or 0.0)
        reason = item.get("reason") or ""
        entries.append(
            _entry(full, "nox", status, done, tail=tails.get(full, ()), argv=argv, reason=reason, duration_s=duration)
        )
    if done.exit_code != 0 and all(entry.ok for entry in entries):
        why = f"ended in an error (exit {done.exit_code}, {'no failure in the' if entries else 'no'} report)"
        entries.append(_entry(current, "nox", "error", done, tail=tails.get(current, ()), argv=argv, reason=why))
    return entries


def _started(context: Context) -> Callable[[int], None]:
    """Return a callback that keeps a started command's process group in the journal."""

    def keep(group: int) -> None:
        context.journal.validating_group = group
        context.save()

    return keep


def _command(context: Context, argv: Sequence[str], timeout: int, root: Path, env: dict[str, str]) -> Entry:
    """Run one ``run:`` command; return its entry."""
    prefix = Path(argv[0]).name
    tail: deque[str] = deque(maxlen=TAIL)

    def on_line(line: str) -> None:
        context.monitor.output(prefix, line)
        tail.append(line)

    done = _process.stream(argv, cwd=root, timeout=timeout, on_line=on_line, env=env, on_start=_started(context))
    if done.error:
        status, reason = "error", f"could not start: {done.error}"
    else:
        status, reason = ("timeout" if done.timed_out else "passed" if done.exit_code == 0 else "failed"), ""
    return _entry(" ".join(argv), "command", status, done, tail=tail, argv=argv, reason=reason)


def _entry(
    session: str,
    kind: str,
    status: str,
    done: _process.Finished,
    *,
    tail: Iterable[str] = (),
    argv: Sequence[str] = (),
    reason: str = "",
    duration_s: float | None = None,
) -> Entry:
    """Return one ``journal.found.sessions`` entry."""
    return SessionRecord(
        session=session,
        kind=kind,
        ok=status in ("passed", "skipped"),
        status=status,
        duration_s=round(done.duration_s if duration_s is None else duration_s, 3),
        exit_code=done.exit_code,
        tail=tuple(line if len(line) <= TAIL_WIDTH else line[: TAIL_WIDTH - 1] + "…" for line in tail),
        argv=tuple(argv),
        reason=reason,
    )


def _results(report: Path) -> list[dict[str, Any]]:
    """Return the sessions of a nox ``--report`` file (none when nox wrote none)."""
    try:
        sessions = json.loads(report.read_text(encoding="utf-8")).get("sessions", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [item for item in sessions if isinstance(item, dict) and "name" in item and "result" in item]


def _why(entry: Entry, timeout: int) -> str:
    """Return the step's detail for a session or command that did not pass."""
    label = f"nox:{entry.session}" if entry.kind == "nox" else entry.session
    if entry.status == "timeout":
        return f"validate: {label} timed out after {timeout} s"
    last = entry.tail[-1] if entry.tail else "no output"
    if entry.status == "error":
        return f"validate: {label} {entry.reason}" + ("" if entry.reason.startswith("could not") else f": {last}")
    return f"validate: {label} failed (exit {entry.exit_code}): {last}"


def _not_run(rest: Sequence[str]) -> str:
    return f" (not run: {', '.join(rest)})" if rest else ""


def _summary(entries: Sequence[Entry]) -> str:
    """Return ``2 passed, 1 skipped: nox:lint, nox:tests, make test``."""
    labels = [f"nox:{entry.session}" if entry.kind == "nox" else entry.session for entry in entries]
    skipped = sum(entry.status == "skipped" for entry in entries)
    counts = f"{len(entries) - skipped} passed" + (f", {skipped} skipped" if skipped else "")
    return f"{counts}: {', '.join(labels)}"


def _listing(root: Path, noxfile: str, *, shown: str = "") -> list[dict[str, Any]]:
    """Return every session of ``noxfile`` as ``nox --list --json`` shows it (``-k True``: not only the defaults).

    Args:
        shown: what messages call the noxfile (default: ``noxfile``).
    """
    argv = [*nox_command(), "--no-color", f"--noxfile={noxfile}", "--list", "--json", "--keywords=True"]
    try:
        done = subprocess.run(
            argv, cwd=root, env=environment(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            errors="replace", timeout=LIST_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise UsageError(f"validate: `nox --list` on {shown or noxfile} took more than {LIST_TIMEOUT} s") from None
    listing = _last_json_list(done.stdout) if done.returncode == 0 else None
    if listing is None:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        last = lines[-1] if lines else "no message"
        raise UsageError(
            f"validate: nox could not load {shown or noxfile} (exit {done.returncode}): {last}",
            hint=f"`git show {shown}` shows the file; nox cannot load it as it stands there"
            if shown
            else f"run `nox -f {noxfile} --list` in {root} to see why",
        )
    return [item for item in listing if isinstance(item, dict) and "name" in item and "session" in item]


def _last_json_list(stdout: str) -> list[Any] | None:
    """Return the JSON list nox printed last, skipping what came before it (None when there is none).

    A PEP 723 noxfile whose dependencies align's nox does not satisfy makes nox build its script
    environment first; pip's output ("Collecting nox", notices) then lands on the same stdout, before the
    listing. nox prints the listing on one line, last; a noxfile may print lines of its own too.
    """
    for line in reversed(stdout.splitlines()):
        if not line.startswith("["):
            continue
        try:
            found = json.loads(line)
        except ValueError:
            continue
        if isinstance(found, list):
            return found
    return None


def _matches(name: str, session: dict[str, Any]) -> bool:
    """Tell whether ``nox -s name`` selects ``session`` (an item of ``nox --list --json``)."""
    full, base, python = session["session"], session["name"], session.get("python")
    signature = full[full.index("(") :] if "(" in full else ""
    names = {base, full, *((f"{base}-{python}", f"{base}-{python}{signature}") if isinstance(python, str) else ())}
    return name in names or _normal(name) in {_normal(item) for item in names}


def _normal(name: str) -> str:
    """Return ``name`` as nox compares it: ``tests(django="1.9")`` is ``tests(django='1.9')``."""
    try:
        return ast.dump(ast.parse(name))
    except (SyntaxError, ValueError):
        return name
