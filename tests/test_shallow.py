"""Shallow clones, as CI checks out (`fetch-depth: 1`): deepened to the merge base, or refused saying so (issue 10,
item 13). The clones are real `git clone --depth 1 file://...` of a bare origin (a plain path ignores --depth)."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from tests.builders import NOXFILE, trunk_only
from tests.helpers import Repo, git, write
from tests.shallow_helpers import (
    BRANCH,
    DEEPEN,
    OWN,
    REF,
    TRACKING,
    Capture,
    commit,
    is_shallow,
    origin_with_history,
    report,
    shallow_clone,
)
from tests.snapshots import BACKUPS, files, head, out, refs, rev, snapshot, stashes, subjects


def test_a_shallow_clone_without_deepen_is_refused_not_given_bogus_conflicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    origin, _ = origin_with_history(tmp_path / "repos")
    repo = shallow_clone(tmp_path / "repos", origin, monkeypatch)
    tip = rev(repo, REF)
    before = snapshot(repo)

    assert main([BRANCH, "--target", "main"]) == 4

    text = out(capsys)
    assert "shallow clone: feature/x and origin/main have no common commit in the history this clone holds" in text
    assert "git fetch --unshallow origin" in text
    assert "fetch-depth: 0" in text
    assert "fetch: {deepen: true}" in text
    assert "both added" not in text
    assert report(repo)["status"] == "refused"
    assert report(repo)["exit_code"] == 4
    assert rev(repo, REF) == tip
    assert head(repo) == REF
    assert list(refs(repo, BACKUPS).values()) == [tip]  # the backup step had run; the branch never moved
    assert stashes(repo) == []
    assert snapshot(repo).files == before.files
    assert is_shallow(repo)


def test_deepen_fetches_history_until_the_merge_base_and_aligns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    origin, main_tip = origin_with_history(tmp_path / "repos")
    repo = shallow_clone(tmp_path / "repos", origin, monkeypatch)
    tip = rev(repo, REF)
    recipe = write(tmp_path / "recipes" / "deepen.yaml", DEEPEN)

    assert main([BRANCH, "--target", "main", "--recipe", str(recipe)]) == 0

    text = out(capsys)
    assert "shallow clone: no merge base yet; fetching 50 more commit(s) of history (1/7)" in text
    assert "shallow clone: no merge base yet; fetching 100 more commit(s) of history (2/7)" in text
    fetch = next(phase for phase in report(repo)["phases"] if phase["name"] == "fetch")
    assert fetch["detail"] == (
        f"origin/main fetched at {main_tip[:7]} (new here); deepened the shallow clone by 150 commit(s) to reach "
        "the merge base"
    )
    assert "both added" not in text
    assert rev(repo, TRACKING) == main_tip
    assert subjects(repo, f"{TRACKING}..{REF}") == OWN
    assert head(repo) == REF
    assert files(repo)["shared.txt"] == b"shared, changed upstream\n"
    assert files(repo)["f1.txt"] == b"f1\n"
    assert list(refs(repo, BACKUPS).values()) == [tip]
    assert stashes(repo) == []


def test_the_ci_recipe_deepens_a_shallow_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    ran = tmp_path / "ran.txt"
    origin, main_tip = origin_with_history(tmp_path / "repos", noxfile=NOXFILE.format(out=str(ran)))
    repo = shallow_clone(tmp_path / "repos", origin, monkeypatch)

    assert main([BRANCH, "--target", "main", "--recipe", "ci", "--set", "sessions=[good]"]) == 0

    assert "shallow clone: no merge base yet" in out(capsys)
    assert report(repo)["status"] == "aligned"
    assert ran.read_text(encoding="utf-8") == "good"
    assert subjects(repo, f"{main_tip}..{REF}") == OWN
    assert head(repo) == REF


def test_a_shallow_clone_that_holds_the_merge_base_aligns_without_deepening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """`git clone --depth 1` of main, a branch made here, main moved on: the old tip of main is the merge base."""
    base = tmp_path / "repos"
    origin, _ = origin_with_history(base)
    work = base / "work"
    git(base, "clone", "--quiet", "--depth", "1", f"file://{origin}", str(work))
    monkeypatch.chdir(work)
    repo = Repo(path=work, origin=origin)
    repo.git("switch", "--quiet", "-c", "mine")
    commit(work, "mine.txt", "mine\n", "mine: add")
    seed = base / "seed"
    new = commit(seed, "m99.txt", "99\n", "main: 99")
    git(seed, "push", "--quiet", "origin", "main")

    assert main(["mine"]) == 0

    text = out(capsys)
    assert "shallow clone" not in text
    assert rev(repo, TRACKING) == new
    assert subjects(repo, f"{TRACKING}..refs/heads/mine") == ["mine: add"]
    assert is_shallow(repo)


def test_without_a_fetch_a_shallow_clone_with_no_merge_base_is_refused_by_the_rebase_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    origin, _ = origin_with_history(tmp_path / "repos")
    repo = shallow_clone(tmp_path / "repos", origin, monkeypatch)
    repo.git("fetch", "--quiet", "origin", f"+refs/heads/main:{TRACKING}")
    tip = rev(repo, REF)

    assert main([BRANCH, "--target", "main", "--recipe", "offline"]) == 4

    text = out(capsys)
    assert "shallow clone: feature/x and origin/main have no common commit" in text
    assert "both added" not in text
    assert report(repo)["status"] == "refused"
    assert rev(repo, REF) == tip
    assert head(repo) == REF
    assert list(refs(repo, BACKUPS).values()) == [tip]


def test_the_target_of_a_single_branch_shallow_clone_is_asked_from_the_remote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """No origin/HEAD, main or master here: the remote says its HEAD is main, so align does not refuse."""
    origin, main_tip = origin_with_history(tmp_path / "repos")
    repo = shallow_clone(tmp_path / "repos", origin, monkeypatch)
    recipe = write(tmp_path / "recipes" / "deepen.yaml", DEEPEN)

    assert main([BRANCH, "--recipe", str(recipe)]) == 0

    text = out(capsys)
    assert "are all missing" not in text
    assert "align: feature/x onto origin/main (" in text
    assert subjects(repo, f"{main_tip}..{REF}") == OWN


def test_the_target_of_an_offline_single_branch_clone_is_refused_saying_what_the_clone_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    origin, _ = origin_with_history(tmp_path / "repos")
    repo = shallow_clone(tmp_path / "repos", origin, monkeypatch)
    before = snapshot(repo)

    assert main([BRANCH, "--recipe", "offline"]) == 4

    text = out(capsys)
    assert (
        "cannot tell which branch to align onto: this is a shallow single-branch clone, which fetched only "
        "feature/x from origin: it has no origin/HEAD, main or master" in text
    )
    assert "--target NAME" in text
    assert "fetch-depth: 0" in text
    assert "are all missing" not in text
    assert snapshot(repo) == before


def test_a_clone_that_knows_no_remote_head_asks_the_remote_for_it(in_repo: Repo, capsys: Capture) -> None:
    """origin's HEAD is trunk, but this clone has no origin/HEAD, main or master: the remote's answer is used."""
    old = trunk_only(in_repo)

    assert main([BRANCH]) == 0

    assert "align: feature/x onto origin/trunk (" in out(capsys)
    assert subjects(in_repo, f"origin/trunk..{REF}") == ["feature: add a"]
    assert list(refs(in_repo, BACKUPS).values()) == [old]
    assert head(in_repo) == REF


@pytest.mark.parametrize(("recipe", "then"), [("default", "the run refuses"), ("ci", "the fetch step deepens it")])
def test_plan_in_a_shallow_clone_forecasts_no_conflicts_without_a_merge_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture, recipe: str, then: str
) -> None:
    origin, _ = origin_with_history(tmp_path / "repos")
    repo = shallow_clone(tmp_path / "repos", origin, monkeypatch)
    repo.git("fetch", "--quiet", "origin", f"+refs/heads/main:{TRACKING}")
    before = snapshot(repo)

    assert main(["plan", BRANCH, "--target", "main", "--recipe", recipe]) == 0

    text = out(capsys)
    assert (
        f"shallow clone: feature/x and origin/main have no common commit in the history here; {then} "
        "(`git fetch --unshallow origin` fetches the whole history)" in text
    )
    assert "forecast:" not in text  # with the colon: a worktree's path may hold the word
    assert snapshot(repo) == before
