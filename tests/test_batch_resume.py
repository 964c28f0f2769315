"""A command given several branches is one batch (``align.batch``): a pause at the second branch keeps
the third waiting; ``align continue`` finishes the second and aligns the third, ``align abort`` puts back
every branch the batch aligned; a new run waits for the batch; ``align undo`` undoes a whole batch."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from align.batch import Batch, load, save
from align.cli import main
from tests.batch_helpers import THIRD, store_of, three_branches
from tests.builders import feature, upstream
from tests.helpers import BRANCH, OTHER, REF, Repo, write
from tests.snapshots import backups, in_progress, is_ancestor, rev, snapshot, subjects

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")


def test_continue_finishes_the_paused_branch_then_aligns_the_rest(repo: Repo, capsys: Capture) -> None:
    y, x, z = three_branches(repo)

    assert main([OTHER, BRANCH, THIRD]) == 3

    err = capsys.readouterr().err
    assert f"not started yet: {THIRD}" in err
    assert rev(repo, f"refs/heads/{THIRD}") == z
    assert is_ancestor(repo, "origin/main", f"refs/heads/{OTHER}")
    waiting = load(store_of(repo))
    assert waiting is not None
    assert [(entry.branch, entry.status) for entry in waiting.entries] == [
        (OTHER, "aligned"), (BRANCH, "paused"), (THIRD, "pending"),
    ]  # fmt: skip

    assert main(["status"]) == 0
    assert f"batch: {OTHER} (aligned), {BRANCH} (paused), {THIRD} (pending)" in capsys.readouterr().out

    write(repo.path / "README.md", "resolved\n")
    repo.git("add", "README.md")
    assert main(["continue"]) == 0

    assert load(store_of(repo)) is None
    for ref in (REF, f"refs/heads/{OTHER}", f"refs/heads/{THIRD}"):
        assert is_ancestor(repo, "origin/main", ref)
    assert subjects(repo, f"origin/main..{THIRD}") == ["feature: add z"]
    assert sorted(backups(repo).values()) == sorted([x, y, z])
    assert not in_progress(repo)


def test_abort_puts_back_every_branch_of_the_batch(repo: Repo, capsys: Capture) -> None:
    y, x, z = three_branches(repo)
    before = snapshot(repo)
    assert main([OTHER, BRANCH, THIRD]) == 3
    capsys.readouterr()

    assert main(["abort"]) == 0

    text = capsys.readouterr().out
    assert f"{OTHER} restored to {y[:12]}" in text
    assert f"{THIRD}: not started (the batch was aborted)" in text
    assert load(store_of(repo)) is None
    assert snapshot(repo) == before
    assert rev(repo, REF) == x
    assert rev(repo, f"refs/heads/{THIRD}") == z


def test_abort_leaves_a_branch_that_moved_since_and_names_it(repo: Repo, capsys: Capture) -> None:
    y, _, _ = three_branches(repo)
    assert main([OTHER, BRANCH, THIRD]) == 3
    aligned = rev(repo, f"refs/heads/{OTHER}")
    moved = repo.git("commit-tree", "-p", aligned, "-m", "later work", f"{aligned}^{{tree}}")
    repo.git("update-ref", f"refs/heads/{OTHER}", moved)  # the user works on y during the pause
    capsys.readouterr()

    assert main(["abort"]) == 4

    assert f"{OTHER}: not put back: {OTHER} moved since run" in capsys.readouterr().out
    assert rev(repo, f"refs/heads/{OTHER}") == moved
    assert load(store_of(repo)) is None
    assert not in_progress(repo)
    assert y != moved


def test_a_new_run_waits_for_the_batch(repo: Repo, capsys: Capture) -> None:
    three_branches(repo)
    assert main([OTHER, BRANCH, THIRD]) == 3
    assert main(["abort"]) == 0  # the paused run ends; make the batch wait between two runs instead
    store = store_of(repo)
    waiting = Batch.start(str(repo.path), [(THIRD, "20990101T000000Z-000001")], _args())
    save(store, waiting)
    third = rev(repo, f"refs/heads/{THIRD}")
    capsys.readouterr()

    assert main([OTHER]) == 4

    assert f"a batch of align runs is in progress ({THIRD})" in capsys.readouterr().err
    assert load(store) == waiting
    assert rev(repo, f"refs/heads/{THIRD}") == third

    assert main(["status"]) == 0
    assert "`align continue` aligns the pending branches" in capsys.readouterr().out

    assert main(["continue"]) == 0  # the batch stopped between runs: continue aligns what is pending

    assert is_ancestor(repo, "origin/main", f"refs/heads/{THIRD}")
    assert load(store) is None


def test_undo_after_a_batch_restores_each_branch_that_did_not_move(repo: Repo, capsys: Capture) -> None:
    y = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)[-1]
    z = feature(repo, ("z.txt", "z\n", "feature: add z"), branch=THIRD)[-1]
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    assert main([OTHER, THIRD]) == 0
    aligned = rev(repo, f"refs/heads/{THIRD}")
    moved = repo.git("commit-tree", "-p", aligned, "-m", "later work", f"{aligned}^{{tree}}")
    repo.git("update-ref", f"refs/heads/{THIRD}", moved)
    capsys.readouterr()

    assert main(["undo"]) == 4  # one branch could not be undone

    text = capsys.readouterr().out
    assert f"{OTHER} restored to {y[:12]}" in text
    assert f"{THIRD}: not undone: {THIRD} moved since run" in text
    assert rev(repo, f"refs/heads/{OTHER}") == y
    assert rev(repo, f"refs/heads/{THIRD}") == moved != z


def _args() -> argparse.Namespace:
    return argparse.Namespace(
        recipe=None, target=None, remote=None, overrides=[], quiet=False,
        report_json=None, report_markdown=None, report_junit=None,
    )  # fmt: skip


def test_a_batch_reads_back_what_it_wrote(tmp_path: Path) -> None:
    written = Batch.start(str(tmp_path), [(OTHER, "a"), (BRANCH, "b")], _args())
    written.ended("a", "aligned")

    assert Batch.from_json(written.to_json()) == written
    assert [entry.branch for entry in written.pending()] == [BRANCH]
