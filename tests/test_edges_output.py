"""Outputs at the edges (issue 9, item 11): git's output read whole however large, and patch ids of binary
changes taken from their blob ids, not from a diff as large as the files."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from pathlib import Path

import pytest

from align.cli import main
from align.git import Git
from align.steps import patches
from tests.builders import feature, upstream
from tests.helpers import BRANCH, REF, Repo, git
from tests.journals import accounting, checks, history_recipe, last_run
from tests.snapshots import rev, snapshot

# sh keeps the last 3 * 1024**2 chunks it reads (one chunk a line): more lines than that were cut.
SH_CHUNKS = 3 * 1024**2


def test_an_output_larger_than_shs_buffer_comes_back_whole(repo: Repo) -> None:
    data = b"".join(b"%d\n" % number for number in range(SH_CHUNKS + 1000))
    blob = repo.path / "lines.txt"
    blob.write_bytes(data)
    sha = repo.git("hash-object", "-w", "--", "lines.txt")

    stdout = Git(repo.path).run("cat-file", "blob", sha).stdout

    assert len(stdout) == len(data)
    assert stdout.encode() == data


@pytest.mark.parametrize("live", [False, True])
def test_a_stderr_larger_than_shs_buffer_comes_back_whole(repo: Repo, live: bool) -> None:
    lines = SH_CHUNKS + 1000
    noisy = f"alias.noisy=!seq 1 {lines} >&2; exit 3"
    pieces: list[str] = []

    started = time.perf_counter()
    result = Git(repo.path).run("-c", noisy, "noisy", ok=(3,), on_stderr=pieces.append if live else None)
    elapsed = time.perf_counter() - started

    assert result.stdout == ""
    assert result.stderr.splitlines() == [str(number) for number in range(1, lines + 1)]
    assert "".join(pieces) == (result.stderr if live else "")
    assert elapsed < 10, f"took {elapsed:.1f} s"  # sh read live stderr 1 byte at a time


def test_a_large_input_reaches_git_whole_and_fast(repo: Repo) -> None:
    data = "".join(f"{number}\n" for number in range(SH_CHUNKS))  # 23 MB (sh wrote input 1 KiB at a time: 10 s)
    blob = f"blob {len(data)}\0{data}".encode()

    started = time.perf_counter()
    sha = Git(repo.path).run("hash-object", "--stdin", stdin=data).stdout.strip()
    elapsed = time.perf_counter() - started

    assert sha == hashlib.sha1(blob).hexdigest()
    assert elapsed < 5, f"took {elapsed:.1f} s"


def _binary_commit(repo: Repo, data: bytes, message: str) -> str:
    (repo.path / "blob.bin").write_bytes(data)
    repo.git("add", "blob.bin")
    repo.git("commit", "--quiet", "-m", message)
    return rev(repo, "HEAD")


def test_patch_ids_of_binary_changes_follow_their_contents(repo: Repo) -> None:
    start = _binary_commit(repo, b"\0start\0" * 100, "base: a binary")
    b = _binary_commit(repo, b"\0B\0" * 100, "change it to B")
    repo.git("switch", "--quiet", "-c", "other", start)
    repo.commit("side.txt", "side\n", "another base")
    picked = _binary_commit(repo, b"\0B\0" * 100, "the same change, elsewhere")
    repo.git("switch", "--quiet", "-c", "third", start)
    c = _binary_commit(repo, b"\0C\0" * 100, "change it to C")
    repo.git("switch", "--quiet", "-c", "fourth", start)
    back = _binary_commit(repo, b"\0start\0" * 99, "change it to another")

    found = {commit.sha: commit for commit in patches._log(Git(repo.path), start, f"^{start}~1", b, picked, c, back)}

    ids = {sha: found[sha].patch_id for sha in (b, picked, c, back)}
    assert all(ids.values())
    assert ids[b] == ids[picked]  # the same change on another base: the same patch
    assert len({ids[b], ids[c], ids[back], found[start].patch_id}) == 4  # other contents: other patches


def test_a_binary_resolved_otherwise_at_a_conflict_is_reported_changed(in_repo: Repo, tmp_path: Path) -> None:
    _binary_commit(in_repo, b"\0base\0", "base: a binary")
    in_repo.git("push", "--quiet", "origin", "main")
    in_repo.git("switch", "--quiet", "-c", BRANCH)
    old = _binary_commit(in_repo, b"\0feature\0", "feature: change the binary")
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(in_repo.origin), str(other))
    (other / "blob.bin").write_bytes(b"\0upstream\0")
    git(other, "commit", "--quiet", "-am", "upstream: change the binary")
    git(other, "push", "--quiet", "origin", "main")

    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 3
    (in_repo.path / "blob.bin").write_bytes(b"\0resolved\0")
    in_repo.git("add", "blob.bin")
    assert main(["continue"]) == 0

    journal = last_run(in_repo)
    assert checks(journal)["patches_preserved"].detail == "0 preserved, 1 changed"
    assert [(item.sha, item.reason) for item in accounting(journal).changed] == [
        (old, "changed by conflict resolution")
    ]
    assert accounting(journal).preserved == accounting(journal).lost == []
    assert (in_repo.path / "blob.bin").read_bytes() == b"\0resolved\0"
    assert in_repo.git("log", "--format=%s", "-2", REF).splitlines() == [
        "feature: change the binary",
        "upstream: change the binary",
    ]


@pytest.mark.slow
def test_a_50_mb_binary_change_aligns_fast_and_is_preserved(in_repo: Repo, tmp_path: Path) -> None:
    size = 50 * 1024**2
    _binary_commit(in_repo, os.urandom(size), "base: a 50 MB binary")
    in_repo.git("push", "--quiet", "origin", "main")
    old = feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    old.append(_binary_commit(in_repo, os.urandom(size), "feature: change the 50 MB binary"))
    upstream(in_repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    in_repo.git("switch", "--quiet", "main")
    before = snapshot(in_repo)

    started = time.perf_counter()
    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 0
    elapsed = time.perf_counter() - started

    journal = last_run(in_repo)
    assert checks(journal)["patches_preserved"].detail == "2 preserved"
    assert [pair.sha for pair in accounting(journal).preserved] == old
    assert accounting(journal).lost == accounting(journal).changed == []
    assert in_repo.git("rev-list", "--reverse", f"origin/main..{REF}").splitlines() == [
        pair.new for pair in accounting(journal).preserved
    ]
    assert in_repo.git("rev-parse", f"{REF}:blob.bin") == in_repo.git("rev-parse", f"{old[-1]}:blob.bin")
    after = snapshot(in_repo)
    assert after.refs == {**before.refs, REF: rev(in_repo, REF)}
    assert dataclasses.replace(after, refs={}) == dataclasses.replace(before, refs={})  # HEAD, index, files, stashes
    assert before.head == "refs/heads/main"
    assert elapsed < 30, f"took {elapsed:.1f} s"
    print(f"50 MB binary change aligned in {elapsed:.1f} s")
