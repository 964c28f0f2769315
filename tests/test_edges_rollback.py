"""A rollback that git cannot finish (issue 9, item 10): align stops, says why, and `align abort` finishes it later.

git's refusals are made real with a ``reference-transaction`` hook that rejects every ref update (as a full
disk or a read-only ``.git`` would make them fail), on top of a rebase state that git left half-written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from tests.builders import (
    ALIGN_STEPS,
    conflicting,
    fetched_feature,
    make_dirty,
    steps_recipe,
    track_notes,
    user_stashes,
)
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import in_progress, out, rev, snapshot

REJECT_EVERY_REF_UPDATE = """\
#!/bin/sh
[ "$1" = prepared ] && exit 1
exit 0
"""


def test_a_rollback_that_stops_half_way_is_finished_by_the_next_abort(
    in_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = in_repo
    old, _, before = conflicting(repo, dirty=True)
    assert main([BRANCH]) == 3
    git_dir = repo.path / ".git"
    (git_dir / "rebase-merge" / "onto").write_text("")  # git's own abort cannot finish
    hook = write(git_dir / "hooks" / "reference-transaction", REJECT_EVERY_REF_UPDATE)
    hook.chmod(0o755)
    capsys.readouterr()

    assert main(["abort"]) == 1  # align quit git's rebase, then could not move HEAD: it stops there

    text = out(capsys)
    assert "align stopped: git failed (`git " in text
    assert "`align abort` puts everything back" in text
    assert not in_progress(repo)  # git's rebase state is gone: only align's journal knows what is left
    assert (git_dir / "align" / "journal.json").exists()
    assert main(["status"]) == 0
    assert "  why: align stopped: git failed" in out(capsys)
    hook.unlink()

    assert main(["abort"]) == 0

    text = out(capsys)
    assert "aborted: everything rolled back" in text
    assert "warning: git could not abort its rebase (`git -c submodule.recurse=false rebase --abort` exited " in text
    assert "with 1: error: invalid onto: '')" in text
    assert snapshot(repo) == before  # no stash entry of the run's left: the rebase's files were git's to drop
    assert rev(repo, REF) == old[-1]
    assert not (git_dir / "align" / "journal.json").exists()


def test_continue_with_gits_rebase_state_half_written_fails_and_rolls_back(
    in_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = in_repo
    old, _, before = conflicting(repo, dirty=True)
    assert main([BRANCH]) == 3
    git_dir = repo.path / ".git"
    (git_dir / "rebase-merge" / "git-rebase-todo").unlink()  # git could not write it: the disk was full
    capsys.readouterr()

    assert main(["continue"]) == 1

    text = out(capsys)
    assert "failed: everything rolled back" in text
    assert "git's rebase state is incomplete (git-rebase-todo missing or empty in " in text
    assert "align cannot continue it" in text
    assert snapshot(repo) == before
    assert rev(repo, REF) == old[-1]
    assert not in_progress(repo)
    assert not (git_dir / "align" / "journal.json").exists()


def test_continue_finishes_a_rollback_that_git_stopped(
    in_repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = in_repo
    track_notes(repo)
    old = fetched_feature(repo)
    user_stashes(repo)
    make_dirty(repo)
    before = snapshot(repo)
    marker = tmp_path / "validated"
    hook = write(  # once validation failed, git refuses to move HEAD: the rollback cannot detach it
        repo.path / ".git" / "hooks" / "reference-transaction",
        f"""\
        #!/bin/sh
        [ "$1" = prepared ] && [ -e '{marker}' ] && grep -q ' HEAD$' && exit 1
        exit 0
        """,
    )
    hook.chmod(0o755)
    failing = f'validate: {{run: [["sh", "-c", "touch {marker}; exit 1"]]}}'
    recipe = steps_recipe(tmp_path, *ALIGN_STEPS, failing, "report: {formats: [console]}")

    assert main([BRANCH, "--recipe", recipe]) == 1

    text = out(capsys)
    assert "align stopped: git failed (`git checkout --quiet --detach` exited with " in text
    assert rev(repo, REF) != old[-1]  # the rollback stopped before the branch moved back
    hook.unlink()

    assert main(["continue"]) == 1  # the rollback under way is finished: the run failed, everything is back

    text = out(capsys)
    assert "failed: everything rolled back" in text
    assert "failed (exit 1): no output; feature/x restored to " in text  # the run's message, then the rollback's
    assert snapshot(repo) == before
    assert rev(repo, REF) == old[-1]
    assert not (repo.path / ".git" / "align" / "journal.json").exists()
