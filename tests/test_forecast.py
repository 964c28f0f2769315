"""``align plan``'s exact forecast (issue 11): for every kind of conflict, the forecast names the commit and the
files git's own rebase then stops at; a clean forecast is a run that aligns; nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from tests.builders import Kind, conflict, diverge, moved_upstream, three_commits
from tests.forecasting import files_of, git_rebase, only_plan, said, subjects
from tests.helpers import BRANCH, REF, Repo, git
from tests.snapshots import out, rev, snapshot

Capture = pytest.CaptureFixture[str]
KINDS: list[Kind] = ["content", "added", "deleted upstream", "deleted here", "renamed here", "directory here"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_forecast_names_the_commit_and_files_git_stops_at(
    in_repo: Repo, tmp_path: Path, capsys: Capture, kind: Kind
) -> None:
    built = conflict(in_repo, {"f.txt": kind})
    before = snapshot(in_repo)

    entry = only_plan(capsys, BRANCH)

    assert snapshot(in_repo) == before
    assert entry["outcome"] == "conflict"
    assert entry["conflict"]["commit"] == built.tip
    assert entry["conflict"]["subject"] == "feature: conflict"
    assert entry["conflict"]["position"] == 1
    assert any(message.startswith("CONFLICT") for message in entry["conflict"]["messages"])
    code, stopped, unmerged = git_rebase(in_repo, tmp_path)
    assert code != 0
    assert stopped == built.tip
    assert files_of(entry) == unmerged
    assert unmerged
    assert entry["conflict"]["messages"] == said


def test_a_directory_upstream_where_the_branch_edits_a_file(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    in_repo.commit("f.txt", "a file\n", "base: f")
    in_repo.git("push", "--quiet", "origin", "main")
    theirs = ({"f.txt": None, "f.txt/inside.txt": "x\n"}, "upstream: f is a directory")
    built = diverge(in_repo, [("f.txt", "a file, edited\n", "feature: edit f")], [theirs])
    before = snapshot(in_repo)

    entry = only_plan(capsys, BRANCH)

    assert snapshot(in_repo) == before
    short = in_repo.git("rev-parse", "--short", built.tip)
    assert git_rebase(in_repo, tmp_path) == (1, built.tip, {f"f.txt~{short} (feature: edit f)": "DU"})
    assert files_of(entry) == {f"f.txt~{short} (feature: edit f)": "DU"}
    assert entry["conflict"]["messages"] == said


def test_a_binary_conflict_is_forecast(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    in_repo.commit("logo.bin", "\0base\0", "base: the logo")
    in_repo.git("push", "--quiet", "origin", "main")
    built = diverge(in_repo, [("logo.bin", "\0feature\0", "feature: logo")], [("logo.bin", "\0upstream\0", "up")])
    before = snapshot(in_repo)

    entry = only_plan(capsys, BRANCH)

    assert snapshot(in_repo) == before
    assert entry["conflict"]["commit"] == built.tip
    assert entry["conflict"]["files"] == [{"path": "logo.bin", "status": "UU", "kind": "both modified"}]
    assert git_rebase(in_repo, tmp_path) == (1, built.tip, {"logo.bin": "UU"})


def test_a_conflict_at_the_second_of_three_commits(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    built = conflict(in_repo, before=[("a.txt", "a\n", "feature: add a")], after=[("c.txt", "c\n", "feature: add c")])
    before = snapshot(in_repo)

    entry = only_plan(capsys, BRANCH)
    assert main(["plan", BRANCH]) == 0
    text = out(capsys)

    assert snapshot(in_repo) == before
    assert entry["outcome"] == "conflict"
    assert (entry["ahead"], entry["behind"], entry["merges"]) == (3, 1, 0)
    assert entry["conflict"]["commit"] == built.commits[1]
    assert entry["conflict"]["position"] == 2
    assert subjects(entry["commits"]["replay"]) == ["feature: add a"]
    assert entry["commits"]["upstream"] == entry["commits"]["empty"] == []
    assert entry["commits"]["not_reached"] == [{"commit": built.commits[2], "subject": "feature: add c"}]
    assert git_rebase(in_repo, tmp_path) == (1, built.commits[1], {"README.md": "UU"})
    assert (
        f"forecast: conflicts expected in README.md (both modified) at commit 2 of 3: {built.commits[1][:12]} "
        "feature: conflict\n  before it: 1 commit(s) to replay, 0 already upstream (skipped)\n"
        "  CONFLICT (content): Merge conflict in README.md\n" in text
    )


def test_already_upstream_and_emptied_commits_are_counted(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    mine = [
        ("a.txt", "a\n", "feature: add a"),  # the same patch upstream: skipped
        ("b.txt", "b\n", "feature: add b"),
        ("e.txt", "e\n", "feature: add e"),  # upstream adds e.txt with another file: becomes empty
    ]
    theirs = [("a.txt", "a\n", "upstream: add a"), ({"e.txt": "e\n", "u.txt": "u\n"}, "upstream: add e and u")]
    built = diverge(in_repo, mine, theirs)
    before = snapshot(in_repo)

    entry = only_plan(capsys, BRANCH)
    assert main(["plan", BRANCH]) == 0
    text = out(capsys)

    assert snapshot(in_repo) == before
    assert entry["outcome"] == "clean"
    assert entry["conflict"] is None
    assert entry["commits"] == {
        "replay": [{"commit": built.commits[1], "subject": "feature: add b"}],
        "upstream": [{"commit": built.commits[0], "subject": "feature: add a"}],
        "empty": [{"commit": built.commits[2], "subject": "feature: add e"}],
        "not_reached": [],
    }
    assert "forecast: no conflict expected: 1 commit(s) to replay, 1 already upstream (skipped), " in text
    assert f"  skipped: {built.commits[0][:12]} feature: add a (already upstream)" in text
    assert f"  dropped: {built.commits[2][:12]} feature: add e (becomes empty)" in text
    code, stopped, unmerged = git_rebase(in_repo, tmp_path)
    assert (code, stopped, unmerged) == (0, "", {})
    copy = tmp_path / "copy-of-repo"
    assert _subjects(copy, f"origin/main..{BRANCH}") == ["feature: add b"]
    # and a real run aligns it, with no conflict, to the same commits
    assert main([BRANCH]) == 0
    assert _subjects(in_repo.path, f"origin/main..{BRANCH}") == ["feature: add b"]
    assert in_repo.git("rev-parse", f"{REF}^{{tree}}") == git(copy, "rev-parse", f"{REF}^{{tree}}")


def test_a_clean_forecast_is_a_run_that_aligns(in_repo: Repo, capsys: Capture) -> None:
    tips = three_commits(in_repo)
    in_repo.git("switch", "--quiet", "main")
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    before = snapshot(in_repo)

    entry = only_plan(capsys, BRANCH)

    assert snapshot(in_repo) == before
    assert entry["outcome"] == "clean"
    assert entry["engine"] == {"name": "memory", "reason": None}
    assert entry["onto_commit"] == rev(in_repo, "origin/main")
    assert entry["tip"] == tips[-1]
    assert [item["commit"] for item in entry["commits"]["replay"]] == tips
    assert main([BRANCH]) == 0
    assert _subjects(in_repo.path, f"origin/main..{BRANCH}") == ["feature: add a", "feature: add b", "feature: add c"]


def test_up_to_date(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    before = snapshot(in_repo)

    entry = only_plan(capsys, BRANCH)

    assert snapshot(in_repo) == before
    assert (entry["outcome"], entry["engine"], entry["conflict"], entry["reason"]) == ("up_to_date", None, None, None)
    assert (entry["ahead"], entry["behind"]) == (3, 0)
    assert entry["commits"] == {"replay": [], "upstream": [], "empty": [], "not_reached": []}


def _subjects(cwd: Path, revs: str) -> list[str]:
    return git(cwd, "log", "--reverse", "--format=%s", revs).splitlines()
