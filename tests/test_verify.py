"""verify on real repositories: each check passing and failing (issue #4: lost, changed, upstream, emptied)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from align.cli import main
from align.git import Git
from align.journal import Placed
from align.state import Store
from tests.builders import ALIGN_STEPS, REPORT, RESOLVED, feature, moved_upstream, steps_recipe, three_commits, upstream
from tests.helpers import BRANCH, REF, Repo, write
from tests.journals import HISTORY, accounting, checks, history_recipe, last_run
from tests.snapshots import out, rev, snapshot, subjects

Capture = pytest.CaptureFixture[str]
pytestmark = pytest.mark.usefixtures("in_repo")


def clash(repo: Repo, *subjects_: str) -> list[str]:
    """feature/x: a.txt, then README.md changes (conflicting with origin/main), then c.txt; origin/main moved."""
    old = feature(
        repo,
        ("a.txt", "a\n", subjects_[0] if subjects_ else "feature: add a"),
        ("README.md", "hello from the feature\n", "feature: reword the readme"),
        ("c.txt", "c\n", "feature: add c"),
    )
    upstream(repo, "README.md", "hello from upstream\n", "upstream: reword the readme", fetch=True)
    return old


def test_every_check_passes_on_a_clean_rebase_and_is_timed(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = three_commits(in_repo)
    moved_upstream(in_repo)

    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 0

    journal = last_run(in_repo)
    found = checks(journal)
    assert list(found) == list(HISTORY)
    assert all(item.ok and item.status == "passed" and item.duration_s >= 0 for item in found.values())
    assert found["patches_preserved"].detail == "3 preserved"
    assert [pair.sha for pair in accounting(journal).preserved] == old
    new = in_repo.git("rev-list", "--reverse", f"origin/main..{REF}").splitlines()
    assert [pair.new for pair in accounting(journal).preserved] == new
    assert accounting(journal).lost == []
    assert accounting(journal).metadata == []
    assert "3 check(s) passed: patches_preserved, metadata_preserved, tree_matches_merge" in out(capsys)


def test_a_commit_dropped_from_the_todo_list_with_plain_git_is_lost_and_the_run_rolls_back(
    in_repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    old = clash(in_repo)
    before = snapshot(in_repo)
    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 3
    write(in_repo.path / "README.md", "hello from both\n")
    in_repo.git("add", "README.md")
    in_repo.git("-c", "sequence.editor=sed -i -e /^pick/d", "rebase", "--edit-todo")  # behind align's back
    capsys.readouterr()

    assert main(["continue"]) == 1

    text = out(capsys)
    assert f"patches_preserved: 1 commit(s) lost: {old[2][:12]} feature: add c" in text
    assert "failed: everything rolled back" in text
    assert rev(in_repo, REF) == old[-1]
    assert snapshot(in_repo).files == before.files
    journal = last_run(in_repo)
    assert accounting(journal).lost == [Placed(sha=old[2], subject="feature: add c")]
    assert checks(journal)["patches_preserved"].ok is False


def test_a_commit_dropped_with_align_skip_is_accounted_for(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = clash(in_repo)
    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 3

    assert main(["skip"]) == 0

    journal = last_run(in_repo)
    assert accounting(journal).dropped == [
        Placed(sha=old[1], subject="feature: reword the readme", reason="skipped by the user")
    ]
    found = checks(journal)
    assert found["patches_preserved"].detail == "2 preserved, 1 dropped"
    assert found["tree_matches_merge"].status == "skipped"  # the merge conflicts: nothing to compare
    assert "the trees are not comparable" in found["tree_matches_merge"].detail


def added_then_removed(repo: Repo) -> list[str]:
    """feature/x adds x.txt then removes it; upstream adds the same x.txt. The rebase drops the first commit
    (already upstream) and applies the removal: unlike a merge, the result has no x.txt."""
    old = feature(repo, ("x.txt", "x\n", "feature: add x"))
    repo.git("rm", "--quiet", "x.txt")
    repo.git("commit", "--quiet", "-m", "feature: remove x")
    upstream(repo, "x.txt", "x\n", "upstream: add x", fetch=True)
    return [*old, rev(repo, "HEAD")]


def test_a_tree_that_differs_from_the_merge_is_a_warning(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = added_then_removed(in_repo)

    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 0

    found = checks(last_run(in_repo))
    assert found["tree_matches_merge"].status == "warning"
    assert found["tree_matches_merge"].ok is True
    assert "differs from the merge of the target and the backup in 1 path(s): x.txt" in out(capsys)
    assert not (in_repo.path / "x.txt").exists()
    assert accounting(last_run(in_repo)).upstream[0].sha == old[0]


def test_a_resolution_that_changes_a_patch_is_listed_old_and_new(in_repo: Repo, tmp_path: Path) -> None:
    old = clash(in_repo)
    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 3
    write(in_repo.path / "README.md", RESOLVED)
    in_repo.git("add", "README.md")

    assert main(["continue"]) == 0

    journal = last_run(in_repo)
    new = in_repo.git("rev-list", "--reverse", f"origin/main..{REF}").splitlines()
    assert accounting(journal).changed == [
        Placed(
            sha=old[1],
            new=new[1],
            subject="feature: reword the readme",
            reason="changed by conflict resolution",
        )
    ]
    found = checks(journal)
    assert found["patches_preserved"].detail == "2 preserved, 1 changed"
    assert found["metadata_preserved"].status == "passed"
    assert found["tree_matches_merge"].status == "skipped"  # the merge conflicts: nothing to compare


def test_a_resolution_that_empties_a_commit_drops_it_with_that_reason(in_repo: Repo, tmp_path: Path) -> None:
    old = clash(in_repo)
    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 3
    in_repo.git("checkout", "origin/main", "--", "README.md")  # keep upstream's version: nothing left

    assert main(["continue"]) == 0

    assert subjects(in_repo, f"origin/main..{REF}") == ["feature: add a", "feature: add c"]
    journal = last_run(in_repo)
    assert [(item.sha, item.reason) for item in accounting(journal).dropped] == [
        (old[1], "emptied by the conflict resolution")
    ]
    assert checks(journal)["patches_preserved"].ok is True


def test_commits_already_upstream_are_named_with_the_upstream_commit(in_repo: Repo, tmp_path: Path) -> None:
    old = feature(in_repo, ("a.txt", "a\n", "feature: add a"), ("b.txt", "b\n", "feature: add b"))
    # Upstream took both changes (cherry-picks with other messages): git drops them, verify says where they are.
    twin_a = upstream(in_repo, "a.txt", "a\n", "upstream: take a from the feature")
    twin_b = upstream(in_repo, "b.txt", "b\n", "upstream: take b too", fetch=True)

    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 0

    journal = last_run(in_repo)
    assert rev(in_repo, REF) == rev(in_repo, "origin/main")
    assert accounting(journal).upstream == [
        Placed(sha=old[0], subject="feature: add a", upstream=twin_a),
        Placed(sha=old[1], subject="feature: add b", upstream=twin_b),
    ]
    assert checks(journal)["patches_preserved"].detail == "0 preserved, 2 already upstream"


def test_a_commit_that_becomes_empty_is_dropped_with_gits_reason(in_repo: Repo, tmp_path: Path) -> None:
    write(in_repo.path / "f.txt", "".join(f"{n}\n" for n in "abcdefg"))
    in_repo.git("add", "f.txt")
    in_repo.git("commit", "--quiet", "-m", "base: f")
    in_repo.git("push", "--quiet", "origin", "main")
    old = feature(in_repo, ("f.txt", "a\nB\nc\nd\ne\nF\ng\n", "feature: B and F"), ("h.txt", "h\n", "feature: h"))
    upstream(in_repo, "f.txt", "a\nB\nc\nd\ne\nf\ng\n", "upstream: B")
    upstream(in_repo, "f.txt", "a\nB\nc\nd\ne\nF\ng\n", "upstream: F", fetch=True)

    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 0

    assert subjects(in_repo, f"origin/main..{REF}") == ["feature: h"]
    journal = last_run(in_repo)
    assert accounting(journal).dropped == [
        Placed(sha=old[0], subject="feature: B and F", reason="became empty (already upstream)")
    ]
    assert checks(journal)["tree_matches_merge"].status == "passed"


def test_a_reworded_commit_fails_metadata_preserved(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = clash(in_repo)
    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 3
    write(in_repo.path / "README.md", RESOLVED)
    in_repo.git("add", "README.md")
    in_repo.git("commit", "--quiet", "-m", "feature: my own words")  # the user commits the resolution

    assert main(["continue"]) == 1

    text = out(capsys)
    assert f"metadata_preserved: {old[1][:12]} -> " in text
    assert ": message changed" in text
    assert rev(in_repo, REF) == old[-1]
    journal = last_run(in_repo)
    assert [item.sha for item in accounting(journal).changed] == [old[1]]
    assert accounting(journal).dropped == []  # committed by hand, not emptied: changed, and not listed as dropped


def test_strict_makes_a_tree_difference_a_failure(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = added_then_removed(in_repo)

    assert main([BRANCH, "--recipe", history_recipe(tmp_path, strict=True)]) == 1

    assert "tree_matches_merge: the new tree differs from the merge of the target and the backup" in out(capsys)
    assert rev(in_repo, REF) == old[-1]
    assert (in_repo.path / "x.txt").exists() is False  # as before the run: the feature had removed it


def test_the_merge_strategy_keeps_every_commit_as_it_was(in_repo: Repo, tmp_path: Path) -> None:
    three_commits(in_repo)
    moved_upstream(in_repo)
    verify = f"verify: {{checks: [{', '.join(HISTORY)}]}}"
    steps = [step.replace("rebase: {", "rebase: {strategy: merge, ") for step in ALIGN_STEPS]

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *steps, verify, REPORT)]) == 0

    journal = last_run(in_repo)
    assert checks(journal)["patches_preserved"].detail == "3 preserved"
    assert accounting(journal).unchanged == 3
    assert all(item.status == "passed" for item in journal.found.checks)


def test_the_accounting_uses_a_constant_number_of_git_processes(in_repo: Repo, tmp_path: Path) -> None:
    from align.steps import patches

    counts = []
    for size in (3, 30):
        name = f"feature/n{size}"
        in_repo.git("switch", "--quiet", "-c", name, "main")
        for index in range(size):
            in_repo.commit(f"n{size}/{index}.txt", f"{index}\n", f"feature: {index}")
        moved_upstream(in_repo) if size == 3 else upstream(in_repo, "up2.txt", "2\n", "upstream: two")
        in_repo.git("fetch", "--quiet")
        assert main([name, "--recipe", history_recipe(tmp_path)]) == 0
        journal = last_run(in_repo)
        git = Git(in_repo.path)
        patches.account(git, journal)
        counts.append(git.stats.calls)
    assert counts[0] == counts[1] == 2


def test_the_journal_keeps_checks_as_json(in_repo: Repo, tmp_path: Path) -> None:
    three_commits(in_repo)
    moved_upstream(in_repo)
    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 0
    run_id = Store(in_repo.path / ".git").past_runs()[-1]["run_id"]
    kept = json.loads((in_repo.path / ".git" / "align" / "runs" / run_id / "journal.json").read_text())
    assert [item["check"] for item in kept["found"]["checks"]] == list(HISTORY)
    assert set(kept["found"]["patches"]) >= {"preserved", "changed", "upstream", "dropped", "lost", "added"}
