"""The commands that put things back or finish a run: undo, backups, continue and skip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import (
    ALIGN_STEPS,
    REPORT,
    RESOLVED,
    aligned,
    make_dirty,
    moved_upstream,
    steps_recipe,
    three_commits,
    track_notes,
    user_stashes,
)
from tests.fakes import interrupting
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import (
    BACKUPS,
    backups,
    head,
    in_progress,
    is_ancestor,
    out,
    refs,
    rev,
    snapshot,
    stashes,
    subjects,
)

Capture = pytest.CaptureFixture[str]


pytestmark = pytest.mark.usefixtures("in_repo")


# -- undo --------------------------------------------------------------------------------------------------


def test_undo_without_a_branch_on_a_detached_head_is_refused(repo: Repo, capsys: Capture) -> None:
    _, new = aligned(repo)
    repo.git("switch", "--quiet", "--detach", BRANCH)
    capsys.readouterr()

    assert main(["undo"]) == 4

    assert "HEAD is detached: name the branch to undo" in out(capsys)
    assert rev(repo, REF) == new


def test_undo_with_nothing_to_undo_is_refused(repo: Repo, capsys: Capture) -> None:
    old = three_commits(repo)[-1]

    assert main(["undo", BRANCH]) == 4
    assert "no alignment of 'feature/x' to undo" in out(capsys)

    assert main([BRANCH]) == 0  # up to date: nothing was rewritten, so still nothing to undo
    assert main(["undo"]) == 4
    assert "no alignment of 'feature/x' to undo" in out(capsys)
    assert rev(repo, REF) == old


def test_undo_when_already_at_the_pre_run_tip(repo: Repo, capsys: Capture) -> None:
    old, _ = aligned(repo)
    repo.git("reset", "--quiet", "--hard", old)
    capsys.readouterr()

    assert main(["undo"]) == 0

    assert f"feature/x is already at its pre-run tip {old[:12]}; nothing to undo" in out(capsys)
    assert rev(repo, REF) == old
    assert list(backups(repo).values()) == [old]


def test_undo_is_refused_while_the_checked_out_branch_is_dirty(repo: Repo, capsys: Capture) -> None:
    _, new = aligned(repo)
    write(repo.path / "a.txt", "a, edited\n")
    before = snapshot(repo)
    capsys.readouterr()

    assert main(["undo"]) == 4

    assert "feature/x is checked out and has uncommitted changes" in out(capsys)
    assert snapshot(repo) == before
    assert rev(repo, REF) == new


def test_undo_is_refused_while_a_run_is_paused(repo: Repo, capsys: Capture) -> None:
    track_notes(repo)
    old = three_commits(repo, conflicting=True)[-1]
    moved_upstream(repo, conflicting=True)
    assert main([BRANCH]) == 3
    capsys.readouterr()

    assert main(["undo", BRANCH]) == 4

    assert "an align run is in progress" in out(capsys)
    assert in_progress(repo)
    assert main(["abort"]) == 0
    assert rev(repo, REF) == old


# -- backups -----------------------------------------------------------------------------------------------


def stamp(ref: str) -> str:
    return ref.rpartition("/")[2]


def test_backups_restore_a_chosen_timestamp(repo: Repo, capsys: Capture) -> None:
    old, _ = aligned(repo)
    [first] = backups(repo)
    later = repo.commit("d.txt", "d\n", "feature: add d")
    capsys.readouterr()

    assert main(["backups", "restore", BRANCH, stamp(first)]) == 0

    assert rev(repo, REF) == old
    [second] = set(backups(repo)) - {first}
    assert backups(repo)[second] == later
    assert f"feature/x restored to {old[:12]} ({first}); its previous tip is kept as {second}" in out(capsys)
    assert not (repo.path / "d.txt").exists()

    assert main(["backups", "restore", BRANCH, stamp(second)]) == 0
    assert rev(repo, REF) == later
    assert (repo.path / "d.txt").read_text() == "d\n"
    assert head(repo) == REF
    assert sorted(backups(repo).values()) == sorted([old, later, old])

    assert main(["backups", "restore", BRANCH, stamp(second)]) == 0  # already there: nothing changes
    assert f"feature/x is already at {second}" in out(capsys)
    assert len(backups(repo)) == 3

    assert main(["backups", "restore", BRANCH, "20000101T000000Z"]) == 2
    assert "no backup of 'feature/x' at 20000101T000000Z" in out(capsys)
    assert rev(repo, REF) == later


def test_backups_restore_is_refused_while_the_checked_out_branch_is_dirty(repo: Repo, capsys: Capture) -> None:
    track_notes(repo)
    old = three_commits(repo)[-1]
    moved_upstream(repo)
    assert main([BRANCH]) == 0
    new = rev(repo, REF)
    user_stashes(repo)
    make_dirty(repo)
    before = snapshot(repo)
    capsys.readouterr()

    assert main(["backups", "restore", BRANCH]) == 4

    assert "feature/x is checked out and has uncommitted changes" in out(capsys)
    assert snapshot(repo) == before
    assert rev(repo, REF) == new
    assert list(backups(repo).values()) == [old]


def test_backups_list_and_prune_by_branch(repo: Repo, capsys: Capture) -> None:
    old, _ = aligned(repo)
    odd = f"{BACKUPS}feature/x/not-a-time"
    repo.git("update-ref", odd, old)
    capsys.readouterr()

    assert main(["backups", "list", "feature"]) == 0  # a prefix of feature/x, not a branch with backups
    assert out(capsys).strip() == "no backups"

    assert main(["backups", "prune", BRANCH, "--older-than", "0h"]) == 0

    assert "pruned 1 backup(s) older than 0h" in out(capsys)
    assert backups(repo) == {odd: old}  # its age cannot be told: kept


def test_continue_after_the_user_finished_the_rebase_with_git(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    old = three_commits(repo, conflicting=True)
    target = moved_upstream(repo, conflicting=True)
    assert main([BRANCH]) == 3
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")
    monkeypatch.setenv("GIT_EDITOR", "true")
    repo.git("rebase", "--continue")  # git's own command, not align's
    assert not in_progress(repo)
    capsys.readouterr()

    assert main(["continue"]) == 0

    assert ": aligned" in out(capsys)
    tip = rev(repo, REF)
    assert is_ancestor(repo, target, tip)
    assert len(subjects(repo, f"{target}..{tip}")) == 3
    assert list(backups(repo).values()) == [old[-1]]
    assert main(["undo"]) == 0  # the run is complete: it can be undone
    assert rev(repo, REF) == old[-1]


# -- continue and skip after an interruption ---------------------------------------------------------------


def test_continue_after_an_interruption_in_validation(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    track_notes(repo)
    old = three_commits(repo)[-1]
    target = moved_upstream(repo)
    theirs = user_stashes(repo)
    make_dirty(repo)
    before = snapshot(repo)
    marker = tmp_path / "validating"
    command = json.dumps(interrupting(marker))
    path = steps_recipe(tmp_path, *ALIGN_STEPS, "verify: {}", f"validate: {{run: [{command}]}}", REPORT)

    assert main([BRANCH, "--recipe", path]) == 130

    assert marker.exists()
    assert "interrupted" in out(capsys)
    git_dir = Path(repo.git("rev-parse", "--absolute-git-dir"))
    journal = json.loads((git_dir / "align" / "journal.json").read_text(encoding="utf-8"))
    assert (journal["status"], journal["step"]) == ("interrupted", "validate")
    assert is_ancestor(repo, target, REF)  # the rebase was done
    assert stashes(repo) == theirs
    assert len(refs(repo, "refs/align/stash/")) == 1

    assert main(["skip"]) == 4

    assert "there is no commit to skip: the run did not stop at a conflict" in out(capsys)
    assert (git_dir / "align" / "journal.json").exists()

    assert main(["continue"]) == 0

    text = out(capsys)
    assert ": aligned" in text
    assert re.search(r"phases: .*validate ok", text)
    tip = rev(repo, REF)
    assert is_ancestor(repo, target, tip)
    assert subjects(repo, f"{target}..{tip}") == ["feature: add a", "feature: add b", "feature: add c"]
    after = snapshot(repo)
    assert after.head == before.head == REF
    assert after.status == before.status
    assert after.stashes == before.stashes
    assert {name: after.files[name] for name in ("staged.txt", "notes.txt", "scratch.txt")} == {
        name: before.files[name] for name in ("staged.txt", "notes.txt", "scratch.txt")
    }
    assert refs(repo, "refs/align/stash/") == {}
    assert list(backups(repo).values()) == [old]
    assert not (git_dir / "align" / "journal.json").exists()
    assert main(["status"]) == 0
    assert "nothing in progress" in out(capsys)
