"""Review of stacked runs (issue 12): ``align plan`` of a stack says what the run will do.

The run aligns a parent first and then its children onto the parent's *new* tip; the forecast of a child
must be made there too, not on the tip the parent has before the run (where the child is up to date).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from align.cli import main
from tests.builders import FEATURE_EDIT, UPSTREAM_EDIT, moved_upstream, upstream
from tests.graphing import branch_on, stack
from tests.helpers import Repo
from tests.snapshots import snapshot

Capture = pytest.CaptureFixture[str]


def _plans(capsys: Capture, *argv: str) -> dict[str, dict[str, Any]]:
    capsys.readouterr()
    assert main(["plan", *argv, "--format", "json"]) == 0
    return {item["branch"]: item for item in json.loads(capsys.readouterr().out)["plans"]}


def test_the_plan_of_a_stack_forecasts_each_child_onto_its_parents_new_tip(in_repo: Repo, capsys: Capture) -> None:
    stack(in_repo)
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    before = snapshot(in_repo)
    found = _plans(capsys, "a", "b", "c")
    assert snapshot(in_repo) == before  # a forecast moves nothing
    assert [found[name]["outcome"] for name in "abc"] == ["clean", "clean", "clean"]  # not "b is up to date"
    assert [item["subject"] for item in found["b"]["commits"]["replay"]] == ["b: b.txt"]
    assert [item["subject"] for item in found["c"]["commits"]["replay"]] == ["c: c.txt"]
    assert (found["b"]["behind"], found["c"]["behind"]) == (2, 3)  # a's new commit and the target's, then b's
    assert main(["plan", "a", "b", "c"]) == 0
    text = capsys.readouterr().out
    assert "already up to date" not in text
    assert "a is aligned first in this run: forecast onto the tip its forecast replays" in text
    assert main(["a", "b", "c"]) == 0  # the run ends where the forecast said: same commits, same shas
    assert found["b"]["onto_commit"] == in_repo.git("rev-parse", "a")
    assert found["c"]["onto_commit"] == in_repo.git("rev-parse", "b")


def test_a_child_of_a_parent_that_stops_at_a_conflict_has_no_exact_forecast(in_repo: Repo, capsys: Capture) -> None:
    name, text, _ = FEATURE_EDIT
    branch_on(in_repo, "a", "main", (name, text))
    branch_on(in_repo, "b", "a", ("b.txt", "b\n"))
    in_repo.git("switch", "--quiet", "main")
    upstream(in_repo, *UPSTREAM_EDIT, fetch=True)
    before = snapshot(in_repo)
    found = _plans(capsys, "a", "b")
    assert snapshot(in_repo) == before
    assert found["a"]["outcome"] == "conflict"
    assert found["b"]["outcome"] == "unknown"  # not "up_to_date": the run moves b once a is resolved
    assert found["b"]["reason"].startswith("its parent a is aligned first in this run and stops at a conflict")
    assert found["b"]["commits"]["replay"] == []
    assert main(["plan", "b"]) == 0  # alone, b's parent (inferred) does not count: b onto the target
    assert "stacked on" not in capsys.readouterr().out
