"""`align tree` (issue 12): the indented tree and its JSON (checked against schemas/tree.schema.json), the base of a
child whose parent was amended (recorded, else the parent's old tip from its reflog or align's backups), the
working tree a branch is checked out in, the forecast onto the parent; nothing in the repository changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from align.cli import main
from align.git import Git
from align.graph.build import base_of
from align.graph.config import record_base
from align.graph.model import FORK_POINT, MERGE_BASE, RECORDED, Base
from tests.builders import upstream
from tests.graphing import branch_on, by_branch, index_mtime, read_graph, stack, tree_json
from tests.helpers import Repo
from tests.snapshots import out, snapshot

Capture = pytest.CaptureFixture[str]


def short(repo: Repo, rev: str) -> str:
    return repo.git("rev-parse", "--short=12", rev)


def test_the_tree_shows_each_branch_under_its_parent_and_changes_nothing(in_repo: Repo, capsys: Capture) -> None:
    tips = stack(in_repo)
    upstream(in_repo, "a.txt", "a from upstream\n", "upstream: add a.txt", fetch=True)  # a's commit conflicts
    in_repo.git("config", "branch.c.alignParent", "a")
    before = snapshot(in_repo)  # (its `git status` may refresh the index: the mtime is taken after it)
    mtime = index_mtime(in_repo)

    assert main(["tree"]) == 0
    text = out(capsys)
    data = tree_json(capsys)

    assert index_mtime(in_repo) == mtime
    assert snapshot(in_repo) == before
    assert text == "\n".join(
        [
            f"main (origin/main at {short(in_repo, 'origin/main')})",
            "  a: parent main (inferred), 1 ahead, 1 behind main",
            f"      base: {short(in_repo, 'main')} (fork-point)",
            f"      forecast: conflict at {tips['a'][:12]} a: a.txt in a.txt (both added)",
            "    b: parent a (inferred), 1 ahead, 0 behind a",
            f"        base: {tips['a'][:12]} (fork-point)",
            "        forecast: up to date",
            "    c: parent a (declared), 2 ahead, 0 behind a",
            f"        base: {tips['a'][:12]} (fork-point)",
            "        forecast: up to date",
            "",
        ]
    )
    assert data["target"] == "main"
    assert data["onto"] == "origin/main"
    assert data["onto_commit"] == in_repo.git("rev-parse", "origin/main")
    assert [(entry["branch"], entry["depth"]) for entry in data["branches"]] == [("a", 0), ("b", 1), ("c", 1)]
    a = by_branch(data)["a"]
    assert a["forecast"] == {
        "outcome": "conflict",
        "reason": None,
        "engine": "disk",
        "replay": 0,
        "upstream": 0,
        "empty": 0,
        "conflict": {
            "commit": tips["a"],
            "subject": "a: a.txt",
            "position": 1,
            "files": [{"path": "a.txt", "status": "AA", "kind": "both added"}],
        },
    }
    assert (a["ahead"], a["behind"], a["merged"], a["worktree"], a["recorded_base"]) == (1, 1, None, None, None)
    assert by_branch(data)["c"]["parent"] == {
        "name": "a",
        "source": "declared",
        "is_target": False,
        "imported_from": None,
        "ignored": [],
    }


def test_the_tree_names_merged_branches_and_linked_worktrees(in_repo: Repo, capsys: Capture, tmp_path: Path) -> None:
    tips = stack(in_repo)
    in_repo.git("push", "--quiet", "origin", f"{tips['a']}:refs/heads/main")  # a fast-forwarded, then more
    upstream(in_repo, "up.txt", "up\n", "upstream: more", fetch=True)
    linked = tmp_path / "linked"
    in_repo.git("worktree", "add", "--quiet", str(linked), "c")
    os.utime(linked / "c.txt", ns=(1, 1))
    linked_index = in_repo.path / in_repo.git("rev-parse", "--git-path", "worktrees/linked/index")
    before = snapshot(in_repo)  # (its `git status` may refresh the index: the mtimes are taken after it)
    mtime, linked_mtime = index_mtime(in_repo), linked_index.stat().st_mtime_ns

    assert main(["tree"]) == 0
    text = out(capsys)
    data = tree_json(capsys)

    assert (index_mtime(in_repo), linked_index.stat().st_mtime_ns) == (mtime, linked_mtime)
    assert snapshot(in_repo) == before
    assert (linked / "c.txt").stat().st_mtime_ns == 1
    entries = by_branch(data)
    assert entries["a"]["merged"] == {"kind": "ancestor", "upstream": tips["a"]}
    assert (entries["a"]["forecast"]["outcome"], entries["a"]["forecast"]["replay"]) == ("clean", 0)
    assert entries["b"]["parent"]["name"] == "main"  # a is in the target: b sits on the target now
    assert entries["c"]["worktree"] == str(linked)
    assert f"      merged: ancestor in {tips['a'][:12]}\n" in text
    assert f"        worktree: {linked}\n" in text


def test_the_base_of_a_child_survives_its_parent_being_amended(in_repo: Repo, capsys: Capture) -> None:
    tips = stack(in_repo)
    old_a = tips["a"]
    assert main(["track", "b", "--parent", "a"]) == 0  # once a is rewritten, b's history no longer says so
    in_repo.git("switch", "--quiet", "a")
    in_repo.git("commit", "--quiet", "--amend", "-m", "a: amended")
    in_repo.commit("a.txt", "a, amended\n", "a: more")
    in_repo.git("switch", "--quiet", "main")
    git = Git(in_repo.path)
    main_tip = in_repo.git("rev-parse", "main")
    capsys.readouterr()

    # no base recorded: a's old tip is in its reflog (git merge-base --fork-point's answer)
    assert base_of(git, read_graph(in_repo), "b") == Base(sha=old_a, source=FORK_POINT)
    # recorded: kept while b still holds it
    record_base(git, "b", old_a)
    assert base_of(git, read_graph(in_repo), "b") == Base(sha=old_a, source=RECORDED)
    assert in_repo.git("config", "branch.b.alignBase") == old_a
    # a recorded base b no longer holds (b was rebased by hand) is not used
    record_base(git, "b", in_repo.git("rev-parse", "a"))
    assert base_of(git, read_graph(in_repo), "b") == Base(sha=old_a, source=FORK_POINT)
    in_repo.git("config", "--unset", "branch.b.alignBase")
    # no reflog: align's backup of a is its old tip
    in_repo.git("reflog", "expire", "--expire=all", "--all")
    assert base_of(git, read_graph(in_repo), "b") == Base(sha=main_tip, source=MERGE_BASE)
    in_repo.git("update-ref", "refs/align/backups/a/20260101T120000Z", old_a)
    assert base_of(git, read_graph(in_repo), "b") == Base(sha=old_a, source=FORK_POINT)
    assert in_repo.git("rev-list", "--count", f"{old_a}..b") == "1"  # only b's own commit is above it
    capsys.readouterr()
    b = by_branch(tree_json(capsys))["b"]
    assert (b["ahead"], b["own"], b["behind"]) == (2, 1, 2)  # a's old commit is not b's own
    assert b["base"] == {"commit": old_a, "source": "fork-point"}
    assert main(["tree"]) == 0
    assert "  b: parent a (declared), 2 ahead (1 of its own), 2 behind a\n" in out(capsys)


def test_a_repository_without_other_branches_shows_the_target_alone(in_repo: Repo, capsys: Capture) -> None:
    assert main(["tree"]) == 0
    assert out(capsys) == f"main (origin/main at {short(in_repo, 'origin/main')})\n  no other local branch\n"
    assert tree_json(capsys)["branches"] == []


def test_without_the_target_the_tree_is_refused(in_repo: Repo, capsys: Capture) -> None:
    branch_on(in_repo, "a", "main", ("a.txt", "a\n"))
    in_repo.git("update-ref", "-d", "refs/remotes/origin/main")
    before = snapshot(in_repo)

    assert main(["tree"]) == 4

    assert capsys.readouterr().err == (
        "align: error: origin/main does not exist here: the target is needed to place the branches\n"
        "align: hint: `git fetch origin main` first\n"
    )
    assert snapshot(in_repo) == before


def test_a_detached_head_takes_the_target_and_recipe_of_the_first_branch(in_repo: Repo, capsys: Capture) -> None:
    branch_on(in_repo, "a", "main", ("a.txt", "a\n"))
    in_repo.git("switch", "--quiet", "--detach", "main")
    before = snapshot(in_repo)

    assert main(["tree"]) == 0

    text = out(capsys)
    assert text.startswith(f"main (origin/main at {short(in_repo, 'origin/main')})\n")
    assert "  a: parent main (inferred)" in text
    assert snapshot(in_repo) == before


def test_a_detached_head_without_local_branches_has_nothing_to_show(in_repo: Repo, capsys: Capture) -> None:
    in_repo.git("switch", "--quiet", "--detach", "main")
    in_repo.git("branch", "--quiet", "-D", "main")
    before = snapshot(in_repo)

    assert main(["tree"]) == 0

    assert out(capsys) == "no local branch to show\n"
    assert snapshot(in_repo) == before
