"""Benchmark align against a plain shell script and ``git machete update`` (DESIGN §9; ``nox -s bench``).

A synthetic repository (see ``synthetic.py``) has ``--files`` files, ``--upstream`` commits on
``main`` and ``--feature`` commits on ``feature/x`` that touch other files (no conflicts). Each
repetition times, in turn, each in its own copy of the clone put back as it was before: align's
offline run (backup, rebase, verify, report), ``plain.sh`` doing the same git work, and ``git
machete update``. Then ``align --version`` and ``align check`` start-up, and align's git processes
on a repository with a tenth of the commits. Figures are medians; ``--json PATH`` keeps the raw ones.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthetic import BRANCH, TARGET, Copy, Sizes, build, hermetic_env, run

HERE = Path(__file__).resolve().parent
PLAIN_BUDGET = 1.25  # align's full run / plain script, at most
MACHETE_BUDGET = 1.0  # align's full run / git machete update, at most
START_BUDGET_MS = 150.0
MACHETE_LABEL = "git machete update --no-interactive-rebase"


@dataclass(frozen=True, kw_only=True)
class Contender:
    """One way of doing the work: the command to time, and how to prepare the copy it runs in (untimed)."""

    name: str
    label: str
    argv: list[str]
    prepare: Callable[[Path], None] = lambda _copy: None


@dataclass(kw_only=True)
class Figures:
    """Everything measured, as written by ``--json``."""

    sizes: dict[str, int]
    versions: dict[str, str]
    reps: int
    build_s: float | None
    labels: dict[str, str] = field(default_factory=dict)
    runs: dict[str, list[float]] = field(default_factory=dict)  # wall seconds
    cpu: dict[str, list[float]] = field(default_factory=dict)  # user + system seconds, the process and its children
    startup: dict[str, list[float]] = field(default_factory=dict)
    align_runs: list[dict[str, Any]] = field(default_factory=list)
    git_commands: list[str] = field(default_factory=list)
    calls_smaller: dict[str, int] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    budgets: list[dict[str, Any]] = field(default_factory=list)


# -- the contenders ---------------------------------------------------------------------------


def find_tool(name: str) -> str | None:
    """Return the console script ``name`` of the running environment, else the one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which(name)


def write_machete_layout(copy: Path) -> None:
    """Tell git-machete that feature/x grows out of main."""
    (copy / ".git" / "machete").write_text(f"{TARGET}\n  {BRANCH}\n", encoding="utf-8")


def contenders(align: list[str], checks: Sequence[str], machete: str | None) -> list[Contender]:
    """Return the contenders, align first; the plain script runs the checks align ran."""
    found = [
        Contender(
            name="align",
            label="align run --recipe offline",
            argv=[*align, "run", BRANCH, "--recipe", "offline"],
        ),
        Contender(
            name="plain",
            label="bench/plain.sh (same git work)",
            argv=["bash", str(HERE / "plain.sh"), BRANCH, f"origin/{TARGET}", *checks],
        ),
    ]
    if machete is not None:
        found.append(
            Contender(
                name="machete",
                label=MACHETE_LABEL,
                argv=["git", "machete", "update", "--no-interactive-rebase"],
                prepare=write_machete_layout,
            )
        )
    return found


def time_once(contender: Contender, copy: Copy) -> tuple[float, float]:
    """Run a contender in ``copy``, put back as the prepared clone was; return its wall and CPU time."""
    path = copy.restore()
    contender.prepare(path)
    cpu = cpu_of_children()
    started = time.perf_counter()
    done = subprocess.run(
        contender.argv, cwd=path, env=copy.env, stdin=subprocess.DEVNULL, capture_output=True, check=False
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


def outcome(copy: Path, env: dict[str, str]) -> str:
    """Describe the aligned branch: its tree and how many commits it has on top of the target."""
    tree = run(["git", "rev-parse", f"refs/heads/{BRANCH}^{{tree}}"], copy, env).strip()
    count = run(["git", "rev-list", "--count", f"origin/{TARGET}..refs/heads/{BRANCH}", "--"], copy, env).strip()
    return f"tree {tree[:12]}, {count} commit(s) on top"


def align_journal(copy: Path) -> dict[str, Any]:
    """Return the journal of the one align run made in ``copy``."""
    journals = sorted((copy / ".git" / "align" / "runs").glob("*/journal.json"))
    if len(journals) != 1:
        sys.exit(f"bench: expected one align run journal in {copy}, found {len(journals)}")
    data: dict[str, Any] = json.loads(journals[0].read_text(encoding="utf-8"))
    return {**data, **data.get("found", {})}  # journal format 2 keeps the phases and checks under "found"


def checks_run(journal: dict[str, Any]) -> list[str]:
    """Return the verify checks align ran (structured when the journal has them, else from the phase detail)."""
    if journal.get("checks"):
        return [str(item["check"]) for item in journal["checks"] if item.get("status") != "skipped"]
    for phase in journal["phases"]:
        if phase["name"] == "verify" and ": " in phase["detail"]:
            return [name.strip() for name in phase["detail"].split(": ", 1)[1].split(",")]
    return []


def run_summary(journal: dict[str, Any]) -> dict[str, Any]:
    """Keep what the bench reports of an align run: git use, duration and phases."""
    phases = {phase["name"]: round(phase["duration_s"], 4) for phase in journal["phases"]}
    return {
        "git_calls": journal["git_calls"],
        "git_seconds": round(journal["git_seconds"], 4),
        "duration_s": round(journal["duration_s"], 4),
        "phases": phases,
    }


def git_commands(align: list[str], copy: Copy) -> list[str]:
    """Run align once with -v (not timed) and return the git commands it logged."""
    path = copy.restore()
    argv = [*align, "-v", "run", BRANCH, "--recipe", "offline"]
    done = subprocess.run(argv, cwd=path, env=copy.env, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    if done.returncode != 0:
        sys.exit(f"bench: align failed with exit {done.returncode}:\n{(done.stdout + done.stderr).decode()}")
    lines = done.stderr.decode(errors="replace").splitlines()
    return [line.split(" -> ")[0] for line in lines if line.startswith("git ") and " -> " in line]


# -- measuring ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Setup:
    """What every measurement needs: the prepared clone, the environment, the tools, copies of the clone."""

    work: Path
    scratch: Path
    env: dict[str, str]
    align: list[str]
    machete: str | None
    copies: dict[str, Copy] = field(default_factory=dict)

    def copy(self, name: str, work: Path | None = None) -> Copy:
        """Return the copy of the clone (``work``: another prepared clone) called ``name``, made once."""
        if name not in self.copies:
            self.copies[name] = Copy.make(work or self.work, self.scratch / name, self.env)
        return self.copies[name]


def warm_up(setup: Setup, figures: Figures) -> list[Contender]:
    """Run each contender once (not timed), check that they all leave the same branch; return them."""
    copy = setup.copy("copy-0")
    figures.git_commands = git_commands(setup.align, copy)
    checks = checks_run(align_journal(copy.path))
    figures.results["align"] = outcome(copy.path, setup.env)
    found = contenders(setup.align, checks, setup.machete)
    for index, contender in enumerate(found[1:], start=1):
        copy = setup.copy(f"copy-{index}")
        time_once(contender, copy)
        figures.results[contender.name] = outcome(copy.path, setup.env)
    if len(set(figures.results.values())) != 1:
        sys.exit(f"bench: the contenders did not do the same work: {figures.results}")
    return found


def measure_runs(setup: Setup, found: list[Contender], figures: Figures) -> None:
    """Time the contenders in turn (A B C, A B C, ...), each in a copy put back as the clone was.

    The copies rotate (A in copy 1, B in copy 2, then A in copy 2, ...), so that what is peculiar to one
    copy (where its files lie on disk) is not charged to one contender.
    """
    for contender in found:
        figures.runs[contender.name] = []
        figures.cpu[contender.name] = []
    for rep in range(1, figures.reps + 1):
        for index, contender in enumerate(found):
            copy = setup.copy(f"copy-{(index + rep) % len(found)}")
            wall, cpu = time_once(contender, copy)
            figures.runs[contender.name].append(wall)
            figures.cpu[contender.name].append(cpu)
            if outcome(copy.path, setup.env) != figures.results[contender.name]:
                sys.exit(f"bench: {contender.label} left another branch than in its warm-up run, in {copy.path}")
            if contender.name == "align":
                figures.align_runs.append(run_summary(align_journal(copy.path)))
        shown = ", ".join(f"{name} {times[-1]:.3f} s" for name, times in figures.runs.items())
        progress(f"full run {rep}/{figures.reps}: {shown}")


def measure_startup(setup: Setup, reps: int, figures: Figures) -> None:
    """Time ``align --version`` and ``align check`` (and bare Python, for scale) in a copy of the clone."""
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "align --version": [*setup.align, "--version"],
        "align check": [*setup.align, "check"],
    }
    path = setup.copy("copy-0").restore()
    for name, argv in commands.items():
        run(argv, path, setup.env)  # once, not timed: Python writes the bytecode it has not cached yet
        figures.startup[name] = []
    for _rep in range(reps):
        for name, argv in commands.items():
            started = time.perf_counter()
            done = subprocess.run(argv, cwd=path, env=setup.env, capture_output=True, check=False)
            figures.startup[name].append(time.perf_counter() - started)
            if done.returncode != 0:
                sys.exit(f"bench: `{name}` failed with exit {done.returncode}:\n{(done.stdout + done.stderr).decode()}")
    shown = ", ".join(f"{name} {median(times) * 1000:.0f} ms" for name, times in figures.startup.items())
    progress(f"start-up ({reps} reps): {shown}")


def measure_smaller(sizes: Sizes, setup: Setup, cache: Path, figures: Figures) -> None:
    """Count align's git processes on a repository with a tenth of the commits (same files)."""
    smaller = Sizes(files=sizes.files, upstream=max(1, sizes.upstream // 10), feature=max(1, sizes.feature // 10))
    work, _built = build(smaller, cache, setup.env)
    copy = setup.copy("smaller", work)
    time_once(contenders(setup.align, [], None)[0], copy)
    figures.calls_smaller = {
        "upstream": smaller.upstream,
        "feature": smaller.feature,
        "git_calls": align_journal(copy.path)["git_calls"],
    }


def progress(line: str) -> None:
    """Print a progress line on stderr at once."""
    print(f"bench: {line}", file=sys.stderr, flush=True)


# -- budgets and the report ---------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """Return the median of ``values``."""
    return statistics.median(values)


def judge(figures: Figures) -> None:
    """Compare the medians with DESIGN §9's budgets."""

    def verdict(name: str, value: float | None, limit: float, shown: str) -> None:
        state = "SKIP" if value is None else ("PASS" if value <= limit else "OVER")
        figures.budgets.append({"budget": name, "value": value, "limit": limit, "shown": shown, "verdict": state})

    align = median(figures.runs["align"])
    plain = align / median(figures.runs["plain"])
    verdict(f"full run <= {PLAIN_BUDGET:.2f}x the plain script", plain, PLAIN_BUDGET, f"{plain:.2f}x")
    if "machete" in figures.runs:
        ratio = align / median(figures.runs["machete"])
        verdict(f"full run <= {MACHETE_BUDGET:.2f}x git machete update", ratio, MACHETE_BUDGET, f"{ratio:.2f}x")
    else:
        verdict(f"full run <= {MACHETE_BUDGET:.2f}x git machete update", None, MACHETE_BUDGET, "not measured")
    for name in ("align --version", "align check"):
        ms = median(figures.startup[name]) * 1000
        verdict(f"{name} starts in < {START_BUDGET_MS:.0f} ms", ms, START_BUDGET_MS, f"{ms:.0f} ms")
    calls = [run["git_calls"] for run in figures.align_runs]
    most, fewer = max(calls), figures.calls_smaller["git_calls"]
    grew = float(most - fewer)
    verdict("git processes do not grow with commits", grew, 0.0, f"{fewer} -> {most}")


def render(figures: Figures, cache: Path) -> str:
    """Return the readable table."""
    sizes, versions = figures.sizes, figures.versions
    built = f"built in {figures.build_s:.1f} s" if figures.build_s is not None else "reused"
    lines = [
        f"align bench: {sizes['files']} files, {sizes['feature']} feature commits over {sizes['upstream']} upstream "
        f"commits; {figures.reps} alternating repetitions, medians",
        "  " + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"  repository: {built} ({cache})",
        "",
        f"{'full offline run (backup, rebase, verify, report)':<52}{'median':>9}{'min':>9}{'max':>9}{'cpu':>9}",
    ]
    for name, times in figures.runs.items():
        cpu = median(figures.cpu[name])
        shown = f"{median(times):>7.3f} s{min(times):>7.3f} s{max(times):>7.3f} s{cpu:>7.3f} s"
        lines.append(f"  {figures.labels[name]:<50}{shown}")
    for name, why in figures.missing.items():
        lines.append(f"  {MACHETE_LABEL if name == 'machete' else name:<50}{why}")
    for name in ("plain", "machete"):
        if name in figures.runs:
            wall = median(figures.runs["align"]) / median(figures.runs[name])
            best = min(figures.runs["align"]) / min(figures.runs[name])
            cpu = median(figures.cpu["align"]) / median(figures.cpu[name])
            lines.append(f"  align / {name}: {wall:.2f}x (medians), {best:.2f}x (minimums), {cpu:.2f}x cpu time")
    lines.append(f"  same result for every contender: {next(iter(figures.results.values()))}")
    lines += ["", f"{'start-up':<52}{'median':>9}{'min':>9}"]
    for name, times in figures.startup.items():
        lines.append(f"  {name:<50}{median(times) * 1000:>6.0f} ms{min(times) * 1000:>6.0f} ms")
    lines += ["", *align_lines(figures), "", "budgets (DESIGN §9)"]
    for budget in figures.budgets:
        lines.append(f"  {budget['budget']:<50}{budget['shown']:>14}  {budget['verdict']}")
    return "\n".join(lines)


def align_lines(figures: Figures) -> list[str]:
    """Describe align's own runs: git processes, time in git, per-phase medians, the commands it ran."""
    runs = figures.align_runs
    phases = {name: median([run["phases"].get(name, 0.0) for run in runs]) for name in runs[0]["phases"]}
    kinds = Counter(git_subcommand(command) for command in figures.git_commands)
    smaller = figures.calls_smaller
    return [
        "align's run (from its journal, medians)",
        f"  in align: {median([run['duration_s'] for run in runs]):.3f} s, of which git "
        f"{median([run['git_seconds'] for run in runs]):.3f} s in {runs[0]['git_calls']} processes "
        f"({smaller['git_calls']} with {smaller['feature']} feature / {smaller['upstream']} upstream commits)",
        "  phases:   " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in phases.items()),
        f"  git (-v): {len(figures.git_commands)} processes in all: "
        + ", ".join(f"{kind} x{count}" for kind, count in kinds.most_common()),
    ]


def git_subcommand(command: str) -> str:
    """Return the git subcommand of a logged command line (``git -c a=b rebase ...`` -> ``rebase``)."""
    words = [word for word in command.split()[1:] if not word.startswith("-") and "=" not in word]
    return words[0] if words else "?"


# -- the command line ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=10_000, help="files in the tree (default: 10000)")
    parser.add_argument("--upstream", type=int, default=500, help="new commits on main (default: 500)")
    parser.add_argument("--feature", type=int, default=50, help="commits on feature/x (default: 50)")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each full run (default: 5)")
    parser.add_argument("--startup-reps", type=int, default=15, help="repetitions of each start-up (default: 15)")
    parser.add_argument(
        "--cache", type=Path, default=HERE.parent / ".nox" / "bench-cache", help="where the repositories are kept"
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    if min(args.files, args.upstream, args.feature, args.reps, args.startup_reps) < 1:
        parser.error("every size and repetition count must be at least 1")
    return args


def versions(setup: Setup) -> dict[str, str]:
    """Return the versions of the tools measured."""
    found = {
        "python": platform.python_version(),
        "load average": f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
        "git": run(["git", "--version"], setup.work, setup.env).split()[-1],
        "align": run([*setup.align, "--version"], setup.work, setup.env).split()[-1],
    }
    if setup.machete is not None:
        found["git-machete"] = run(["git", "machete", "--version"], setup.work, setup.env).split()[-1]
    return found


def prepare(sizes: Sizes, cache: Path, scratch: Path) -> tuple[Setup, float | None]:
    """Find align and git-machete, make the hermetic environment, build or reuse the repository."""
    align = find_tool("align")
    machete = find_tool("git-machete")
    env = hermetic_env(scratch / "home", [tool for tool in (align, machete) if tool], cache / "pycache")
    progress(f"building or reusing the repository ({sizes.key}) in {cache}")
    work, build_s = build(sizes, cache, env)
    command = [align] if align else [sys.executable, "-m", "align"]
    return Setup(work=work, scratch=scratch, env=env, align=command, machete=machete), build_s


def measure(sizes: Sizes, args: argparse.Namespace, cache: Path, scratch: Path) -> Figures:
    """Take every measurement, in a scratch folder that is deleted afterwards."""
    setup, build_s = prepare(sizes, cache, scratch)
    figures = Figures(sizes=dataclasses.asdict(sizes), versions=versions(setup), reps=args.reps, build_s=build_s)
    if setup.machete is None:
        figures.missing["machete"] = "not measured: git-machete is not installed here (pip install git-machete)"
    progress("warm-up: one untimed run of each contender")
    found = warm_up(setup, figures)
    figures.labels = {contender.name: contender.label for contender in found}
    measure_runs(setup, found, figures)
    measure_startup(setup, args.startup_reps, figures)
    measure_smaller(sizes, setup, cache, figures)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Build (or reuse) the repository, measure, print the table; exit 0 unless something failed to run."""
    args = parse_args(argv)
    sizes = Sizes(files=args.files, upstream=args.upstream, feature=args.feature)
    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scratch-", dir=cache) as scratch:
        figures = measure(sizes, args, cache, Path(scratch))
    judge(figures)
    print(render(figures, cache))
    print(f"\n(bench took {time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(dataclasses.asdict(figures), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
