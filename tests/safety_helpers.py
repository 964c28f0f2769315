"""Helpers of the safety suites (test_safety*, test_edges_*): a feature branch behind a moved
origin/main, a dirty tree, the state a rollback must put back (as a dict), align run as a process and killed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from tests.builders import diverge
from tests.helpers import Repo, lock_left, write

REAL_GIT = shutil.which("git") or "/usr/bin/git"


# -- builders -------------------------------------------------------------------------------------


def run_git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git in ``cwd`` whatever its exit code."""
    return subprocess.run([REAL_GIT, *args], cwd=cwd, capture_output=True, text=True, check=False)


def feature_repo(repo: Repo, *, head: str = "feature/x", conflict: bool = False) -> str:
    """Give ``repo`` a ``feature/x`` of two commits and an ``origin/main`` one commit ahead; return the tip.

    With ``conflict``, both sides change ``README.md`` so that the rebase stops on the first commit.
    ``head`` is what is checked out afterwards.
    """
    mine = [("README.md" if conflict else "feature.txt", "feature side\n", "feature: first")]
    theirs = [("README.md" if conflict else "upstream.txt", "upstream side\n", "upstream change")]
    return diverge(repo, [*mine, ("second.txt", "second\n", "feature: second")], theirs, head=head).tip


def make_dirty(repo: Repo) -> None:
    """Leave the user's own stash, then staged, unstaged (same file and another) and untracked changes."""
    write(repo.path / "README.md", "for the user's own stash\n")
    repo.git("stash", "push", "--quiet", "--message", "the user's own stash")
    write(repo.path / "README.md", "hello\nstaged line\n")
    repo.git("add", "README.md")
    write(repo.path / "README.md", "hello\nstaged line\nunstaged line\n")
    tracked = "feature.txt" if (repo.path / "feature.txt").exists() else "upstream.txt"
    write(repo.path / tracked, "changed, not staged\n")
    write(repo.path / "notes.txt", "untracked notes\n")
    write(repo.path / "scratch" / "deep" / "todo.txt", "untracked in a new folder\n")


def recipe(tmp_path: Path, *commands: list[str]) -> Path:
    """Write a recipe (outside the repository) that validates with ``commands`` after a default alignment."""
    validate = (
        f"  - validate: {{run: {json.dumps([list(argv) for argv in commands])}, timeout: 120}}\n" if commands else ""
    )
    text = (
        "version: 1\n"
        "steps:\n"
        "  - backup: {}\n"
        "  - fetch: {}\n"
        f'  - rebase: {{onto: "${{remote}}/${{target}}", dirty: stash}}\n'
        "  - on_conflict: {action: pause}\n"
        "  - on_fail: {action: rollback}\n"
        "  - verify: {}\n"
        f"{validate}"
        "  - report: {formats: [console]}\n"
    )
    path = tmp_path / "recipes" / "r.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def sleeper(marker: Path) -> list[str]:
    """A validate command that creates ``marker`` then sleeps long enough to be killed."""
    code = f"import pathlib, time; pathlib.Path({str(marker)!r}).touch(); time.sleep(30)"
    return [sys.executable, "-c", code]


# -- what the repository looks like ---------------------------------------------------------------


def git_dir(repo: Repo) -> Path:
    return repo.path / ".git"


def lock_file(repo: Repo) -> Path:
    return git_dir(repo) / "align" / "lock"


def journal_file(repo: Repo) -> Path:
    return git_dir(repo) / "align" / "journal.json"


def tip(repo: Repo, ref: str) -> str:
    return repo.git("rev-parse", "--verify", f"{ref}^{{commit}}")


def align_refs(repo: Repo) -> dict[str, str]:
    """Return every ``refs/align/*`` ref and its sha."""
    text = repo.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/align/")
    return dict(line.split(" ", 1) for line in text.splitlines())  # type: ignore[misc]


def worktree(path: Path) -> dict[str, bytes]:
    """Return every file of the working tree (outside ``.git``) and its bytes."""
    found = {}
    for item in sorted(path.rglob("*")):
        relative = item.relative_to(path)
        if relative.parts[0] != ".git" and item.is_file():
            found[relative.as_posix()] = item.read_bytes()
    return found


def snapshot(repo: Repo) -> dict[str, Any]:
    """Everything a run must leave as it found it: refs, HEAD, tree, index, untracked, stashes, align refs."""
    head = run_git(repo.path, "symbolic-ref", "--quiet", "HEAD").stdout.strip()
    stashes = run_git(repo.path, "log", "-g", "--format=%H %gs", "refs/stash", "--")
    return {
        "branches": repo.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/", "refs/remotes/"),
        "head": (head or "detached", repo.git("rev-parse", "HEAD")),
        "worktree": worktree(repo.path),
        "index": repo.git("ls-files", "--stage"),
        "status": repo.git("status", "--porcelain=v1", "--untracked-files=all"),
        "untracked": repo.git("ls-files", "--others"),
        "stash": stashes.stdout if stashes.returncode == 0 else "",
        "align_refs": align_refs(repo),
        "operations": sorted(
            name
            for name in ("rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD")
            if (git_dir(repo) / name).exists()
        ),
    }


def assert_restored(repo: Repo, before: dict[str, Any], original_tip: str) -> None:
    """After a rollback: all as before, except one backup ref of the pre-run tip, and no lock or journal."""
    after = snapshot(repo)
    assert {key: value for key, value in after.items() if key != "align_refs"} == {
        key: value for key, value in before.items() if key != "align_refs"
    }
    assert before["align_refs"] == {}
    assert list(after["align_refs"].values()) == [original_tip]
    assert all(name.startswith("refs/align/backups/feature/x/") for name in after["align_refs"])
    assert not (git_dir(repo) / "rebase-merge").exists()
    assert not lock_left(lock_file(repo))
    assert not journal_file(repo).exists()


def no_file_named_x(root: Path) -> bool:
    """Tell that no ``touch x`` ran anywhere under ``root`` (git's own folders hold refs named like branches)."""
    return not any(
        path.name == "x" and not any(part.endswith(".git") for part in path.relative_to(root).parts)
        for path in root.rglob("*")
    )


# -- align as a process ---------------------------------------------------------------------------


@contextmanager
def align_process(repo: Repo, tmp_path: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``python -m align ARGS`` in its own process group; kill the group (and reap it) on the way out."""
    log = tmp_path / f"align-{time.monotonic_ns()}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "align", *args],
            cwd=repo.path,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log = log  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        kill_group(process)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group of ``process`` (align, git, hooks, validation) and reap align.

    The group outlives align when align left children running: they are killed too.
    """
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def wait_for(marker: Path, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Poll until ``marker`` exists; fail with align's output if it ends first or the time runs out."""
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if process.poll() is not None:
            pytest.fail(f"align exited with {process.returncode} first:\n{output_of(process)}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {marker} after {timeout} s:\n{output_of(process)}")
        time.sleep(0.02)


def output_of(process: subprocess.Popen[bytes]) -> str:
    return Path(process.log).read_text(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]


def slow_rebase_hook(repo: Repo, marker: Path) -> Path:
    """A post-checkout hook that, inside a rebase only, creates ``marker`` and sleeps (to be killed there)."""
    hook = write(
        git_dir(repo) / "hooks" / "post-checkout",
        f"""\
        #!/bin/sh
        if [ -d '{git_dir(repo) / "rebase-merge"}' ]; then
          echo $PPID > '{marker}.tmp' && mv '{marker}.tmp' '{marker}'  # the pid of git's rebase
          sleep 30
        fi
        """,
    )
    hook.chmod(0o755)
    return hook


def lock_pid(repo: Repo) -> int:
    return int(json.loads(lock_file(repo).read_text(encoding="utf-8"))["pid"])


def dead_pid() -> int:
    """Return the pid of a process that has finished (and was reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running(pid: int) -> bool:
    """Tell whether process ``pid`` still runs (a zombie does not; Linux ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"
