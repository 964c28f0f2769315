"""Branch patterns on the command line (``align.selection``): ``align 'feature/*'`` aligns the local branches
``git branch --list 'feature/*'`` shows, in name order, as one batch; a pattern that matches nothing is a
usage error with nothing touched."""

from __future__ import annotations

import pytest

from align.cli import main
from tests.builders import feature, upstream
from tests.helpers import Repo
from tests.snapshots import is_ancestor, snapshot

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")


def _branches(repo: Repo) -> dict[str, str]:
    tips = {}
    for name in ("feature/b", "feature/a", "feature/deep/c", "fix/d"):
        tips[name] = feature(repo, (f"{name.replace('/', '-')}.txt", "x\n", f"add {name}"), branch=name)[-1]
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    return tips


def test_a_pattern_aligns_the_branches_it_matches_in_name_order(repo: Repo, capsys: Capture) -> None:
    tips = _branches(repo)

    assert main(["feature/*"]) == 0

    text = capsys.readouterr().out
    order = [text.index(f"align: {name} onto") for name in ("feature/a", "feature/b", "feature/deep/c")]
    assert order == sorted(order)
    for name in ("feature/a", "feature/b", "feature/deep/c"):
        assert is_ancestor(repo, "origin/main", f"refs/heads/{name}")
    assert repo.git("rev-parse", "fix/d") == tips["fix/d"]  # not matched: untouched


def test_a_branch_named_and_matched_is_aligned_once(repo: Repo, capsys: Capture) -> None:
    _branches(repo)

    assert main(["feature/b", "feature/*", "fix/d"]) == 0

    text = capsys.readouterr().out
    assert text.count("align: feature/b onto") == 1
    assert text.index("align: feature/b onto") < text.index("align: feature/a onto") < text.index("align: fix/d onto")


def test_a_pattern_that_matches_nothing_is_a_usage_error(repo: Repo, capsys: Capture) -> None:
    _branches(repo)
    before = snapshot(repo)

    assert main(["nothing/*"]) == 2

    err = capsys.readouterr().err
    assert "no local branch matches 'nothing/*'" in err
    assert "git branch --list 'nothing/*'" in err
    assert snapshot(repo) == before


def test_plan_takes_patterns_too(repo: Repo, capsys: Capture) -> None:
    _branches(repo)
    before = snapshot(repo)

    assert main(["plan", "fix/*"]) == 0

    assert "plan: align fix/d onto origin/main" in capsys.readouterr().out
    assert snapshot(repo) == before
