"""The bench's options and verdicts: ``--engine`` (refused clearly before the engine exists), budgets, ``--strict``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from align.resources import schema
from tests.benching import ROOT, run_bench

sys.path.insert(0, str(ROOT / "bench"))  # the bench is scripts, not a package: its modules import each other so

from report import Figures, Timed, exit_code, judge, over_budget


def engine_in_schema() -> bool:
    """Tell whether this align's recipe schema has the rebase step's ``engine`` option."""
    return "engine" in schema()["$defs"]["rebase"]["properties"]


def test_engine_is_written_into_the_rebase_step_or_refused_clearly(tmp_path: Path) -> None:
    done, figures = run_bench(tmp_path, "--engine", "disk")
    if engine_in_schema():
        assert done.returncode == 0, done.stdout + done.stderr
        assert figures["engine"] == "disk"
        assert "medians; recipe offline with rebase engine: disk" in done.stdout
        assert (
            figures["scenarios"]["checked_out"]["labels"]["align"]
            == "align run feature/x --recipe bench-engine-disk.yaml"
        )
    else:
        assert done.returncode == 1
        assert done.stdout == ""
        refused, problem, summary = done.stderr.splitlines()[-3:]
        assert refused == (
            "bench: --engine disk: this align refuses `engine:` in the rebase step (it has no in-memory engine yet; "
            "run the bench without --engine to measure what it does):"
        )
        assert problem.endswith("/bench-engine-disk.yaml:5:12: $.patch.rebase.engine: unknown option 'engine'")
        assert summary == "1 of 1 recipe(s) invalid, 1 problem(s)"
        assert figures == {}
    assert not list((tmp_path / "cache").glob("scratch-*"))  # the recipe went with the scratch folder


def figures(**seconds: dict[str, float]) -> Figures:
    """Return figures with one run per contender of each scenario (``seconds``), start-up and process counts."""
    found = Figures(sizes={}, versions={}, reps=1, engine=None)
    for name, runs in seconds.items():
        found.scenarios[name] = Timed(title=name, runs={key: [value] for key, value in runs.items()})
    found.startup = {"align --version": [0.05], "align check": [0.149]}
    for situation in ("not_checked_out", "checked_out"):
        for commits, traced in ((5, 20), (50, 65)):
            found.processes.append(
                {"situation": situation, "contender": "align", "commits": commits, "traced": traced, "journal": 9}
            )
    return found


def test_budgets_at_their_limits() -> None:
    measured = figures(
        not_checked_out={"align": 0.5, "plain": 1.0},  # 0.50x: at the limit, within it
        checked_out={"align": 1.0, "plain": 1.0, "machete": 1.0},  # 1.00x plain passes; as slow as machete does not
        small={"align": 0.220, "plain": 0.100},  # 120 ms more
        batch={"align": 1.1, "plain": 2.0},  # 0.55x
    )
    judge(measured)
    assert [(budget["shown"], budget["limit_shown"], budget["verdict"]) for budget in measured.budgets] == [
        ("0.50x", "<= 0.50x", "PASS"),
        ("1.00x", "<= 1.00x", "PASS"),
        ("1.00x", "< 1.00x", "OVER"),
        ("120 ms", "<= 120 ms", "PASS"),
        ("0.55x", "<= 0.50x", "OVER"),
        ("50 ms", "< 150 ms", "PASS"),
        ("149 ms", "< 150 ms", "PASS"),
        ("1.00", "<= 1", "PASS"),  # 45 more processes for 45 more commits
        ("1.00", "<= 1", "PASS"),
    ]
    assert over_budget(measured) == ["checked out: align / git machete update", "batch: align / a loop of git rebase"]
    assert exit_code(measured, strict=False) == 0
    assert exit_code(measured, strict=True) == 1


@pytest.mark.parametrize("strict", [False, True])
def test_nothing_over_budget_exits_0(strict: bool) -> None:
    measured = figures(
        not_checked_out={"align": 0.2, "plain": 1.0},
        checked_out={"align": 0.4, "plain": 0.5},  # git-machete not installed: not measured, not over
        small={"align": 0.100, "plain": 0.050},
        batch={"align": 0.4, "plain": 2.0},
    )
    measured.processes = [{**row, "traced": 20} for row in measured.processes]  # no more processes for more commits
    judge(measured)
    verdicts = {budget["budget"]: (budget["shown"], budget["verdict"]) for budget in measured.budgets}
    assert verdicts["checked out: align / git machete update"] == ("not measured", "SKIP")
    assert verdicts["small repository: align - plain.sh"] == ("50 ms", "PASS")
    assert verdicts["checked out: git processes per extra commit"] == ("0.00", "PASS")
    assert over_budget(measured) == []
    assert exit_code(measured, strict=strict) == 0
