"""Hostile edges of the streamed merges (``align.merges``): a ``stdbuf`` that is not GNU's, paths git
writes raw under -z (non-ASCII, not UTF-8, tabs, newlines), a merge that makes git die."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from align.cli import main
from align.errors import GitError
from align.git import Git
from align.merges import Merge, Merger, merges
from tests.builders import diverge, steps_recipe
from tests.helpers import BRANCH, Repo
from tests.snapshots import is_ancestor

pytestmark = pytest.mark.usefixtures("in_repo")


def _bin(repo: Repo, name: str, script: str) -> Path:
    folder = repo.path.parent / "fakebin"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return folder


def _commit(repo: Repo, parent: str, files: dict[bytes, bytes | None], message: str) -> str:
    """A commit of ``parent``'s tree with ``files`` (raw byte paths at the root) written over it (None:
    removed)."""
    lines = [entry for entry in _raw(repo, b"", "ls-tree", "-z", parent).split(b"\0") if entry]
    for name, data in files.items():
        lines = [line for line in lines if line.split(b"\t", 1)[1] != name]
        if data is not None:
            lines.append(b"100644 blob " + _hash(repo, data).encode() + b"\t" + name)
    tree = _raw(repo, b"".join(line + b"\0" for line in lines), "mktree", "-z").decode().strip()
    return repo.git("commit-tree", "-p", parent, "-m", message, tree)


def _hash(repo: Repo, data: bytes) -> str:
    return _raw(repo, data, "hash-object", "-w", "--stdin").decode().strip()


def _raw(repo: Repo, data: bytes, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=repo.path, input=data, capture_output=True, check=True).stdout


def _pairs(repo: Repo, names: list[bytes]) -> list[tuple[str, str]]:
    base = repo.git("rev-parse", "main")
    start = _commit(repo, base, dict.fromkeys(names, b"base\n"), "base")
    ours = _commit(repo, start, dict.fromkeys(names, b"ours\n"), "ours")
    theirs = _commit(repo, start, dict.fromkeys(names, b"theirs\n"), "theirs")
    clean = _commit(repo, start, {b"other.txt": b"x\n"}, "clean")
    return [(ours, theirs), (ours, clean), (theirs, ours)]


def _both(repo: Repo, pairs: list[tuple[str, str]], via: tuple[str, ...] | None) -> list[Merge]:
    with contextlib.ExitStack() as stack:
        merger = Merger(Git(repo.path), stack, via=via)
        return [merger.merge(ours, theirs) for ours, theirs in pairs]


NAMES = ["caf\u00e9 \u00e0 la cr\u00e8me.txt".encode(), b"latin1-\xe9t\xe9.txt", b"tab\there.txt", b"new\nline.txt"]


def test_raw_paths_come_back_as_one_process_per_merge_gives_them(repo: Repo) -> None:
    pairs = _pairs(repo, NAMES)
    expected = _both(repo, pairs, None)
    assert _both(repo, pairs, ("stdbuf", "-o0")) == expected


def test_a_stdbuf_that_fails_falls_back_to_one_process_per_merge(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = _pairs(repo, [b"file.txt"])
    expected = _both(repo, pairs, None)
    folder = _bin(repo, "stdbuf", "#!/bin/sh\necho 'stdbuf: this is not GNU stdbuf' >&2\nexit 125\n")
    os.symlink(shutil.which("git") or "git", folder / "git")
    monkeypatch.setenv("PATH", str(folder))
    git = Git(repo.path)

    found, streamed = _all(git, pairs)

    assert found == expected
    assert streamed == 0


@pytest.mark.parametrize("via", [None, ("stdbuf", "-o0")], ids=["one-per-merge", "streamed"])
@pytest.mark.parametrize("at", [0, 1])
def test_a_merge_git_cannot_make_is_a_git_error_and_leaves_no_git_running(
    repo: Repo, at: int, via: tuple[str, ...] | None
) -> None:
    pairs = _pairs(repo, [b"file.txt"])
    missing = "0123456789abcdef0123456789abcdef01234567"
    pairs.insert(at, (pairs[0][0], missing))  # git: "not something we can merge", exit 1 like a conflict

    with pytest.raises(GitError, match=missing):
        _both(repo, pairs, via)

    assert _running(repo) == []


def _running(repo: Repo) -> list[str]:
    """The processes still running in ``repo`` (git, stdbuf)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if (
                entry.name.isdigit()
                and int(entry.name) != os.getpid()
                and Path(os.readlink(entry / "cwd")) == repo.path
            ):
                found.append((entry / "cmdline").read_bytes().decode(errors="replace"))
        except OSError:
            continue
    return found


def _all(git: Git, pairs: list[tuple[str, str]]) -> tuple[list[Merge], int]:
    with merges(git) as merger:
        return [merger.merge(ours, theirs) for ours, theirs in pairs], merger.streamed


def test_a_rename_rename_message_naming_three_paths_is_read_whole(repo: Repo) -> None:
    text = b"".join(b"line %d of a file long enough to be seen as renamed\n" % n for n in range(20))
    base = _commit(repo, repo.git("rev-parse", "main"), {b"old name.txt": text}, "base")
    ours = _commit(repo, base, {b"old name.txt": None, "our n\u00e4me.txt".encode(): text}, "ours")
    theirs = _commit(repo, base, {b"old name.txt": None, b"their\tname.txt": text}, "theirs")
    clean = _commit(repo, base, {b"other.txt": b"x\n"}, "clean")
    pairs = [(ours, theirs), (ours, clean), (theirs, ours)]

    found = _both(repo, pairs, ("stdbuf", "-o0"))

    assert found == _both(repo, pairs, None)
    assert "CONFLICT (rename/rename)" in found[0].output
    assert "\x003\x00old name.txt\x00our n\u00e4me.txt\x00their\tname.txt\x00CONFLICT (rename/rename)\x00" in (
        found[0].output
    )  # one message naming three paths
    assert [merge.clean for merge in found] == [False, True, False]


@pytest.mark.parametrize("command", [["plan", BRANCH], [BRANCH]])
def test_align_plan_and_run_under_a_stdbuf_that_fails(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    diverge(repo, [(f"f{n}.txt", f"{n}\n", f"feature: {n}") for n in range(3)], [("up.txt", "up\n", "upstream")])
    recipe = steps_recipe(tmp_path, "rebase: {onto: origin/main}")
    repo.git("switch", "--quiet", "main")
    folder = _bin(repo, "stdbuf", "#!/bin/sh\necho 'stdbuf: not GNU' >&2\nexit 125\n")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    assert main([*command, "--recipe", recipe]) == 0

    if command[0] == BRANCH:
        assert repo.git("rev-list", "--count", f"origin/main..{BRANCH}") == "3"
        assert is_ancestor(repo, "origin/main", f"refs/heads/{BRANCH}")
    assert _running(repo) == []
