"""The in-memory engine (issue 11): a branch that is not checked out is aligned inside the object database.

Each scenario is aligned twice from the same starting point: by align (memory) in the repository, and by
plain ``git rebase`` in a byte-for-byte copy of it. Dates are fixed (tests/conftest.py), so the two results
are the very same commits — same sha — when the trees, messages, authors and committers are identical.
The user's working tree, index, HEAD, stash list and file mtimes must be untouched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from align.cli import main
from align.state import Store
from tests.builders import commit_changes, feature, steps_recipe, upstream, upstream_changes
from tests.helpers import BRANCH, REF, Repo, git, write
from tests.journals import last_run
from tests.snapshots import rev, subjects
from tests.twins import OFFLINE, aligned


def test_a_clean_history_is_the_very_commits_git_rebase_makes(repo: Repo, tmp_path: Path) -> None:
    feature(repo, ("a.txt", "a\n", "feature: add a"), ("b.txt", "b\n", "feature: add b"))
    repo.commit("a.txt", "a, again\n", "feature: change a")
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path)

    assert ours == theirs
    assert subjects(repo, f"origin/main..{REF}") == ["feature: add a", "feature: add b", "feature: change a"]
    store = Store(repo.path / ".git")
    report = json.loads((store.run_dir(last_run(repo).run.run_id) / "report.json").read_text(encoding="utf-8"))
    assert report["engine"] == {"name": "memory", "reason": "", "tree_moved": False, "carried": False}


def test_commits_already_upstream_are_skipped_as_git_skips_them(repo: Repo, tmp_path: Path) -> None:
    feature(repo, ("a.txt", "a\n", "feature: add a"), ("b.txt", "b\n", "feature: add b"))
    upstream(repo, "a.txt", "a\n", "upstream: the same a", fetch=True)
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path)

    assert ours == theirs
    assert subjects(repo, f"origin/main..{REF}") == ["feature: add b"]


def test_a_commit_that_becomes_empty_is_dropped_and_reported(repo: Repo, tmp_path: Path) -> None:
    write(repo.path / "f.txt", "".join(f"{n}\n" for n in "abcdefg"))
    repo.git("add", "f.txt")
    repo.git("commit", "--quiet", "-m", "base: f")
    repo.git("push", "--quiet", "origin", "main")
    feature(repo, ("f.txt", "a\nB\nc\nd\ne\nf\ng\n", "feature: B"), ("g.txt", "g\n", "feature: add g"))
    upstream_changes(repo, {"f.txt": "a\nB\nc\nd\ne\nF\ng\n"}, "upstream: B and F", fetch=True)
    old = rev(repo, f"{BRANCH}~1")
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path)

    assert ours == theirs
    dropped = last_run(repo).found.dropped
    assert [(item.commit, item.reason) for item in dropped] == [(old, "became empty (already upstream)")]


def test_messages_authors_and_an_empty_commit_are_kept_byte_for_byte(repo: Repo, tmp_path: Path) -> None:
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    messages = {
        "hash.txt": "feature: hash lines\n\n#123 is fixed   \n\n\n",
        "bare.txt": "feature: no final newline",
        "crlf.txt": "feature: crlf message\r\n\r\nbody\r\n",
    }
    for name, message in messages.items():
        write(repo.path / name, name)
        repo.git("add", name)
        repo.git("commit", "--quiet", "--cleanup=verbatim", "-m", message, "--author", "Ünïcode Person <u@x.invalid>")
    repo.git("commit", "--quiet", "--allow-empty", "-m", "feature: empty on purpose")
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path)

    assert ours == theirs
    assert len(subjects(repo, f"origin/main..{REF}")) == 5


def test_a_message_in_another_encoding_is_re_encoded_as_git_does(repo: Repo, tmp_path: Path) -> None:
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    (repo.path / "msg").write_bytes("feature: caf\u00e9 au lait\n\nna\u00efve\n".encode("latin-1"))
    write(repo.path / "b.txt", "b\n")
    repo.git("add", "b.txt")
    author = "J\u00e9r\u00f4me <j@x.invalid>"
    repo.git("-c", "i18n.commitEncoding=ISO-8859-1", "commit", "--quiet", "-F", "msg", "--author", author)
    (repo.path / "msg").unlink()
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path)

    assert ours == theirs
    assert b"encoding" not in git(repo.path, "cat-file", "commit", REF).encode()


def test_modes_symlinks_crlf_and_renames_on_both_sides(repo: Repo, tmp_path: Path) -> None:
    commit_changes(repo.path, {"tool.sh": "echo 1\n", "old/name.txt": "one\ntwo\nthree\nfour\n"}, "base: files")
    repo.git("push", "--quiet", "origin", "main")
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    os.chmod(repo.path / "tool.sh", 0o755)
    (repo.path / "link").symlink_to("a.txt")
    write(repo.path / "dos.txt", "one\r\ntwo\r\n")
    repo.git("add", "tool.sh", "link", "dos.txt")
    repo.git("commit", "--quiet", "-m", "feature: mode, link, crlf")
    repo.git("mv", "old/name.txt", "old/renamed.txt")
    repo.git("commit", "--quiet", "-m", "feature: rename")
    upstream_changes(repo, {"old/name.txt": "one\ntwo\nthree\nFOUR\n"}, "upstream: edit the renamed file")
    upstream_changes(repo, {"up.txt": "up\r\n"}, "upstream: crlf", fetch=True)
    repo.git("config", "core.autocrlf", "true")
    os.chdir(repo.path)

    ours, theirs, _ = aligned(repo, tmp_path)

    assert ours == theirs
    assert git(repo.path, "show", f"{REF}:old/renamed.txt") == "one\ntwo\nthree\nFOUR"
    assert git(repo.path, "ls-tree", REF, "tool.sh", "link").split()[::4] == ["120000", "100755"]


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda repo: repo.git("config", "commit.gpgsign", "true"), "commit.gpgsign"),
        (lambda repo: repo.git("config", "notes.rewriteRef", "refs/notes/commits"), "notes.rewriteRef"),
        (lambda repo: repo.git("config", "merge.mine.driver", "true"), "merge driver"),
        (lambda repo: repo.git("config", "i18n.commitEncoding", "ISO-8859-1"), "i18n.commitencoding"),
        (lambda repo: repo.git("config", "merge.renormalize", "true"), "merge.renormalize"),
        (lambda repo: hooks_in(repo, "my-hooks", "post-rewrite"), "a post-rewrite hook"),
    ],
    ids=["gpgsign", "notes", "merge-driver", "encoding", "renormalize", "relative-hooks-path"],
)
def test_config_that_makes_git_differ_sends_the_run_to_disk(repo: Repo, tmp_path: Path, setup, reason: str) -> None:  # type: ignore[no-untyped-def]
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    upstream(repo, "up.txt", "up\n", "upstream: add up", fetch=True)
    repo.git("switch", "--quiet", "main")
    setup(repo)
    os.chdir(repo.path)

    main([BRANCH, "--recipe", steps_recipe(tmp_path, *OFFLINE)])

    journal = last_run(repo)
    assert journal.engine == "disk"
    assert reason in journal.engine_reason


def hooks_in(repo: Repo, folder: str, name: str) -> None:
    """A hook ``name`` in ``folder``, named by a relative ``core.hooksPath`` (git takes it from the top)."""
    hook = repo.path / folder / name
    write(hook, "#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    repo.git("config", "core.hooksPath", folder)
