"""Review of stacked runs (issue 12): the base a stacked branch's own commits start from.

A base recorded in git config (``branch.<name>.alignBase``) that is stale, or that is not a commit's sha
at all, must neither move the parent's commits with the child nor become an option, a revision name or a
report field: the branch gets a base it really sits on, and only its own commits move.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from align.cli import main
from tests.graphing import config_keys, stack
from tests.helpers import Repo
from tests.snapshots import rev, stashes


def own(repo: Repo, branch: str, below: str) -> list[str]:
    """The subjects of ``branch``'s commits above ``below``, oldest first."""
    return [line for line in repo.git("log", "--reverse", "--format=%s", f"{below}..{branch}").splitlines() if line]


def _report(repo: Repo) -> dict[str, Any]:
    runs = sorted((repo.path / ".git" / "align" / "runs").iterdir())
    data: dict[str, Any] = json.loads((runs[-1] / "report.json").read_text())
    return data


def _settled(repo: Repo) -> None:
    """Nothing left behind: main checked out and clean, no rebase, no stash, no journal."""
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert repo.git("status", "--porcelain") == ""
    assert not (repo.path / ".git" / "rebase-merge").exists()
    assert stashes(repo) == []
    assert not (repo.path / ".git" / "align" / "journal.json").exists()


def test_a_child_moved_by_hand_onto_its_parents_newer_commits_keeps_them_below_its_own(in_repo: Repo) -> None:
    stack(in_repo)
    assert main(["track", "b", "--parent", "a"]) == 0
    in_repo.git("switch", "--quiet", "a")
    in_repo.commit("a.txt", "a2\n", "a: a2")
    in_repo.git("switch", "--quiet", "main")
    assert main(["a", "b"]) == 0  # b onto a's a2: its base recorded there
    recorded = rev(in_repo, "a")
    assert config_keys(in_repo)["branch.b.alignbase"] == recorded
    in_repo.git("switch", "--quiet", "a")
    in_repo.commit("a.txt", "a3\n", "a: a3")
    in_repo.git("switch", "--quiet", "b")
    in_repo.git("rebase", "--quiet", "a")  # the user moves b onto a3 with plain git
    in_repo.git("switch", "--quiet", "a")
    in_repo.commit("a.txt", "a4\n", "a: a4")  # a moves on: a3 is below b, a4 is not
    in_repo.git("switch", "--quiet", "main")
    b_before = rev(in_repo, "b")
    assert main(["b"]) == 0  # only b's own commit moves; a3 is a's, not replayed onto a4 (it would conflict)
    assert own(in_repo, "b", "a") == ["b: b.txt"]
    assert in_repo.git("rev-parse", "b~1") == rev(in_repo, "a")
    assert in_repo.git("show", "b:a.txt") == "a4"
    assert config_keys(in_repo)["branch.b.alignbase"] == rev(in_repo, "a")
    assert in_repo.git("rev-parse", "refs/align/backups/b/" + _only_backup(in_repo, "b", after=1)) == b_before
    _settled(in_repo)


def _only_backup(repo: Repo, branch: str, *, after: int) -> str:
    """The name of ``branch``'s newest backup (under refs/align/backups/BRANCH/), ``after`` older ones."""
    names = repo.git("for-each-ref", "--format=%(refname)", f"refs/align/backups/{branch}/").splitlines()
    assert len(names) == after + 1
    return sorted(names)[-1].rpartition("/")[2]


@pytest.mark.parametrize("bogus", ["--all", "main", "HEAD", "b~1", "not a commit", "tag", "tree", "short"])
def test_a_recorded_base_that_is_not_a_commits_sha_is_not_used(
    in_repo: Repo, bogus: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tips = stack(in_repo)
    assert main(["track", "b", "--parent", "a"]) == 0
    value = {
        "tag": lambda: in_repo.git("tag", "-a", "-m", "t", "t1", tips["a"]) or in_repo.git("rev-parse", "t1"),
        "tree": lambda: in_repo.git("rev-parse", "a^{tree}"),
        "short": lambda: tips["a"][:12],
    }.get(bogus, lambda: bogus)()
    in_repo.git("config", "branch.b.alignBase", value)
    in_repo.git("switch", "--quiet", "a")
    in_repo.commit("a2.txt", "a2\n", "a: a2")
    in_repo.git("switch", "--quiet", "main")
    capsys.readouterr()
    assert main(["b"]) == 0  # the base is found as without a record: a's old tip, from its reflog
    assert own(in_repo, "b", "a") == ["b: b.txt"]
    assert config_keys(in_repo)["branch.b.alignbase"] == rev(in_repo, "a")
    report = _report(in_repo)
    assert report["stack"] == {"parent": "a", "parent_source": "declared", "base": tips["a"], "merged_parent": None}
    assert report["engine"]["name"] == "memory"
    _settled(in_repo)


def test_tree_shows_the_base_found_not_a_bogus_record(in_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    tips = stack(in_repo)
    assert main(["track", "b", "--parent", "a"]) == 0
    in_repo.git("config", "branch.b.alignBase", "--all")
    capsys.readouterr()
    assert main(["tree", "--format", "json"]) == 0
    entries = {entry["branch"]: entry for entry in json.loads(capsys.readouterr().out)["branches"]}
    assert entries["b"]["base"]["commit"] == tips["a"]
    assert entries["b"]["base"]["source"] != "recorded"
