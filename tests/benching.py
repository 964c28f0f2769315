"""Running the bench at tiny sizes, for its tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "bench.py"
TINY = ["--files", "30", "--upstream", "10", "--feature", "5", "--reps", "1", "--startup-reps", "1"]


def run_bench(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run the bench at tiny sizes in ``tmp_path``; return the process and its JSON figures (empty if none)."""
    figures_path = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *TINY, "--cache", str(tmp_path / "cache"), "--json", str(figures_path), *extra],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    figures = json.loads(figures_path.read_text(encoding="utf-8")) if figures_path.exists() else {}
    return done, figures
