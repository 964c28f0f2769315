"""A hostile review of the in-memory engine (issue 11): where it could give another result than
``git rebase --merge --no-fork-point``, or leave the user's repository otherwise than git would.

Each scenario is compared with plain git in a byte-for-byte twin of the repository (tests/twins.py). Where
the memory engine cannot give git's result it must stand aside (``engine: disk``, git's own rebase)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import feature, steps_recipe, upstream
from tests.helpers import BRANCH, REF, Repo, write
from tests.journals import last_run
from tests.snapshots import difference, rev, snapshot
from tests.twins import CHECKS, OFFLINE, aligned, git_rebase, mtimes, twin, user_work


def raw_commit(repo: Repo, body: bytes) -> None:
    """Put a commit object written byte for byte (as another tool could write it) on the branch's tip."""
    (repo.path / "obj").write_bytes(body)
    sha = repo.git("hash-object", "-w", "-t", "commit", "obj")
    (repo.path / "obj").unlink()
    repo.git("reset", "--quiet", "--hard", sha)


def on_the_branch(repo: Repo, header: bytes, message: bytes) -> None:
    """feature/x: one commit, then one adding b.txt with the author line and message given."""
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    write(repo.path / "b.txt", "b\n")
    repo.git("add", "b.txt")
    tree, parent = repo.git("write-tree"), repo.git("rev-parse", "HEAD")
    lines = f"tree {tree}\nparent {parent}\n".encode() + header + b"committer C <c@x.invalid> 1700000000 +0000\n"
    raw_commit(repo, lines + b"\n" + message)
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    os.chdir(repo.path)


def as_git_does(repo: Repo, tmp_path: Path) -> str:
    """Align the branch (not checked out) with align and in a twin with git; both tips must be the same
    commit; return the engine align chose."""
    user_work(repo)
    copy = twin(repo, tmp_path)
    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)]) == 0
    theirs = git_rebase(copy)
    ours = rev(repo, REF)
    shown = [subprocess.run(["git", "cat-file", "commit", sha], cwd=where, capture_output=True, check=True).stdout
             for where, sha in ((repo.path, ours), (copy, theirs))]  # fmt: skip
    assert shown[0] == shown[1]
    assert ours == theirs
    return last_run(repo).engine


AUTHOR = b"author A <a@x.invalid> 1700000000 +0000\n"


@pytest.mark.parametrize(
    ("message", "engine"),
    [
        (b"", "memory"),
        (b"   \n\t\n", "memory"),  # git's pick starts the message at its subject: nothing is left
        (b"\n  \nfeature: after blank lines\n", "memory"),
        (b"feature: caf\xe9, Latin-1 and no encoding header", "disk"),  # git rewrites it as UTF-8
        (b"feature: a noncharacter \xef\xbf\xbe\n", "disk"),  # U+FFFE: valid UTF-8 to Python, not to git
        (b"feature: before a NUL\n\0after it\n", "disk"),  # git's pick reads the message as a C string
    ],
    ids=["empty", "blank", "leading-blank-lines", "latin1-raw", "noncharacter", "nul"],
)
def test_odd_messages_end_as_git_ends_them(repo: Repo, tmp_path: Path, message: bytes, engine: str) -> None:
    on_the_branch(repo, AUTHOR, message)

    assert as_git_does(repo, tmp_path) == engine


def test_an_author_in_latin1_without_an_encoding_header_ends_as_git_ends_it(repo: Repo, tmp_path: Path) -> None:
    on_the_branch(repo, "author J\xe9r\xf4me <j@x.invalid> 1700000000 +0130\n".encode("latin-1"), b"feature: b\n")

    assert as_git_does(repo, tmp_path) == "disk"


@pytest.mark.parametrize(
    ("encoding", "message", "engine"),
    [
        ("SHIFT_JIS", b"feature: C:\\path \x83e\x83X\x83g\n", "disk"),  # iconv reads 0x5c as a yen sign
        ("koi8_r", b"feature: \xf0\xd2\xc9\xd7\xc5\xd4\n", "disk"),  # a name iconv does not know
        ("windows-1252", b"feature: \x93quoted\x94 caf\xe9\n", "memory"),
    ],
    ids=["shift-jis", "python-only-name", "cp1252"],
)
def test_a_message_in_another_encoding_ends_as_git_ends_it(
    repo: Repo, tmp_path: Path, encoding: str, message: bytes, engine: str
) -> None:
    on_the_branch(repo, AUTHOR + f"encoding {encoding}\n".encode(), message)

    assert as_git_does(repo, tmp_path) == engine


def test_a_committer_name_in_latin1_ends_as_git_ends_it(repo: Repo, tmp_path: Path) -> None:
    on_the_branch(repo, AUTHOR, b"feature: b\n")
    with (repo.path / ".git" / "config").open("ab") as config:
        config.write(b"[user]\n\tname = J\xe9r\xf4me\n")

    assert as_git_does(repo, tmp_path) == "disk"


def test_a_clean_history_still_goes_through_memory(repo: Repo, tmp_path: Path) -> None:
    """The guards above send only what needs it to disk."""
    on_the_branch(repo, "author J\u00e9r\u00f4me <j@x.invalid> 1700000000 +0130\n".encode(), b"feature: caf\xc3\xa9\n")

    ours, theirs, _ = aligned(repo, tmp_path, *OFFLINE)

    assert ours == theirs


def test_no_usable_temporary_folder_leaves_the_run_to_git_on_disk(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replay writes each commit object through a file in TMPDIR; git's rebase needs none. A TMPDIR
    that is missing (or unwritable, or full) is a reason for disk, not an internal error and a run to abort."""
    on_the_branch(repo, AUTHOR, b"feature: b\n")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))

    assert as_git_does(repo, tmp_path) == "disk"
    assert "temporary files" in last_run(repo).engine_reason
    assert not (repo.path / ".git" / "align" / "journal.json").exists()


@pytest.mark.parametrize(
    ("cleanup", "engine"), [("strip", "disk"), ("whitespace", "disk"), ("scissors", "disk"), ("default", "memory")]
)
def test_commit_cleanup_ends_the_messages_as_git_ends_them(
    repo: Repo, tmp_path: Path, cleanup: str, engine: str
) -> None:
    """git's rebase cleans up each picked message as commit.cleanup says (``default`` is not a value it
    knows there: it warns and keeps the message as it is)."""
    on_the_branch(repo, AUTHOR, b"feature: b   \n\n#123 is fixed\n\n")
    repo.git("config", "commit.cleanup", cleanup)

    assert as_git_does(repo, tmp_path) == engine


def test_a_failed_verify_after_a_memory_run_rolls_back_without_touching_the_tree(repo: Repo, tmp_path: Path) -> None:
    """A message of blank lines ends empty, as in git: metadata_preserved fails; the rollback only moves the
    branch back: the user's tree, index, stashes and mtimes stay as they were."""
    on_the_branch(repo, AUTHOR, b"  \n\n")
    old = rev(repo, REF)
    user_work(repo)
    before, times = snapshot(repo), mtimes(repo)

    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE, CHECKS)]) == 1

    assert last_run(repo).engine == "memory"
    assert mtimes(repo) == times
    assert difference(before, snapshot(repo)) == ""
    assert rev(repo, REF) == old
