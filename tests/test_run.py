"""`align BRANCH` end to end on real repositories: rebase, merge, dirty trees, rollback, undo, backups, plan, status."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import KEEP_RECIPE, make_dirty, moved_upstream, recipe, three_commits, track_notes, user_stashes
from tests.helpers import BRANCH, REF, Repo
from tests.snapshots import BACKUPS, backups, head, is_ancestor, out, refs, rev, snapshot, stashes, subjects

STAMP = re.compile(r"refs/align/backups/feature/x/\d{8}T\d{6}Z(-\d+)?")


pytestmark = pytest.mark.usefixtures("in_repo")


def test_clean_rebase_of_the_checked_out_branch(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old = three_commits(repo)
    target = moved_upstream(repo)
    assert rev(repo, "origin/main") != target  # stale until align fetches

    assert main([BRANCH]) == 0

    text = out(capsys)
    assert re.search(r"align: feature/x onto origin/main \([0-9a-f]{12}\): aligned", text)
    assert rev(repo, "origin/main") == target
    tip = rev(repo, REF)
    assert tip != old[-1]
    assert is_ancestor(repo, target, tip)
    assert subjects(repo, f"{target}..{tip}") == ["feature: add a", "feature: add b", "feature: add c"]
    assert repo.git("rev-list", "--min-parents=2", "--count", f"{target}..{tip}") == "0"
    assert repo.git("rev-list", "--count", f"{target}..{tip}") == "3"
    [(name, sha)] = backups(repo).items()
    assert STAMP.fullmatch(name)
    assert sha == old[-1]
    assert name in text
    assert head(repo) == REF
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""
    assert (repo.path / "up.txt").read_text() == "upstream\n"
    assert refs(repo, "refs/align/stash/") == {}


@pytest.mark.parametrize(
    "argv",
    [
        ["--target", "main", BRANCH],
        ["--dry-run", BRANCH],
        ["-q", BRANCH],
        ["run", "--", BRANCH],
    ],
)
def test_run_options_may_come_before_the_branch(
    repo: Repo, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    old = three_commits(repo)
    moved_upstream(repo)

    assert main(argv) == 0

    text = out(capsys)
    if "--dry-run" in argv:
        assert text.startswith(f"plan: align {BRANCH} onto origin/main")
        assert rev(repo, REF) == old[-1]
        assert backups(repo) == {}
        return
    assert rev(repo, REF) != old[-1]
    assert is_ancestor(repo, rev(repo, "origin/main"), rev(repo, REF))
    if "-q" in argv:
        assert text == ""  # -q: a run that succeeds prints nothing


def test_already_up_to_date_rewrites_nothing(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    track_notes(repo)
    old = three_commits(repo)
    user_stashes(repo)
    make_dirty(repo)
    before = snapshot(repo)

    assert main([BRANCH]) == 0

    assert re.search(r"align: feature/x onto origin/main \([0-9a-f]{12}\): already up to date", out(capsys))
    assert rev(repo, REF) == old[-1]
    assert snapshot(repo) == before
    assert refs(repo, "refs/align/stash/") == {}


def test_merge_strategy_makes_a_merge_commit(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old = three_commits(repo)
    target = moved_upstream(repo)

    assert main([BRANCH, "--recipe", "merge"]) == 0

    assert ": aligned" in out(capsys)
    tip = rev(repo, REF)
    assert repo.git("rev-list", "--parents", "-n1", tip).split()[1:] == [old[-1], target]
    assert repo.git("rev-list", "--no-merges", f"{target}..{tip}").split() == old[::-1]
    assert head(repo) == REF
    assert (repo.path / "up.txt").exists()


def dirty_setup(repo: Repo) -> list[str]:
    """feature/x (3 commits) checked out, origin ahead (already fetched), 2 user stashes, a dirty tree."""
    track_notes(repo)
    old = three_commits(repo)
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    user_stashes(repo)
    make_dirty(repo)
    return old


def test_dirty_tree_is_restored_exactly_after_success(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old = dirty_setup(repo)
    before = snapshot(repo)
    stash_shas = repo.git("rev-parse", "stash@{0}", "stash@{1}")
    staged, unstaged = repo.git("diff", "--cached"), repo.git("diff")

    assert main([BRANCH]) == 0

    assert ": aligned" in out(capsys)
    after = snapshot(repo)
    assert rev(repo, REF) != old[-1]
    assert is_ancestor(repo, "origin/main", REF)
    assert after.head == REF
    assert after.status == before.status == "M notes.txt\nA  staged.txt\n?? scratch.txt"
    assert after.staged == "staged.txt"
    assert (repo.git("diff", "--cached"), repo.git("diff")) == (staged, unstaged)
    for name in ("staged.txt", "notes.txt", "scratch.txt"):
        assert after.files[name] == before.files[name]
    assert after.stashes == before.stashes
    assert repo.git("rev-parse", "stash@{0}", "stash@{1}") == stash_shas
    assert refs(repo, "refs/align/stash/") == {}


@pytest.mark.parametrize("action", ["rollback", "keep"])
def test_failed_validation(repo: Repo, tmp_path: Path, action: str, capsys: pytest.CaptureFixture[str]) -> None:
    """rollback: everything back as before (dirty tree, user stashes); keep: the rewritten branch stays."""
    if action == "rollback":
        old = dirty_setup(repo)
    else:
        old = three_commits(repo)
        moved_upstream(repo)
        repo.git("fetch", "--quiet")
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", recipe(tmp_path, KEEP_RECIPE % action)]) == 1

    text = out(capsys)
    assert "validate: false failed (exit 1)" in text
    [(backup, sha)] = backups(repo).items()
    assert sha == old[-1]
    assert backup in text
    after = snapshot(repo)
    if action == "rollback":
        assert "failed: everything rolled back" in text
        assert after == before
        assert rev(repo, REF) == old[-1]
        assert refs(repo, "refs/align/stash/") == {}
        return
    assert "failed: state kept as it is (on_fail: keep)" in text
    assert f"`align undo {BRANCH}` restores it" in text
    tip = rev(repo, REF)
    assert tip != old[-1]
    assert is_ancestor(repo, "origin/main", tip)
    assert after.head == REF
    assert after.status == ""

    assert main(["undo"]) == 0

    assert rev(repo, REF) == old[-1]
    assert snapshot(repo) == before


@pytest.mark.parametrize("checked_out", ["main", "detached"])
def test_aligning_a_branch_that_is_not_checked_out(
    repo: Repo, checked_out: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old = dirty_setup(repo)
    repo.git(
        "switch", "--quiet", *(["--detach"] if checked_out == "detached" else []), "main"
    )  # dirty tree comes along
    before = snapshot(repo)

    assert main([BRANCH]) == 0

    assert ": aligned" in out(capsys)
    after = snapshot(repo)
    assert after.head == ("refs/heads/main" if checked_out == "main" else rev(repo, "main"))
    tip = after.refs.pop(REF)
    assert tip != before.refs.pop(REF)
    assert after == before
    assert is_ancestor(repo, "origin/main", tip)
    assert subjects(repo, f"origin/main..{tip}") == subjects(repo, f"main..{old[-1]}")
    assert refs(repo, "refs/align/stash/") == {}


def aligned(repo: Repo) -> tuple[str, str]:
    """feature/x (3 commits) aligned onto a moved origin/main; return (old tip, new tip)."""
    old = three_commits(repo)
    moved_upstream(repo)
    assert main([BRANCH]) == 0
    return old[-1], rev(repo, REF)


def test_undo_restores_the_pre_run_tip(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = aligned(repo)
    capsys.readouterr()

    assert main(["undo", BRANCH]) == 0

    assert f"restored to {old[:12]}" in out(capsys)
    assert rev(repo, REF) == old
    assert head(repo) == REF
    assert not (repo.path / "up.txt").exists()
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""
    assert sorted(backups(repo).values()) == sorted([old, new])  # every undo keeps what it replaces


def test_undo_refuses_when_the_branch_moved_unless_forced(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, _ = aligned(repo)
    moved = repo.commit("d.txt", "d\n", "feature: add d")
    capsys.readouterr()

    assert main(["undo"]) == 4

    assert "moved since run" in out(capsys)
    assert rev(repo, REF) == moved
    assert list(backups(repo).values()) == [old]

    assert main(["undo", "--force"]) == 0

    assert rev(repo, REF) == old
    assert sorted(backups(repo).values()) == sorted([old, moved])
    kept = next(name for name, sha in backups(repo).items() if sha == moved)
    assert f"what it replaced is kept as {kept}" in out(capsys)
    assert (repo.path / "d.txt").exists() is False
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""


def test_backups_list_restore_prune(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = aligned(repo)
    [(first, _)] = backups(repo).items()
    capsys.readouterr()

    assert main(["backups", "list"]) == 0
    assert re.search(rf"^feature/x  \S+\s+{old[:12]}  {first}$", out(capsys), re.MULTILINE)

    assert main(["backups", "restore", BRANCH]) == 0
    assert rev(repo, REF) == old
    assert head(repo) == REF
    assert not (repo.path / "up.txt").exists()
    found = backups(repo)
    [second] = [name for name in found if name != first]
    assert found == {first: old, second: new}
    assert second in out(capsys)

    assert main(["backups", "prune"]) == 0  # 30 days by default: both are kept
    assert backups(repo) == found
    assert main(["backups", "prune", "--older-than", "0h"]) == 0
    assert "pruned 2 backup(s)" in out(capsys)
    assert backups(repo) == {}
    assert rev(repo, REF) == old

    assert main(["backups", "prune", "--older-than", "xyz"]) == 2
    assert "--older-than 'xyz'" in out(capsys)


@pytest.mark.parametrize("zone", ["Europe/Paris", "Australia/Sydney", "America/New_York"])
def test_prune_keeps_a_fresh_backup_in_any_time_zone(repo: Repo, zone: str) -> None:
    """The backup stamps are UTC: a backup made seconds ago is not an hour old, DST or not."""
    aligned(repo)
    found = backups(repo)
    previous = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        assert main(["backups", "prune", "--older-than", "1h"]) == 0
    finally:
        if previous is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = previous
        time.tzset()
    assert backups(repo) == found


@pytest.mark.parametrize("conflicting", [True, False])
@pytest.mark.parametrize("argv", [["plan", BRANCH], [BRANCH, "--dry-run"]])
def test_plan_and_dry_run_change_nothing(
    repo: Repo, argv: list[str], conflicting: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    three_commits(repo, conflicting=conflicting)
    moved_upstream(repo, conflicting=conflicting)
    repo.git("fetch", "--quiet")
    before, everything = snapshot(repo), refs(repo)

    assert main(argv) == 0

    text = out(capsys)
    assert "plan: align feature/x onto origin/main (recipe default" in text
    assert "steps: backup -> fetch -> rebase -> on_conflict -> on_fail -> verify -> report" in text
    assert "feature/x: 3 commit(s) of its own, 1 new commit(s) on origin/main" in text
    if conflicting:
        assert "forecast: conflicts expected in README.md" in text
    else:
        assert "forecast: no conflict expected" in text
    assert refs(repo) == everything
    assert snapshot(repo) == before
    assert not (Path(repo.git("rev-parse", "--absolute-git-dir")) / "align" / "journal.json").exists()


def test_status_with_nothing_in_progress_then_after_a_run(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    assert out(capsys).strip() == "nothing in progress"

    aligned(repo)
    run_id = re.search(r"; run ([^\s,]+)", out(capsys)).group(1)  # type: ignore[union-attr]

    assert main(["status"]) == 0
    text = out(capsys)
    assert "nothing in progress" in text
    assert re.search(rf"last run: {re.escape(run_id)} on feature/x: aligned \(exit 0, [\d.]+ s\)", text)


def test_bad_input_is_refused_and_touches_nothing(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    three_commits(repo)
    moved_upstream(repo)
    before = snapshot(repo)

    assert main(["no-such-branch"]) == 4
    assert "no branch 'no-such-branch'" in out(capsys)

    assert main([BRANCH, "--recipe", "does-not-exist"]) == 2
    assert "does-not-exist" in out(capsys)

    assert snapshot(repo) == before
    assert refs(repo, BACKUPS) == {}

    repo.git("switch", "--quiet", "--detach", "HEAD")
    detached = snapshot(repo)
    assert main(["run"]) == 4  # bare `align` is a usage error (tests/test_smoke.py); `align run` is the current branch
    assert "HEAD is detached" in out(capsys)
    assert snapshot(repo) == detached
    assert refs(repo, BACKUPS) == {}
    assert stashes(repo) == []
