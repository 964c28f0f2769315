"""Read the branch graph from git: every local branch, its parent (declared, imported or inferred) and its base.

Each question is asked once for all branches: one ``for-each-ref`` (branches and align's backups), one
``git config --get-regexp`` (align's and git-town's keys), one ``rev-list --parents`` of every branch's
commits that the target does not have (from which parents are inferred and ancestry is answered here).

A parent is, in order of precedence:

- ``declared``: ``branch.<name>.alignParent`` (``align track BRANCH --parent PARENT``);
- ``imported``: ``branch.<name>.alignImportedParent`` (``align track --import machete|git-town``);
- ``inferred``: the nearest local branch whose tip is in the branch's history, is not the target's and is
  not in the target's history (fewest commits between the two tips; a tie goes to the first name); else
  the target. A branch at the same commit is never a parent (two branches at one commit would each be the
  other's), and a choice that would close a cycle with declared or imported parents is not made.

A declared or imported parent that is no longer a local branch (nor the target) is set aside, and
``Parent.ignored`` says so. A cycle among declared and imported parents is refused (exit 4).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from align.git import Git, Ref
from align.graph import config
from align.graph.model import (
    DECLARED,
    FORK_POINT,
    IMPORTED,
    INFERRED,
    MERGE_BASE,
    RECORDED,
    Base,
    Graph,
    Node,
    Parent,
    find_cycle,
    refuse_cycle,
)

HEADS, BACKUPS = "refs/heads/", "refs/align/backups/"
_FULL_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # a commit as align records it (sha1 or sha256)


@dataclass(frozen=True, kw_only=True)
class History:
    """The commits of the local branches (and align's backups) that the target does not have, with parents."""

    parents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    backups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # branch -> its backups' commits
    _reach: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def reach(self, sha: str) -> frozenset[str]:
        """Return the commits reachable from ``sha`` that the target does not have (empty: in the target)."""
        if sha not in self._reach:
            seen: set[str] = set()
            todo = [sha] if sha in self.parents else []
            while todo:
                commit = todo.pop()
                if commit not in seen:
                    seen.add(commit)
                    todo += [parent for parent in self.parents[commit] if parent in self.parents]
            self._reach[sha] = frozenset(seen)
        return self._reach[sha]

    def distance(self, ancestor: str, tip: str) -> int | None:
        """Return how many commits ``tip`` has on top of ``ancestor`` (None: not an ancestor outside the target)."""
        if ancestor not in self.reach(tip):
            return None
        return len(self.reach(tip) - self.reach(ancestor))


@dataclass(frozen=True, kw_only=True)
class Loaded:
    """The graph and what was read to build it (the history, the config keys)."""

    graph: Graph
    history: History
    keys: config.Keys


def load(git: Git, *, target: str, onto: str, onto_sha: str) -> Loaded:
    """Read the graph of every local branch but the target's, whose commits are taken from ``onto``."""
    found = git.refs(HEADS, BACKUPS)
    tips = {name.removeprefix(HEADS): ref for name, ref in found.items() if name.startswith(HEADS)}
    tips.pop(target, None)
    backups = _backups(found, tips)
    keys = config.read(git)
    history = _history(git, [ref.sha for ref in tips.values()] + [sha for shas in backups.values() for sha in shas],
                       onto_sha, backups)  # fmt: skip
    parents = {name: _explicit(name, keys, tips, target) for name in tips}
    refuse_cycle({name: p.name for name, p in parents.items() if p is not None and not p.is_target})
    chosen = {name: parent for name, parent in parents.items() if parent is not None}
    for name in sorted(tips):
        if name not in chosen:
            chosen[name] = _inferred(name, tips, history, chosen, target)
    nodes = {
        name: Node(
            branch=name,
            tip=ref.sha,
            parent=_with_ignored(chosen[name], name, keys, tips, target),
            recorded_base=keys.get(name, config.BASE),
            worktree=ref.worktree,
        )
        for name, ref in sorted(tips.items())
    }
    return Loaded(graph=Graph(target=target, onto=onto, onto_sha=onto_sha, nodes=nodes), history=history, keys=keys)


def _backups(found: Mapping[str, Ref], tips: Mapping[str, Ref]) -> dict[str, tuple[str, ...]]:
    """Return each branch's backup commits (``refs/align/backups/<branch>/<stamp>``)."""
    backups: dict[str, list[str]] = {}
    for name, ref in found.items():
        if name.startswith(BACKUPS):
            branch = name.removeprefix(BACKUPS).rpartition("/")[0]
            if branch in tips:
                backups.setdefault(branch, []).append(ref.sha)
    return {branch: tuple(shas) for branch, shas in backups.items()}


def _history(git: Git, tips: list[str], onto_sha: str, backups: Mapping[str, tuple[str, ...]]) -> History:
    """List, in one ``rev-list``, the commits of ``tips`` that the target does not have, with their parents."""
    unique = sorted(set(tips) - {onto_sha})
    if not unique:
        return History(backups=backups)
    listed = git.run("rev-list", "--parents", *unique, "--not", onto_sha, "--").stdout.splitlines()
    parents = {line.split()[0]: tuple(line.split()[1:]) for line in listed if line}
    return History(parents=parents, backups=backups)


def _explicit(name: str, keys: config.Keys, tips: Mapping[str, Ref], target: str) -> Parent | None:
    """Return the declared parent of ``name``, else its imported one, when it names a branch that exists."""
    for key, source in ((config.PARENT, DECLARED), (config.IMPORTED, IMPORTED)):
        value = keys.get(name, key)
        if value is not None and value != name and (value in tips or value == target):
            origin = keys.get(name, config.IMPORTED_FROM) or "" if source == IMPORTED else ""
            return Parent(name=value, source=source, is_target=value == target, imported_from=origin)
    return None


def _inferred(
    name: str, tips: Mapping[str, Ref], history: History, chosen: Mapping[str, Parent], target: str
) -> Parent:
    """Return the nearest local branch under ``name`` that closes no cycle, else the target."""
    tip = tips[name].sha
    candidates = []
    for other, ref in tips.items():
        distance = history.distance(ref.sha, tip) if other != name and ref.sha != tip else None
        if distance is not None:
            candidates.append((distance, other))
    for _, other in sorted(candidates):
        trial = {key: value.name for key, value in chosen.items() if not value.is_target}
        trial[name] = other
        if find_cycle(trial) is None:
            return Parent(name=other, source=INFERRED)
    return Parent(name=target, source=INFERRED, is_target=True)


def _with_ignored(parent: Parent, name: str, keys: config.Keys, tips: Mapping[str, Ref], target: str) -> Parent:
    """Say which parents set in config were not used, and why."""
    notes = []
    for key, what in ((config.PARENT, "declared"), (config.IMPORTED, "imported")):
        value = keys.get(name, key)
        if value is None or (value == parent.name and what == parent.source):
            continue
        if value == name:
            notes.append(f"{what} parent {value} is the branch itself")
        elif value not in tips and value != target:
            notes.append(f"{what} parent {value} is not a local branch")
        else:
            notes.append(f"{what} parent {value}: the declared one wins")
    return Parent(**{**parent.__dict__, "ignored": tuple(notes)}) if notes else parent


def base_of(git: Git, loaded: Loaded, branch: str) -> Base | None:
    """Return where ``branch``'s own commits start: its recorded base while the branch still contains it,
    else the fork point from its parent; None when branch and parent share no commit.

    The fork point is the newest of the parent's old tips (its tip, the entries of its reflog as ``git
    merge-base --fork-point`` reads them, and align's backups of it) that is in the branch's history, else
    the merge base of branch and parent: a parent rewritten since (amended, rebased) leaves its old tip
    in its reflog and backups, and the branch's own commits are exactly those above it.
    """
    graph, history = loaded.graph, loaded.history
    node = graph.nodes[branch]
    recorded = node.recorded_base
    if recorded and _contains(git, history, recorded, node.tip):
        return _above_recorded(git, loaded, branch, recorded)
    parent_tip = graph.parent_tip(branch)
    candidates = [parent_tip]
    if not node.parent.is_target:
        candidates += history.backups.get(node.parent.name, ())
    fork = git.run("merge-base", "--fork-point", graph.parent_ref(branch), node.tip, ok=(0, 1)).stdout.strip()
    if fork:
        candidates.append(fork)
    near = [(distance, sha) for sha in candidates if (distance := history.distance(sha, node.tip)) is not None]
    if near:
        return Base(sha=min(near)[1], source=FORK_POINT)
    if fork:
        return Base(sha=fork, source=FORK_POINT)
    merge_base = git.run("merge-base", parent_tip, node.tip, ok=(0, 1)).stdout.strip()
    return Base(sha=merge_base, source=MERGE_BASE) if merge_base else None


def _above_recorded(git: Git, loaded: Loaded, branch: str, recorded: str) -> Base:
    """Return the recorded base of ``branch``, or a tip of its parent's above it in the branch's history.

    The branch may have been moved onto its parent's newer commits since align recorded its base (``git
    rebase PARENT`` by hand, another tool): those commits are the parent's, not the branch's own, and must
    not move with it. The parent's commits known for sure are its tip's history (the merge base of parent
    and branch) and align's backups of it; the parent's reflog is not read here (it may hold any commit
    the branch was once reset to), the recorded base is kept over it.
    """
    graph, history = loaded.graph, loaded.history
    node = graph.nodes[branch]
    if recorded not in history.parents or node.parent.is_target:  # in the target: nothing of the parent above it
        return Base(sha=recorded, source=RECORDED)
    parent_tip = graph.parent_tip(branch)
    common = git.run("merge-base", parent_tip, node.tip, ok=(0, 1)).stdout.strip()
    candidates = [(common, MERGE_BASE)] if common else []
    candidates += [(sha, FORK_POINT) for sha in history.backups.get(node.parent.name, ())]
    near = [
        (distance, sha, source)
        for sha, source in candidates
        if sha != recorded
        and recorded in history.reach(sha)
        and (distance := history.distance(sha, node.tip)) is not None
    ]
    if not near:
        return Base(sha=recorded, source=RECORDED)
    _, sha, source = min(near)
    return Base(sha=sha, source=source)


def _contains(git: Git, history: History, ancestor: str, tip: str) -> bool:
    """Tell whether ``ancestor`` (a commit's full sha, as align records it: anything else is not a base) is
    in ``tip``'s history (answered from ``history`` when it can be)."""
    if ancestor == tip or ancestor in history.reach(tip):
        return True
    if ancestor in history.parents or _FULL_SHA.fullmatch(ancestor) is None:  # outside the target, not under tip
        return False
    # A tag's sha would pass for its commit (git peels it): only a commit's own sha is a base.
    peeled = git.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ancestor}^{{commit}}", ok=(0, 1, 128))
    if peeled.stdout.strip() != ancestor:
        return False
    return git.run("merge-base", "--is-ancestor", ancestor, tip, ok=(0, 1, 128)).code == 0


def declared_parents(keys: config.Keys) -> dict[str, str]:
    """Return every declared parent (branch -> parent), as git config holds them."""
    return {branch: value for branch, values in keys.values.items() if (value := values.get(config.PARENT))}
