"""Review of stacked runs (issue 12): a SIGKILL right after each git call of a stacked run on disk, then
``align abort`` (everything exactly as before, the config too) or ``align continue`` (exactly what an
uninterrupted run leaves, the recorded base too).

The scenario: main <- a <- b, b declared on a (``align track``), a moved on since b was made (one more
commit), b checked out with uncommitted work (staged, unstaged, untracked), a recipe asking for the disk
engine; ``align b`` rebases b with ``git rebase --onto A B_BASE`` and records a's tip as b's base.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.graphing import stack
from tests.helpers import Repo, write
from tests.killing import Finished, Wrapper, copy, environment, hermetic_env, run_align, subcommand
from tests.snapshots import Snapshot, difference, snapshot

pytestmark = pytest.mark.slow

DISK = "version: 1\nextends: default\npatch:\n  rebase: {engine: disk}\n"


@dataclass(frozen=True)
class Template:
    work: Path
    recipe: Path
    calls: list[list[str]]
    before: Snapshot
    after: Snapshot
    problem: str


def _scenario(base: Path) -> Repo:
    repo = Repo.create(base / "repos")
    stack(repo)
    repo.git("config", "branch.b.alignParent", "a")  # as `align track b --parent a` declares it
    repo.git("switch", "--quiet", "a")
    repo.commit("a2.txt", "a2\n", "a: a2")
    repo.git("switch", "--quiet", "b")
    write(repo.path / "staged.txt", "staged\n")
    repo.git("add", "--", "staged.txt")
    write(repo.path / "b.txt", "b, edited\n")
    write(repo.path / "scratch.txt", "untracked\n")
    return repo


@functools.cache
def template() -> Template:
    root = Path(tempfile.mkdtemp(prefix="align-review3-kill-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    env = hermetic_env(root / "home")
    recipe = write(root / "disk.yaml", DISK)
    with environment(env):
        repo = _scenario(root)
        reference = copy(repo.path, root / "reference")
        before = snapshot(reference)
        wrapper = Wrapper(root / "count")
        done = wrapper.run(reference.path, env, "b", "--recipe", str(recipe))
        after = snapshot(reference)
    problem = "" if done.code == 0 else f"the uninterrupted run exited {done.code}:\n{done.output}"
    if not problem and "alignBase" not in after.config:
        problem = "the uninterrupted run recorded no base"
    if not problem and "engine:  disk" not in done.output:
        problem = f"the uninterrupted run did not go to disk:\n{done.output}"
    return Template(repo.path, recipe, wrapper.calls(), before, after, problem)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "call" in metafunc.fixturenames:
        found = template()
        calls = [(number, subcommand(argv)) for number, argv in enumerate(found.calls, start=1)] or [(0, "none")]
        ids = [f"after-{number}-{name}" for number, name in calls]
        metafunc.parametrize("call", [number for number, _ in calls], ids=ids)


@pytest.mark.parametrize("action", ["abort", "continue"])
def test_a_kill_after_any_git_call_of_a_stacked_disk_run(call: int, action: str, tmp_path: Path) -> None:
    found = template()
    if found.problem:
        pytest.fail(found.problem)
    repo = copy(found.work, tmp_path)
    env = hermetic_env(tmp_path / "home")
    before = snapshot(repo)
    assert before == found.before, difference(found.before, before)
    wrapper = Wrapper(tmp_path / "wrapper", "after", call)
    outputs: list[tuple[str, Finished]] = [("killed", wrapper.run(repo.path, env, "b", "--recipe", str(found.recipe)))]
    assert outputs[0][1].code == -9, outputs[0][1].output
    if action == "abort":
        idle = snapshot(repo).align == []
        done = run_align(repo.path, env, "abort")
        outputs.append(("align abort", done))
        expected, codes = before, ((0, 4) if idle else (0,))
        if idle and call == len(found.calls):  # killed once the run was over (its base recording): nothing to undo
            expected = found.after
    else:
        done = run_align(repo.path, env, "continue")
        outputs.append(("align continue", done))
        if done.code == 4 and "no align run to continue" in done.output:
            done = run_align(repo.path, env, "b", "--recipe", str(found.recipe))
            outputs.append(("align b again", done))
        expected, codes = found.after, (0,)
    shown = "\n".join(f"--- {title} (exit {item.code})\n{item.output[-2500:]}" for title, item in outputs)
    assert done.code in codes, shown
    assert difference(expected, snapshot(repo)) == "", shown
