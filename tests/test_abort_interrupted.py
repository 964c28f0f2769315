"""A signal during ``align abort``'s rollback: the abort ends "interrupted" (exit 130) like a run does, its
journal saying the rollback is under way (``rolling_back``), and ``align abort`` or ``align continue`` then
finishes it: every bit as before the run.

The run to abort is the kill sweep's scenario (``main`` checked out, a dirty tree, two stashes of the user's),
killed right after its rebase (the branch rebased and checked out, the user's work in align's stash). Its
abort's git calls are counted once; then SIGINT (or SIGTERM) comes as each of them starts.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from align.state import Store
from tests.builders import disk_recipe
from tests.helpers import BRANCH, Repo
from tests.killing import Wrapper, copy, environment, hermetic_env, run_align, scenario, subcommand
from tests.snapshots import Snapshot, difference, snapshot

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Template:
    work: Path  # the scenario, to copy
    before: Snapshot  # its state (before the run)
    kill: int  # the git call of the run after which it is killed: the first after its rebase
    calls: list[list[str]]  # the git calls of an uninterrupted `align abort` of the killed run


@functools.cache
def template() -> Template:
    """Build the scenario once per process (at collection) and count the git calls of the run and its abort."""
    root = Path(tempfile.mkdtemp(prefix="align-abort-interrupted-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    env = hermetic_env(root / "home")
    with environment(env):
        repo = scenario(root, "main")
        before = snapshot(repo)
        counted = Wrapper(root / "count")
        # on disk (engine: disk): the branch rebased in the working tree, the user's work in align's stash
        assert counted.run(copy(repo.path, root / "counted").path, env, BRANCH, "--recipe", disk_recipe(root)).code == 0
        rebase = next(number for number, argv in enumerate(counted.calls(), 1) if subcommand(argv) == "rebase")
        killed = killed_run(repo.path, root / "killed", env, rebase + 1)
        aborts = Wrapper(root / "abort")
        aborted = aborts.run(killed.path, env, "abort")
        assert aborted.code == 0, aborted.output
        assert snapshot(killed) == before, difference(before, snapshot(killed))
    return Template(work=repo.path, before=before, kill=rebase + 1, calls=aborts.calls())


def killed_run(work: Path, into: Path, env: dict[str, str], call: int) -> Repo:
    """A copy of the scenario ``work`` whose run was killed (SIGKILL) right after its git call ``call``."""
    repo = copy(work, into)
    run = Wrapper(into / "kill", "after", call).run(repo.path, env, BRANCH, "--recipe", disk_recipe(into))
    assert run.code == -9, run.output
    return repo


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "call" in metafunc.fixturenames:
        calls = template().calls
        ids = [f"{number}-{subcommand(argv)}" for number, argv in enumerate(calls, 1)]
        metafunc.parametrize("call", range(1, len(calls) + 1), ids=ids)


def interrupted_abort(tmp_path: Path, call: int, mode: str) -> tuple[Repo, dict[str, str], bool]:
    """A copy of the killed run whose ``align abort`` got ``mode`` as its git call ``call`` started; whether
    the abort had begun (or was stopped while align looked at the repository, changing nothing)."""
    env = hermetic_env(tmp_path / "home")
    repo = killed_run(template().work, tmp_path, env, template().kill)
    killed = snapshot(repo)
    wrapper = Wrapper(tmp_path / "wrapper", mode, call)
    aborted = wrapper.run(repo.path, env, "abort")
    assert wrapper.acted()
    assert aborted.code == 130, aborted.output
    journal = Store(repo.path / ".git").journal()
    assert journal is not None
    began = not aborted.output.startswith("align: interrupted (")  # (not while align looked at the repository)
    if began:
        assert "interrupted by a signal" in aborted.output
        assert (journal.status, journal.rolling_back) == ("interrupted", "aborted")
    else:
        assert journal.rolling_back == ""
        assert snapshot(repo) == killed, difference(killed, snapshot(repo))
    return repo, env, began


def test_abort_again_after_an_interrupted_abort_puts_every_bit_back(tmp_path: Path, call: int) -> None:
    repo, env, _ = interrupted_abort(tmp_path, call, "sigint")
    again = run_align(repo.path, env, "abort")
    assert again.code == 0, again.output
    after = snapshot(repo)
    assert after == template().before, difference(template().before, after)


def test_continue_after_an_interrupted_abort_finishes_the_abort(tmp_path: Path, call: int) -> None:
    repo, env, began = interrupted_abort(tmp_path, call, "sigterm")
    resumed = run_align(repo.path, env, "continue")
    assert resumed.code == 0, resumed.output
    archived = Store(repo.path / ".git")
    last = archived.past_journal(archived.past_runs()[-1]["run_id"])
    assert last is not None
    if not began:  # nothing was aborted: the run is finished
        assert last.status == "aligned"
        return
    assert last.status == "aborted"
    assert "aborted by the user" in resumed.output
    after = snapshot(repo)
    assert after == template().before, difference(template().before, after)


# Each git switch of the abort (the branch checked out again at its pre-run tip, then HEAD put back on main)
# stopped half-way, as tests/test_kill_half_done.py does for the run's own: then `align abort` or `align continue`.
HALF_DONE = [(which, partial) for which in (0, 1) for partial in ("files", "removals", "cut", "index")]


@pytest.mark.parametrize("action", ["abort", "continue"])
@pytest.mark.parametrize(
    ("which", "partial"), HALF_DONE, ids=[f"switch{which}-{partial}" for which, partial in HALF_DONE]
)
def test_a_switch_of_the_abort_stopped_half_way_is_finished_exactly(
    tmp_path: Path, which: int, partial: str, action: str
) -> None:
    env = hermetic_env(tmp_path / "home")
    repo = killed_run(template().work, tmp_path, env, template().kill)
    call = [number for number, argv in enumerate(template().calls, 1) if subcommand(argv) == "switch"][which]
    aborted = Wrapper(tmp_path / "wrapper", "sigterm", call, partial).run(repo.path, env, "abort")
    assert aborted.code == 130, aborted.output
    again = run_align(repo.path, env, action)
    assert again.code == 0, again.output
    assert "leftovers" not in again.output
    after = snapshot(repo)
    assert after == template().before, difference(template().before, after)
