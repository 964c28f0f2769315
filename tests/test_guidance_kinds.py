"""Guidance for deleted-by-us, deleted-by-them and rename/delete conflicts: git add or git rm (issue 10 item 8)."""

from __future__ import annotations

import pytest

from align.cli import main
from tests.builders import SIX, Kind, conflict
from tests.helpers import Repo, write


def kinds_repo(repo: Repo) -> None:
    """One feature commit against one upstream commit: each kind of file conflict, one file each."""
    kinds: dict[str, Kind] = {
        "del.txt": "deleted upstream",
        "ren.txt": "renamed here",  # to renamed.txt
        "gone.txt": "deleted here",
        "my file.txt": "content",
    }
    conflict(repo, kinds, subject="feature: all kinds", upstream_subject="upstream: all kinds")


def section(out: str, first: str, last: str) -> list[str]:
    lines = out.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(first))
    end = next(index for index, line in enumerate(lines) if index > start and line.startswith(last))
    return [line.rstrip() for line in lines[start : end + 1]]


def test_each_deleted_kind_says_git_add_or_git_rm_one_file_a_line_and_that_head_is_detached(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    kinds_repo(repo)
    upstream = repo.git("rev-parse", "--short", "main")
    capsys.readouterr()

    assert main(["feature/x"]) == 3

    out = capsys.readouterr().out
    assert section(out, "commit 1 of 1", "  align abort") == [
        "commit 1 of 1; conflicted files:",
        "  deleted by us   del.txt  (deleted upstream, changed by this commit)",
        f"      deleted upstream by {upstream} upstream: all kinds (Align Test, 2026-01-01)",
        "  deleted by them gone.txt  (deleted by this commit, changed upstream)",
        f"      changed upstream by {upstream} upstream: all kinds (Align Test, 2026-01-01)",
        "  both modified   my file.txt",
        f"      conflicting lines changed upstream by {upstream} upstream: all kinds (Align Test, 2026-01-01)",
        "  deleted by us   renamed.txt  (renamed from ren.txt on one side, ren.txt deleted on the other; "
        "deleted upstream, changed by this commit)",
        "note: HEAD is detached while the rebase is paused (git applies feature/x's commits one by one on top of "
        "origin/main); feature/x moves only when the run finishes",
        "next:",
        "  resolve each file, then mark it resolved (git add, or git rm for a file to delete):",
        "    git add -- del.txt                       to keep it (this commit's version), or",
        "    git rm -- del.txt                        to delete it (as upstream did)",
        "    git add -- gone.txt                      to keep it (upstream's version), or",
        "    git rm -- gone.txt                       to delete it (as this commit does)",
        "    git add -- 'my file.txt'                 once its conflict markers are gone",
        "    git add -- renamed.txt                   to keep it (this commit's version), or",
        "    git rm -- renamed.txt                    to delete it (as upstream did)",
        "  align continue     go on with the next commit",
        "  align skip         drop this commit from the branch (the report lists it)",
        "  align abort        put everything back as it was before the run",
    ]
    assert repo.git("rev-parse", "--abbrev-ref", "HEAD") == "HEAD"  # detached, as the guidance says

    # Following the guidance: keep del.txt and renamed.txt, accept the deletion of gone.txt.
    write(repo.path / "my file.txt", "both\n")
    for command in (["add", "--", "del.txt", "renamed.txt", "my file.txt"], ["rm", "--quiet", "--", "gone.txt"]):
        repo.git(*command)
    assert main(["continue"]) == 0
    tree = repo.git("ls-tree", "--name-only", "feature/x").splitlines()
    assert tree == ["README.md", "del.txt", "my file.txt", "renamed.txt"]
    assert repo.git("show", "feature/x:del.txt") == "a\nb\nc\nmore"
    assert repo.git("show", "feature/x:renamed.txt") == SIX.strip()
    assert repo.git("rev-parse", "feature/x~1") == repo.git("rev-parse", "origin/main")
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert repo.git("status", "--porcelain") == ""


def test_align_continue_with_a_deleted_file_unresolved_says_git_add_or_git_rm(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    kinds_repo(repo)
    assert main(["feature/x"]) == 3
    capsys.readouterr()

    assert main(["continue"]) == 4

    assert [line for line in capsys.readouterr().err.splitlines() if line.startswith("align:")] == [
        "align: error: 4 file(s) still have unresolved conflicts: del.txt, gone.txt, my file.txt, renamed.txt",
        "align: hint: fix them, then `git add -- del.txt` (or `git rm -- del.txt` for a file to delete) "
        "and run `align continue` again",
    ]
    assert (repo.path / ".git" / "rebase-merge").exists()


def test_a_merge_says_which_side_deleted_from_the_branch_point_of_view_and_head_is_not_detached(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    kinds_repo(repo)
    capsys.readouterr()

    assert main(["feature/x", "--recipe", "merge"]) == 3

    out = capsys.readouterr().out
    assert "HEAD is detached" not in out
    lines = section(out, "next:", "  align abort")
    assert lines[2:6] == [
        "    git add -- del.txt                       to keep it (your branch's version), or",
        "    git rm -- del.txt                        to delete it (as upstream did)",
        "    git add -- gone.txt                      to keep it (upstream's version), or",
        "    git rm -- gone.txt                       to delete it (as your branch did)",
    ]
    assert "  deleted by them del.txt  (deleted upstream, changed on feature/x)" in out
    assert "  deleted by us   gone.txt  (deleted on feature/x, changed upstream)" in out
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/feature/x"


def test_a_file_moved_aside_for_a_directory_is_explained_and_resolved_on_its_own_line(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's `git add -- link git add -- 'link~HEAD'`: the commit makes the file `link` a directory."""
    monkeypatch.chdir(repo.path)
    conflict(
        repo,
        {"link": "directory here"},
        subject="feature: link becomes a directory",
        upstream_subject="upstream: edit link",
    )
    capsys.readouterr()

    assert main(["feature/x"]) == 3

    out = capsys.readouterr().out
    assert section(out, "commit 1 of 1", "    git rm") == [
        "commit 1 of 1; conflicted files:",
        "  deleted by them link~HEAD  (the file link, moved aside by git: the other side made link a directory; "
        "deleted by this commit, changed upstream)",
        "note: HEAD is detached while the rebase is paused (git applies feature/x's commits one by one on top of "
        "origin/main); feature/x moves only when the run finishes",
        "next:",
        "  resolve each file, then mark it resolved (git add, or git rm for a file to delete):",
        "    git add -- 'link~HEAD'                   to keep it (upstream's version), or",
        "    git rm -- 'link~HEAD'                    to delete it (as this commit does)",
    ]
    repo.git("rm", "--quiet", "--", "link~HEAD")
    assert main(["continue"]) == 0
    assert repo.git("ls-tree", "-r", "--name-only", "feature/x").splitlines() == ["README.md", "link/inside.txt"]
    assert repo.git("status", "--porcelain") == ""
