"""The replay's merges through one long-running ``git merge-tree --stdin`` (``align.merges``): the same
trees, conflicts and messages as one ``git merge-tree --write-tree`` per merge, on real repositories;
a git that keeps its answers in its buffer, and a machine without ``stdbuf``, fall back to one process
per merge with the same results."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from align import merges as merges_module
from align.cli import main
from align.errors import GitError
from align.git import Git
from align.merges import Merge, Merger, merges, record
from tests.builders import conflict, diverge, steps_recipe
from tests.helpers import BRANCH, Repo

UNBUFFERED = ("stdbuf", "-o0")


def _pairs(repo: Repo) -> list[tuple[str, str]]:
    """Merges of every outcome: clean, content, add/add, modify/delete both ways, rename/delete (a message
    naming two paths), file/directory, and clean again after the conflicts."""
    built = conflict(
        repo,
        {
            "c.txt": "content",
            "a.txt": "added",
            "d.txt": "deleted upstream",
            "h.txt": "deleted here",
            "r.txt": "renamed here",
            "dir": "directory here",
        },
        before=[("first.txt", "first\n", "feature: first")],
        after=[("last.txt", "last\n", "feature: last")],
    )
    main_tip = repo.git("rev-parse", "main")
    return [(main_tip, commit) for commit in built.commits] + [(built.commits[0], built.commits[-1])]


def _merged(git: Git, pairs: list[tuple[str, str]], via: tuple[str, ...] | None) -> tuple[list[Merge], Merger]:
    with contextlib.ExitStack() as stack:
        merger = Merger(git, stack, via=via)
        found = [merger.merge(ours, theirs) for ours, theirs in pairs]
    return found, merger


def test_one_stream_gives_what_one_process_per_merge_gives(repo: Repo) -> None:
    pairs = _pairs(repo)
    one_by_one, _ = _merged(Git(repo.path), pairs, None)
    git = Git(repo.path)

    streamed, merger = _merged(git, pairs, UNBUFFERED)

    assert streamed == one_by_one
    assert [merge.clean for merge in streamed] == [True, False, False, True]
    assert "CONFLICT (rename/delete)" in streamed[1].output
    assert merger.streamed == len(pairs)
    assert git.stats.calls == 1  # one git process for all the merges


@pytest.mark.skipif(Git(Path.cwd()).version()[:2] >= merges_module.FLUSHES, reason="this git flushes its answers")
def test_a_git_that_keeps_its_answers_in_its_buffer_is_not_waited_for(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merges_module, "FIRST_ANSWER", 0.3)
    pairs = _pairs(repo)
    one_by_one, _ = _merged(Git(repo.path), pairs, None)
    git = Git(repo.path)

    streamed, merger = _merged(git, pairs, ())  # plain git 2.39-2.48: nothing comes until its input ends

    assert streamed == one_by_one
    assert merger.streamed == 1  # the first merge was answered once its input ended; the rest one by one
    assert git.stats.calls == len(pairs)


def test_without_stdbuf_each_merge_is_its_own_process(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = repo.path.parent / "bin"
    folder.mkdir()
    os.symlink(shutil.which("git") or "git", folder / "git")
    monkeypatch.setenv("PATH", str(folder))
    pairs = _pairs(repo)
    git = Git(repo.path)

    with merges(git) as merger:
        found = [merger.merge(ours, theirs) for ours, theirs in pairs]

    expected = git.version()[:2] >= merges_module.FLUSHES
    assert (merger.streamed == len(pairs)) is expected
    assert [merge.clean for merge in found] == [True, False, False, True]


def test_an_answer_is_read_only_once_it_is_complete(repo: Repo) -> None:
    pairs = _pairs(repo)
    one_by_one, _ = _merged(Git(repo.path), pairs, None)
    lines = "".join(f"{ours} {theirs}\n" for ours, theirs in pairs).encode()
    output = subprocess.run(
        ["git", "merge-tree", "--stdin", "--messages"], cwd=repo.path, input=lines, capture_output=True, check=True
    ).stdout

    found, rest = [], output
    while rest:
        answer = record(rest)
        assert answer is not None
        merge, used = answer
        assert all(record(rest[:cut]) is None for cut in range(used))  # every shorter piece: not yet
        found.append(merge)
        rest = rest[used:]

    assert found == one_by_one


def test_output_that_is_not_an_answer_is_a_git_error() -> None:
    with pytest.raises(GitError, match="unexpected answer"):
        record(b"fatal\0something\0")
    with pytest.raises(GitError, match="unexpected message"):
        record(b"0\0" + b"a" * 40 + b"\0entry\0\0not-a-count\0")


def test_a_memory_run_starts_one_merge_process_for_all_its_commits(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    diverge(in_repo, [(f"f{n}.txt", f"{n}\n", f"feature: {n}") for n in range(4)], [("up.txt", "up\n", "upstream")])
    recipe = steps_recipe(tmp_path, "rebase: {onto: origin/main}")

    assert main(["-v", BRANCH, "--recipe", recipe]) == 0

    started = [line for line in capsys.readouterr().err.splitlines() if line.startswith("git merge-tree")]
    assert len(started) == 1, started
    assert started[0].startswith("git merge-tree --stdin --messages -> 0 ")
    assert in_repo.git("rev-list", "--count", f"origin/main..{BRANCH}") == "4"
