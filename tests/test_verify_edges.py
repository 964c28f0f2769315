"""verify on odd histories: a change dropped twice over one upstream commit, NULs in diffs, names with spaces,
commit messages with ``#`` lines resolved at a conflict."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from align.journal import Placed
from tests.builders import ALIGN_STEPS, REPORT, RESOLVED, feature, steps_recipe, upstream
from tests.helpers import BRANCH, REF, Repo, write
from tests.journals import accounting, checks, history_recipe, last_run
from tests.snapshots import out, rev

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")


def test_one_upstream_commit_accounts_for_one_old_commit_only(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    # add NEW, revert it, add NEW again; upstream adds NEW once. git drops both adds: NEW would be gone.
    old = feature(in_repo, ("new.txt", "NEW\n", "feature: add NEW"))
    in_repo.git("rm", "--quiet", "new.txt")
    in_repo.git("commit", "--quiet", "-m", "feature: revert NEW")
    old.append(rev(in_repo, "HEAD"))
    old.append(in_repo.commit("new.txt", "NEW\n", "feature: add NEW again"))
    upstream(in_repo, "new.txt", "NEW\n", "upstream: add NEW", fetch=True)

    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 1

    assert f"patches_preserved: 1 commit(s) lost: {old[2][:12]} feature: add NEW again" in out(capsys)
    assert rev(in_repo, REF) == old[-1]
    assert (in_repo.path / "new.txt").read_text() == "NEW\n"


def test_a_diff_with_nul_bytes_is_read_whole(in_repo: Repo, tmp_path: Path) -> None:
    write(in_repo.path / ".gitattributes", "*.dat diff\n")  # show binary-looking files as text diffs
    in_repo.git("add", ".gitattributes")
    in_repo.git("commit", "--quiet", "-m", "base: attributes")
    in_repo.git("push", "--quiet", "origin", "main")
    in_repo.git("switch", "--quiet", "-c", BRANCH)
    (in_repo.path / "blob.dat").write_bytes(b"a\0\0b\n")
    in_repo.git("add", "blob.dat")
    in_repo.git("commit", "--quiet", "-m", "feature: a blob")
    upstream(in_repo, "up.txt", "up\n", "upstream: up", fetch=True)

    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 0

    assert checks(last_run(in_repo))["patches_preserved"].detail == "1 preserved"


def test_an_upstream_commit_on_a_name_with_a_space_is_found(in_repo: Repo, tmp_path: Path) -> None:
    old = feature(in_repo, ("my notes.txt", "notes\n", "feature: notes"), ("b.txt", "b\n", "feature: b"))
    twin = upstream(in_repo, "my notes.txt", "notes\n", "upstream: the same notes", fetch=True)

    assert main([BRANCH, "--recipe", history_recipe(tmp_path)]) == 0

    assert accounting(last_run(in_repo)).upstream == [Placed(sha=old[0], subject="feature: notes", upstream=twin)]


def test_a_message_with_hash_lines_survives_a_conflict(in_repo: Repo, tmp_path: Path) -> None:
    message = "feature: reword the readme\n\n#123 is fixed by this\n"
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    write(in_repo.path / "README.md", "hello from the feature\n")
    in_repo.git("commit", "--quiet", "--all", "--cleanup=verbatim", "-m", message)
    old = rev(in_repo, "HEAD")
    upstream(in_repo, "README.md", "hello from upstream\n", "upstream: reword the readme", fetch=True)
    verify = "verify: {checks: [patches_preserved, metadata_preserved]}"
    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *ALIGN_STEPS, verify, REPORT)]) == 3
    write(in_repo.path / "README.md", RESOLVED)
    in_repo.git("add", "README.md")

    assert main(["continue"]) == 0

    assert in_repo.git("log", "-1", "--format=%B", REF).strip() == message.strip()
    assert in_repo.git("log", "-1", "--format=%an %ad", REF) == in_repo.git("log", "-1", "--format=%an %ad", old)
    assert checks(last_run(in_repo))["metadata_preserved"].ok is True
