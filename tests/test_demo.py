"""The demo (`python -m align.demo`, `nox -s demo`): every scene ends as it should, and nothing is left behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from align import demo

ROOT = Path(__file__).resolve().parents[1]

HEADINGS = [
    "== 1/6  A clean alignment with the default recipe ==",
    "== 2/6  A conflict: the default recipe pauses and guides ==",
    "== 3/6  Give up: abort puts everything back ==",
    "== 4/6  The same conflict with the ci recipe: abort and roll back, no questions ==",
    "== 5/6  What align remembers: the last run ==",
    "== 6/6  The backups it keeps before moving a branch ==",
]


def test_the_demo_runs_every_scene_as_expected(capsys: pytest.CaptureFixture[str]) -> None:
    cwd, environ = Path.cwd(), dict(os.environ)

    assert demo.main() == 0

    out, err = capsys.readouterr()
    assert err == ""
    positions = [out.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)
    assert "DEMO FAILED" not in out
    assert re.findall(r"^-> exit (\d+) as expected$", out, re.MULTILINE) == ["0", "3", "0", "1", "0", "0"]
    scenes = out.split("\n== ")
    assert "align: feature/x onto origin/main" in scenes[1]
    assert ": aligned" in scenes[1]
    assert "paused at a conflict" in scenes[2]
    assert "both modified   app.py" in scenes[2]
    assert "align continue" in scenes[2]
    assert "aborted: everything rolled back" in scenes[3]
    assert "conflict: run aborted, everything rolled back" in scenes[4]
    assert "last run:" in scenes[5]
    assert "conflict_aborted (exit 1" in scenes[5]
    assert scenes[6].count("refs/align/backups/") >= 3
    assert "What happened:" in out
    # the repository is gone, and the process is as it was: working directory, environment
    folder = re.search(r"The demo repository (\S+) is deleted", out)
    assert folder is not None
    assert not Path(folder.group(1)).exists()
    assert Path.cwd() == cwd
    assert dict(os.environ) == environ


def test_a_scene_that_ends_otherwise_fails_the_demo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = demo.scenes

    def wrong(repository: demo.Demo) -> list[demo.Scene]:
        first = original(repository)[0]
        return [demo.Scene(title=first.title, argv=first.argv, expected=3)]

    monkeypatch.setattr(demo, "scenes", wrong)
    assert demo.main() == 1
    out, err = capsys.readouterr()
    assert "-> exit 0  DEMO FAILED: exit 0, expected 3" in out
    assert "align feature/x: exit 0, expected 3" in err


def test_a_bug_in_align_shows_its_traceback_and_fails_the_scene(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(argv: list[str]) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr("align.cli.main", broken)
    code, output = demo.run_cli(["status"])
    assert code == -1
    assert "RuntimeError: a bug" in output


@pytest.mark.slow
def test_python_m_align_demo(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "align.demo"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(heading in done.stdout for heading in HEADINGS)


def test_the_guide_describes_the_scenes_of_the_demo(tmp_path: Path) -> None:
    guide = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d) \| `align ([^`]*)` \| (\d+) \|", guide, re.MULTILINE)
    folder = tmp_path / "demo"
    folder.mkdir()
    tour = demo.scenes(demo.build(folder))
    assert rows == [(str(number), " ".join(scene.argv), str(scene.expected)) for number, scene in enumerate(tour, 1)]
