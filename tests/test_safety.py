"""Safety promises (DESIGN §7): refusals leave everything untouched. The builders these suites share are in
``tests/safety_helpers.py`` (also used by ``test_safety_kill.py``, ``test_safety_moves.py``, ``test_edges_*``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from align.cli import main
from tests.helpers import Repo, lock_left, write
from tests.safety_helpers import (
    REAL_GIT,
    align_refs,
    feature_repo,
    git_dir,
    journal_file,
    lock_file,
    make_dirty,
    no_file_named_x,
    run_git,
    snapshot,
    tip,
    worktree,
)

# -- refusals: exit 4, nothing touched (DESIGN §5, §7) --------------------------------------------


@pytest.mark.parametrize("name", ["--upload-pack=touch x", "-b", "HEAD", "@{-1}", "@", "feature/x@{1}"])
def test_a_hostile_or_ambiguous_branch_name_is_refused(
    name: str, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feature_repo(repo)
    repo.git("switch", "--quiet", "main")
    repo.git("switch", "--quiet", "feature/x")  # so that @{-1} means main to git
    before = snapshot(repo)
    monkeypatch.chdir(repo.path)

    assert main(["run", "--", name]) == 4

    assert "refusing branch name" in capsys.readouterr().err
    assert snapshot(repo) == before
    assert no_file_named_x(tmp_path)


@pytest.mark.parametrize("name", ["feat/$(touch${IFS}x)", "a;b", "feat/`touch${IFS}x`", "x'y\"z"])
def test_a_legal_but_hostile_branch_name_is_aligned_literally(
    name: str, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feature_repo(repo, head="main")
    repo.git("branch", "--end-of-options", name, "feature/x")
    original = tip(repo, f"refs/heads/{name}")
    monkeypatch.chdir(repo.path)

    assert main([name]) == 0

    new = tip(repo, f"refs/heads/{name}")
    assert new != original
    assert run_git(repo.path, "merge-base", "--is-ancestor", tip(repo, "origin/main"), new).returncode == 0
    assert repo.git("log", "--format=%s", f"origin/main..refs/heads/{name}").splitlines() == [
        "feature: second",
        "feature: first",
    ]
    assert tip(repo, "feature/x") == original  # only the named branch moved
    assert list(align_refs(repo).values()) == [original]
    assert next(iter(align_refs(repo))).startswith(f"refs/align/backups/{name}/")
    assert no_file_named_x(tmp_path)
    assert repo.git("status", "--porcelain") == ""


@pytest.mark.parametrize("scheme", ["ext", "fd", "insteadOf"])
def test_a_remote_url_that_runs_commands_is_refused(
    scheme: str, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feature_repo(repo)
    marker = tmp_path / "ext-ran"
    if scheme == "ext":
        repo.git("remote", "set-url", "origin", f"ext::sh -c touch% {marker}")
    elif scheme == "fd":
        repo.git("config", "remote.origin.url", "fd::0,1")
    else:  # an innocent URL that git rewrites into ext:: before using it
        repo.git("remote", "set-url", "origin", "https://example.invalid/team/repo.git")
        repo.git("config", f"url.ext::sh -c touch% {marker} #.insteadOf", "https://example.invalid/")
    before = snapshot(repo)
    monkeypatch.chdir(repo.path)

    assert main(["feature/x"]) == 4

    assert "runs commands" in capsys.readouterr().err
    assert not marker.exists()
    assert snapshot(repo) == before  # no backup ref either: refused before starting
    assert not lock_left(lock_file(repo))
    assert not journal_file(repo).exists()


@pytest.mark.parametrize("operation", ["rebase", "merge"])
def test_a_rebase_or_merge_the_user_started_is_left_alone(
    operation: str, repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feature_repo(repo, conflict=True)
    stopped = run_git(repo.path, operation, "origin/main")
    assert stopped.returncode != 0
    state = "rebase-merge" if operation == "rebase" else "MERGE_HEAD"
    assert (git_dir(repo) / state).exists()
    before = snapshot(repo)
    unmerged = repo.git("ls-files", "--unmerged")
    assert unmerged
    rebase_files = worktree(git_dir(repo) / "rebase-merge") if operation == "rebase" else {}
    monkeypatch.chdir(repo.path)

    assert main(["feature/x"]) == 4

    assert f"a {operation} is in progress that align did not start" in capsys.readouterr().err
    assert snapshot(repo) == before
    assert repo.git("ls-files", "--unmerged") == unmerged
    if operation == "rebase":
        assert worktree(git_dir(repo) / "rebase-merge") == rebase_files
    assert not lock_left(lock_file(repo))
    assert not journal_file(repo).exists()


def test_a_dirty_tree_under_the_ci_recipe_is_refused(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feature_repo(repo)
    make_dirty(repo)
    before = snapshot(repo)
    monkeypatch.chdir(repo.path)

    assert main(["feature/x", "--recipe", "ci"]) == 4

    assert "dirty: refuse" in capsys.readouterr().err
    assert snapshot(repo) == before
    assert not lock_left(lock_file(repo))
    assert not journal_file(repo).exists()


def test_an_old_git_is_refused(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feature_repo(repo)
    before = snapshot(repo)
    fake = write(
        tmp_path / "old-git" / "git",
        f"""\
        #!/bin/sh
        for arg in "$@"; do
          case "$arg" in
            -*) ;;
            version) echo "git version 2.20.1"; exit 0 ;;
            *) break ;;
          esac
        done
        exec {REAL_GIT} "$@"
        """,
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(repo.path)

    assert main(["feature/x"]) == 4

    err = capsys.readouterr().err
    assert "2.20.1" in err
    assert "2.30" in err
    assert snapshot(repo) == before  # the fake git passes everything else to the real one
    assert not (git_dir(repo) / "align").exists()


@pytest.mark.parametrize("argv", [["run"], ["run", "--recipe", "default"], ["--target", "main"]])
def test_a_detached_head_without_a_branch_is_refused(
    argv: list[str], repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feature_repo(repo)
    repo.git("switch", "--quiet", "--detach", "feature/x")
    before = snapshot(repo)
    monkeypatch.chdir(repo.path)

    assert main(argv) == 4

    assert "HEAD is detached" in capsys.readouterr().err
    assert snapshot(repo) == before
    kept = git_dir(repo) / "align"  # only the refused run's report and its line in the history
    assert sorted(path.name for path in kept.iterdir()) == ["runs", "runs.jsonl"]
    assert '"status": "refused"' in (kept / "runs.jsonl").read_text(encoding="utf-8")
