"""The bench's figures, DESIGN §9's budgets, and the table printed at the end."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contenders import BATCH, CHECKED_OUT, NOT_CHECKED_OUT, SMALL

NOT_CHECKED_OUT_BUDGET = 0.5  # align / (git rebase main feature/x && git checkout main), at most
PLAIN_BUDGET = 1.0  # align / plain.sh, the branch checked out, at most
MACHETE_BUDGET = 1.0  # align / git machete update, below
OVERHEAD_BUDGET_MS = 120.0  # align - plain.sh on a 1-commit branch of a small repository, at most
BATCH_BUDGET = 0.5  # align / a loop of git rebase, at most: each branch is aligned while not checked out
START_BUDGET_MS = 150.0
PER_COMMIT_BUDGET = 1.0  # git processes per picked commit, at most (one merge-tree each where git has no better way)


@dataclass(kw_only=True)
class Timed:
    """The timed runs of one scenario: wall and CPU seconds per contender, and what each left behind."""

    title: str
    labels: dict[str, str] = field(default_factory=dict)
    runs: dict[str, list[float]] = field(default_factory=dict)  # wall seconds
    cpu: dict[str, list[float]] = field(default_factory=dict)  # user + system seconds, the process and its children
    results: dict[str, str] = field(default_factory=dict)  # the branches each contender left
    kept: dict[str, bool] = field(default_factory=dict)  # uncommitted work exactly as before (when there was some)
    align_runs: list[dict[str, Any]] = field(default_factory=list)  # from align's journals


@dataclass(kw_only=True)
class Figures:
    """Everything measured, as written by ``--json``."""

    sizes: dict[str, int]
    versions: dict[str, str]
    reps: int
    engine: str | None
    built: dict[str, float | None] = field(default_factory=dict)  # repository -> build seconds (None: reused)
    scenarios: dict[str, Timed] = field(default_factory=dict)
    startup: dict[str, list[float]] = field(default_factory=dict)
    git_commands: list[str] = field(default_factory=list)
    processes: list[dict[str, Any]] = field(default_factory=list)  # git processes of one run, by size of branch
    missing: dict[str, str] = field(default_factory=dict)
    budgets: list[dict[str, Any]] = field(default_factory=list)


def median(values: Sequence[float]) -> float:
    """Return the median of ``values``."""
    return statistics.median(values)


def ratio(timed: Timed, other: str) -> float | None:
    """Return align's median / ``other``'s median, or None when ``other`` was not measured."""
    if other not in timed.runs:
        return None
    return median(timed.runs["align"]) / median(timed.runs[other])


def per_commit(figures: Figures, situation: str, contender: str) -> float | None:
    """Return the git processes one more commit costs: the difference between the two sizes of branch."""
    rows = sorted(
        (row["commits"], row["traced"])
        for row in figures.processes
        if row["situation"] == situation and row["contender"] == contender
    )
    if len(rows) < 2 or rows[-1][0] == rows[0][0]:
        return None
    (fewer, few), (more, many) = rows[0], rows[-1]
    return float(many - few) / float(more - fewer)


# -- budgets ------------------------------------------------------------------------------------


def judge(figures: Figures) -> None:
    """Compare the medians with DESIGN §9's budgets."""

    def verdict(name: str, value: float | None, limit: float, shown: str, budget: str, *, below: bool = False) -> None:
        over = value is not None and (value >= limit if below else value > limit)
        state = "SKIP" if value is None else ("OVER" if over else "PASS")
        entry = {"budget": name, "value": value, "limit": limit, "shown": shown, "limit_shown": budget}
        figures.budgets.append({**entry, "verdict": state})

    def times(value: float | None) -> str:
        return "not measured" if value is None else f"{value:.2f}x"

    scenarios = figures.scenarios
    value = ratio(scenarios[NOT_CHECKED_OUT], "plain")
    budget = f"<= {NOT_CHECKED_OUT_BUDGET:.2f}x"
    verdict("not checked out: align / git rebase + checkout", value, NOT_CHECKED_OUT_BUDGET, times(value), budget)
    value = ratio(scenarios[CHECKED_OUT], "plain")
    verdict("checked out: align / plain.sh", value, PLAIN_BUDGET, times(value), f"<= {PLAIN_BUDGET:.2f}x")
    value = ratio(scenarios[CHECKED_OUT], "machete")
    budget = f"< {MACHETE_BUDGET:.2f}x"
    verdict("checked out: align / git machete update", value, MACHETE_BUDGET, times(value), budget, below=True)
    timed = scenarios[SMALL]
    overhead = (median(timed.runs["align"]) - median(timed.runs["plain"])) * 1000
    budget = f"<= {OVERHEAD_BUDGET_MS:.0f} ms"
    verdict("small repository: align - plain.sh", overhead, OVERHEAD_BUDGET_MS, f"{overhead:.0f} ms", budget)
    value = ratio(scenarios[BATCH], "plain")
    verdict("batch: align / a loop of git rebase", value, BATCH_BUDGET, times(value), f"<= {BATCH_BUDGET:.2f}x")
    for name in ("align --version", "align check"):
        ms = median(figures.startup[name]) * 1000
        verdict(f"{name} starts", ms, START_BUDGET_MS, f"{ms:.0f} ms", f"< {START_BUDGET_MS:.0f} ms", below=True)
    for situation, shown in ((NOT_CHECKED_OUT, "not checked out"), (CHECKED_OUT, "checked out")):
        value = per_commit(figures, situation, "align")
        text = "not measured" if value is None else f"{value:.2f}"
        budget = f"<= {PER_COMMIT_BUDGET:.0f}"
        verdict(f"{shown}: git processes per extra commit", value, PER_COMMIT_BUDGET, text, budget)


def over_budget(figures: Figures) -> list[str]:
    """Return the budgets that were exceeded."""
    return [budget["budget"] for budget in figures.budgets if budget["verdict"] == "OVER"]


def exit_code(figures: Figures, *, strict: bool) -> int:
    """Return the bench's exit code: over budget is a failure (1) only when ``strict``."""
    return 1 if strict and over_budget(figures) else 0


# -- the table ----------------------------------------------------------------------------------


def render(figures: Figures, cache: Path) -> str:
    """Return the readable table."""
    sizes, versions = figures.sizes, figures.versions
    built = ", ".join(
        f"{key} {'reused' if seconds is None else f'built in {seconds:.1f} s'}"
        for key, seconds in figures.built.items()
    )
    engine = f"; recipe offline with rebase engine: {figures.engine}" if figures.engine else "; recipe offline"
    lines = [
        f"align bench: {sizes['files']} files, {sizes['feature']} feature commits over {sizes['upstream']} upstream "
        f"commits; {figures.reps} alternating repetitions, medians{engine}",
        "  " + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"  repositories in {cache}: {built}",
    ]
    for timed in figures.scenarios.values():
        lines += ["", *scenario_lines(timed)]
    for name, why in figures.missing.items():
        lines.append(f"  {name:<58}{why}")
    lines += ["", f"{'start-up':<60}{'median':>9}{'min':>9}"]
    for name, times in figures.startup.items():
        lines.append(f"  {name:<58}{median(times) * 1000:>6.0f} ms{min(times) * 1000:>6.0f} ms")
    lines += ["", *process_lines(figures), "", *align_lines(figures), "", "budgets (DESIGN §9)"]
    lines.append(f"  {'figure':<52}{'value':>14}{'budget':>12}  verdict")
    for budget in figures.budgets:
        lines.append(f"  {budget['budget']:<52}{budget['shown']:>14}{budget['limit_shown']:>12}  {budget['verdict']}")
    return "\n".join(lines)


def scenario_lines(timed: Timed) -> list[str]:
    """Describe one scenario: each contender's times, align's ratios, what they left behind."""
    lines = [f"{timed.title:<60}{'median':>9}{'min':>9}{'max':>9}{'cpu':>9}"]
    for name, times in timed.runs.items():
        cpu = median(timed.cpu[name])
        shown = f"{median(times):>7.3f} s{min(times):>7.3f} s{max(times):>7.3f} s{cpu:>7.3f} s"
        lines.append(f"  {timed.labels[name]:<58}{shown}")
    for name in timed.runs:
        if name != "align":
            wall = median(timed.runs["align"]) / median(timed.runs[name])
            best = min(timed.runs["align"]) / min(timed.runs[name])
            cpu = median(timed.cpu["align"]) / median(timed.cpu[name])
            difference = (median(timed.runs["align"]) - median(timed.runs[name])) * 1000
            lines.append(
                f"  align / {name}: {wall:.2f}x (medians), {best:.2f}x (minimums), {cpu:.2f}x cpu time; "
                f"align - {name}: {difference:+.0f} ms"
            )
    lines.append(f"  same result for every contender: {next(iter(timed.results.values()))}")
    if timed.kept:
        shown = ", ".join(f"{name} {'yes' if kept else 'NO'}" for name, kept in timed.kept.items())
        lines.append(f"  uncommitted work (HEAD, index, tree, stash list) exactly as before: {shown}")
    return lines


def process_lines(figures: Figures) -> list[str]:
    """Describe the git processes of one run at two sizes of branch, and what one more commit costs."""
    title = "git processes of one run (GIT_TRACE; journal: align's count)"
    lines = [f"{title:<60}{'commits':>9}{'traced':>9}"]
    lines[0] += f"{'journal':>9}{'/commit':>9}"
    order = {NOT_CHECKED_OUT: 0, CHECKED_OUT: 1}
    for row in sorted(figures.processes, key=lambda row: (order[row["situation"]], row["contender"], row["commits"])):
        label = f"{row['situation'].replace('_', ' ')}: {row['contender']}"
        journal = "" if row["journal"] is None else str(row["journal"])
        lines.append(
            f"  {label:<58}{row['commits']:>9}{row['traced']:>9}{journal:>9}{row['traced'] / row['commits']:>9.2f}"
        )
    for situation in (NOT_CHECKED_OUT, CHECKED_OUT):
        for contender in ("align", "plain"):
            extra = per_commit(figures, situation, contender)
            if extra is not None:
                shown = situation.replace("_", " ")
                lines.append(f"  {shown}: {contender} spawns {extra:.2f} more git process(es) per extra commit")
    return lines


def align_lines(figures: Figures) -> list[str]:
    """Describe align's checked-out runs: time in git, per-phase medians, the commands it ran."""
    runs = figures.scenarios[CHECKED_OUT].align_runs
    phases = {name: median([run["phases"].get(name, 0.0) for run in runs]) for name in runs[0]["phases"]}
    kinds = Counter(git_subcommand(command) for command in figures.git_commands)
    return [
        "align's run, feature/x checked out (from its journal, medians)",
        f"  in align: {median([run['duration_s'] for run in runs]):.3f} s, of which git "
        f"{median([run['git_seconds'] for run in runs]):.3f} s in {runs[0]['git_calls']} processes",
        "  phases:   " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in phases.items()),
        f"  git (-v): {len(figures.git_commands)} processes in all: "
        + ", ".join(f"{kind} x{count}" for kind, count in kinds.most_common()),
    ]


def git_subcommand(command: str) -> str:
    """Return the git subcommand of a logged command line (``git -c a=b rebase ...`` -> ``rebase``)."""
    words = [word for word in command.split()[1:] if not word.startswith("-") and "=" not in word]
    return words[0] if words else "?"
