"""Each step kind on real repositories: fetch, validate (commands and nox), verify, stash, rebase; live progress."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import (
    ALIGN_STEPS,
    NOXFILE,
    REPORT,
    feature,
    fetched_feature,
    merged_feature,
    moved_upstream,
    steps_recipe,
    three_commits,
    track_notes,
    upstream,
    user_stashes,
)
from tests.fakes import calls, counting_upload_pack
from tests.helpers import BRANCH, REF, Repo, git, write
from tests.snapshots import assert_untouched, backups, head, is_ancestor, out, refs, rev, snapshot, stashes, subjects

Capture = pytest.CaptureFixture[str]


pytestmark = pytest.mark.usefixtures("in_repo")


# -- fetch ------------------------------------------------------------------------------------------------


def test_offline_fetch_aligns_onto_the_target_as_last_fetched(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    known = rev(repo, "origin/main")
    newer = upstream(repo, "later.txt", "later\n", "upstream: later")
    count = counting_upload_pack(repo, tmp_path, fail=False)
    # no console report: the run prints its warnings and guidance as they are
    path = steps_recipe(tmp_path, "backup: {}", "fetch: {offline: true}", "rebase: {}", "report: {formats: [json]}")

    assert main([BRANCH, "--recipe", path]) == 0

    assert "offline: origin/main was not refreshed" in capsys.readouterr().out
    assert calls(count) == 0
    assert rev(repo, "origin/main") == known != newer
    tip = rev(repo, REF)
    assert is_ancestor(repo, known, tip)
    assert not is_ancestor(repo, newer, tip)
    assert subjects(repo, f"{known}..{tip}") == subjects(repo, f"main..{old[-1]}")


def test_a_failing_fetch_is_retried_then_rolled_back(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    count = counting_upload_pack(repo, tmp_path, fail=True)
    path = steps_recipe(
        tmp_path, "backup: {}", "fetch: {attempts: 3, backoff: 0, prune: false}", *ALIGN_STEPS[2:], REPORT
    )
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", path]) == 1

    text = out(capsys)
    assert calls(count) == 3
    assert "fetch failed (attempt 1/3); retrying in 0 s" in text
    assert "fetch failed (attempt 2/3); retrying in 0 s" in text
    assert "attempt 3/3" not in text
    assert "fetch of main from origin failed: " in text
    assert "failed: everything rolled back" in text
    assert_untouched(repo, before, old[-1])
    assert list(backups(repo).values()) == [old[-1]]


def test_a_target_missing_on_the_remote_is_not_retried(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    count = counting_upload_pack(repo, tmp_path, fail=False)
    path = steps_recipe(tmp_path, *ALIGN_STEPS, REPORT)
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", path, "--target", "nope"]) == 1

    text = out(capsys)
    assert calls(count) == 1
    assert "retrying" not in text
    assert "fetch of nope from origin failed: fatal: couldn't find remote ref refs/heads/nope" in text
    assert_untouched(repo, before, old[-1])
    assert "refs/remotes/origin/nope" not in refs(repo)


@pytest.mark.parametrize("how", ["--remote nope", "origin removed"])
def test_fetching_from_a_remote_that_does_not_exist_is_refused(repo: Repo, how: str, capsys: Capture) -> None:
    old = fetched_feature(repo)
    argv = [BRANCH]
    if how == "origin removed":
        repo.git("remote", "remove", "origin")
    else:
        argv += ["--remote", "nope"]
    before = snapshot(repo)

    assert main(argv) == 4

    remote = "origin" if how == "origin removed" else "nope"
    assert f"no remote '{remote}' in this repository" in out(capsys)
    assert_untouched(repo, before, old[-1])
    assert backups(repo) == {}


# -- validate ---------------------------------------------------------------------------------------------


def test_validate_without_sessions_or_commands_is_skipped(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *ALIGN_STEPS, "validate: {}", REPORT)]) == 0

    text = out(capsys)
    assert ": aligned" in text
    assert "no sessions or commands" in text
    assert re.search(r"validate skipped \d+\.\d\ds", text)
    assert rev(repo, REF) != old[-1]
    assert is_ancestor(repo, "origin/main", REF)


SLEEP = [sys.executable, "-c", "import time; time.sleep(5)"]


FAILING = {  # argv, timeout, why
    "cannot-start": (["/no/such/program"], 60, "validate: /no/such/program could not start: No such file or directory"),
    "timeout": (SLEEP, 1, f"validate: {' '.join(SLEEP)} timed out after 1 s"),
    "exit-3": ([sys.executable, "-c", "print('3 failed'); raise SystemExit(3)"], 60, "failed (exit 3): 3 failed"),
}


@pytest.mark.parametrize("case", FAILING)
def test_a_failing_command_rolls_back(repo: Repo, tmp_path: Path, case: str, capsys: Capture) -> None:
    argv, timeout, why = FAILING[case]
    track_notes(repo)
    old = fetched_feature(repo)
    user_stashes(repo)
    write(repo.path / "notes.txt", "notes, edited\n")
    write(repo.path / "scratch.txt", "untracked\n")
    before = snapshot(repo)
    validate = f"validate: {{run: [{json.dumps(argv)}], timeout: {timeout}}}"

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *ALIGN_STEPS, validate, REPORT)]) == 1

    text = out(capsys)
    assert why in text
    assert "failed: everything rolled back" in text
    assert_untouched(repo, before, old[-1])
    assert list(backups(repo).values()) == [old[-1]]


def test_a_passing_command_runs_on_the_aligned_tree(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    fetched_feature(repo)
    seen = tmp_path / "seen.txt"
    code = f"import os, pathlib; pathlib.Path({str(seen)!r}).write_text(' '.join(sorted(os.listdir('.'))))"
    validate = f"validate: {{run: [{json.dumps([sys.executable, '-c', code])}]}}"

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *ALIGN_STEPS, validate, REPORT)]) == 0

    text = out(capsys)
    assert ": aligned" in text
    assert f"1 passed: {sys.executable} -c " in text
    assert seen.read_text() == ".git README.md a.txt b.txt c.txt up.txt"  # upstream's file and the branch's


@pytest.mark.parametrize("session", ["good", "bad"])
def test_nox_sessions_validate_the_aligned_tree(repo: Repo, tmp_path: Path, session: str, capsys: Capture) -> None:
    ran = tmp_path / "ran.txt"
    feature(repo, ("noxfile.py", NOXFILE.format(out=str(ran)), "feature: add a noxfile"))
    old = repo.commit("a.txt", "a\n", "feature: add a")
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    before = snapshot(repo)
    validate = f'validate: {{nox: [{session}], args: ["--fast", "-k x"], timeout: 120}}'

    code = main([BRANCH, "--recipe", steps_recipe(tmp_path, *ALIGN_STEPS, "verify: {}", validate, REPORT)])

    text = out(capsys)
    if session == "good":
        assert code == 0
        assert "1 passed: nox:good" in text
        assert ran.read_text() == "good --fast -k x"
        assert is_ancestor(repo, "origin/main", REF)
        assert repo.git("status", "--porcelain", "--untracked-files=all") == ""
        return
    assert code == 1
    assert "validate: nox:bad failed (exit 1): nox > Session bad aborted: lint found 2 problems." in text
    assert not ran.exists()
    assert_untouched(repo, before, old)


# -- verify -----------------------------------------------------------------------------------------------

CHECKS = ["clean_state", "contains_target", "linear", "backup_reachable", "no_conflict_markers"]


@pytest.mark.parametrize("shape", ["files", "empty commit"])
def test_every_check_passes_on_a_good_alignment(repo: Repo, tmp_path: Path, shape: str, capsys: Capture) -> None:
    if shape == "files":
        fetched_feature(repo)
    else:  # nothing differs from the target after the rebase: no file to look for markers in
        feature(repo)
        repo.git("commit", "--quiet", "--allow-empty", "-m", "feature: empty")
        moved_upstream(repo)
        repo.git("fetch", "--quiet")
    verify = f"verify: {{checks: [{', '.join(CHECKS)}, patches_preserved]}}"

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *ALIGN_STEPS, verify, REPORT)]) == 0

    text = out(capsys)
    assert f"6 check(s) passed: {', '.join(CHECKS)}, patches_preserved" in text
    assert is_ancestor(repo, "origin/main", REF)
    if shape == "empty commit":
        assert subjects(repo, "origin/main..feature/x") == ["feature: empty"]


def test_conflict_markers_fail_verify_and_roll_back(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    old = repo.commit("notes/marks.txt", "before\n<<<<<<< x\nafter\n", "feature: add marks")
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    before = snapshot(repo)
    verify = "verify: {checks: [linear, no_conflict_markers]}"

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *ALIGN_STEPS, verify, REPORT)]) == 1

    text = out(capsys)
    assert "verify failed: no_conflict_markers: conflict markers in notes/marks.txt" in text
    assert "failed: everything rolled back" in text
    assert_untouched(repo, before, old)
    assert list(backups(repo).values()) == [old]


def test_verify_and_validate_are_skipped_when_up_to_date(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = three_commits(repo)
    before = snapshot(repo)
    validate = 'validate: {run: [["false"]]}'

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *ALIGN_STEPS, "verify: {}", validate, REPORT)]) == 0

    text = out(capsys)
    assert ": already up to date" in text
    assert re.search(r"rebase up_to_date \S+, verify skipped \S+, validate skipped", text)
    assert_untouched(repo, before, old[-1])


# -- stash ------------------------------------------------------------------------------------------------


def test_uncommitted_changes_that_conflict_with_the_new_branch_stay_in_the_stash(repo: Repo, capsys: Capture) -> None:
    track_notes(repo)
    three_commits(repo)
    moved_upstream(repo, conflicting=True)  # upstream rewords README.md
    repo.git("fetch", "--quiet")
    theirs = user_stashes(repo)
    write(repo.path / "README.md", "hello, edited here\n")  # unstaged, on the same line

    code = main([BRANCH])

    text = out(capsys)
    assert code == 0
    assert ": aligned" in text
    listed = stashes(repo)
    assert listed[1:] == theirs
    oid = listed[0].split()[0]
    assert f"your changes are also safe in the stash as {oid[:12]} (stash@{{0}})" in text
    assert repo.git("show", f"{oid}:README.md") == "hello, edited here"
    assert refs(repo, "refs/align/stash/") == {}
    assert head(repo) == REF
    assert is_ancestor(repo, "origin/main", REF)
    assert repo.git("diff", "--name-only", "--diff-filter=U") == "README.md"
    assert "<<<<<<<" in (repo.path / "README.md").read_text()


# -- rebase -----------------------------------------------------------------------------------------------


def test_a_branch_with_a_merge_commit_is_refused_by_default(repo: Repo, capsys: Capture) -> None:
    merge = merged_feature(repo)
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    before = snapshot(repo)

    assert main([BRANCH]) == 4

    text = out(capsys)
    assert "feature/x has 1 merge commit(s) since origin/main; rebasing would flatten them" in text
    assert "rebase_merges: true" in text
    assert_untouched(repo, before, merge)
    assert backups(repo) == {}  # refused before any step: not even a backup ref


def test_rebase_merges_keeps_the_merge_commit(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    merge = merged_feature(repo)
    target = moved_upstream(repo)
    # no backup step: the rebase step makes one before it moves the branch (DESIGN §7.1)
    path = steps_recipe(tmp_path, "fetch: {}", "rebase: {rebase_merges: true}", "verify: {}", REPORT)

    assert main([BRANCH, "--recipe", path]) == 0

    assert "7 check(s) passed" in out(capsys)  # `linear` too: merges are expected with rebase_merges
    tip = rev(repo, REF)
    assert tip != merge
    assert is_ancestor(repo, target, tip)
    assert repo.git("rev-list", "--count", "--min-parents=2", f"{target}..{tip}") == "1"
    assert repo.git("log", "-n1", "--format=%s", tip) == "Merge branch 'side' into feature/x"
    assert repo.git("rev-parse", f"{tip}^{{tree}}") == git(repo.path, "merge-tree", "--write-tree", target, merge)
    assert list(backups(repo).values()) == [merge]


def test_an_onto_that_does_not_exist_is_refused(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    before = snapshot(repo)
    path = steps_recipe(tmp_path, 'rebase: {onto: "origin/nope"}', REPORT)

    assert main([BRANCH, "--recipe", path]) == 4

    text = out(capsys)
    assert "align: feature/x onto origin/nope: refused" in text
    assert "why:     nothing to align onto: 'origin/nope' does not exist" in text  # once in the summary
    assert "align: error: nothing to align onto: 'origin/nope' does not exist" in text  # and once on stderr
    assert "backup:" not in text
    assert "phases:" not in text
    assert_untouched(repo, before, old[-1])
    assert backups(repo) == {}


def test_a_rebase_git_refuses_to_start_is_rolled_back(repo: Repo, capsys: Capture) -> None:
    old = fetched_feature(repo)
    write(repo.path / ".git" / "hooks" / "pre-rebase", "#!/bin/sh\nexit 1\n").chmod(0o755)
    before = snapshot(repo)

    assert main([BRANCH]) == 1

    text = out(capsys)
    assert "rebase failed: fatal: The pre-rebase hook refused to rebase." in text
    assert "failed: everything rolled back" in text
    assert_untouched(repo, before, old[-1])


def test_a_rollback_also_puts_back_the_branches_update_refs_moved(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    """`update_refs: true` moves feature/part (it points into feature/x) with the rebase; a failure that rolls
    back must put it back too: DESIGN §5, exit 1 means everything is back as it was before the run."""
    old = fetched_feature(repo)
    repo.git("branch", "feature/part", old[0])
    before = snapshot(repo)
    rebase, validate = "rebase: {update_refs: true}", 'validate: {run: [["false"]]}'
    path = steps_recipe(tmp_path, *ALIGN_STEPS[:2], rebase, *ALIGN_STEPS[3:], validate, REPORT)

    assert main([BRANCH, "--recipe", path]) == 1

    assert "failed: everything rolled back" in out(capsys)
    assert rev(repo, REF) == old[-1]
    assert rev(repo, "refs/heads/feature/part") == old[0], "feature/part was left on a rewritten commit"
    assert snapshot(repo) == before


def test_undo_also_puts_back_the_branches_update_refs_moved(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    repo.git("branch", "feature/part", old[0])
    path = steps_recipe(tmp_path, *ALIGN_STEPS[:2], "rebase: {update_refs: true}", *ALIGN_STEPS[3:], REPORT)
    assert main([BRANCH, "--recipe", path]) == 0
    part = rev(repo, "refs/heads/feature/part")
    assert part != old[0]
    assert backups(repo).get(next(name for name in backups(repo) if "/feature/part/" in name)) == old[0]
    capsys.readouterr()

    assert main(["undo", BRANCH]) == 0

    assert "feature/part restored to" in out(capsys)
    assert rev(repo, REF) == old[-1]
    assert rev(repo, "refs/heads/feature/part") == old[0]
