"""Hostile edges of batches (``align.batch``): a batch file that cannot be read, ``align continue`` from
another directory than the command's, ``align undo`` after a batch with a branch that was up to date."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from align.batch import Batch, save
from align.cli import main
from align.git import Git
from align.plan import locate
from align.state import Store
from tests.batch_helpers import THIRD, three_branches
from tests.builders import feature, upstream
from tests.helpers import BRANCH, OTHER, REF, Repo, write
from tests.killing import killing_git
from tests.snapshots import in_progress, is_ancestor, rev, snapshot, subjects

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")


def _batch_file(repo: Repo) -> Path:
    return Store(locate(Git(repo.path)).common_dir).root / "batch.json"


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '{"entries": [{"branch": "x"}]}',
        "[]",
        "\udcff",
        '{"worktree": "", "entries": [], "options": {"branches": ["x"]}}',
        '{"worktree": "", "entries": [{"branch": "x", "run_id": 1, "status": "pending"}], "options": {}}',
    ],
)
@pytest.mark.parametrize("command", [["continue"], ["abort"], ["status"], [THIRD]])
def test_an_unreadable_batch_file_is_a_refusal_that_says_what_to_do(
    repo: Repo, capsys: Capture, command: list[str], text: str
) -> None:
    three_branches(repo)
    path = _batch_file(repo)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    before = snapshot(repo)
    capsys.readouterr()

    code = main(command)

    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "crash" not in captured.err.lower()
    if command == ["status"]:
        assert code == 0
        assert f"batch: the batch file {path} cannot be read" in captured.out
    else:
        assert code == 4
        assert f"{path} cannot be read" in captured.err
        assert "remove it" in captured.err
    assert snapshot(repo) == before
    assert path.read_bytes() == text.encode("utf-8", "surrogateescape")


def test_continue_from_another_directory_keeps_the_commands_recipe_and_report_paths(
    repo: Repo, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    three_branches(repo)
    write(repo.path / ".git" / "info" / "exclude", "out/\n")
    out = repo.path / "out"
    (out / "deeper").mkdir(parents=True)
    write(out / "r.yaml", "version: 1\nextends: default\n")
    assert main([OTHER, BRANCH, THIRD, "--recipe", "out/r.yaml", "--report-json", "out/report.json"]) == 3
    write(repo.path / "README.md", "resolved\n")
    repo.git("add", "README.md")
    monkeypatch.chdir(out / "deeper")
    capsys.readouterr()

    assert main(["continue"]) == 0

    assert not _batch_file(repo).exists()
    for ref in (REF, f"refs/heads/{OTHER}", f"refs/heads/{THIRD}"):
        assert is_ancestor(repo, "origin/main", ref)
    assert subjects(repo, f"origin/main..{THIRD}") == ["feature: add z"]
    assert sorted(path.name for path in out.rglob("*.json")) == ["report.json"]
    report = json.loads((out / "report.json").read_text())["branches"]
    assert [(run["branch"], run["status"]) for run in report] == [
        (OTHER, "aligned"), (BRANCH, "aligned"), (THIRD, "aligned"),
    ]  # fmt: skip
    assert len({run["recipe"]["sha256"] for run in report}) == 1  # the same recipe for every branch
    assert all(run["recipe"]["source"].endswith("out/r.yaml") for run in report)
    assert not in_progress(repo)


@pytest.mark.parametrize("order", ["up-to-date-last", "up-to-date-first"])
def test_undo_after_a_batch_with_a_branch_up_to_date_undoes_the_others(repo: Repo, capsys: Capture, order: str) -> None:
    y = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)[-1]
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "-c", THIRD, "origin/main")  # up to date with origin/main
    z = rev(repo, f"refs/heads/{THIRD}")
    repo.git("switch", "--quiet", "main")
    branches = [OTHER, THIRD] if order == "up-to-date-last" else [THIRD, OTHER]
    assert main(branches) == 0
    assert is_ancestor(repo, "origin/main", f"refs/heads/{OTHER}")
    capsys.readouterr()

    assert main(["undo"]) == 0

    assert f"{OTHER} restored to {y[:12]}" in capsys.readouterr().out
    assert rev(repo, f"refs/heads/{OTHER}") == y
    assert rev(repo, f"refs/heads/{THIRD}") == z
    assert rev(repo, "HEAD") == rev(repo, "refs/heads/main")
    assert not in_progress(repo)


def test_abort_leaves_an_aligned_branch_checked_out_with_work_and_says_how_to_undo_it_later(
    repo: Repo, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    y, x, z = three_branches(repo)
    assert main([OTHER, BRANCH, THIRD]) == 3
    aligned = rev(repo, f"refs/heads/{OTHER}")
    other = repo.path.parent / "other-worktree"
    repo.git("worktree", "add", "--quiet", str(other), OTHER)
    write(other / "y.txt", "work in progress\n")
    capsys.readouterr()

    assert main(["abort"]) == 4

    out = capsys.readouterr().out
    assert f"{OTHER}: not put back: {OTHER} is checked out in another working tree: {other}" in out
    assert f"once that is settled, `align undo {OTHER}` puts it back" in out  # the batch is gone
    assert rev(repo, f"refs/heads/{OTHER}") == aligned != y
    assert (other / "y.txt").read_text() == "work in progress\n"
    assert rev(repo, REF) == x
    assert rev(repo, f"refs/heads/{THIRD}") == z
    assert not _batch_file(repo).exists()
    assert not in_progress(repo)

    repo.git("-C", str(other), "checkout", "--", "y.txt")
    monkeypatch.chdir(other)
    assert main(["undo", OTHER]) == 0
    assert rev(repo, f"refs/heads/{OTHER}") == y


@pytest.mark.parametrize("pattern", [f"refs/align/backups/{OTHER}", f"refs/align/backups/{THIRD}"])
@pytest.mark.parametrize("then", ["continue", "abort"])
def test_a_kill_inside_a_batch_then_continue_or_abort(
    repo: Repo, tmp_path: Path, capsys: Capture, pattern: str, then: str
) -> None:
    y = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)[-1]
    z = feature(repo, ("z.txt", "z\n", "feature: add z"), branch=THIRD)[-1]
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    argv = [sys.executable, "-m", "align", OTHER, THIRD]
    killed = subprocess.run(argv, cwd=repo.path, env=killing_git(tmp_path, pattern), capture_output=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _batch_file(repo).exists()
    capsys.readouterr()

    code = main([then])

    assert code == 0, capsys.readouterr()
    assert not _batch_file(repo).exists()
    assert not in_progress(repo)
    if then == "continue":
        for branch in (OTHER, THIRD):
            assert is_ancestor(repo, "origin/main", f"refs/heads/{branch}")
        assert subjects(repo, f"origin/main..{THIRD}") == ["feature: add z"]
        assert subjects(repo, f"origin/main..{OTHER}") == ["feature: add y"]
    else:
        assert rev(repo, f"refs/heads/{OTHER}") == y
        assert rev(repo, f"refs/heads/{THIRD}") == z
    assert rev(repo, "HEAD") == rev(repo, "refs/heads/main")


def test_a_pending_branch_deleted_during_the_pause_does_not_hold_the_batch_forever(repo: Repo, capsys: Capture) -> None:
    y, x, z = three_branches(repo)
    assert main([OTHER, BRANCH, THIRD]) == 3
    repo.git("branch", "-D", THIRD)  # the user deletes the branch not started yet
    write(repo.path / "README.md", "resolved\n")
    repo.git("add", "README.md")
    capsys.readouterr()

    assert main(["continue"]) == 4  # the deleted branch is refused by name; the batch is over

    err = capsys.readouterr().err
    assert f"{THIRD}: not aligned: no branch {THIRD!r} in this repository" in err
    assert not _batch_file(repo).exists()
    assert is_ancestor(repo, "origin/main", REF)
    assert subjects(repo, f"origin/main..{OTHER}") == ["feature: add y"]
    assert rev(repo, f"refs/heads/{OTHER}") != y
    assert rev(repo, REF) != x
    assert not in_progress(repo)
    assert repo.git("branch", "--list", THIRD) == ""
    assert z  # gone with its branch
    assert main([OTHER]) == 0  # a new run is not refused: no batch waits


@pytest.mark.parametrize("then", ["continue", "abort"])
def test_continue_or_abort_while_another_align_holds_the_lock_leaves_the_batch_alone(
    repo: Repo, capsys: Capture, then: str
) -> None:
    y = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)[-1]
    z = feature(repo, ("z.txt", "z\n", "feature: add z"), branch=THIRD)[-1]
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    store = Store(locate(Git(repo.path)).common_dir)
    assert main([OTHER]) == 0  # the batch's first run, as a process running the batch leaves it between runs
    aligned = rev(repo, f"refs/heads/{OTHER}")
    [first] = [run["run_id"] for run in store.past_runs()]
    waiting = Batch.start(str(repo.path), [(OTHER, first), (THIRD, "20990101T000000Z-000001")], _args())
    waiting.ended(first, "aligned")
    save(store, waiting)
    text = _batch_file(repo).read_text()
    capsys.readouterr()

    # That process, about to start the next run (another process: within one, align's lock is re-entrant).
    code = f"import sys, time; from pathlib import Path; from align.lock import take_lock; take_lock(Path(sys.argv[1]), 'run {THIRD}'); print('held', flush=True); time.sleep(60)"  # noqa: E501
    holder = subprocess.Popen([sys.executable, "-c", code, str(store.lock_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        assert main([then]) == 4
    finally:
        holder.kill()
        holder.communicate()

    assert "holds this repository's lock" in capsys.readouterr().err
    assert _batch_file(repo).read_text() == text
    assert rev(repo, f"refs/heads/{OTHER}") == aligned != y
    assert rev(repo, f"refs/heads/{THIRD}") == z
    assert not in_progress(repo)


def _args() -> argparse.Namespace:
    return argparse.Namespace(
        recipe=None, target=None, remote=None, overrides=[], quiet=False,
        report_json=None, report_markdown=None, report_junit=None,
    )  # fmt: skip


def test_a_pending_branch_refused_at_its_start_after_continue_is_a_refusal_not_a_crash(
    repo: Repo, capsys: Capture
) -> None:
    _, _, z = three_branches(repo)
    assert main([OTHER, BRANCH, THIRD]) == 3
    other = repo.path.parent / "third-worktree"
    repo.git("worktree", "add", "--quiet", str(other), THIRD)
    write(other / "z.txt", "work in progress\n")  # the user works on z during the pause
    write(repo.path / "README.md", "resolved\n")
    repo.git("add", "README.md")
    capsys.readouterr()

    assert main(["continue"]) == 4

    err = capsys.readouterr().err
    assert f"{THIRD} is checked out in another working tree: {other}" in err
    assert "internal error" not in err
    assert is_ancestor(repo, "origin/main", REF)
    assert rev(repo, f"refs/heads/{THIRD}") == z
    assert (other / "z.txt").read_text() == "work in progress\n"
    assert not _batch_file(repo).exists()
    assert not in_progress(repo)


def test_undo_after_a_batch_whose_last_branch_was_refused_undoes_the_others(repo: Repo, capsys: Capture) -> None:
    y = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)[-1]
    z = feature(repo, ("z.txt", "z\n", "feature: add z"), branch=THIRD)[-1]
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    other = repo.path.parent / "third-worktree"
    repo.git("worktree", "add", "--quiet", str(other), THIRD)
    write(other / "z.txt", "work in progress\n")
    assert main([OTHER, THIRD]) == 4  # feature/z refused at its start
    assert is_ancestor(repo, "origin/main", f"refs/heads/{OTHER}")
    capsys.readouterr()

    code = main(["undo"])

    assert code == 0, capsys.readouterr()
    assert rev(repo, f"refs/heads/{OTHER}") == y
    assert rev(repo, f"refs/heads/{THIRD}") == z
    assert (other / "z.txt").read_text() == "work in progress\n"


@pytest.mark.parametrize("then", ["continue", "skip", "abort"])
def test_continue_skip_or_abort_from_another_worktree_is_refused_and_changes_nothing(
    repo: Repo, capsys: Capture, monkeypatch: pytest.MonkeyPatch, then: str
) -> None:
    three_branches(repo)
    assert main([OTHER, BRANCH, THIRD]) == 3
    elsewhere = repo.path.parent / "elsewhere"
    repo.git("worktree", "add", "--quiet", "--detach", str(elsewhere), "main")
    text = _batch_file(repo).read_text()
    before = snapshot(repo)
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()

    assert main([then]) == 4

    err = capsys.readouterr().err
    assert f"belongs to the working tree {repo.path}" in err
    assert f"cd {repo.path} and run `align {then}` there" in err
    assert _batch_file(repo).read_text() == text
    assert snapshot(repo) == before
    assert in_progress(repo)
