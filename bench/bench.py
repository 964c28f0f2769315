"""Benchmark align against plain git, a plain shell script and ``git machete update`` (DESIGN §9; ``nox -s bench``).

A synthetic repository (see ``synthetic.py``) has ``--files`` files, ``--upstream`` commits on
``main`` and ``--feature`` commits on ``feature/x`` that touch other files (no conflicts). In one run,
alternating, each command in its own copy of a clone put back as it was before, the bench times:
feature/x not checked out (main is, with staged, unstaged and untracked work, made again before each
run) against ``git rebase --autostash main feature/x && git checkout main``; feature/x checked out
against ``plain.sh`` (the same git work) and ``git machete update``; a 1-commit branch of a 50-file
repository against ``plain.sh`` (align's own overhead); a 5-branch batch in one align run against a
loop of ``git rebase``. Then ``align --version`` and ``align check`` start-up, and the git processes
of one run (GIT_TRACE) at two sizes of branch, as processes per commit. Figures are medians, shown
against DESIGN §9's budgets; ``--json PATH`` keeps the raw ones; ``--strict`` exits 1 when one is over.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from contenders import (
    CHECKED_OUT,
    NOT_CHECKED_OUT,
    Contender,
    Scenario,
    align_journals,
    batch,
    checked_out,
    git_commands,
    not_checked_out,
    outcome,
    run_summary,
    small,
    time_once,
    traced_processes,
    worktree_state,
)
from report import Figures, Timed, exit_code, judge, median, over_budget, render
from synthetic import TARGET, Copy, Sizes, build, hermetic_env, run

HERE = Path(__file__).resolve().parent
SMALL_SIZES = Sizes(files=50, upstream=10, feature=1)
BATCH_BRANCHES = 5
ENGINES = ("auto", "memory", "disk")


def find_tool(name: str) -> str | None:
    """Return the console script ``name`` of the running environment, else the one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which(name)


@dataclass(frozen=True, kw_only=True)
class Setup:
    """What every measurement needs: the prepared clone, the environment, the tools, copies of clones."""

    work: Path
    scratch: Path
    env: dict[str, str]
    align: list[str]
    machete: str | None
    recipe: str = "offline"
    copies: dict[str, Copy] = field(default_factory=dict)

    def copy(self, name: str, pristine: Path) -> Copy:
        """Return the copy of the prepared clone ``pristine`` called ``name``, made once."""
        if name not in self.copies:
            self.copies[name] = Copy.make(pristine, self.scratch / name, self.env)
        return self.copies[name]

    def on_main(self, work: Path, name: str) -> Path:
        """Return a prepared clone like ``work`` with main checked out instead of feature/x (made once)."""
        folder = self.scratch / f"pristine-{name}"
        if not folder.is_dir():
            path = Copy.make(work, folder, self.env).path
            run(["git", "switch", "--quiet", TARGET], path, self.env)
            run(["git", "update-index", "-q", "--refresh"], path, self.env)
        return folder / work.name


def engine_recipe(engine: str, setup: Setup) -> str:
    """Write the recipe that sets the rebase engine (offline otherwise); check that align accepts it."""
    path = setup.scratch / f"bench-engine-{engine}.yaml"
    path.write_text(
        f"version: 1\ndescription: offline, rebase engine {engine} (the bench)\nextends: offline\n"
        f"patch:\n  rebase: {{engine: {engine}}}\n",
        encoding="utf-8",
    )
    argv = [*setup.align, "check", str(path)]
    copy = setup.copy(f"{CHECKED_OUT}-0", setup.work).path  # not the cached clone: align may keep things in .git
    done = subprocess.run(argv, cwd=copy, env=setup.env, capture_output=True, check=False)
    output = (done.stdout + done.stderr).decode(errors="replace").strip()
    if done.returncode == 2:
        sys.exit(
            f"bench: --engine {engine}: this align refuses `engine:` in the rebase step (it has no in-memory "
            f"engine yet; run the bench without --engine to measure what it does):\n{output}"
        )
    if done.returncode != 0:
        sys.exit(f"bench: `align check {path}` failed with exit {done.returncode}:\n{output}")
    return str(path)


# -- measuring ----------------------------------------------------------------------------------


def make_scenarios(sizes: Sizes, setup: Setup, cache: Path, figures: Figures, checks: list[str]) -> list[Scenario]:
    """Build (or reuse) the small and batch repositories; return the scenarios to time, in order."""
    small_work, figures.built[SMALL_SIZES.key] = build(SMALL_SIZES, cache, setup.env)
    several = Sizes(
        files=sizes.files,
        upstream=sizes.upstream,
        feature=max(1, sizes.feature // BATCH_BRANCHES),
        branches=BATCH_BRANCHES,
    )
    batch_work, figures.built[several.key] = build(several, cache, setup.env)
    align, recipe = setup.align, setup.recipe
    return [
        not_checked_out(setup.on_main(setup.work, "main"), align, recipe),
        checked_out(setup.work, align, recipe, checks, setup.machete),
        small(small_work, align, recipe, checks, SMALL_SIZES.files),
        batch(batch_work, align, recipe, several.names),
    ]


def warm_up(setup: Setup, scenarios: list[Scenario], figures: Figures) -> None:
    """Run each contender once (not timed); check that a scenario's contenders leave the same branches.

    Where there is uncommitted work, also record whether each contender left it exactly as it was;
    align must (DESIGN §7). The runs of align and the plain command in the first two scenarios are
    traced: their git processes at full size.
    """
    for scenario in scenarios:
        timed = figures.scenarios[scenario.name] = Timed(title=scenario.title)
        for index, contender in enumerate(scenario.contenders):
            timed.labels[contender.name] = contender.label
            copy = setup.copy(f"{scenario.name}-{index}", scenario.pristine)
            before = prepared_state(contender, copy) if scenario.name == NOT_CHECKED_OUT else None
            if scenario.name in (NOT_CHECKED_OUT, CHECKED_OUT) and index < 2:  # align and the plain one
                count_processes(setup, scenario, contender, copy, figures, commits=figures.sizes["feature"])
            else:
                time_once(contender, copy)
            timed.results[contender.name] = outcome(copy.path, setup.env, scenario.branches)
            if before is not None:
                after = worktree_state(copy.path, setup.env)
                timed.kept[contender.name] = after == before
                if contender.name == "align" and after != before:
                    sys.exit(
                        f"bench: align did not leave the uncommitted work as it was:\n{before}\n-- became --\n{after}"
                    )
        if len(set(timed.results.values())) != 1:
            sys.exit(f"bench: the contenders did not do the same work ({scenario.title}): {timed.results}")


def prepared_state(contender: Contender, copy: Copy) -> str:
    """Return the state of HEAD, index and tree that ``contender`` runs in (made again, the same, for its run)."""
    path = copy.restore()
    contender.prepare(path, copy.env)
    return worktree_state(path, copy.env)


def measure_runs(setup: Setup, scenarios: list[Scenario], figures: Figures) -> None:
    """Time every contender in turn (A B C, A B C, ...), each in a copy put back as the clone was.

    The copies rotate (A in copy 1, B in copy 2, then A in copy 2, ...), so that what is peculiar to one
    copy (where its files lie on disk) is not charged to one contender.
    """
    for rep in range(1, figures.reps + 1):
        shown = []
        for scenario in scenarios:
            timed = figures.scenarios[scenario.name]
            count = len(scenario.contenders)
            for index, contender in enumerate(scenario.contenders):
                copy = setup.copy(f"{scenario.name}-{(index + rep) % count}", scenario.pristine)
                wall, cpu = time_once(contender, copy)
                timed.runs.setdefault(contender.name, []).append(wall)
                timed.cpu.setdefault(contender.name, []).append(cpu)
                if outcome(copy.path, setup.env, scenario.branches) != timed.results[contender.name]:
                    sys.exit(f"bench: {contender.label} left other branches than in its warm-up run, in {copy.path}")
                if contender.name == "align":
                    timed.align_runs.append(run_summary(align_journals(copy.path, len(scenario.branches))))
            shown.append(f"{scenario.name} " + "/".join(f"{times[-1]:.3f}" for times in timed.runs.values()))
        progress(f"full run {rep}/{figures.reps}: " + ", ".join(shown) + " s")


def measure_startup(setup: Setup, reps: int, figures: Figures) -> None:
    """Time ``align --version`` and ``align check`` (and bare Python, for scale) in a copy of the clone."""
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "align --version": [*setup.align, "--version"],
        "align check": [*setup.align, "check"],
    }
    path = setup.copy(f"{CHECKED_OUT}-0", setup.work).restore()
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


def count_processes(
    setup: Setup, scenario: Scenario, contender: Contender, copy: Copy, figures: Figures, *, commits: int
) -> None:
    """Run a contender once (untimed) with GIT_TRACE on a branch of ``commits`` commits; record its git
    processes, and align's own count (from its journal)."""
    traced = traced_processes(contender, copy, setup.scratch / "git-trace.txt")
    journal = run_summary(align_journals(copy.path, 1))["git_calls"] if contender.name == "align" else None
    row = {"situation": scenario.name, "contender": contender.name, "commits": commits}
    figures.processes.append({**row, "traced": traced, "journal": journal})


def measure_processes(sizes: Sizes, setup: Setup, cache: Path, figures: Figures, checks: list[str]) -> None:
    """Count the git processes of one run again on a branch with a tenth of the commits (the warm-up counted
    them at full size), feature/x not checked out and checked out: the difference is their cost per commit."""
    fewer = Sizes(files=sizes.files, upstream=sizes.upstream, feature=max(1, sizes.feature // 10))
    work, figures.built[fewer.key] = build(fewer, cache, setup.env)
    for scenario in (
        not_checked_out(setup.on_main(work, "fewer-main"), setup.align, setup.recipe),
        checked_out(work, setup.align, setup.recipe, checks, None),
    ):
        copy = setup.copy(f"fewer-{scenario.name}", scenario.pristine)
        for contender in scenario.contenders[:2]:  # align and the plain one
            count_processes(setup, scenario, contender, copy, figures, commits=fewer.feature)
    progress(f"git processes counted at {fewer.feature} and {sizes.feature} feature commits")


def progress(line: str) -> None:
    """Print a progress line on stderr at once."""
    print(f"bench: {line}", file=sys.stderr, flush=True)


# -- the command line ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=10_000, help="files in the tree (default: 10000)")
    parser.add_argument("--upstream", type=int, default=500, help="new commits on main (default: 500)")
    parser.add_argument(
        "--feature", type=int, default=50, help="commits on feature/x; a fifth on each batch branch (default: 50)"
    )
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each timed run (default: 5)")
    parser.add_argument("--startup-reps", type=int, default=15, help="repetitions of each start-up (default: 15)")
    parser.add_argument(
        "--engine", choices=ENGINES, help="set `engine:` in the rebase step of align's recipe (default: not set)"
    )
    parser.add_argument(
        "--cache", type=Path, default=HERE.parent / ".nox" / "bench-cache", help="where the repositories are kept"
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure is over its budget")
    args = parser.parse_args(argv)
    if min(args.upstream, args.feature, args.reps, args.startup_reps) < 1 or args.files < 2:
        parser.error("every size and repetition count must be at least 1, and --files at least 2")
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


def prepare(sizes: Sizes, args: argparse.Namespace, cache: Path, scratch: Path) -> tuple[Setup, float | None]:
    """Find align and git-machete, make the hermetic environment, build or reuse the repository."""
    align = find_tool("align")
    machete = find_tool("git-machete")
    env = hermetic_env(scratch / "home", [tool for tool in (align, machete) if tool], cache / "pycache")
    progress(f"building or reusing the repositories ({sizes.key} and others) in {cache}")
    work, build_s = build(sizes, cache, env)
    command = [align] if align else [sys.executable, "-m", "align"]
    setup = Setup(work=work, scratch=scratch, env=env, align=command, machete=machete)
    if args.engine:
        setup = dataclasses.replace(setup, recipe=engine_recipe(args.engine, setup))
    return setup, build_s


def measure(sizes: Sizes, args: argparse.Namespace, cache: Path, scratch: Path) -> Figures:
    """Take every measurement, in a scratch folder that is deleted afterwards."""
    setup, build_s = prepare(sizes, args, cache, scratch)
    figures = Figures(sizes=dataclasses.asdict(sizes), versions=versions(setup), reps=args.reps, engine=args.engine)
    figures.built[sizes.key] = build_s
    if setup.machete is None:
        figures.missing["machete"] = "not measured: git-machete is not installed here (pip install git-machete)"
    figures.git_commands, checks = git_commands(setup.align, setup.recipe, setup.copy(f"{CHECKED_OUT}-0", setup.work))
    scenarios = make_scenarios(sizes, setup, cache, figures, checks)
    progress("warm-up: one untimed run of each contender")
    warm_up(setup, scenarios, figures)
    measure_runs(setup, scenarios, figures)
    measure_startup(setup, args.startup_reps, figures)
    measure_processes(sizes, setup, cache, figures, checks)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Build (or reuse) the repositories, measure, print the table; exit 0 unless something failed to run.

    Over budget is reported, not a failure, unless ``--strict``: then it exits 1.
    """
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
    code = exit_code(figures, strict=args.strict)
    if code:
        print(f"bench: over budget (--strict): {', '.join(over_budget(figures))}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
