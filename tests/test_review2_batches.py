"""Hostile edges of batches (``align.batch``): a batch file that cannot be read, ``align continue`` from
another directory than the command's, ``align undo`` after a batch with a branch that was up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from align.git import Git
from align.plan import locate
from align.state import Store
from tests.builders import feature, moved_upstream, three_commits
from tests.helpers import OTHER, Repo
from tests.snapshots import snapshot

Capture = pytest.CaptureFixture[str]
THIRD = "feature/z"

pytestmark = pytest.mark.usefixtures("in_repo")


def _three(repo: Repo) -> tuple[str, str, str]:
    """feature/y (clean), feature/x (conflicts at its 2nd commit), feature/z (clean), behind origin/main;
    main checked out. Returns the three tips, in that order."""
    x = three_commits(repo, conflicting=True)[-1]
    [y] = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)
    [z] = feature(repo, ("z.txt", "z\n", "feature: add z"), branch=THIRD)
    moved_upstream(repo, conflicting=True)
    repo.git("fetch", "--quiet")
    repo.git("switch", "--quiet", "main")
    return y, x, z


def _batch_file(repo: Repo) -> Path:
    return Store(locate(Git(repo.path)).common_dir).root / "batch.json"


@pytest.mark.parametrize("text", ["{not json", '{"entries": [{"branch": "x"}]}', "[]", "\udcff"])
@pytest.mark.parametrize("command", [["continue"], ["abort"], ["status"], [THIRD]])
def test_an_unreadable_batch_file_is_a_refusal_that_says_what_to_do(
    repo: Repo, capsys: Capture, command: list[str], text: str
) -> None:
    _three(repo)
    path = _batch_file(repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    before = snapshot(repo)
    capsys.readouterr()

    code = main(command)

    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "crash" not in captured.err.lower()
    if command == ["status"]:
        assert code == 0
        assert f"batch: the batch file {path} cannot be read" in captured.out
    else:
        assert code == 4
        assert f"{path} cannot be read" in captured.err
        assert "remove it" in captured.err
    assert snapshot(repo) == before
    assert path.read_bytes() == text.encode("utf-8", "surrogateescape")
