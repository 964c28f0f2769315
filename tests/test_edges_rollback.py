"""A rollback that git cannot finish (issue 9, item 10): align stops, says why, and `align abort` finishes it later.

git's refusals are made real with a ``reference-transaction`` hook that rejects every ref update (as a full
disk or a read-only ``.git`` would make them fail), on top of a rebase state that git left half-written.
"""

from __future__ import annotations

import pytest

from align.cli import main
from tests.helpers import Repo, write
from tests.scenarios import BRANCH, REF, in_progress, out, rev, snapshot
from tests.test_conflicts import conflicting

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
    assert (
        "warning: git could not abort its rebase (`git rebase --abort` exited with 1: error: invalid onto: '')" in text
    )
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
