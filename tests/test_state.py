"""The journal and the lock, on their own: atomic writes, round trips, live and dead holders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from align.errors import Refusal
from align.state import Conflict, Journal, Phase, Store, write_atomic


def _journal() -> Journal:
    return Journal(
        run_id="r1",
        started_at="2026-01-01T12:00:00Z",
        started_ts=1.0,
        pid=1,
        recipe={"name": "default", "source": "builtin", "sha256": "0" * 64, "steps": [{"backup": {}}]},
        branch="feature/x",
        ref="refs/heads/feature/x",
        original_tip="a" * 40,
        original_head="refs/heads/feature/x",
        target="main",
        remote="origin",
        conflicts=[Conflict(commit="abc", subject="s", files=[("a.txt", "both modified")])],
        phases=[Phase(name="backup", status="ok", duration_s=0.5)],
    )


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_journal_round_trips_through_json() -> None:
    journal = _journal()
    assert Journal.from_json(journal.to_json()) == journal


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "d" / "f.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert sorted(path.name for path in target.parent.iterdir()) == ["f.json"]


def test_finish_archives_the_journal_and_appends_the_history(tmp_path: Path) -> None:
    store = Store(tmp_path)
    journal = _journal()
    store.save(journal)
    assert store.journal() == journal
    journal.status, journal.exit_code = "aligned", 0
    store.finish(journal)
    assert store.journal() is None
    assert store.past_journal("r1") == journal
    assert store.past_journal("nope") is None
    assert [run["status"] for run in store.past_runs()] == ["aligned"]


def test_no_history_yet(tmp_path: Path) -> None:
    assert Store(tmp_path).past_runs() == []


def test_a_lock_held_by_a_live_process_is_refused_with_its_pid(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.lock("run x"):
        holder = store.lock_holder()
        assert holder is not None
        assert holder["pid"] == os.getpid()
        assert holder["alive"]
        with pytest.raises(Refusal, match=f"pid {os.getpid()}, `align run x`"), store.lock("run y"):
            pass
    assert store.lock_holder() is None


@pytest.mark.parametrize("content", ["{not json", None])
def test_a_dead_holder_is_refused_unless_taken_over(tmp_path: Path, content: str | None) -> None:
    store = Store(tmp_path)
    store.root.mkdir(parents=True)
    pid = _dead_pid()
    text = content if content is not None else json.dumps({"pid": pid, "started_at": "t", "command": "run x"})
    store.lock_path.write_text(text)
    with pytest.raises(Refusal, match="that process is gone") as caught, store.lock("run y"):
        pass
    assert "align abort" in caught.value.hint
    assert store.lock_path.exists()
    with store.lock("abort", take_over_dead=True):
        holder = store.lock_holder()
        assert holder is not None
        assert holder["pid"] == os.getpid()
    assert not store.lock_path.exists()
