"""Deepening that runs out of rounds fetches the whole history (--unshallow) as its last resort (issue 10,
item 13); the rounds are made few here so that a small history outgrows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from align import shallow
from align.cli import main
from tests.helpers import write
from tests.shallow_helpers import (
    BRANCH,
    DEEPEN,
    OWN,
    REF,
    TRACKING,
    is_shallow,
    origin_with_history,
    shallow_clone,
)
from tests.snapshots import out, stashes, subjects

Capture = pytest.CaptureFixture[str]


def test_when_the_rounds_run_out_the_whole_history_is_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    origin, main_tip = origin_with_history(tmp_path / "repos")
    repo = shallow_clone(tmp_path / "repos", origin, monkeypatch)
    recipe = write(tmp_path / "recipes" / "deepen.yaml", DEEPEN)
    monkeypatch.setattr(shallow, "DEEPEN", (5, 10))  # 15 commits deeper: still short of the fork, 59 commits down

    assert main([BRANCH, "--target", "main", "--recipe", str(recipe)]) == 0

    text = out(capsys)
    assert "fetching 10 more commit(s) of history (2/2)" in text
    assert "shallow clone: fetching the whole history (--unshallow)" in text
    assert "fetched the whole history of the shallow clone to reach the merge base" in text
    assert not is_shallow(repo)
    assert repo.git("rev-parse", TRACKING) == main_tip
    assert subjects(repo, f"{TRACKING}..{REF}") == OWN
    assert stashes(repo) == []
