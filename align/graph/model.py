"""The branch graph as values: each branch's parent and where that parent came from, and the orders a run needs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from align.errors import Refusal

DECLARED, IMPORTED, INFERRED = "declared", "imported", "inferred"
RECORDED, FORK_POINT, MERGE_BASE = "recorded", "fork-point", "merge-base"
ANCESTOR, REBASE, SQUASH = "ancestor", "rebase", "squash"


@dataclass(frozen=True, kw_only=True)
class Parent:
    """The branch a branch sits on: another local branch, or the target (``is_target``)."""

    name: str  # a local branch, or the target's name (``main``)
    source: str  # declared | imported | inferred
    is_target: bool = False
    imported_from: str = ""  # machete | git-town, for an imported parent
    ignored: tuple[str, ...] = ()  # what was set but not used, and why ("imported feature/a: declared wins")


@dataclass(frozen=True, kw_only=True)
class Base:
    """The commit a branch's own commits start from: the rebase's ``--onto NEW BASE`` upstream."""

    sha: str
    source: str  # recorded (branch.<name>.alignBase) | fork-point | merge-base


@dataclass(frozen=True, kw_only=True)
class Merged:
    """How a branch's commits reached the target, and the upstream commit that holds them (when known)."""

    kind: str  # ancestor | rebase | squash
    upstream: str | None


def stepped_over(branch: str, merged: Merged) -> str:
    """Return how a run notes a merged parent it stepped over (``Plan.parent_merged``): ``BRANCH KIND [UPSTREAM]``
    (a branch name holds no space)."""
    return " ".join((branch, merged.kind, *((merged.upstream,) if merged.upstream else ())))


def read_stepped_over(note: str) -> tuple[str, Merged] | None:
    """Return the parent and how it was merged from a note ``stepped_over`` wrote (None: "", no parent)."""
    if not note:
        return None
    branch, kind, *upstream = note.split()
    return branch, Merged(kind=kind, upstream=upstream[0] if upstream else None)


@dataclass(frozen=True, kw_only=True)
class Node:
    """One local branch of the graph."""

    branch: str
    tip: str
    parent: Parent
    recorded_base: str | None  # branch.<name>.alignBase
    worktree: str  # the working tree it is checked out in ("" when none)


@dataclass(frozen=True, kw_only=True)
class Graph:
    """Every local branch but the target's, with its parent; the target is the root of every stack."""

    target: str  # the target's name (``main``)
    onto: str  # what the target is read from (``origin/main``)
    onto_sha: str
    nodes: Mapping[str, Node]

    def parent_tip(self, branch: str) -> str:
        """Return the commit ``branch``'s parent points at (the target's for a branch on the target)."""
        parent = self.nodes[branch].parent
        return self.onto_sha if parent.is_target else self.nodes[parent.name].tip

    def parent_ref(self, branch: str) -> str:
        """Return the ref of ``branch``'s parent (``refs/heads/P``), or the target's ``onto``."""
        parent = self.nodes[branch].parent
        return self.onto if parent.is_target else f"refs/heads/{parent.name}"

    def children(self, branch: str | None) -> list[str]:
        """Return the branches whose parent is ``branch`` (None: the target), in name order."""
        return sorted(
            name
            for name, node in self.nodes.items()
            if (node.parent.is_target if branch is None else not node.parent.is_target and node.parent.name == branch)
        )

    def ancestors(self, branch: str) -> list[str]:
        """Return ``branch``'s parents up to the target, nearest first (the target not included)."""
        found = []
        node = self.nodes[branch]
        while not node.parent.is_target:
            found.append(node.parent.name)
            node = self.nodes[node.parent.name]
        return found

    def descendants(self, branch: str) -> list[str]:
        """Return the branches stacked on ``branch``, parents before children."""
        found = []
        for child in self.children(branch):
            found += [child, *self.descendants(child)]
        return found

    def stack(self, branch: str) -> list[str]:
        """Return ``branch``'s stack: its ancestors up to the target, itself and its descendants, in order."""
        return [*reversed(self.ancestors(branch)), branch, *self.descendants(branch)]

    def order(self, selection: Iterable[str] | None = None) -> list[str]:
        """Return ``selection`` (default: every branch) parents before children, independent stacks in name
        order (a depth-first walk from the target, children by name)."""
        everything = [name for root in self.children(None) for name in (root, *self.descendants(root))]
        if selection is None:
            return everything
        wanted = set(selection)
        missing = sorted(wanted - set(self.nodes))
        if missing:
            raise KeyError(", ".join(missing))
        return [name for name in everything if name in wanted]


def find_cycle(parents: Mapping[str, str]) -> list[str] | None:
    """Return a cycle in ``parents`` (branch -> parent) as ``[a, b, ..., a]``, or None."""
    for start in sorted(parents):
        path = [start]
        seen = {start}
        current = start
        while current in parents:
            current = parents[current]
            if current in seen:
                return [*path[path.index(current) :], current]
            seen.add(current)
            path.append(current)
    return None


def refuse_cycle(parents: Mapping[str, str]) -> None:
    """Refuse (exit 4) a cycle in the parents git config holds (set by hand: ``align track`` refuses one)."""
    cycle = find_cycle(parents)
    if cycle is not None:
        shown = " -> ".join(cycle)
        raise Refusal(
            f"the parents declared (or imported) in git config form a cycle: {shown} (each arrow points at the parent)",
            hint=f"break it: `align untrack {cycle[0]}` or `align track {cycle[0]} --parent BRANCH`",
        )
