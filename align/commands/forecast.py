"""What a run would do: ``align plan`` prints it (text or JSON), and ``align run --dry-run`` for each branch.

The forecast is exact: the branch's commits are replayed onto the target by the in-memory engine
(``align.replay``, git's own merge, one pick at a time), which writes objects only, never a ref, the index
or the working tree. It says whether the rebase is up to date, clean or stops at a conflict, and then at
which commit with which files. A history the engine cannot replay as git would gets no forecast
(``unknown``, with the reason).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from align.context import Context
from align.git import Git
from align.graph.model import read_stepped_over
from align.journal import Journal
from align.monitor import Monitor
from align.outputs import Reports
from align.plan import Plan, onto_commit
from align.recipe.model import Fetch, OnConflict, Rebase
from align.replay import (
    MEMORY_VERSION,
    Conflicted,
    Original,
    Unsupported,
    as_git_labels,
    commits,
    committer_ident,
    conflicts,
    replay,
)
from align.shallow import is_shallow
from align.state import Store
from align.steps import conflict, memory

UP_TO_DATE, CLEAN, CONFLICT, UNKNOWN = "up_to_date", "clean", "conflict", "unknown"
_SHA = re.compile(r"\b[0-9a-f]{40}(?:[0-9a-f]{24})?\b")


@dataclass(frozen=True, kw_only=True)
class Commit:
    """A commit of the branch, as the forecast names it."""

    sha: str
    subject: str


@dataclass(frozen=True, kw_only=True)
class Stop:
    """Where the rebase stops: the first conflicting commit (none for a merge) and its conflicted files."""

    commit: Commit | None  # None: the recipe merges the target in (strategy: merge)
    position: int  # 1-based among the commits the rebase picks (0 for a merge)
    files: tuple[tuple[str, str], ...]  # (path, git status's two letters)
    messages: tuple[str, ...]  # git's CONFLICT lines

    def described(self) -> str:
        """Return ``README.md (both modified), a.txt (deleted by us)``."""
        return ", ".join(f"{path} ({conflict.KINDS.get(code, code)})" for path, code in self.files)

    def as_json(self) -> dict[str, object]:
        """Return the stop as the JSON plan and the JSON tree give it (``plan`` adds git's messages)."""
        return {
            "commit": None if self.commit is None else self.commit.sha,
            "subject": None if self.commit is None else self.commit.subject,
            "position": self.position or None,
            "files": [
                {"path": path, "status": code, "kind": conflict.KINDS.get(code, code)} for path, code in self.files
            ],
        }


@dataclass(frozen=True, kw_only=True)
class Forecast:
    """What a run of ``plan`` would find: its target, its engine and the outcome of its rebase."""

    plan: Plan
    onto_commit: str | None  # None: the target does not exist here
    refreshed: bool  # the recipe's fetch step refreshes the target before the rebase
    last_fetched: str  # `` (2 hours ago)`` from the target's reflog; "" without one
    strategy: str
    behind: int = 0
    ahead: int = 0
    merges: int = 0
    outcome: str = UNKNOWN
    reason: str = ""  # why there is no forecast (outcome unknown)
    shallow: bool = False  # no common commit in the history this shallow clone holds
    engine: str = ""  # memory | disk; "" when the rebase has nothing to do or no forecast was made
    engine_reason: str = ""  # why disk
    replay: tuple[Commit, ...] = ()  # picked (before the conflict, for a conflict)
    upstream: tuple[Commit, ...] = ()  # skipped: their patch is upstream already
    empty: tuple[Commit, ...] = ()  # dropped: they become empty
    not_reached: tuple[Commit, ...] = ()  # after the conflicting commit
    stop: Stop | None = None
    fetched: str = ""  # what ``--fetch`` did to the target, when it was given
    warnings: tuple[str, ...] = ()
    new_tip: str = ""  # a clean rebase: the tip the replay wrote (an object only, no ref points at it)
    after_parent: str = ""  # its parent is aligned first in the same run: how that changes this forecast


def context_of(git: Git, plan: Plan, *, onto: str = "", base: str = "") -> Context:
    """Return a step context for ``plan`` whose journal is never saved: what a run would start with."""
    journal = Journal(run=plan.record(started=time.time(), reports=Reports()), onto_sha=onto, base=base)
    return Context(
        git=git,
        store=Store(plan.location.common_dir),
        journal=journal,
        recipe_steps=plan.recipe.steps,
        monitor=Monitor(len(plan.recipe.steps)),
    )


def forecasts(plans: Sequence[Plan], fetched: Mapping[tuple[str, str], tuple[str, tuple[str, ...]]]) -> list[Forecast]:
    """Return the forecast of each plan of one run, in the run's order (parents first).

    A child whose parent is aligned first by the same run goes onto the parent's new tip, not the one it
    sits on now: it is forecast onto the tip the parent's own forecast replayed, and has no exact forecast
    when the parent's has none (the parent stops at a conflict, is merged, or cannot be replayed).
    ``fetched``: what ``--fetch`` did, by (remote, target).
    """
    found: list[Forecast] = []
    by_branch: dict[str, Forecast] = {}
    for plan in plans:
        detail, warnings = fetched.get((plan.remote, plan.target), ("", ()))
        git = Git.at(plan.location)
        parent = by_branch.get(plan.parent) if plan.parent else None
        if parent is None or parent.outcome == UP_TO_DATE:  # its parent stays where it is
            item = forecast(git, plan, fetched=detail, warnings=warnings)
        elif parent.new_tip:
            item = forecast(git, plan, fetched=detail, warnings=warnings, onto_sha=parent.new_tip)
            note = f"{plan.parent} is aligned first in this run: forecast onto the tip its forecast replays"
            item = replace(item, after_parent=note)
        else:
            item = _after_unknown(forecast(git, plan, fetched=detail, warnings=warnings), parent)
        by_branch[plan.branch] = item
        found.append(item)
    return found


def _after_unknown(found: Forecast, parent: Forecast) -> Forecast:
    """Return ``found`` with no exact forecast: its parent, aligned first, has no new tip known in advance."""
    name = parent.plan.branch
    if parent.outcome == CONFLICT:
        why = "stops at a conflict: its new tip is known once the conflict is resolved (or it is rolled back)"
    elif parent.outcome == CLEAN:
        why = "merges the target in: its new tip is a merge commit made by the run"
    else:
        why = "has no exact forecast"
    return replace(
        found,
        outcome=UNKNOWN,
        reason=f"its parent {name} is aligned first in this run and {why}",
        after_parent=f"{name} is aligned first in this run",
        engine="",
        engine_reason="",
        replay=(),
        upstream=(),
        empty=(),
        not_reached=(),
        stop=None,
        new_tip="",
    )


def forecast(
    git: Git, plan: Plan, *, fetched: str = "", warnings: tuple[str, ...] = (), onto_sha: str = ""
) -> Forecast:
    """Return what a run of ``plan`` would do to the branch, replaying it in memory; nothing moves.

    ``onto_sha``: align onto this commit rather than ``plan.onto``'s tip (a parent's forecast tip).
    """
    step = context_of(git, plan).options(Rebase)
    onto = onto_sha or onto_commit(git, plan.onto_ref)
    found = Forecast(
        plan=plan,
        onto_commit=onto,
        refreshed=refreshes(plan),
        last_fetched=fetched_when(git, plan) if onto is not None else "",
        strategy=step.strategy,
        fetched=fetched,
        warnings=warnings,
    )
    if onto is None:
        return replace(found, reason=f"{plan.onto} does not exist here")
    behind, ahead, merges, base = git.counts(onto, plan.tip, plan.upstream)
    found = replace(found, behind=behind, ahead=ahead, merges=merges)
    if base is None:
        shallow = is_shallow(plan.location.common_dir)
        where = " in the history this shallow clone holds" if shallow else ""
        return replace(found, shallow=shallow, reason=f"{plan.branch} and {plan.onto} have no common commit{where}")
    if behind == 0:
        return replace(found, outcome=UP_TO_DATE)
    context = context_of(git, plan, onto=onto, base=base)
    why = memory.why_disk(context, step, merges=merges)
    found = replace(found, engine="disk" if why else "memory", engine_reason=why or "")
    if step.strategy == "merge":
        return _merged(git, found, onto)
    if merges:
        refused = "" if step.rebase_merges else "; the run refuses to flatten them (`rebase_merges: true` keeps them)"
        return replace(found, reason=f"{plan.branch} has {merges} merge commit(s) since {plan.onto}{refused}")
    if git.version()[:2] < MEMORY_VERSION:
        return replace(found, reason="git 2.38 or newer is needed (`merge-tree --write-tree`)")
    try:
        originals, trees = commits(git, onto, plan.tip, base, upstream=plan.upstream)
        result = replay(git, onto, originals, trees, committer=committer_ident(git))
    except Unsupported as error:
        return replace(found, reason=str(error))
    named = {item.sha: Commit(sha=item.sha, subject=item.subject) for item in originals}
    done = result.before if isinstance(result, Conflicted) else result
    found = replace(
        found,
        outcome=CONFLICT if isinstance(result, Conflicted) else CLEAN,
        replay=tuple(named[old] for old, _ in done.rewritten),
        upstream=tuple(named[item.sha] for item in done.left if item.reason == "already upstream"),
        empty=tuple(named[item.sha] for item in done.left if item.reason != "already upstream"),
    )
    if isinstance(result, Conflicted):
        return _conflicted(found, context, step, as_git_labels(git, result), originals)
    return replace(found, new_tip=result.tip)


def _conflicted(
    found: Forecast, context: Context, step: Rebase, result: Conflicted, originals: list[Original]
) -> Forecast:
    """Name the conflicting commit and its files; say which engine meets it."""
    position = next(index for index, item in enumerate(originals, 1) if item.sha == result.commit)
    stop = Stop(
        commit=Commit(sha=result.commit, subject=result.subject),
        position=position,
        files=result.files,
        messages=result.messages,
    )
    rest = tuple(Commit(sha=item.sha, subject=item.subject) for item in originals[position:])
    found = replace(found, stop=stop, not_reached=rest)
    if found.engine != "memory":
        return found
    where = f"{result.commit[:12]} {result.subject}"
    if step.rerere and conflict.has_resolutions(context.git):
        stays = f"engine: memory cannot use rerere's recorded resolutions at {where}"
        moves = f"rerere has recorded resolutions: git's rebase may resolve the conflict at {where}"
    elif context.options(OnConflict).action != "abort":
        stays = f"engine: memory cannot pause at the conflict at {where}"
        moves = f"a conflict at {where} is resolved in the working tree"
    else:
        return found
    if step.engine == "memory":
        return replace(found, engine="memory", engine_reason=f"the run refuses: {stays}")
    return replace(found, engine="disk", engine_reason=moves)


def _merged(git: Git, found: Forecast, onto: str) -> Forecast:
    """Forecast the merge of the target into the branch (``strategy: merge``): one merge, git's own."""
    if git.version()[:2] < MEMORY_VERSION:
        return replace(found, reason="git 2.38 or newer is needed (`merge-tree --write-tree`)")
    merged = git.run("merge-tree", "--write-tree", "-z", found.plan.tip, onto, ok=(0, 1))
    if merged.code == 0:
        return replace(found, outcome=CLEAN)
    files, messages = conflicts(merged.stdout)
    labels = {found.plan.tip: "HEAD", onto: found.plan.onto}  # as `git merge ONTO` on the branch names them

    def relabel(text: str) -> str:
        return _SHA.sub(lambda match: labels.get(match.group(0), match.group(0)), text)

    stop = Stop(
        commit=None,
        position=0,
        files=tuple((relabel(path), code) for path, code in files),
        messages=tuple(relabel(message) for message in messages),
    )
    return replace(found, outcome=CONFLICT, stop=stop)


def text(found: Forecast) -> str:
    """Return a forecast as the lines ``align plan`` prints."""
    plan = found.plan
    lines = [
        f"plan: align {plan.branch} onto {plan.onto} (recipe {plan.recipe.name}: {plan.recipe.source})",
        *([f"recipe: {plan.recipe.why}"] if plan.recipe.why else []),
        "steps: " + " -> ".join(step.kind for step in plan.recipe.steps),
    ]
    when = found.last_fetched
    if plan.parent:
        lines.append(f"{plan.parent} is a local branch (its parent): the run aligns onto it as it is then")
    elif found.refreshed:
        lines.append(f"the target is taken as last fetched{when}; the fetch step refreshes it first")
    else:
        lines.append(f"this recipe does not refresh {plan.onto}: the run aligns onto it as last fetched{when}")
    if found.fetched:
        lines.append(f"fetched: {found.fetched}")
    lines += [f"warning: {warning}" for warning in found.warnings]
    if found.onto_commit is None:
        if found.refreshed:
            lines.append(f"{plan.onto} does not exist yet here; the fetch step will create it")
        else:
            lines.append(
                f"{plan.onto} does not exist here, so the run would refuse: "
                f"`git fetch {plan.remote} {plan.target}` first, or use a recipe that fetches"
            )
        return "\n".join(lines)
    lines.append(f"onto: {plan.onto} at {found.onto_commit[:12]}")
    if plan.parent:
        lines.append(f"stacked on {plan.parent} ({plan.parent_source}): its own commits from {plan.upstream[:12]} move")
    if found.after_parent:
        lines.append(found.after_parent)
    elif (merged := read_stepped_over(plan.parent_merged)) is not None:
        parent, how = merged
        lines.append(
            f"its parent {parent} is in the target ({how.kind}): its own commits from {plan.upstream[:12]} move"
        )
    if found.shallow:
        step = plan.recipe.find(Fetch)
        deepens = step is not None and step.deepen and found.refreshed
        then = "the fetch step deepens it" if deepens else "the run refuses"
        lines.append(
            f"shallow clone: {plan.branch} and {plan.onto} have no common commit in the history here; {then} "
            f"(`git fetch --unshallow {plan.remote}` fetches the whole history)"
        )
        return "\n".join(lines)
    lines.append(f"{plan.branch}: {found.ahead} commit(s) of its own, {found.behind} new commit(s) on {plan.onto}")
    if found.merges:
        lines.append(f"{found.merges} merge commit(s) on the branch")
    if found.outcome == UP_TO_DATE:
        later = "; the run fetches first and aligns onto any new commits it finds" if found.refreshed else ""
        lines.append(f"already up to date with {plan.onto} as last fetched{later}")
        return "\n".join(lines)
    if found.engine:
        here = plan.location.head_ref == f"refs/heads/{plan.branch}"
        untouched = " (the working tree follows in one checkout)" if here else " (the working tree is not touched)"
        why = f": {found.engine_reason}" if found.engine_reason else untouched
        lines.append(f"engine: {found.engine}{why}")
    return "\n".join(lines + _outcome(found))


def _outcome(found: Forecast) -> list[str]:
    """Return the forecast's own lines: clean (with what is left out), a conflict, or why there is none."""
    if found.outcome == UNKNOWN:
        return [f"forecast: none exact: {found.reason}"]
    counts = f"{len(found.replay)} commit(s) to replay, {len(found.upstream)} already upstream (skipped)"
    if found.empty:
        counts += f", {len(found.empty)} would become empty (dropped)"
    left = [f"  skipped: {item.sha[:12]} {item.subject} (already upstream)" for item in found.upstream]
    left += [f"  dropped: {item.sha[:12]} {item.subject} (becomes empty)" for item in found.empty]
    if found.outcome == CLEAN:
        if found.strategy == "merge":
            return ["forecast: no conflict expected (the merge of the target is clean)"]
        return [f"forecast: no conflict expected: {counts}", *left]
    stop = found.stop
    assert stop is not None  # a conflict always has its stop
    files = stop.described()
    if stop.commit is None:
        lines = [f"forecast: conflicts expected in {files} when {found.plan.onto} is merged in"]
    else:
        total = stop.position + len(found.not_reached)
        lines = [
            f"forecast: conflicts expected in {files} at commit {stop.position} of {total}: "
            f"{stop.commit.sha[:12]} {stop.commit.subject}",
            f"  before it: {counts}",
            *left,
        ]
    return lines + [f"  {message}" for message in stop.messages]


def refreshes(plan: Plan) -> bool:
    """Tell whether the recipe's fetch step refreshes what the run aligns onto before it is used."""
    step = plan.recipe.find(Fetch)
    fetched = (f"{plan.remote}/{plan.target}", f"refs/remotes/{plan.remote}/{plan.target}")
    return step is not None and not step.offline and plan.onto in fetched


def fetched_when(git: Git, plan: Plan) -> str:
    """Return when the target was last fetched, `` (2 hours ago)``, from its reflog; "" without one."""
    ref = f"refs/remotes/{plan.remote}/{plan.target}"
    if plan.onto not in (ref, ref.removeprefix("refs/remotes/")):
        return ""
    result = git.run("log", "-g", "-n1", "--date=relative", "--format=%gd", ref, "--", ok=(0, 128))
    line = result.stdout.strip()
    return f" ({line.partition('@{')[2].removesuffix('}')})" if "@{" in line else ""
