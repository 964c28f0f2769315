"""Issue 11, speed: verify's ``contains_target`` and ``linear`` share one git question (``rev-list --left-right
--parents``), and still fail exactly when they should, with the same words."""

from __future__ import annotations

import pytest

from align.context import Context
from align.git import Git
from align.journal import Journal
from align.monitor import Monitor
from align.recipe import model
from align.state import Store
from align.steps.verify import CHECKS
from tests.builders import feature, moved_upstream
from tests.helpers import BRANCH, Repo, run_record
from tests.snapshots import rev

pytestmark = pytest.mark.usefixtures("in_repo")


def _context(repo: Repo, onto: str, new_tip: str, *steps: model.Step) -> Context:
    journal = Journal(run=run_record(original_head="refs/heads/main"), pid=1, onto_sha=onto, new_tip=new_tip)
    git_dir = repo.path / ".git"
    return Context(
        git=Git(repo.path),
        store=Store(git_dir),
        journal=journal,
        recipe_steps=steps,
        monitor=Monitor(1),
    )


def _verdicts(context: Context) -> tuple[str | None, str | None]:
    verify = model.default_step("verify")
    assert isinstance(verify, model.Verify)
    return _text(CHECKS["contains_target"](context, verify)), _text(CHECKS["linear"](context, verify))


def _text(verdict: object) -> str | None:
    assert verdict is None or isinstance(verdict, str)
    return verdict


def test_a_linear_branch_on_the_target_passes_both_with_one_git_process(in_repo: Repo) -> None:
    feature(in_repo, ("a.txt", "a\n", "feature: add a"), ("b.txt", "b\n", "feature: add b"))
    context = _context(in_repo, rev(in_repo, "main"), rev(in_repo, BRANCH))

    assert _verdicts(context) == (None, None)
    assert context.git.stats.calls == 1


def test_a_new_tip_without_the_target_fails_contains_target(in_repo: Repo) -> None:
    [tip] = feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    onto = rev(in_repo, "origin/main")

    contains, linear = _verdicts(_context(in_repo, onto, tip))

    assert contains == f"origin/main ({onto[:12]}) is not in the new branch"
    assert linear is None


def test_merge_commits_on_top_of_the_target_fail_linear_and_are_counted(in_repo: Repo) -> None:
    onto = rev(in_repo, "main")
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    in_repo.git("switch", "--quiet", "-c", "side", "main")
    in_repo.commit("s.txt", "s\n", "side: add s")
    for name in ("one", "two"):
        in_repo.git("switch", "--quiet", BRANCH)
        in_repo.git("merge", "--quiet", "--no-ff", "-m", f"merge {name}", "side")
        in_repo.git("switch", "--quiet", "side")
        in_repo.commit(f"{name}.txt", f"{name}\n", f"side: add {name}")
    context = _context(in_repo, onto, rev(in_repo, BRANCH))

    assert _verdicts(context) == (None, "2 merge commit(s) between origin/main and the new tip")


def test_linear_is_not_asked_when_merges_are_kept(in_repo: Repo) -> None:
    feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    kept = model.Rebase(**{**model.default_step("rebase").__dict__, "rebase_merges": True})
    context = _context(in_repo, rev(in_repo, "main"), rev(in_repo, BRANCH), kept)
    verify = model.default_step("verify")
    assert isinstance(verify, model.Verify)

    assert CHECKS["linear"](context, verify) is None
    assert context.git.stats.calls == 0
