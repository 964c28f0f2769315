"""Every `align undo` keeps a backup of the tip it replaces, and says so (issue 10, item 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from tests.builders import (
    ALIGN_STEPS,
    REPORT,
    RESOLVED,
    fetched_feature,
    moved_upstream,
    steps_recipe,
    three_commits,
    track_notes,
    user_stashes,
)
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import BACKUPS, files, head, out, refs, rev, stashes

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")


def new_backups(repo: Repo, known: dict[str, str]) -> dict[str, str]:
    """The backup refs made since ``known`` was taken."""
    return {name: sha for name, sha in refs(repo, BACKUPS).items() if name not in known}


def test_undo_of_a_resolved_alignment_keeps_the_resolved_tip(in_repo: Repo, capsys: Capture) -> None:
    """The resolution is work of the user's: after undo it is still reachable, from a backup ref."""
    track_notes(in_repo)
    old = three_commits(in_repo, conflicting=True)
    target = moved_upstream(in_repo, conflicting=True)
    mine = user_stashes(in_repo)
    assert main([BRANCH]) == 3
    write(in_repo.path / "README.md", RESOLVED)
    in_repo.git("add", "README.md")
    assert main(["continue"]) == 0
    resolved = rev(in_repo, REF)
    assert in_repo.git("rev-parse", f"{REF}~3") == target
    run_backups = refs(in_repo, BACKUPS)
    assert list(run_backups.values()) == [old[-1]]
    before_files = files(in_repo)
    capsys.readouterr()

    assert main(["undo"]) == 0

    ((kept, sha),) = new_backups(in_repo, run_backups).items()
    assert sha == resolved
    assert kept.startswith(f"{BACKUPS}{BRANCH}/")
    text = out(capsys)
    assert f"{BRANCH} restored to {old[-1][:12]}" in text
    assert f"what it replaced is kept as {kept}" in text
    assert rev(in_repo, REF) == old[-1]
    assert head(in_repo) == REF
    assert in_repo.git("status", "--porcelain", "--untracked-files=all") == ""
    assert stashes(in_repo) == mine
    assert files(in_repo) != before_files  # the tree followed the branch back
    assert (in_repo.path / "README.md").read_text(encoding="utf-8") == "hello from the feature\n"
    assert in_repo.git("show", f"{kept}:README.md") + "\n" == RESOLVED


def test_undo_of_a_plain_alignment_keeps_a_backup_too(in_repo: Repo, capsys: Capture) -> None:
    old = fetched_feature(in_repo)
    assert main([BRANCH]) == 0
    aligned = rev(in_repo, REF)
    run_backups = refs(in_repo, BACKUPS)
    capsys.readouterr()

    assert main(["undo", BRANCH]) == 0

    ((kept, sha),) = new_backups(in_repo, run_backups).items()
    assert sha == aligned
    assert f"what it replaced is kept as {kept}" in out(capsys)
    assert rev(in_repo, REF) == old[-1]
    assert refs(in_repo, BACKUPS) == {**run_backups, kept: aligned}
    assert stashes(in_repo) == []

    assert main(["backups", "restore", BRANCH]) == 0  # the newest backup: the aligned tip, back again
    assert rev(in_repo, REF) == aligned


def test_undo_keeps_a_backup_of_each_branch_update_refs_moved(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(in_repo)
    in_repo.git("branch", "feature/part", old[0])
    path = steps_recipe(tmp_path, *ALIGN_STEPS[:2], "rebase: {update_refs: true}", *ALIGN_STEPS[3:], REPORT)
    assert main([BRANCH, "--recipe", path]) == 0
    aligned, part = rev(in_repo, REF), rev(in_repo, "refs/heads/feature/part")
    run_backups = refs(in_repo, BACKUPS)
    capsys.readouterr()

    assert main(["undo"]) == 0

    made = new_backups(in_repo, run_backups)
    assert sorted(made.values()) == sorted([aligned, part])
    kept_part = next(name for name, sha in made.items() if sha == part)
    assert kept_part.startswith(f"{BACKUPS}feature/part/")
    text = out(capsys)
    assert f"feature/part restored to {old[0][:12]} (update_refs); what it replaced is kept as {kept_part}" in text
    assert rev(in_repo, REF) == old[-1]
    assert rev(in_repo, "refs/heads/feature/part") == old[0]
    assert head(in_repo) == REF
