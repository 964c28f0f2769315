"""The checks before a run starts: every refusal (exit 4) and usage error (exit 2) found before anything moves."""

from __future__ import annotations

from align.errors import Refusal
from align.git import Git
from align.plan import Plan, onto_commit, operation_in_progress, refuse_unmovable
from align.recipe import model
from align.state import Store


def refuse_unsafe(git: Git, store: Store, plan: Plan) -> None:
    """Refuse (exit 4, nothing touched) a run that cannot start safely."""
    journal = store.journal()
    if journal is not None:
        raise Refusal(
            f"an align run on {journal.branch!r} is {journal.status} (run {journal.run_id}, step {journal.step})",
            hint="finish it first: `align continue`, `align skip` or `align abort` (`align status` shows it)",
        )
    refuse_unmovable(git, plan.location, plan.ref, need_clean=False)  # align stashes what it must
    operation = operation_in_progress(plan.location.git_dir)
    if operation is not None:
        raise Refusal(
            f"{operation} is in progress that align did not start; align leaves it alone",
            hint="finish or abort it with git first (`git status` says how), then run align again",
        )
    fetch = plan.recipe.step("fetch")
    if isinstance(fetch, model.Fetch) and not fetch.offline:
        from align.steps.fetch import check_remote

        check_remote(git, plan.remote)
    rebase = plan.recipe.step("rebase")
    if isinstance(rebase, model.Rebase) and rebase.strategy == "rebase" and not rebase.rebase_merges:
        from align.steps.rebase import refuse_flattening

        onto = onto_commit(git, plan.onto)  # as last fetched; the rebase step checks again after the fetch
        if onto is not None:
            merges = git.run("rev-list", "--count", "--min-parents=2", f"{onto}..{plan.tip}", "--").stdout
            refuse_flattening(plan.branch, int(merges.strip() or 0), plan.onto)
    if rebase is not None and rebase.dirty == "refuse" and git.changes():  # type: ignore[union-attr]
        raise Refusal(
            "the working tree has uncommitted changes and the recipe says `dirty: refuse`",
            hint="commit or stash them first (`git stash push --include-untracked`), or use `dirty: stash`",
        )
    validate = plan.recipe.step("validate")
    if isinstance(validate, model.Validate):
        from align.steps.validate import preflight

        preflight(plan.location.root, validate)  # unknown sessions, no noxfile: exit 2 before anything moves
