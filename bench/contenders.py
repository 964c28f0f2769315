"""What the bench times: the scenarios, their contenders, and how a run is checked and counted.

A scenario is a prepared clone and the commands that do the same work in it: align, and plain git
(``plain.sh``, ``git rebase``, ``git machete``). Each command runs in a copy of the clone put back as
it was, after an untimed ``prepare`` (the uncommitted work of the not-checked-out scenario).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthetic import BRANCH, TARGET, Copy, file_path, run

HERE = Path(__file__).resolve().parent
NOT_CHECKED_OUT, CHECKED_OUT, SMALL, BATCH = "not_checked_out", "checked_out", "small", "batch"
MACHETE_LABEL = "git machete update --no-interactive-rebase"
UNTRACKED = "untracked notes.txt"


def nothing(_path: Path, _env: dict[str, str]) -> None:
    """Prepare nothing."""


@dataclass(frozen=True, kw_only=True)
class Contender:
    """One way of doing the work: the command to time, and how to prepare the copy it runs in (untimed)."""

    name: str
    label: str
    argv: list[str]
    prepare: Callable[[Path, dict[str, str]], None] = nothing


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A situation to time: the prepared clone, the branches aligned, the contenders (align first)."""

    name: str
    title: str
    pristine: Path
    branches: tuple[str, ...]
    contenders: tuple[Contender, ...]


# -- the contenders ---------------------------------------------------------------------------


def align_contender(
    align: list[str], recipe: str, branches: Sequence[str], prepare: Callable[[Path, dict[str, str]], None]
) -> Contender:
    """Return align's offline run of ``branches`` (``recipe``: offline, or the bench's recipe naming an engine)."""
    shown = "offline" if recipe == "offline" else Path(recipe).name
    named = branches[0] if len(branches) == 1 else f"{branches[0]} ... {branches[-1]}"
    return Contender(
        name="align",
        label=f"align run {named} --recipe {shown}",
        argv=[*align, "run", *branches, "--recipe", recipe],
        prepare=prepare,
    )


def write_machete_layout(copy: Path, _env: dict[str, str]) -> None:
    """Tell git-machete that feature/x grows out of main."""
    (copy / ".git" / "machete").write_text(f"{TARGET}\n  {BRANCH}\n", encoding="utf-8")


def make_uncommitted_work(path: Path, env: dict[str, str]) -> None:
    """Leave uncommitted work on the checked-out branch: a staged change, an unstaged one, an untracked file."""
    for index, line in ((0, b"a staged change\n"), (1, b"an unstaged change\n")):
        changed = path / file_path(index)
        changed.write_bytes(changed.read_bytes() + line)
    run(["git", "add", "--", file_path(0)], path, env)
    (path / UNTRACKED).write_text("untracked work\n", encoding="utf-8")


def not_checked_out(pristine: Path, align: list[str], recipe: str) -> Scenario:
    """feature/x aligned while main is checked out with uncommitted work, against git rebase and back."""
    script = 'git rebase --quiet --autostash "$1" "$2" && git checkout --quiet "$1"'
    return Scenario(
        name=NOT_CHECKED_OUT,
        title="feature/x not checked out; main is, with uncommitted work",
        pristine=pristine,
        branches=(BRANCH,),
        contenders=(
            align_contender(align, recipe, [BRANCH], make_uncommitted_work),
            Contender(
                name="plain",
                label=f"git rebase --autostash {TARGET} {BRANCH} && checkout {TARGET}",
                argv=["bash", "-c", script, "plain", TARGET, BRANCH],
                prepare=make_uncommitted_work,
            ),
        ),
    )


def plain_script(checks: Sequence[str]) -> Contender:
    """Return ``plain.sh``: align's git work (backup, rebase, the checks align ran) as a shell script."""
    return Contender(
        name="plain",
        label="bench/plain.sh (same git work)",
        argv=["bash", str(HERE / "plain.sh"), BRANCH, f"origin/{TARGET}", *checks],
    )


def checked_out(pristine: Path, align: list[str], recipe: str, checks: Sequence[str], machete: str | None) -> Scenario:
    """feature/x checked out: align, plain.sh and (when installed) git machete update."""
    found = [align_contender(align, recipe, [BRANCH], nothing), plain_script(checks)]
    if machete is not None:
        argv = ["git", "machete", "update", "--no-interactive-rebase"]
        found.append(Contender(name="machete", label=MACHETE_LABEL, argv=argv, prepare=write_machete_layout))
    return Scenario(
        name=CHECKED_OUT,
        title="feature/x checked out",
        pristine=pristine,
        branches=(BRANCH,),
        contenders=tuple(found),
    )


def small(pristine: Path, align: list[str], recipe: str, checks: Sequence[str], files: int) -> Scenario:
    """A 1-commit branch of a small repository, checked out: align's own overhead over plain.sh."""
    return Scenario(
        name=SMALL,
        title=f"small repository ({files} files), 1-commit feature/x checked out",
        pristine=pristine,
        branches=(BRANCH,),
        contenders=(align_contender(align, recipe, [BRANCH], nothing), plain_script(checks)),
    )


def batch(pristine: Path, align: list[str], recipe: str, branches: tuple[str, ...]) -> Scenario:
    """Several branches in one align run (main checked out) against a loop of git rebases."""
    script = 'for branch in "${@:2}"; do git rebase --quiet "$1" "$branch" || exit; done; git checkout --quiet "$1"'
    return Scenario(
        name=BATCH,
        title=f"{len(branches)}-branch batch ({branches[0]} ... {branches[-1]}, main checked out)",
        pristine=pristine,
        branches=branches,
        contenders=(
            align_contender(align, recipe, branches, nothing),
            Contender(
                name="plain",
                label=f"for each branch: git rebase {TARGET} BRANCH; checkout",
                argv=["bash", "-c", script, "plain", TARGET, *branches],
            ),
        ),
    )


# -- running and checking ---------------------------------------------------------------------


def time_once(contender: Contender, copy: Copy, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a contender in ``copy``, put back and prepared; return its wall and CPU time (``env``: another one)."""
    path = copy.restore()
    contender.prepare(path, copy.env)
    cpu = cpu_of_children()
    started = time.perf_counter()
    done = subprocess.run(
        contender.argv, cwd=path, env=env or copy.env, stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - started
    cpu = cpu_of_children() - cpu
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace")
        sys.exit(f"bench: {contender.label} failed with exit {done.returncode} in {path}:\n{output}")
    return elapsed, cpu


def cpu_of_children() -> float:
    """Return the user + system time of every finished child process (and theirs), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def traced_processes(contender: Contender, copy: Copy, trace: Path) -> int:
    """Run a contender once (untimed) with GIT_TRACE and return how many git processes ran, git's children too."""
    trace.unlink(missing_ok=True)
    time_once(contender, copy, {**copy.env, "GIT_TRACE": str(trace)})
    lines = trace.read_text(encoding="utf-8", errors="replace").splitlines() if trace.exists() else []
    return sum(1 for line in lines if "trace: built-in: git " in line or "trace: exec: git-" in line)


def outcome(copy: Path, env: dict[str, str], branches: Sequence[str]) -> str:
    """Describe the aligned branches (tree, commits on top of the target) and the branch checked out."""
    found = []
    for branch in branches:
        tree = run(["git", "rev-parse", f"refs/heads/{branch}^{{tree}}"], copy, env).strip()
        count = run(["git", "rev-list", "--count", f"origin/{TARGET}..refs/heads/{branch}", "--"], copy, env).strip()
        found.append(f"{branch}: tree {tree[:12]}, {count} commit(s) on top")
    head = run(["git", "symbolic-ref", "--quiet", "--short", "HEAD"], copy, env).strip()
    return "; ".join(found) + f"; {head} checked out"


def worktree_state(copy: Path, env: dict[str, str]) -> str:
    """Describe HEAD, the index and the working tree exactly enough to tell whether uncommitted work was kept."""
    parts = [
        run(argv, copy, env)
        for argv in (
            ["git", "symbolic-ref", "HEAD"],
            ["git", "status", "--porcelain=v2", "--untracked-files=all"],
            ["git", "diff", "--cached", "--binary"],
            ["git", "diff", "--binary"],
            ["git", "stash", "list"],
        )
    ]
    untracked = copy / UNTRACKED
    parts.append(untracked.read_text(encoding="utf-8") if untracked.exists() else "(no untracked file)")
    return "\n".join(parts)


def align_journals(copy: Path, count: int) -> list[dict[str, Any]]:
    """Return the journals of the align run made in ``copy`` (one per branch aligned)."""
    journals = sorted((copy / ".git" / "align" / "runs").glob("*/journal.json"))
    if len(journals) != count:
        sys.exit(f"bench: expected {count} align run journal(s) in {copy}, found {len(journals)}")
    found = []
    for path in journals:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        found.append({**data, **data.get("found", {})})  # journal format 2 keeps the phases and checks under "found"
    return found


def checks_run(journal: dict[str, Any]) -> list[str]:
    """Return the verify checks align ran (structured when the journal has them, else from the phase detail)."""
    if journal.get("checks"):
        return [str(item["check"]) for item in journal["checks"] if item.get("status") != "skipped"]
    for phase in journal["phases"]:
        if phase["name"] == "verify" and ": " in phase["detail"]:
            return [name.strip() for name in phase["detail"].split(": ", 1)[1].split(",")]
    return []


def run_summary(journals: list[dict[str, Any]]) -> dict[str, Any]:
    """Keep what the bench reports of an align run (its branches together): git use, duration and phases."""
    phases: dict[str, float] = {}
    for journal in journals:
        for phase in journal["phases"]:
            phases[phase["name"]] = round(phases.get(phase["name"], 0.0) + phase["duration_s"], 4)
    return {
        "git_calls": sum(journal["git_calls"] for journal in journals),
        "git_seconds": round(sum(journal["git_seconds"] for journal in journals), 4),
        "duration_s": round(sum(journal["duration_s"] for journal in journals), 4),
        "phases": phases,
    }


def git_commands(align: list[str], recipe: str, copy: Copy) -> tuple[list[str], list[str]]:
    """Run align once with -v (not timed) on the checked-out feature/x; return its git commands and checks."""
    path = copy.restore()
    argv = [*align, "-v", "run", BRANCH, "--recipe", recipe]
    done = subprocess.run(argv, cwd=path, env=copy.env, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench: align failed with exit {done.returncode}:\n{(done.stdout + done.stderr).decode()}")
    lines = done.stderr.decode(errors="replace").splitlines()
    commands = [line.split(" -> ")[0] for line in lines if line.startswith("git ") and " -> " in line]
    return commands, checks_run(align_journals(path, 1)[0])
