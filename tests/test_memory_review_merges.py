"""A hostile review of the in-memory engine (issue 11), continued: git's merge machinery and its config, odd
histories and odd tree entries. Each scenario: align (memory) against plain ``git rebase`` in a twin."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import commit_changes, feature, steps_recipe, upstream, upstream_changes
from tests.helpers import BRANCH, REF, Repo, git, write
from tests.journals import last_run
from tests.snapshots import in_progress, rev, snapshot, subjects
from tests.twins import OFFLINE, aligned, twin

LINES = "".join(f"line {n}\n" for n in range(1, 21))


@pytest.mark.parametrize(
    "config",
    [(), ("merge.renames", "false"), ("merge.directoryRenames", "true"), ("diff.renameLimit", "1")],
    ids=["default", "no-renames", "directory-renames", "rename-limit"],
)
def test_renames_on_both_sides_follow_the_merge_config_as_git_does(
    repo: Repo, tmp_path: Path, config: tuple[str, ...]
) -> None:
    base = {"lib/one.txt": LINES, "lib/two.txt": LINES.replace("line", "row"), "doc/a.txt": "a\n"}
    commit_changes(repo.path, base, "base: lib and doc")
    repo.git("push", "--quiet", "origin", "main")
    feature(repo, ("lib/one.txt", LINES.replace("line 3\n", "line three\n"), "feature: edit one"))
    repo.git("mv", "doc/a.txt", "doc/b.txt")
    repo.git("commit", "--quiet", "-m", "feature: rename a")
    upstream_changes(repo, {"lib/one.txt": None, "lib/two.txt": None}, "upstream: drop lib")
    other = repo.origin.parent / "other"
    write(other / "src/one.txt", LINES.replace("line 19\n", "line nineteen\n"))
    write(other / "src/two.txt", LINES.replace("line", "row"))
    git(other, "add", "src")
    git(other, "commit", "--quiet", "-m", "upstream: lib is src now")
    git(other, "push", "--quiet", "origin", "main")
    upstream(repo, "doc/new.txt", "new\n", "upstream: add a doc", fetch=True)
    if config:
        repo.git("config", *config)
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path, *OFFLINE)

    assert ours == theirs


def test_upstream_empty_and_emptied_commits_interleaved_end_as_in_git(repo: Repo, tmp_path: Path) -> None:
    write(repo.path / "f.txt", "".join(f"{n}\n" for n in "abcdefg"))
    repo.git("add", "f.txt")
    repo.git("commit", "--quiet", "-m", "base: f")
    repo.git("push", "--quiet", "origin", "main")
    feature(repo, ("u.txt", "same\n", "feature: u (upstream has it)"))
    repo.git("commit", "--quiet", "--allow-empty", "-m", "feature: empty on purpose")
    repo.commit("f.txt", "a\nB\nc\nd\ne\nf\ng\n", "feature: B (becomes empty)")
    repo.commit("g.txt", "g\n", "feature: g")
    repo.commit("u.txt", "same\nmore\n", "feature: more u")
    upstream_changes(repo, {"u.txt": "same\n"}, "upstream: u")
    upstream_changes(repo, {"f.txt": "a\nB\nc\nd\ne\nF\ng\n"}, "upstream: B and F", fetch=True)
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path, *OFFLINE)

    assert ours == theirs
    assert subjects(repo, f"origin/main..{REF}") == ["feature: empty on purpose", "feature: g", "feature: more u"]


def test_a_branch_the_target_merged_halfway_is_replayed_from_there(repo: Repo, tmp_path: Path) -> None:
    feature(repo, ("a.txt", "a\n", "feature: a"))
    repo.git("push", "--quiet", "origin", BRANCH)
    other = repo.origin.parent / "other"
    git(repo.origin.parent, "clone", "--quiet", str(repo.origin), str(other))
    commit_changes(other, {"m.txt": "m\n"}, "upstream: m")
    git(other, "merge", "--quiet", "--no-ff", "--no-edit", f"origin/{BRANCH}")
    commit_changes(other, {"n.txt": "n\n"}, "upstream: n")
    git(other, "push", "--quiet", "origin", "main")
    repo.commit("b.txt", "b\n", "feature: b")
    repo.commit("a.txt", "a2\n", "feature: a again")
    repo.git("fetch", "--quiet", "origin")
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path, *OFFLINE)

    assert ours == theirs


def test_odd_entries_symlink_to_file_file_to_directory_and_a_submodule(repo: Repo, tmp_path: Path) -> None:
    (repo.path / "link").symlink_to("README.md")
    write(repo.path / "thing", "a file\n")
    repo.git("add", "link", "thing")
    repo.git("commit", "--quiet", "-m", "base: link and thing")
    repo.git("push", "--quiet", "origin", "main")
    feature(repo, ("a.txt", "a\n", "feature: a"))
    (repo.path / "link").unlink()
    write(repo.path / "link", "now a file\n")
    repo.git("rm", "--quiet", "thing")
    write(repo.path / "thing/inside.txt", "now a directory\n")
    repo.git("add", "link", "thing")
    repo.git("commit", "--quiet", "-m", "feature: link is a file, thing a directory")
    sub = repo.git("rev-parse", "HEAD")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sub},vendor/sub")
    repo.git("commit", "--quiet", "-m", "feature: a submodule entry")
    upstream(repo, "up.txt", "up\n", "upstream: up", fetch=True)
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path, *OFFLINE)

    assert ours == theirs


def test_the_checked_out_branch_in_a_sparse_checkout_ends_as_git_leaves_it(repo: Repo, tmp_path: Path) -> None:
    commit_changes(repo.path, {"in/a.txt": "a\n", "out/b.txt": "b\n"}, "base: in and out")
    repo.git("push", "--quiet", "origin", "main")
    feature(repo, ("in/c.txt", "c\n", "feature: c"), ("out/d.txt", "d\n", "feature: d"))
    upstream_changes(repo, {"out/b.txt": "b2\n", "in/e.txt": "e\n"}, "upstream: b2 and e", fetch=True)
    repo.git("sparse-checkout", "set", "in")
    write(repo.path / "in/a.txt", "my edit\n")
    os.chdir(repo.path)
    copy = twin(repo, tmp_path)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 0
    git(copy, "rebase", "--merge", "--no-fork-point", "--quiet", "--autostash", "origin/main", BRANCH)

    assert last_run(repo).engine == "memory"
    assert rev(repo, REF) == git(copy, "rev-parse", REF)
    ours, theirs = snapshot(repo), snapshot(Repo(path=copy, origin=repo.origin))
    assert (ours.files, ours.index, ours.status) == (theirs.files, theirs.index, theirs.status)
    assert git(repo.path, "ls-files", "-t") == git(copy, "ls-files", "-t")


@pytest.mark.parametrize("strategy", ["resolve", "recursive"])
def test_pull_twohead_is_the_strategy_of_gits_picks(repo: Repo, tmp_path: Path, strategy: str) -> None:
    """git's sequencer takes its default strategy from pull.twohead: ``resolve`` has no rename detection,
    so the pick of a rename over an edit conflicts there (ort merges it); ``recursive`` is the older engine."""
    commit_changes(repo.path, {"old.txt": "one\ntwo\nthree\nfour\n"}, "base: old")
    repo.git("push", "--quiet", "origin", "main")
    feature(repo, ("a.txt", "a\n", "feature: a"))
    repo.git("mv", "old.txt", "new.txt")
    repo.git("commit", "--quiet", "-m", "feature: rename old")
    upstream_changes(repo, {"old.txt": "one\ntwo\nthree\nFOUR\n"}, "upstream: edit old", fetch=True)
    repo.git("config", "pull.twohead", strategy)
    repo.git("switch", "--quiet", "main")
    os.chdir(repo.path)
    copy = twin(repo, tmp_path)
    old = rev(repo, REF)

    code = main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)])

    args = ["git", "rebase", "--merge", "--no-fork-point", "--quiet", "origin/main", BRANCH]
    plain = subprocess.run(args, cwd=copy, capture_output=True, check=False).returncode
    if plain:  # git stops at the conflict: so does align (on disk, paused), the branch not moved
        assert (code != 0, in_progress(repo), rev(repo, REF)) == (True, True, old)
    else:
        assert (code, rev(repo, REF)) == (0, git(copy, "rev-parse", REF))
        assert last_run(repo).engine == "disk"
