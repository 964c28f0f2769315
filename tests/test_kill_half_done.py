"""A git command of the run stopped half-way by a signal: what the kill sweep's signal cases hit by chance
(``sigint-39-abort-switch-onmain``, ``sigterm-52-abort-switch-onmain``, ``sigterm-37-abort-stash-drop-onbranch``),
made exact.

The wrapper of ``tests/killing.py`` does part of the command itself (``PARTIAL``: for a switch, the target's files
written but not its index, a single file cut short, only the removals, the files and the index but not HEAD; for
the drop of align's entry from the stash list, the list rewritten but not ``refs/stash``), then signals align,
which stops it as it stops git. The run ends 130; ``align abort`` must then put every bit back (the files the
switch wrote are the run's, not the user's: no "leftovers" kept aside), and ``align continue`` must finish into
the state an uninterrupted run leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests import snapshots
from tests.builders import disk_recipe
from tests.helpers import BRANCH, Repo
from tests.killing import Wrapper, copy, environment, hermetic_env, run_align, scenario, subcommand
from tests.snapshots import Snapshot, difference, snapshot

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Template:
    work: Path  # the scenario (main checked out) to copy
    calls: dict[str, int]  # git calls of an uninterrupted run: its switch to the branch, back, its stash drop
    after: Snapshot  # the state an uninterrupted run leaves


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    root = tmp_path_factory.mktemp("kill-switch")
    env = hermetic_env(root / "home")
    with environment(env):
        repo = scenario(root, "main")
        reference = copy(repo.path, root / "reference")
        wrapper = Wrapper(root / "count")
        done = wrapper.run(reference.path, env, BRANCH, "--recipe", disk_recipe(root))
        after = snapshot(reference)
    assert done.code == 0, done.output
    names = [subcommand(argv) for argv in wrapper.calls()]
    switches = [number for number, name in enumerate(names, start=1) if name == "switch"]
    assert len(switches) == 2, names
    calls = {"to": switches[0], "back": switches[1], "drop": names.index("stash-drop") + 1}
    return Template(work=repo.path, calls=calls, after=after)


# (which call: the switch to feature/x before the rebase, back to main after it, the stash drop; what it did)
HALF_DONE = [
    ("to", "files"),
    ("to", "cut"),
    ("to", "index"),
    ("back", "files"),
    ("back", "removals"),
    ("back", "index"),
    ("drop", "drop"),
]
IDS = [f"{which}-{partial}" for which, partial in HALF_DONE]


def interrupted(template: Template, tmp_path: Path, which: str, partial: str, mode: str) -> tuple[Repo, Snapshot]:
    """A copy of the scenario whose run was stopped by ``mode`` during one of its calls; the state before."""
    repo = copy(template.work, tmp_path)
    before = snapshot(repo)
    wrapper = Wrapper(tmp_path / "wrapper", mode, template.calls[which], partial)
    run = wrapper.run(repo.path, hermetic_env(tmp_path / "home"), BRANCH, "--recipe", disk_recipe(tmp_path))
    assert wrapper.acted()
    assert run.code == 130, run.output
    if which == "drop":  # align's entry is out of the list, refs/stash still names it
        assert snapshots.stashes(repo) == before.stashes
        assert snapshots.rev(repo, "refs/stash") != before.refs["refs/stash"]
        return repo, before
    head = snapshots.head(repo)
    assert head == ("refs/heads/main" if which == "to" else f"refs/heads/{BRANCH}")  # the switch never got to HEAD
    present = (repo.path / "a.txt").exists()
    staged = repo.git("diff", "--cached", "--name-only")
    if partial == "cut":
        assert (repo.path / "a.txt").read_bytes() == b"a"
    elif partial == "index":
        assert staged
    else:
        assert present == (which == "to")
        assert not staged
    return repo, before


@pytest.mark.parametrize(("which", "partial"), HALF_DONE, ids=IDS)
def test_abort_after_a_switch_stopped_half_way_puts_every_bit_back(
    template: Template, tmp_path: Path, which: str, partial: str
) -> None:
    repo, before = interrupted(template, tmp_path, which, partial, "sigint")
    aborted = run_align(repo.path, hermetic_env(tmp_path / "home"), "abort")
    assert aborted.code == 0, aborted.output
    assert "leftovers" not in aborted.output
    after = snapshot(repo)
    assert after == before, difference(before, after)
    assert snapshots.refs(repo, "refs/align/leftovers/") == {}


@pytest.mark.parametrize(("which", "partial"), HALF_DONE, ids=IDS)
def test_continue_after_a_switch_stopped_half_way_finishes_the_alignment(
    template: Template, tmp_path: Path, which: str, partial: str
) -> None:
    repo, before = interrupted(template, tmp_path, which, partial, "sigterm")
    resumed = run_align(repo.path, hermetic_env(tmp_path / "home"), "continue")
    assert resumed.code == 0, resumed.output
    after = snapshot(repo)
    expected = replace(template.after, config=before.config)
    assert after == expected, difference(expected, after)
