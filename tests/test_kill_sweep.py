"""The kill sweep (issue 9, DESIGN §7.6): a kill or a signal at any git call of a run leaves a state that
``align abort`` puts back exactly as it was and ``align continue`` finishes into a verified alignment.

The scenario: ``feature/x`` (3 commits) behind a moved and fetched ``origin/main`` (no conflict), a dirty tree
(staged, unstaged, untracked, and an ignored file) and two stashes of the user's; ``feature/x`` checked out
(``onbranch``) or ``main`` checked out (``onmain``); the default recipe (backup, fetch, rebase with
``dirty: stash``, verify with every check, report; no validate). origin/main is fetched beforehand so that a
fetch changes no ref and "the state before" is exact.

At collection, one run per scenario counts its git calls (N) through the wrapper of ``tests/killing.py``;
then for every call K in 1..N, a fresh copy of the scenario gets:

- ``after-K-abort``: SIGKILL right after git call K, then ``align abort`` -> exit 0, every bit as before;
- ``after-K-continue``: SIGKILL right after call K, then ``align continue`` (or, when the kill came before
  the run had anything to continue, a new ``align feature/x``) -> exit 0 and exactly the state an
  uninterrupted run leaves (same commits, the uncommitted work back, the user's stashes untouched);
- ``sigint-K-abort`` / ``sigterm-K-abort``: the signal to align as git call K starts -> exit 130 (or a
  finished run: the state of an uninterrupted run), then ``align abort`` -> exit 0, every bit as before.
  The wrapper signals align, then execs git at once: whether git got to run before align's handler stops it
  is a race, on purpose (align must cope with each outcome).

Accepted besides: death by SIGINT itself (the shell shows 130 too), and ``align abort`` refusing with exit 4
when the kill left no journal and no lock (nothing to abort). "``align status`` shows no run" is checked as
no journal and no lock in ``.git/align`` (what status reads).

Ids name the mode, K, the action, git's subcommand and the scenario: rerun one case with e.g.
``pytest tests/test_kill_sweep.py -p no:cacheprovider -k 'after-17-abort-stash-push-onbranch'``, or one K
with ``-k 'after-17-'``; group the failures of a whole sweep by cause with ``tests/sweep_summary.py`` (see there).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import signal
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests import helpers, snapshots
from tests.helpers import Repo
from tests.killing import Finished, Wrapper, copy, environment, hermetic_env, run_align, scenario, subcommand
from tests.snapshots import Snapshot, difference, snapshot

pytestmark = pytest.mark.slow

BRANCH = helpers.BRANCH
SUBJECTS = ["feature: add a", "feature: add b", "feature: add c"]
HEADS = {"onbranch": BRANCH, "onmain": "main"}
# (mode, action) pairs swept at every git call of each scenario.
SWEEPS = (("after", "abort"), ("after", "continue"), ("sigint", "abort"), ("sigterm", "abort"))


@dataclass(frozen=True)
class Template:
    """A prepared scenario, and what an uninterrupted run of it does."""

    work: Path  # the clone to copy (its origin stays where it is, read only)
    calls: list[list[str]]  # argv of each git call of the uninterrupted run
    before: Snapshot
    after: Snapshot  # the state the uninterrupted run leaves
    problem: str  # why the template is unusable ('' when it is fine)


@dataclass(frozen=True)
class Case:
    where: str
    mode: str
    action: str
    call: int
    name: str  # git's subcommand at call ``call``

    @property
    def id(self) -> str:
        return f"{self.mode}-{self.call}-{self.action}-{self.name}-{self.where}"


@functools.cache
def templates() -> dict[str, Template]:
    """Build each scenario once per process (at collection; xdist workers each build their own) and count
    the git calls of an uninterrupted run in a copy."""
    root = Path(tempfile.mkdtemp(prefix="align-kill-sweep-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    found = {}
    for where, checked_out in HEADS.items():
        env = hermetic_env(root / where / "home")
        with environment(env):
            repo = scenario(root / where, checked_out)
            reference = copy(repo.path, root / where / "reference")
            before = snapshot(reference)
            wrapper = Wrapper(root / where / "count")
            done = wrapper.run(reference.path, env, BRANCH)
            after = snapshot(reference)
        problem = "" if done.code == 0 else f"the uninterrupted run exited {done.code}:\n{done.output}"
        if not problem and after.config != before.config:
            problem = "the uninterrupted run changed .git/config:\n" + difference(before, after)
        found[where] = Template(repo.path, wrapper.calls(), before, after, problem)
    return found


def cases() -> list[Case]:
    found = []
    for where, template in templates().items():
        if template.problem:
            found.append(Case(where, "count", "run", 0, "none"))
            continue
        for number, argv in enumerate(template.calls, start=1):
            found.extend(Case(where, mode, action, number, subcommand(argv)) for mode, action in SWEEPS)
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        found = cases()
        # A signal case races align's handler against git on purpose (see the module's docstring): git is
        # stopped before, during or after its work. Each outcome must be put back or finished exactly (git
        # stopped half-way: tests/test_kill_half_done.py makes such states happen every time), so no case is
        # retried: a failure is a bug.
        metafunc.parametrize("case", found, ids=[case.id for case in found])


def report(case: Case, argv: list[str], problems: list[str], outputs: list[tuple[str, Finished]]) -> str:
    lines = [f"call {case.call} of the run: git {' '.join(argv)}", f"mode: {case.mode}, then {case.action}"]
    lines += problems
    for title, finished in outputs:
        lines += [f"--- {title} (exit {finished.code}) ---", finished.output.rstrip()[-3000:]]
    return "\n".join(lines)


def state_problems(label: str, expected: Snapshot, actual: Snapshot) -> list[str]:
    diff = difference(expected, actual)
    return [f"{label}:\n{diff}"] if diff else []


def test_kill_sweep(case: Case, tmp_path: Path) -> None:
    template = templates()[case.where]
    if case.mode == "count":
        pytest.fail(template.problem)
    repo = copy(template.work, tmp_path)
    env = hermetic_env(tmp_path / "sweep-home")
    before = snapshot(repo)
    assert before == template.before, difference(template.before, before)
    expected = replace(template.after, config=before.config)
    wrapper = Wrapper(tmp_path / "wrapper", case.mode, case.call)
    argv = template.calls[case.call - 1]
    problems: list[str] = []
    outputs = [("the interrupted run", wrapper.run(repo.path, env, BRANCH))]
    run = outputs[0][1]
    made = [subcommand(call) for call in wrapper.calls()[: case.call]]
    if made != [subcommand(call) for call in template.calls[: case.call]]:  # (run ids and shas differ)
        problems.append(f"the git calls differ from the uninterrupted run's: {made}")
    if not wrapper.acted():
        problems.append(f"the run made {wrapper.count()} git calls and never reached call {case.call}")
    finished = False
    if case.mode == "after":
        if run.code != -9:
            problems.append(f"the killed run exited {run.code}, not -9 (SIGKILL)")
    elif run.code == 0:
        finished = True  # the signal came too late to stop the run: it must have finished properly
        problems += state_problems(
            "a run that finished despite the signal left a state unlike an uninterrupted run's",
            expected,
            snapshot(repo),
        )
    elif run.code not in (130, -signal.SIGINT):  # killed by SIGINT: the shell shows 130 all the same
        problems.append(f"the interrupted run exited {run.code}, not 130 (DESIGN §5) nor 0")

    if not finished and case.action == "abort":
        # with no journal and no lock left, there is nothing to abort: a refusal (exit 4) is right too
        idle = snapshot(repo).align == []
        aborted = run_align(repo.path, env, "abort")
        outputs.append(("align abort", aborted))
        if aborted.code not in ((0, 4) if idle else (0,)):
            problems.append(f"align abort exited {aborted.code}, not 0 (DESIGN §5: everything was restored)")
        problems += state_problems(
            "after align abort, the state differs from the state before the run", before, snapshot(repo)
        )
    elif not finished:
        problems += continued(repo, env, expected, outputs)
    if problems:
        pytest.fail(report(case, argv, problems, outputs), pytrace=False)


def continued(repo: Repo, env: dict[str, str], expected: Snapshot, outputs: list[tuple[str, Finished]]) -> list[str]:
    """``align continue`` after the kill (a new run when there was nothing to continue): the alignment."""
    problems = []
    resumed = run_align(repo.path, env, "continue")
    outputs.append(("align continue", resumed))
    if resumed.code == 4 and "no align run to continue" in resumed.output:
        again = run_align(repo.path, env, BRANCH)
        outputs.append(("nothing to continue: align feature/x again", again))
        resumed = again
    if resumed.code != 0:
        problems.append(f"align continue exited {resumed.code}, not 0")
    after = snapshot(repo)
    if not snapshots.is_ancestor(repo, "origin/main", BRANCH):
        problems.append("origin/main is not in feature/x")
    if snapshots.subjects(repo, f"origin/main..{BRANCH}") != SUBJECTS:
        problems.append(f"feature/x's own commits: {snapshots.subjects(repo, f'origin/main..{BRANCH}')}")
    if after.align:  # what `align status` reads to say a run is in progress
        problems.append(f"align status still shows a run in progress: {after.align} in .git/align")
    problems += state_problems("after align continue, the state differs from an uninterrupted run's", expected, after)
    return problems
