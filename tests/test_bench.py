"""Smoke test of ``nox -s bench``'s script: tiny sizes, one repetition, every contender reported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "bench.py"
TINY = ["--files", "30", "--upstream", "10", "--feature", "5", "--reps", "1", "--startup-reps", "1"]


def machete_installed() -> bool:
    """Tell whether the bench will find git-machete (beside this Python, else on PATH), as it looks for it."""
    beside = Path(sys.executable).parent / "git-machete"
    return (beside.is_file() and os.access(beside, os.X_OK)) or shutil.which("git-machete") is not None


def test_bench_reports_every_contender(tmp_path: Path) -> None:
    figures_path = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *TINY, "--cache", str(tmp_path / "cache"), "--json", str(figures_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    figures = json.loads(figures_path.read_text(encoding="utf-8"))

    assert "30 files, 5 feature commits over 10 upstream commits" in out
    assert "bench: full run 1/1: align " in done.stderr
    for label in ("align run --recipe offline", "bench/plain.sh (same git work)", "align --version", "align check"):
        assert label in out
    assert len(figures["runs"]["align"]) == len(figures["runs"]["plain"]) == 1
    assert len(figures["cpu"]["align"]) == len(figures["cpu"]["plain"]) == 1
    assert "align / plain: " in out
    assert len(figures["startup"]["align --version"]) == len(figures["startup"]["align check"]) == 1
    assert "same result for every contender: tree " in out
    assert len(set(figures["results"].values())) == 1
    machete = next(budget for budget in figures["budgets"] if "machete" in budget["budget"])
    if machete_installed():
        assert len(figures["runs"]["machete"]) == 1
        assert "align / machete: " in out
        assert machete["verdict"] in ("PASS", "OVER")
    else:
        message = "not measured: git-machete is not installed here (pip install git-machete)"
        assert message in out
        assert figures["missing"] == {"machete": message}
        assert machete["verdict"] == "SKIP"

    run = figures["align_runs"][0]
    assert run["git_calls"] > 0
    assert {"backup", "rebase", "verify"} <= set(run["phases"])
    assert figures["calls_smaller"]["feature"] == 1
    assert [budget["budget"] for budget in figures["budgets"]] == [
        "full run <= 1.25x the plain script",
        "full run <= 1.00x git machete update",
        "align --version starts in < 150 ms",
        "align check starts in < 150 ms",
        "git processes do not grow with commits",
    ]
    assert all(budget["verdict"] in ("PASS", "OVER", "SKIP") for budget in figures["budgets"])
    assert (tmp_path / "cache" / "v1-f30-u10-x5" / "work" / ".git").is_dir()  # cached for the next run
    assert not list((tmp_path / "cache").glob("scratch-*"))  # the copies are gone
