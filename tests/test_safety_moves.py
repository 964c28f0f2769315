"""Compare-and-swap ref moves (DESIGN §7.4) and the git process budget (DESIGN §9)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from align.cli import main
from tests.helpers import Repo, lock_left
from tests.safety_helpers import (
    align_refs,
    feature_repo,
    journal_file,
    lock_file,
    make_dirty,
    recipe,
    snapshot,
    tip,
)


@pytest.mark.parametrize("head", ["feature/x", "main"])
def test_a_branch_moved_by_another_process_is_not_overwritten_by_the_rollback(
    head: str, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = feature_repo(repo, head=head)
    repo.git("switch", "--quiet", "-c", "elsewhere", "main~1")
    other = repo.commit("elsewhere.txt", "another process's commit\n", "written by someone else")
    repo.git("switch", "--quiet", head)
    if head == "main":
        make_dirty(repo)
    before = snapshot(repo)
    path = recipe(tmp_path, ["git", "update-ref", "refs/heads/feature/x", other], ["false"])
    monkeypatch.chdir(repo.path)

    assert main(["feature/x", "--recipe", str(path)]) == 1

    out = capsys.readouterr().out
    assert "failed: rolled back, except feature/x, moved meanwhile" in out
    assert "feature/x was moved by someone else during the run" in out
    assert tip(repo, "feature/x") == other  # the compare-and-swap left the other process's commit
    backups = align_refs(repo)
    assert list(backups.values()) == [original]  # nothing lost: the pre-run tip is kept
    assert next(iter(backups)) in out
    assert not lock_left(lock_file(repo))
    assert not journal_file(repo).exists()
    after = snapshot(repo)
    assert after["head"][0] == f"refs/heads/{head}"
    assert after["operations"] == []
    assert after["stash"] == before["stash"]
    if head == "main":  # the branch that moved was not checked out: the user's work is back as it was
        assert {key: value for key, value in after.items() if key not in ("branches", "align_refs")} == {
            key: value for key, value in before.items() if key not in ("branches", "align_refs")
        }


# -- git processes per run do not grow with the number of commits ---------------------------------


def feature_of(base: Path, commits: int) -> Repo:
    """A fresh repository whose ``feature/x`` has ``commits`` commits, over a target 3 commits ahead."""
    repo = Repo.create(base)
    start = repo.git("rev-parse", "main")
    stamp = "1767268800 +0000"  # conftest.FIXED_DATE
    stream = []
    for number in range(1, commits + 1):
        message = f"feature commit {number}\n"
        content = f"line {number}\n"
        stream += [
            "commit refs/heads/feature/x",
            f"author Align Test <test@align.invalid> {stamp}",
            f"committer Align Test <test@align.invalid> {stamp}",
            f"data {len(message)}",
            message,
        ]
        if number == 1:
            stream.append(f"from {start}")
        stream += [f"M 100644 inline f{number}.txt", f"data {len(content)}", content]
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo.path, input="\n".join(stream) + "\n", text=True, check=True
    )
    for number in range(3):
        repo.commit(f"upstream{number}.txt", f"upstream {number}\n", f"upstream {number}")
    repo.git("push", "--quiet", "origin", "main")
    return repo


def git_calls(repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> int:
    """Align ``feature/x`` with the default recipe; return the git calls the report counts."""
    monkeypatch.chdir(repo.path)
    capsys.readouterr()
    assert main(["feature/x"]) == 0
    out = capsys.readouterr().out
    found = re.search(r"^  git:\s+(\d+) calls", out, re.MULTILINE)
    assert found, out
    return int(found.group(1))


def test_the_number_of_git_processes_does_not_grow_with_the_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small = feature_of(tmp_path / "five", 5)
    large = feature_of(tmp_path / "fifty", 50)
    assert small.git("rev-list", "--count", "main..feature/x") == "5"
    assert large.git("rev-list", "--count", "main..feature/x") == "50"

    five = git_calls(small, monkeypatch, capsys)
    fifty = git_calls(large, monkeypatch, capsys)

    assert large.git("rev-list", "--count", "origin/main..feature/x") == "50"
    assert large.git("merge-base", "origin/main", "feature/x") == large.git("rev-parse", "origin/main")
    # every pick's merge goes through one `git merge-tree --stdin` (align.merges): nothing grows with the commits
    assert fifty == five
