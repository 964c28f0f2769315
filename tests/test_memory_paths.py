"""The in-memory engine's other paths (issue 11): the checked-out branch, conflicts, ``engine: memory``
refusals, fallbacks to disk, and the compare-and-swap transaction."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from align.cli import main
from align.state import Store
from tests.builders import FEATURE_EDIT, UPSTREAM_EDIT, feature, steps_recipe, upstream, upstream_changes
from tests.helpers import BRANCH, REF, Repo, git, write
from tests.journals import last_run
from tests.snapshots import difference, in_progress, rev, snapshot, stashes, subjects
from tests.twins import OFFLINE, git_rebase, mtimes, twin, user_work

ABORTING = ("backup: {}", "rebase: {onto: origin/main}", "on_conflict: {action: abort}", "on_fail: {action: rollback}")


def report_of(repo: Repo) -> dict[str, object]:
    store = Store(repo.path / ".git")
    path = store.run_dir(last_run(repo).run.run_id) / "report.json"
    found: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return found


def clean_feature(repo: Repo) -> list[str]:
    old = feature(repo, ("a.txt", "a\n", "feature: add a"), ("b.txt", "b\n", "feature: add b"))
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    os.chdir(repo.path)
    return old


def conflicting_feature(repo: Repo) -> list[str]:
    old = feature(repo, ("a.txt", "a\n", "feature: add a"), FEATURE_EDIT, ("c.txt", "c\n", "feature: add c"))
    upstream(repo, *UPSTREAM_EDIT, fetch=True)
    os.chdir(repo.path)
    return old


def test_the_checked_out_branch_is_replayed_in_memory_and_its_tree_follows(repo: Repo, tmp_path: Path) -> None:
    clean_feature(repo)
    write(repo.path / "a.txt", "my edit of a\n")  # the user's work: on a file the alignment does not touch
    write(repo.path / "mine.txt", "untracked\n")
    copy = twin(repo, tmp_path)
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 0

    assert rev(repo, REF) == git_rebase(copy)  # the very commits plain git makes
    after = snapshot(repo)
    assert after.head == REF
    assert after.stashes == before.stashes
    assert after.files == {**before.files, "up.txt": b"up\n"}  # the target's file came, the user's work stayed
    assert repo.git("status", "--porcelain") == "M a.txt\n?? mine.txt"  # (stripped: " M a.txt")
    journal = last_run(repo)
    assert (journal.engine, journal.tree_moved) == ("memory", True)
    assert report_of(repo)["engine"] == {"name": "memory", "reason": "", "tree_moved": True, "carried": True}


def test_a_conflict_with_on_conflict_abort_is_found_in_memory_and_nothing_is_touched(
    repo: Repo, tmp_path: Path
) -> None:
    old = conflicting_feature(repo)
    user_work(repo)
    before, times = snapshot(repo), mtimes(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *ABORTING)]) == 1

    assert mtimes(repo) == times
    after = snapshot(repo)
    assert difference(before, after) == ""
    assert not in_progress(repo)
    report = report_of(repo)
    assert report["status"] == "conflict_aborted"
    assert report["conflicts"] == [
        {
            "commit": repo.git("rev-parse", "--short", old[1]),
            "subject": "feature: reword the readme",
            "files": [{"path": "README.md", "kind": "both modified"}],
            "resolution": "aborted",
        }
    ]
    assert report["engine"] == {"name": "memory", "reason": "", "tree_moved": False, "carried": False}


def test_a_conflict_with_on_conflict_pause_is_resolved_in_the_working_tree(repo: Repo, tmp_path: Path) -> None:
    old = conflicting_feature(repo)
    repo.git("switch", "--quiet", "main")

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 3  # paused, as before the engine

    assert in_progress(repo)
    journal = Store(repo.path / ".git").journal()
    assert journal is not None
    assert journal.engine == "disk"
    where = f"{old[1][:12]} feature: reword the readme"
    assert journal.engine_reason == f"a conflict at {where} is resolved in the working tree"
    assert main(["abort"]) == 0
    assert rev(repo, REF) == old[-1]


def test_engine_memory_refuses_a_conflict_it_cannot_pause_at(repo: Repo, tmp_path: Path) -> None:
    old = conflicting_feature(repo)
    user_work(repo)
    before = snapshot(repo)
    steps = ("backup: {}", "rebase: {onto: origin/main, engine: memory}", "on_conflict: {action: pause}")

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *steps)]) == 4

    assert difference(before, snapshot(repo)) == ""
    assert rev(repo, REF) == old[-1]
    assert "engine: memory cannot pause" in str(report_of(repo)["message"])


def test_engine_memory_refuses_what_only_disk_can_do(repo: Repo, tmp_path: Path) -> None:
    old = clean_feature(repo)
    repo.git("switch", "--quiet", "main")
    repo.git("config", "commit.gpgsign", "true")
    before = snapshot(repo)
    steps = ("backup: {}", "rebase: {onto: origin/main, engine: memory}")

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *steps)]) == 4

    assert difference(before, snapshot(repo)) == ""
    assert rev(repo, REF) == old[-1]
    assert "engine: memory cannot align feature/x: commit.gpgsign" in str(report_of(repo)["message"])


def test_engine_disk_is_git_rebase_in_the_working_tree(repo: Repo, tmp_path: Path) -> None:
    clean_feature(repo)
    repo.git("switch", "--quiet", "main")
    steps = ("backup: {}", "rebase: {onto: origin/main, engine: disk}")

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *steps)]) == 0

    journal = last_run(repo)
    assert (journal.engine, journal.engine_reason) == ("disk", "the recipe asks for it (engine: disk)")
    assert subjects(repo, f"origin/main..{REF}") == ["feature: add a", "feature: add b"]


@pytest.mark.parametrize("hook", ["pre-rebase", "post-rewrite"])
def test_a_rebase_hook_sends_the_run_to_disk_where_git_runs_it(repo: Repo, tmp_path: Path, hook: str) -> None:
    clean_feature(repo)
    repo.git("switch", "--quiet", "main")
    hooks = repo.path / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    script = hooks / hook
    script.write_text(f"#!/bin/sh\necho ran >> {tmp_path / 'hook.log'}\n", encoding="utf-8")
    script.chmod(0o755)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 0

    journal = last_run(repo)
    assert (journal.engine, journal.engine_reason) == ("disk", f"a {hook} hook is installed")
    assert (tmp_path / "hook.log").read_text(encoding="utf-8") == "ran\n"


def test_the_transaction_moves_nothing_when_git_refuses_the_branch_move(repo: Repo, tmp_path: Path) -> None:
    old = clean_feature(repo)
    user_work(repo)
    hooks = repo.path / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    script = hooks / "reference-transaction"
    # refuses any transaction that moves the branch (the backup ref may be created)
    script.write_text(f'#!/bin/sh\n[ "$1" = prepared ] && grep -q " {REF}$" && exit 1\nexit 0\n', encoding="utf-8")
    script.chmod(0o755)
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 4

    assert rev(repo, REF) == old[-1]
    assert difference(before, snapshot(repo)) == ""
    assert "moved since align read it" in str(report_of(repo)["message"])
    assert stashes(repo) == before.stashes
    assert git(repo.path, "for-each-ref", "refs/align/stash/") == ""


def test_an_ignored_file_the_branch_tracks_is_safe_when_the_branch_is_not_checked_out(
    repo: Repo, tmp_path: Path
) -> None:
    """The disk path refuses (its checkouts would overwrite the ignored file: tests/test_edges_tree.py); in
    memory no checkout happens at all, so the branch is aligned and the user's file is left as it is."""
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    write(repo.path / "settings.log", "tracked by the feature\n")
    repo.git("add", "--force", "settings.log")
    repo.git("commit", "--quiet", "-m", "feature: track settings.log")
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    write(repo.path / ".git" / "info" / "exclude", "*.log\n")
    write(repo.path / "settings.log", "the user's own settings\n")
    os.chdir(repo.path)
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 0

    assert (repo.path / "settings.log").read_bytes() == b"the user's own settings\n"
    assert difference(before, snapshot(repo)).splitlines() == [
        f"  refs[{REF}]: {before.refs[REF]!r} -> {rev(repo, REF)!r}"
    ]
    assert git(repo.path, "show", f"{REF}:settings.log") == "tracked by the feature"


def test_merge_commits_and_unrelated_histories_go_to_disk(repo: Repo, tmp_path: Path) -> None:
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    repo.git("switch", "--quiet", "-c", "side", "main")
    repo.commit("side.txt", "side\n", "side: add side")
    repo.git("switch", "--quiet", BRANCH)
    repo.git("merge", "--quiet", "--no-ff", "--no-edit", "side")
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    os.chdir(repo.path)
    steps = ("backup: {}", "rebase: {onto: origin/main, rebase_merges: true}", "on_conflict: {action: pause}")

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *steps)]) == 0

    journal = last_run(repo)
    assert (journal.engine, journal.engine_reason) == ("disk", "feature/x has merge commits (rebase_merges)")
    repo.git("switch", "--quiet", "--orphan", "lonely")
    repo.commit("lonely.txt", "alone\n", "lonely: a history of its own")
    repo.git("switch", "--quiet", "main")

    main(["lonely", "--recipe", steps_recipe(tmp_path, *OFFLINE)])

    journal = last_run(repo)
    assert (journal.engine, journal.engine_reason) == ("disk", "lonely has no common history with origin/main")


def test_a_file_moved_aside_by_a_conflict_found_in_memory_is_named_as_git_names_it(repo: Repo, tmp_path: Path) -> None:
    repo.commit("f.txt", "a file\n", "base: f")
    repo.git("push", "--quiet", "origin", "main")
    [tip] = feature(repo, ("f.txt", "a file, edited\n", "feature: edit f"))
    upstream_changes(repo, {"f.txt": None, "f.txt/inside.txt": "x\n"}, "upstream: f is a directory", fetch=True)
    repo.git("switch", "--quiet", "main")
    os.chdir(repo.path)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *ABORTING)]) == 1

    short = repo.git("rev-parse", "--short", tip)
    [found] = report_of(repo)["conflicts"]  # type: ignore[misc]
    assert found["files"] == [{"path": f"f.txt~{short} (feature: edit f)", "kind": "deleted by us"}]
