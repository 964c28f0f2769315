"""The journal and the lock, on their own: atomic writes, round trips, held and free locks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from align.journal import Conflict, Findings, Journal, Phase, RecipeRecord
from align.recipe.model import Backup
from align.state import Store, write_atomic
from align.status import StepStatus
from tests.helpers import run_record


def _journal() -> Journal:
    recipe = RecipeRecord(name="default", source="builtin", sha256="0" * 64, steps=(Backup(),))
    return Journal(
        run=run_record(started_ts=1.0, recipe=recipe, onto=""),
        pid=1,
        found=Findings(
            conflicts=[Conflict(commit="abc", subject="s", files=[("a.txt", "both modified")])],
            phases=[Phase(name="backup", status=StepStatus.OK, duration_s=0.5)],
        ),
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


def test_write_atomic_that_fails_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "align" / "batch.json"
    target.mkdir(parents=True)  # a folder where the file goes: the rename fails, as a full disk would fail the write
    (target / "inside").write_text("kept")
    with pytest.raises(IsADirectoryError):
        write_atomic(target, "text")
    assert sorted(path.name for path in target.parent.iterdir()) == ["batch.json"]
    assert (target / "inside").read_text() == "kept"


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


def test_a_lock_held_by_a_process_refuses_a_second_taker_with_its_pid(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.lock_holder() is None
    assert not store.root.exists()  # asking who holds it writes nothing
    with store.lock("run x"):
        holder = store.lock_holder()
        assert holder is not None
        assert (holder.pid, holder.command) == (os.getpid(), "run x")
        with store.lock("run y"):  # the same process again (a batch's run inside the batch): re-entrant
            assert store.lock_holder() == holder
        assert store.lock_holder() == holder  # still held: the outer block holds it
        code = (
            "import sys\nfrom pathlib import Path\nfrom align.errors import Refusal\nfrom align.state import Store\n"
            "try:\n    with Store(Path(sys.argv[1])).lock('run y'):\n        print('taken')\n"
            "except Refusal as error:\n    print(error.message)"
        )
        other = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
        assert re.search(rf"holds this repository's lock \(pid {os.getpid()}, `align run x` started at ", other.stdout)
        assert store.lock_holder() == holder  # the refused taker changed nothing
    assert store.lock_holder() is None
    assert store.lock_path.read_bytes() == b""  # released: the file stays, empty (never removed: see align.lock)


@pytest.mark.parametrize("pid", ["dead", "own", 1])
@pytest.mark.parametrize("shape", ["json", "{not json", ""])
def test_a_lock_file_no_process_holds_is_free_whatever_it_says(tmp_path: Path, pid: str | int, shape: str) -> None:
    """A lock file left by the previous version (JSON, a pid dead or alive and unrelated), a half-written or an
    empty one: whether the lock is held is the kernel's answer, never the pid's. It is simply taken."""
    store = Store(tmp_path)
    store.root.mkdir(parents=True)
    number = _dead_pid() if pid == "dead" else os.getpid() if pid == "own" else pid
    record = json.dumps({"pid": number, "started_at": "2026-01-01T12:00:00Z", "command": "run x"})
    store.lock_path.write_text(record if shape == "json" else shape)
    assert store.lock_holder() is None
    with store.lock("abort"):
        holder = store.lock_holder()
        assert holder is not None
        assert (holder.pid, holder.command) == (os.getpid(), "abort")
        assert json.loads(store.lock_path.read_text())["pid"] == os.getpid()
    assert store.lock_holder() is None
    assert sorted(path.name for path in store.root.iterdir()) == ["lock"]
