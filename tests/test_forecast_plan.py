"""``align plan`` as a command (issue 11): several branches, a missing one, ``--fetch`` (only the target's
remote-tracking ref moves), the engine a run would use, a merge recipe; without ``--fetch`` nothing changes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import (
    ALIGN_STEPS,
    FEATURE_EDIT,
    UPSTREAM_EDIT,
    conflict,
    diverge,
    make_dirty,
    moved_upstream,
    steps_recipe,
    three_commits,
    track_notes,
    two_features,
    user_stashes,
)
from tests.forecasting import files_of, only_plan, plan_json
from tests.helpers import BRANCH, OTHER, Repo
from tests.snapshots import out, refs, rev, snapshot

Capture = pytest.CaptureFixture[str]
TRACKING = "refs/remotes/origin/main"


def test_several_branches_get_one_entry_each(in_repo: Repo, capsys: Capture) -> None:
    x, y = two_features(in_repo, conflicting=True)
    in_repo.git("fetch", "--quiet")
    before = snapshot(in_repo)

    data = plan_json(capsys, BRANCH, OTHER)
    assert main(["plan", BRANCH, OTHER]) == 0
    text = out(capsys)

    assert snapshot(in_repo) == before
    assert [(entry["branch"], entry["tip"], entry["outcome"]) for entry in data["plans"]] == [
        (BRANCH, x, "conflict"),
        (OTHER, y, "clean"),
    ]
    assert data["plans"][0]["conflict"]["files"] == [{"path": "README.md", "status": "UU", "kind": "both modified"}]
    first, second = text.split("\n\nplan: ")
    assert first.startswith("plan: align feature/x onto origin/main")
    assert "forecast: conflicts expected in README.md (both modified) at commit 2 of 3" in first
    assert second.startswith("align feature/y onto origin/main")
    assert "forecast: no conflict expected: 1 commit(s) to replay, 0 already upstream (skipped)" in second


@pytest.mark.parametrize("names", [["nope"], [BRANCH, "nope", "gone"]])
def test_a_branch_that_does_not_exist_is_a_usage_error_and_nothing_is_printed(
    in_repo: Repo, capfd: pytest.CaptureFixture[str], names: list[str]
) -> None:
    three_commits(in_repo)
    moved_upstream(in_repo, conflicting=True)
    before = snapshot(in_repo)

    assert main(["plan", *names, "--fetch", "--format", "json"]) == 2

    captured = capfd.readouterr()
    assert captured.out == ""
    missing = [name for name in names if name != BRANCH]
    which = "branch" if len(missing) == 1 else "branches"
    assert f"no {which} {', '.join(repr(name) for name in missing)} in this repository" in captured.err
    assert snapshot(in_repo) == before  # not even fetched


def test_without_fetch_nothing_changes_even_with_the_users_work_around(in_repo: Repo, capsys: Capture) -> None:
    track_notes(in_repo)
    three_commits(in_repo)
    in_repo.git("switch", "--quiet", "main")
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    user_stashes(in_repo)
    make_dirty(in_repo)
    before, everything = snapshot(in_repo), refs(in_repo)
    align_dir = Path(in_repo.git("rev-parse", "--absolute-git-dir")) / "align"
    existed = sorted(path.name for path in align_dir.iterdir()) if align_dir.exists() else []

    entry = only_plan(capsys, BRANCH)

    assert entry["outcome"] == "clean"
    assert snapshot(in_repo) == before  # refs, HEAD, index (and its flags), files, stash list, no journal, no lock
    assert refs(in_repo) == everything  # align's backups too
    assert (sorted(path.name for path in align_dir.iterdir()) if align_dir.exists() else []) == existed


def test_fetch_moves_only_the_targets_remote_tracking_ref(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo, conflicting=True)
    in_repo.git("switch", "--quiet", "main")
    new = moved_upstream(in_repo, conflicting=True)  # pushed from another clone: not fetched here
    before = snapshot(in_repo)

    stale = only_plan(capsys, BRANCH)
    assert stale["outcome"] == "up_to_date"
    assert snapshot(in_repo) == before
    entry = only_plan(capsys, BRANCH, "--fetch", "--recipe", "offline")  # --fetch fetches whatever the recipe

    after = snapshot(in_repo)
    assert after.refs == {**before.refs, TRACKING: new}
    assert after == type(before)(**{**before.__dict__, "refs": after.refs})
    assert entry["fetched"] == f"origin/main {before.refs[TRACKING][:7]}..{new[:7]} (1 new commit)"
    assert entry["onto_commit"] == new
    assert entry["outcome"] == "conflict"
    assert entry["conflict"]["subject"] == FEATURE_EDIT[2]
    assert main(["plan", BRANCH, "--fetch"]) == 0
    assert "\nfetched: origin/main unchanged\n" in out(capsys)


def test_a_fetch_that_fails_prints_no_plan_and_changes_nothing(
    in_repo: Repo, capfd: pytest.CaptureFixture[str]
) -> None:
    three_commits(in_repo)
    in_repo.git("remote", "set-url", "origin", str(in_repo.path.parent / "missing.git"))
    before = snapshot(in_repo)

    assert main(["plan", BRANCH, "--fetch", "--format", "json"]) == 1

    captured = capfd.readouterr()
    assert captured.out == ""
    assert "fetch of main from origin failed" in captured.err
    assert snapshot(in_repo) == before


def test_the_engine_a_run_would_use(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    conflict(in_repo, head=BRANCH)
    aborting = steps_recipe(tmp_path, *ALIGN_STEPS[:3], "on_conflict: {action: abort}", name="abort.yaml")
    pausing = steps_recipe(tmp_path, *ALIGN_STEPS[:3], "on_conflict: {action: pause}", name="pause.yaml")

    here = only_plan(capsys, BRANCH, "--recipe", aborting)
    in_repo.git("switch", "--quiet", "main")
    aborted = only_plan(capsys, BRANCH, "--recipe", aborting)
    paused = only_plan(capsys, BRANCH, "--recipe", pausing)
    assert main(["plan", BRANCH, "--recipe", pausing]) == 0
    text = out(capsys)

    where = f"{rev(in_repo, BRANCH)[:12]} feature: conflict"
    assert here["engine"] == {"name": "memory", "reason": None}  # checked out: replayed in memory, one checkout
    assert aborted["engine"] == {"name": "memory", "reason": None}
    assert paused["engine"] == {"name": "disk", "reason": f"a conflict at {where} is resolved in the working tree"}
    assert f"\nengine: disk: a conflict at {where} is resolved in the working tree\n" in text
    assert here["conflict"] == aborted["conflict"] == paused["conflict"]


def test_a_clean_plan_says_the_working_tree_is_not_touched(in_repo: Repo, capsys: Capture) -> None:
    diverge(in_repo, [("a.txt", "a\n", "feature: add a")], [("u.txt", "u\n", "upstream: add u")])

    assert main(["plan", BRANCH]) == 0

    lines = out(capsys).splitlines()
    assert lines[-3:] == [
        "feature/x: 1 commit(s) of its own, 1 new commit(s) on origin/main",
        "engine: memory (the working tree is not touched)",
        "forecast: no conflict expected: 1 commit(s) to replay, 0 already upstream (skipped)",
    ]
    assert f"onto: origin/main at {rev(in_repo, 'origin/main')[:12]}" in lines


def test_the_merge_recipe_forecasts_the_merge_git_then_stops_at(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    built = diverge(in_repo, [FEATURE_EDIT, ("c.txt", "c\n", "feature: add c")], [UPSTREAM_EDIT])
    before = snapshot(in_repo)

    entry = only_plan(capsys, BRANCH, "--recipe", "merge")

    assert snapshot(in_repo) == before
    assert (entry["strategy"], entry["outcome"]) == ("merge", "conflict")
    assert entry["engine"] == {"name": "disk", "reason": "strategy: merge"}
    assert (entry["conflict"]["commit"], entry["conflict"]["position"]) == (None, None)
    copy = tmp_path / "copy-of-repo"
    shutil.copytree(in_repo.path, copy, symlinks=True)
    subprocess.run(["git", "switch", "--quiet", BRANCH], cwd=copy, check=True)
    merged = subprocess.run(["git", "merge", "origin/main"], cwd=copy, capture_output=True, text=True, check=False)
    assert merged.returncode == 1
    said = [line for line in merged.stdout.splitlines() if line.startswith("CONFLICT")]
    assert entry["conflict"]["messages"] == said
    status = subprocess.run(["git", "status", "--porcelain"], cwd=copy, capture_output=True, text=True, check=True)
    assert files_of(entry) == {line[3:]: line[:2] for line in status.stdout.splitlines() if line[:2] == "UU"}
    assert built.tip == entry["tip"]


def test_a_branch_with_merge_commits_has_no_exact_forecast(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    three_commits(in_repo)
    in_repo.git("switch", "--quiet", "-c", "side", "main")
    in_repo.commit("side.txt", "side\n", "side: add side")
    in_repo.git("switch", "--quiet", BRANCH)
    in_repo.git("merge", "--quiet", "--no-ff", "--no-edit", "side")
    in_repo.commit("d.txt", "d\n", "feature: add d")
    in_repo.git("switch", "--quiet", "main")
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    keeping = steps_recipe(tmp_path, *ALIGN_STEPS[:2], 'rebase: {onto: "${remote}/${target}", rebase_merges: true}')

    entry = only_plan(capsys, BRANCH, "--recipe", keeping)

    assert (entry["outcome"], entry["merges"], entry["conflict"]) == ("unknown", 1, None)
    assert entry["reason"] == "feature/x has 1 merge commit(s) since origin/main"
    assert entry["engine"] == {"name": "disk", "reason": "feature/x has merge commits (rebase_merges)"}


def test_recorded_rerere_resolutions_send_a_conflicting_run_to_disk(
    in_repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    built = conflict(in_repo, head=BRANCH)
    rerere = ["git", "-c", "rerere.enabled=true"]
    stopped = subprocess.run([*rerere, "rebase", "origin/main"], cwd=in_repo.path, capture_output=True, check=False)
    assert stopped.returncode != 0
    (in_repo.path / "README.md").write_text("resolved\n", encoding="utf-8")
    in_repo.git("add", "README.md")
    editor = {**os.environ, "GIT_EDITOR": "true"}
    subprocess.run([*rerere, "rebase", "--continue"], cwd=in_repo.path, env=editor, capture_output=True, check=True)
    in_repo.git("reset", "--quiet", "--hard", built.tip)  # the branch as it was: rerere remembers the resolution
    recipe = steps_recipe(tmp_path, "rebase: {onto: origin/main, rerere: true}", "on_conflict: {action: abort}")

    entry = only_plan(capsys, BRANCH, "--recipe", recipe)

    where = f"{built.tip[:12]} feature: conflict"
    assert entry["engine"] == {
        "name": "disk", "reason": f"rerere has recorded resolutions: git's rebase may resolve the conflict at {where}",
    }  # fmt: skip
