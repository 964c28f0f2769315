"""Smoke test of ``nox -s bench``'s script: tiny sizes, one repetition, every scenario and contender reported."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from tests.benching import run_bench

BUDGETS = [
    "not checked out: align / git rebase + checkout",
    "checked out: align / plain.sh",
    "checked out: align / git machete update",
    "small repository: align - plain.sh",
    "batch: align / a loop of git rebase",
    "align --version starts",
    "align check starts",
    "not checked out: git processes per extra commit",
    "checked out: git processes per extra commit",
]


def machete_installed() -> bool:
    """Tell whether the bench will find git-machete (beside this Python, else on PATH), as it looks for it."""
    beside = Path(sys.executable).parent / "git-machete"
    return (beside.is_file() and os.access(beside, os.X_OK)) or shutil.which("git-machete") is not None


def test_bench_reports_every_scenario_and_contender(tmp_path: Path) -> None:
    done, figures = run_bench(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr  # over budget is reported, not a failure without --strict
    out = done.stdout

    assert (
        "30 files, 5 feature commits over 10 upstream commits; 1 alternating repetitions, medians; recipe offline"
        in out
    )
    assert "bench: full run 1/1: not_checked_out " in done.stderr
    scenarios = figures["scenarios"]
    assert list(scenarios) == ["not_checked_out", "checked_out", "small", "batch"]
    expected = {"not_checked_out": ["align", "plain"], "small": ["align", "plain"], "batch": ["align", "plain"]}
    expected["checked_out"] = ["align", "plain", "machete"] if machete_installed() else ["align", "plain"]
    for name, timed in scenarios.items():
        assert list(timed["runs"]) == list(timed["cpu"]) == list(timed["labels"]) == expected[name]
        assert all(len(times) == 1 for times in [*timed["runs"].values(), *timed["cpu"].values()])
        assert len(timed["align_runs"]) == 1
        assert len(set(timed["results"].values())) == 1, timed["results"]
        assert timed["title"] in out
        for label in timed["labels"].values():
            assert label in out

    not_checked_out = scenarios["not_checked_out"]
    assert not_checked_out["results"]["align"] == "feature/x: tree cde1b10411a7, 5 commit(s) on top; main checked out"
    # align keeps staged, unstaged and untracked work as it was; git's --autostash unstages the staged change
    assert not_checked_out["kept"] == {"align": True, "plain": False}
    assert "exactly as before: align yes, plain NO" in out
    assert scenarios["checked_out"]["results"]["align"].endswith("5 commit(s) on top; feature/x checked out")
    assert scenarios["small"]["results"]["align"].endswith("1 commit(s) on top; feature/x checked out")
    batch = scenarios["batch"]["results"]["align"]
    assert [part.split(":")[0] for part in batch.split("; ")] == [
        *(f"feature/{n}" for n in range(1, 6)),
        "main checked out",
    ]
    assert scenarios["batch"]["align_runs"][0]["git_calls"] > scenarios["small"]["align_runs"][0]["git_calls"]
    assert {"backup", "rebase", "verify"} <= set(scenarios["checked_out"]["align_runs"][0]["phases"])

    assert len(figures["startup"]["align --version"]) == len(figures["startup"]["align check"]) == 1
    rows = [(row["situation"], row["contender"], row["commits"]) for row in figures["processes"]]
    assert rows == [  # counted at full size in the warm-up, then on a branch with a tenth of the commits
        (situation, contender, commits)
        for commits in (5, 1)
        for situation in ("not_checked_out", "checked_out")
        for contender in ("align", "plain")
    ]
    for row in figures["processes"]:
        assert row["traced"] > 0
        assert (row["journal"] is None) == (row["contender"] == "plain")
        if row["journal"] is not None:
            assert row["traced"] >= row["journal"]  # the trace also sees git's own children
    assert "more git process(es) per extra commit" in out

    assert [budget["budget"] for budget in figures["budgets"]] == BUDGETS
    machete = next(budget for budget in figures["budgets"] if "machete" in budget["budget"])
    if machete_installed():
        assert machete["verdict"] in ("PASS", "OVER")
    else:
        message = "not measured: git-machete is not installed here (pip install git-machete)"
        assert message in out
        assert figures["missing"] == {"machete": message}
        assert machete["verdict"] == "SKIP"
    others = [budget for budget in figures["budgets"] if budget is not machete]
    assert all(budget["verdict"] in ("PASS", "OVER") for budget in others)
    for budget in figures["budgets"]:
        assert f"{budget['shown']:>14}{budget['limit_shown']:>12}  {budget['verdict']}" in out

    cache = tmp_path / "cache"
    for key in ("v1-f30-u10-x5", "v1-f30-u10-x1", "v1-f50-u10-x1", "v1-f30-u10-x1-b5"):
        assert (cache / key / "work" / ".git").is_dir(), key  # cached for the next run
    assert sorted(figures["built"]) == sorted(["v1-f30-u10-x5", "v1-f30-u10-x1", "v1-f50-u10-x1", "v1-f30-u10-x1-b5"])
    assert not list(cache.glob("scratch-*"))  # the copies are gone
