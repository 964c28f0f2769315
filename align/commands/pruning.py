"""``prune_merged: true`` at the end of a command: which branches of its runs to judge (``align.graph.prune``)."""

from __future__ import annotations

import sys

from align.batch import Batch
from align.errors import Refusal
from align.git import Git
from align.graph.model import read_stepped_over
from align.graph.prune import lines, prune
from align.plan import Plan
from align.recipe.model import Rebase
from align.state import Store
from align.status import RunStatus


def prune_merged(plans: list[Plan], saved: Batch | None, not_aligned: dict[str, RunStatus]) -> None:
    """``prune_merged: true``: delete the branches of the run (aligned ones, merged parents stepped over) that
    are merged into the target (``align.graph.prune``), under the repository's lock."""
    first = plans[0]
    step = first.recipe.find(Rebase)
    if step is None or not step.prune_merged:
        return
    tips = {plan.run_id: plan.tip for plan in plans}
    store, names = Store(first.location.common_dir), dict[str, str]()
    for entry in saved.entries if saved is not None else plans:
        if (merged := read_stepped_over(entry.parent_merged)) is not None:  # the parent its run stepped over
            names.setdefault(merged[0], "")
        if entry.branch not in not_aligned:
            names[entry.branch] = tips.get(entry.run_id) or _original_tip(store, entry.run_id)
    try:
        with store.lock("prune merged branches"):
            why = f"align prune_merged after run {first.run_id}"
            done = prune(Git.at(first.location), target=first.target, onto=step.onto, branches=names, why=why)
    except Refusal as busy:  # another run took the lock between two of this command's: the runs stand
        print(f"not pruned: {busy.one_line()}; the next run prunes what is merged", file=sys.stderr)
        return
    for line in lines(done):
        print(line)


def _original_tip(store: Store, run_id: str) -> str:
    """Return the tip a past run started from ("" when its journal is gone)."""
    journal = store.past_journal(run_id)
    return journal.run.original_tip if journal is not None else ""
