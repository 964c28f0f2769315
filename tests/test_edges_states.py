"""Index states a stash cannot keep, git failures that are not conflicts, submodules (issue 9, items 12, 13, 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from align.cli import main
from tests.helpers import Repo, lock_left, write
from tests.safety_helpers import (
    assert_restored,
    feature_repo,
    git_dir,
    journal_file,
    lock_file,
    make_dirty,
    run_git,
    snapshot,
)


def index_flags(repo: Repo) -> str:
    """The index as ``ls-files -v --stage`` shows it (flags included), and git's own view of the changes."""
    return repo.git("ls-files", "-v", "--stage") + "\n" + repo.git("diff", "--name-status")


@pytest.mark.parametrize("head", ["feature/x", "main"])
@pytest.mark.parametrize(
    "case",
    [
        ("intent-to-add", "intent-to-add entries (`git add -N`) cannot be kept aside by align: new.txt", "git add"),
        ("assume-unchanged", "assume-unchanged files hide their changes from git", "--no-assume-unchanged"),
        ("skip-worktree", "skip-worktree files hide their changes from git", "--no-skip-worktree"),
        ("unmerged", "the index has unresolved conflicts (not from a rebase or merge): README.md", "git add"),
    ],
    ids=lambda case: case[0],
)
def test_an_index_state_a_stash_cannot_keep_is_refused_before_anything_moves(
    case: tuple[str, str, str],
    head: str,
    repo: Repo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kind, message, fix = case
    feature_repo(repo, head=head)
    if kind == "intent-to-add":
        write(repo.path / "new.txt", "new, intended\n")
        repo.git("add", "-N", "new.txt")
    elif kind == "unmerged":  # a conflict left by `git stash pop`: no rebase or merge in progress
        write(repo.path / "README.md", "stashed side\n")
        repo.git("stash", "push", "--quiet")
        repo.commit("README.md", "committed side\n", "other side")
        assert run_git(repo.path, "stash", "pop").returncode != 0
    else:
        flag = f"--{kind}"
        repo.git("update-index", flag, "README.md")
        write(repo.path / "README.md", "hidden local change\n")
    before = snapshot(repo)
    flags = index_flags(repo)
    readme = (repo.path / "README.md").read_bytes()
    monkeypatch.chdir(repo.path)

    assert main(["feature/x"]) == 4

    err = capsys.readouterr().err
    assert message in err
    assert fix in err
    assert "README.md" in err or "new.txt" in err
    assert snapshot(repo) == before  # no backup ref, no stash, nothing moved
    assert index_flags(repo) == flags
    assert (repo.path / "README.md").read_bytes() == readme
    assert not lock_left(lock_file(repo))
    assert not journal_file(repo).exists()


def test_skip_worktree_files_absent_from_a_sparse_checkout_are_no_reason_to_refuse(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = feature_repo(repo, head="feature/x")
    repo.git("update-index", "--skip-worktree", "second.txt")
    (repo.path / "second.txt").unlink()  # what a sparse checkout looks like
    monkeypatch.chdir(repo.path)

    assert main(["feature/x"]) != 4

    assert repo.git("rev-parse", "feature/x") != original
    assert not (git_dir(repo) / "rebase-merge").exists()


# -- item 12: git stops for another reason than a conflict ------------------------------------------


def failing_signature(repo: Repo) -> None:
    repo.git("config", "commit.gpgsign", "true")
    repo.git("config", "gpg.program", "false")


@pytest.mark.parametrize("strategy", ["rebase", "merge"])
def test_a_failing_signature_is_named_and_rolled_back_not_a_conflict_without_files(
    strategy: str, repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = feature_repo(repo, head="feature/x")
    make_dirty(repo)
    failing_signature(repo)
    before = snapshot(repo)
    monkeypatch.chdir(repo.path)

    assert main(["feature/x", *(["--recipe", "merge"] if strategy == "merge" else [])]) == 1

    out = capsys.readouterr().out
    assert "paused" not in out
    assert f"{strategy} stopped, not on a conflict: signing a commit failed" in out
    assert "gpg failed to sign the data" in out
    assert "`git config commit.gpgsign false`" in out
    assert_restored(repo, before, original)


def test_a_resolution_that_cannot_be_signed_keeps_the_run_paused_until_signing_works(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = feature_repo(repo, head="feature/x", conflict=True)
    monkeypatch.chdir(repo.path)
    assert main(["feature/x"]) == 3
    write(repo.path / "README.md", "both sides\n")
    repo.git("add", "README.md")
    failing_signature(repo)
    paused = snapshot(repo)
    capsys.readouterr()

    assert main(["continue"]) == 4

    err = capsys.readouterr().err
    assert "your resolution could not be committed: signing a commit failed" in err
    assert "the run is still paused" in err
    assert snapshot(repo) == paused  # the resolution is still staged, nothing moved
    assert json.loads(journal_file(repo).read_text(encoding="utf-8"))["status"] == "paused"

    repo.git("config", "commit.gpgsign", "false")
    assert main(["continue"]) == 0

    assert repo.git("log", "--format=%s", "origin/main..feature/x").splitlines() == [
        "feature: second",
        "feature: first",
    ]
    assert repo.git("show", "feature/x~1:README.md") == "both sides"
    assert repo.git("rev-parse", "feature/x~2") == repo.git("rev-parse", "origin/main")
    assert original != repo.git("rev-parse", "feature/x")
    assert repo.git("status", "--porcelain") == ""
    assert not journal_file(repo).exists()


# -- item 13: submodules with submodule.recurse=true --------------------------------------------------


def sub_git(repo: Repo, *args: str) -> str:
    return repo.git("-c", "protocol.file.allow=always", *args)


def submodule_repo(repo: Repo, tmp_path: Path) -> dict[str, str]:
    """A submodule ``sub`` moved to s2 by feature/x and to s3 (a descendant of s2) upstream, where this clone's
    submodule has never seen s3; ``main`` still at s1 and checked out; ``submodule.recurse=true``."""
    sub = Repo(path=tmp_path / "sub", origin=tmp_path / "sub")
    sub.path.mkdir(parents=True)
    sub.git("init", "--quiet")
    shas = {"s1": sub.commit("s.txt", "1\n", "s1"), "s2": sub.commit("s.txt", "2\n", "s2")}
    sub_git(repo, "submodule", "--quiet", "add", str(sub.path), "sub")
    repo.git("-C", "sub", "checkout", "--quiet", shas["s1"])
    repo.git("add", "sub")
    repo.git("commit", "--quiet", "-m", "add sub")
    repo.git("push", "--quiet", "origin", "main")
    repo.git("switch", "--quiet", "-c", "feature/x")
    repo.git("-C", "sub", "checkout", "--quiet", shas["s2"])
    repo.git("add", "sub")
    repo.git("commit", "--quiet", "-m", "feature: sub to s2")
    shas["feature"] = repo.commit("f.txt", "feature\n", "feature: f")
    shas["s3"] = sub.commit("s.txt", "3\n", "s3")
    upstream = tmp_path / "up"
    repo.git("clone", "--quiet", "-b", "main", str(repo.origin), str(upstream))
    up = Repo(path=upstream, origin=repo.origin)
    sub_git(up, "submodule", "--quiet", "update", "--init")
    up.git("-C", "sub", "fetch", "--quiet")
    up.git("-C", "sub", "checkout", "--quiet", shas["s3"])
    up.git("add", "sub")
    up.git("commit", "--quiet", "-m", "upstream: sub to s3")
    up.git("push", "--quiet", "origin", "main")
    repo.git("switch", "--quiet", "main")
    sub_git(repo, "submodule", "--quiet", "update")
    repo.git("fetch", "--quiet")
    repo.git("config", "submodule.recurse", "true")
    return shas


@pytest.mark.parametrize("head", ["main", "feature/x"])
def test_align_never_updates_submodule_working_trees_even_with_submodule_recurse(
    head: str, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shas = submodule_repo(repo, tmp_path / "more")
    if head != "main":
        repo.git("switch", "--quiet", head)
        sub_git(repo, "submodule", "--quiet", "update")
    before = snapshot(repo)
    sub_head = repo.git("-C", "sub", "rev-parse", "HEAD")
    status = repo.git("status", "--porcelain")
    monkeypatch.chdir(repo.path)

    assert main(["feature/x"]) == 0

    assert repo.git("log", "--format=%s", "origin/main..feature/x").splitlines() == ["feature: f"]
    assert repo.git("rev-parse", "feature/x:sub") == shas["s3"]  # the pointer moved with the rebase
    assert repo.git("-C", "sub", "rev-parse", "HEAD") == sub_head  # the submodule's checkout did not
    after = snapshot(repo)
    assert after["head"][0] == before["head"][0]
    assert after["worktree"] == before["worktree"]
    assert after["stash"] == before["stash"]
    if head == "main":
        assert other_branches(after) == other_branches(before)
        assert repo.git("status", "--porcelain") == status == ""
        assert after["index"] == before["index"]
    else:  # the branch's new pointer differs from the submodule's checkout: `git submodule update` moves it
        assert repo.git("status", "--porcelain") == "M sub"
    assert not journal_file(repo).exists()
    assert not (git_dir(repo) / "rebase-merge").exists()


def other_branches(state: dict[str, object]) -> list[str]:
    return [line for line in str(state["branches"]).splitlines() if not line.startswith("refs/heads/feature/x ")]
