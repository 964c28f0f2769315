"""Interrupted at the edges of git's own work (issue 9, item 8): stale locks, CHERRY_PICK_HEAD, half-written files.

align stops its git child when it is interrupted; whatever that child left half done (``*.lock`` files,
``CHERRY_PICK_HEAD``, files written before the index) must not keep `align abort` or `align continue`
from finishing — and what align cannot prove is its own is left alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import disk_recipe, diverge
from tests.helpers import Repo, write
from tests.safety_helpers import (
    REAL_GIT,
    align_process,
    assert_restored,
    feature_repo,
    git_dir,
    journal_file,
    kill_group,
    make_dirty,
    snapshot,
    wait_for,
)

ABORTED = (0, 1)  # a complete `align abort` exits 1 today; issue 9 item 16 makes it 0
LEFT = ("packed-refs.lock", "MERGE_MSG.lock", "index.lock", "CHERRY_PICK_HEAD")


def leaving_hook(repo: Repo, marker: Path, names: tuple[str, ...]) -> Path:
    """A post-checkout hook that, inside git's rebase, leaves ``names`` in the git dir as a git killed there
    would (a lock, CHERRY_PICK_HEAD), then signals ``marker`` and sleeps until it is stopped."""
    made = " && ".join(f"echo x > '{git_dir(repo) / name}'" for name in names) or "true"
    hook = write(
        git_dir(repo) / "hooks" / "post-checkout",
        f"""\
        #!/bin/sh
        if [ -d '{git_dir(repo) / "rebase-merge"}' ]; then
          {made}
          touch '{marker}'
          sleep 30
        fi
        """,
    )
    hook.chmod(0o755)
    return hook


def interrupted_in_the_rebase(repo: Repo, tmp_path: Path, number: int, names: tuple[str, ...]) -> None:
    """Run align in a process; when its rebase is under way, send ``number`` to align alone (a supervisor)."""
    marker = tmp_path / "in-rebase"
    hook = leaving_hook(repo, marker, names)
    with align_process(repo, tmp_path, "feature/x", "--recipe", disk_recipe(tmp_path)) as process:
        wait_for(marker, process)
        os.kill(process.pid, number)
        assert process.wait(timeout=40) == 130
        kill_group(process)
    hook.unlink()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT])
def test_locks_and_cherry_pick_head_left_by_the_git_align_stopped_do_not_block_abort(
    number: int, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = feature_repo(repo, head="main")
    make_dirty(repo)
    before = snapshot(repo)

    interrupted_in_the_rebase(repo, tmp_path, number, LEFT)

    assert all((git_dir(repo) / name).exists() for name in LEFT)  # what git would have left, killed there
    record = json.loads((git_dir(repo) / "align" / "stopped-git.json").read_text(encoding="utf-8"))
    assert sorted(Path(item["path"]).name for item in record if item["path"]) == sorted(LEFT)
    monkeypatch.chdir(repo.path)

    assert main(["abort"]) in ABORTED

    assert_restored(repo, before, original)
    assert not any((git_dir(repo) / name).exists() for name in LEFT)
    assert not (git_dir(repo) / "align" / "stopped-git.json").exists()


def test_locks_left_by_the_git_align_stopped_do_not_block_continue(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feature_repo(repo, head="main")
    make_dirty(repo)
    before = snapshot(repo)
    names = ("packed-refs.lock", "MERGE_MSG.lock", "index.lock")

    interrupted_in_the_rebase(repo, tmp_path, signal.SIGTERM, names)
    monkeypatch.chdir(repo.path)

    assert main(["continue"]) == 0

    assert repo.git("log", "--format=%s", "origin/main..feature/x").splitlines() == [
        "feature: second",
        "feature: first",
    ]
    after = snapshot(repo)
    assert {key: after[key] for key in ("head", "worktree", "status", "untracked", "stash", "operations")} == {
        key: before[key] for key in ("head", "worktree", "status", "untracked", "stash", "operations")
    }
    assert not any((git_dir(repo) / name).exists() for name in names)
    assert not journal_file(repo).exists()


def test_a_lock_align_cannot_prove_is_its_own_is_left_alone(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lock changed after align stopped its git (another process holds it now) is never removed."""
    feature_repo(repo, head="main")
    interrupted_in_the_rebase(repo, tmp_path, signal.SIGTERM, ("index.lock",))
    lock = git_dir(repo) / "index.lock"
    lock.write_text("someone else's, written since\n", encoding="utf-8")
    monkeypatch.chdir(repo.path)

    assert main(["abort"]) == 1  # git cannot abort while another process holds the index

    assert lock.read_text(encoding="utf-8") == "someone else's, written since\n"
    assert "index.lock" in capsys.readouterr().err
    assert journal_file(repo).exists()  # still abortable once the other process is done
    lock.unlink()
    assert main(["abort"]) in ABORTED
    assert not journal_file(repo).exists()


@pytest.mark.parametrize("action", ["abort", "continue"])
def test_files_a_killed_git_wrote_before_its_index_do_not_block_abort_or_continue(
    action: str, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git stopped after writing a file but before its index: the file is untracked, and `git rebase --abort`
    refuses ("untracked working tree files would be overwritten"). Its bytes are the pre-run tip's: align
    removes it (the checkout writes the same bytes back); an untracked file with other bytes stays."""
    original = feature_repo(repo, head="main")
    make_dirty(repo)
    before = snapshot(repo)
    interrupted_in_the_rebase(repo, tmp_path, signal.SIGTERM, ())
    assert (git_dir(repo) / "rebase-merge").exists()
    write(repo.path / "second.txt", "second\n")  # as git writes it, picking "feature: second", then killed
    monkeypatch.chdir(repo.path)

    if action == "abort":
        assert main(["abort"]) in ABORTED
        assert_restored(repo, before, original)
    else:
        assert main(["continue"]) == 0
        assert repo.git("log", "--format=%s", "origin/main..feature/x").splitlines() == [
            "feature: second",
            "feature: first",
        ]
        assert repo.git("show", "feature/x:second.txt") == "second"
        assert snapshot(repo)["worktree"] == before["worktree"]
        assert not journal_file(repo).exists()


def test_an_untracked_file_with_other_bytes_is_never_removed(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feature_repo(repo, head="main")
    interrupted_in_the_rebase(repo, tmp_path, signal.SIGTERM, ())
    time.sleep(0.2)  # later than the stopped git: the user's, not git's
    write(repo.path / "second.txt", "not what the branch has\n")
    monkeypatch.chdir(repo.path)

    assert main(["abort"]) == 1

    assert (repo.path / "second.txt").read_text(encoding="utf-8") == "not what the branch has\n"
    assert "second.txt" in capsys.readouterr().err
    assert journal_file(repo).exists()


# -- the sweep: a signal to align at different moments of a real 30-commit rebase ------------------------


def signalling_git(tmp_path: Path, number: int, delay: float) -> dict[str, str]:
    """An environment whose ``git`` signals align (its parent) ``delay`` s after git's rebase starts."""
    folder = tmp_path / "bin"
    wrapper = write(
        folder / "git",
        f"""\
        #!/bin/sh
        case " $* " in *" rebase --merge "*) parent=$PPID; (sleep {delay}; kill -{number} $parent) & ;; esac
        exec '{REAL_GIT}' "$@"
        """,
    )
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def long_feature(repo: Repo, count: int = 30) -> str:
    mine = [(f"f{number}.txt", f"{number}\n", f"feature {number}") for number in range(count)]
    return diverge(repo, mine, [("upstream.txt", "upstream\n", "upstream change")]).tip


def leftovers(repo: Repo) -> list[str]:
    """Lock files and half-done operation files anywhere in the git dir."""
    found = [path.name for path in git_dir(repo).rglob("*.lock")]
    return found + [
        name for name in ("CHERRY_PICK_HEAD", "REBASE_HEAD", "rebase-merge") if (git_dir(repo) / name).exists()
    ]


@pytest.mark.slow
@pytest.mark.flaky(reruns=2)  # git stopped mid-work is a race by design (align's side is not): counts after 3 tries
@pytest.mark.parametrize("action", ["abort", "continue"])
@pytest.mark.parametrize(
    "moment",
    [(number, delay) for number in (signal.SIGTERM, signal.SIGINT) for delay in (0.0, 0.03, 0.06, 0.1)],
    ids=lambda moment: f"{signal.Signals(moment[0]).name}-{moment[1]}s",
)
def test_a_signal_at_any_moment_of_a_real_rebase_leaves_a_state_abort_and_continue_finish(
    moment: tuple[int, float], action: str, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    number, delay = moment
    original = long_feature(repo)
    make_dirty(repo)
    before = snapshot(repo)
    environment = signalling_git(tmp_path, number, delay)
    command = [sys.executable, "-m", "align", "feature/x", "--recipe", disk_recipe(tmp_path)]
    ran = subprocess.run(command, cwd=repo.path, env=environment, capture_output=True, check=False, timeout=120)
    assert ran.returncode in (0, 130), ran.stdout + ran.stderr
    monkeypatch.chdir(repo.path)

    if ran.returncode == 130:
        assert main([action]) in ((0,) if action == "continue" else ABORTED)

    if action == "abort" and ran.returncode == 130:
        assert_restored(repo, before, original)
    else:  # aligned, with the user's work back exactly
        assert len(repo.git("log", "--format=%s", "origin/main..feature/x").splitlines()) == 30
        assert repo.git("merge-base", "origin/main", "feature/x") == repo.git("rev-parse", "origin/main")
        after = snapshot(repo)
        assert {key: after[key] for key in ("head", "worktree", "status", "untracked", "stash")} == {
            key: before[key] for key in ("head", "worktree", "status", "untracked", "stash")
        }
    assert leftovers(repo) == []
    assert not journal_file(repo).exists()


def test_what_a_stopped_git_left_is_noted_with_its_identity_in_the_common_git_dir(repo: Repo, tmp_path: Path) -> None:
    """``note`` (called by ``_stop``) from a linked working tree: its own git dir and the common one are looked at."""
    from align.stopped import LEFT_BEHIND, git_dirs, note

    repo.git("worktree", "add", "--quiet", str(tmp_path / "linked"), "-b", "other")
    linked = tmp_path / "linked"
    own, common = git_dirs(linked / "sub" / "folder") or (Path(), Path())
    assert (own, common) == (git_dir(repo) / "worktrees" / "linked", git_dir(repo))
    old = git_dir(repo) / "config.lock"
    write(old, "older than the stopped git\n")
    os.utime(old, (time.time() - 60, time.time() - 60))
    since = time.time()
    write(own / "index.lock", "x\n")
    write(common / "packed-refs.lock", "x\n")
    write(own / "CHERRY_PICK_HEAD", "x\n")

    note(linked, since)
    note(linked, since)  # a second stop in the same run adds to the record

    record = json.loads((common / "align" / LEFT_BEHIND).read_text(encoding="utf-8"))
    names = sorted(Path(item["path"]).name for item in record if item["path"])
    assert names == sorted(["index.lock", "packed-refs.lock", "CHERRY_PICK_HEAD"] * 2)
    assert [item["started"] for item in record if not item["path"]] == [since, since]
    assert git_dirs(Path("/")) is None  # outside any repository: nothing to note
