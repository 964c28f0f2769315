"""``align tree [--format text|json]``: the branch graph, each branch under its parent, with what a run would do.

Per branch: its parent and where that came from (declared, imported, inferred), its base, commits ahead of and
behind its parent, whether its commits already reached the target (ancestor, rebase, squash, with the upstream
commit), the working tree it is checked out in, and the exact forecast of aligning it onto its parent (the
in-memory engine's replay, as ``align plan`` makes it). Nothing changes: no ref, config, index or file (the
forecast writes objects only).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from align import __version__
from align.commands.forecast import CLEAN, CONFLICT, UNKNOWN, UP_TO_DATE, Forecast, forecast
from align.errors import Refusal
from align.git import Git
from align.graph.build import HEADS, Loaded, base_of, load
from align.graph.merged import merged
from align.graph.model import Base, Merged, Node
from align.plan import Options, Plan, locate, make_plan, onto_commit

SCHEMA_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class Row:
    """One branch of the tree, with everything ``align tree`` says of it."""

    node: Node
    depth: int
    base: Base | None
    ahead: int
    behind: int
    own: int | None  # commits above its base: what a run moves (None: no base)
    merged: Merged | None
    forecast: Forecast


def run(args: argparse.Namespace) -> int:
    """Print the graph of the local branches."""
    git = Git(Path.cwd())
    plan = first_plan(git, args)
    if plan is None:
        print("no local branch to show")
        return 0
    onto_sha = onto_commit(git, plan.onto)
    if onto_sha is None:
        raise Refusal(
            f"{plan.onto} does not exist here: the target is needed to place the branches",
            hint=f"`git fetch {plan.remote} {plan.target}` first",
        )
    loaded = load(git, target=plan.target, onto=plan.onto, onto_sha=onto_sha)
    rows = _rows(git, loaded, plan)
    if args.format == "json":
        print(json.dumps(as_json(loaded, rows), indent=2, ensure_ascii=False))
    else:
        print(text(loaded, rows))
    return 0


def first_plan(git: Git, args: argparse.Namespace) -> Plan | None:
    """Return a plan for the checked-out branch (or the first local one): it names the target and the recipe."""
    location = locate(git)
    branch = location.head_ref.removeprefix(HEADS) if location.head_ref else None
    if branch is None:
        names = sorted(git.refs(HEADS))
        if not names:
            return None
        branch = names[0].removeprefix(HEADS)
    return make_plan(git, Options.from_args(args, branch))


def _rows(git: Git, loaded: Loaded, plan: Plan) -> list[Row]:
    graph = loaded.graph
    states = merged(git, loaded)
    rows = []
    for name in graph.order():
        node = graph.nodes[name]
        parent_tip = graph.parent_tip(name)
        counts = git.run("rev-list", "--left-right", "--count", f"{parent_tip}...{node.tip}", "--").stdout.split()
        # A parent merged into the target is stepped over, as a run steps over it (align.graph.place).
        over = not node.parent.is_target and states.get(node.parent.name) is not None
        onto = plan.onto if node.parent.is_target or over else graph.parent_ref(name)
        base = base_of(git, loaded, name)
        upstream = base.sha if base is not None and not node.parent.is_target else ""  # as a run moves it
        branch_plan = replace(plan, branch=name, ref=f"{HEADS}{name}", tip=node.tip, onto=onto, upstream=upstream)
        own = git.run("rev-list", "--count", f"{base.sha}..{node.tip}", "--").stdout if base is not None else None
        rows.append(
            Row(
                node=node,
                depth=len(graph.ancestors(name)),
                base=base,
                ahead=int(counts[1]),
                behind=int(counts[0]),
                own=int(own) if own is not None else None,
                merged=states[name],
                forecast=forecast(git, branch_plan),
            )
        )
    return rows


def text(loaded: Loaded, rows: list[Row]) -> str:
    """Return the tree as ``align tree`` prints it: the target, then each branch indented under its parent."""
    graph = loaded.graph
    lines = [f"{graph.target} ({graph.onto} at {graph.onto_sha[:12]})"]
    if not rows:
        lines.append("  no other local branch")
    for row in rows:
        node, indent = row.node, "  " * (row.depth + 1)
        parent = node.parent
        source = f"{parent.source} from {parent.imported_from}" if parent.imported_from else parent.source
        mine = f" ({row.own} of its own)" if row.own is not None and row.own != row.ahead else ""
        counts = f"{row.ahead} ahead{mine}, {row.behind} behind {parent.name}"
        lines.append(f"{indent}{node.branch}: parent {parent.name} ({source}), {counts}")
        more = indent + "    "
        if row.base is not None:
            lines.append(f"{more}base: {row.base.sha[:12]} ({row.base.source})")
        if row.merged is not None:
            where = f" in {row.merged.upstream[:12]}" if row.merged.upstream else ""
            lines.append(f"{more}merged: {row.merged.kind}{where}")
        if node.worktree:
            lines.append(f"{more}worktree: {node.worktree}")
        lines.append(f"{more}forecast: {_said(row.forecast)}")
        lines += [f"{more}note: {note}" for note in parent.ignored]
    return "\n".join(lines)


def _said(found: Forecast) -> str:
    """Return the forecast in a few words: up to date, clean (with counts), conflict at..., or why none."""
    if found.outcome == UP_TO_DATE:
        return "up to date"
    if found.outcome == CLEAN:
        return f"clean, {len(found.replay)} to replay, {len(found.upstream)} already upstream"
    stop = found.stop
    if found.outcome == CONFLICT and stop is not None and stop.commit is not None:
        return f"conflict at {stop.commit.sha[:12]} {stop.commit.subject} in {stop.described()}"
    if found.outcome == CONFLICT and found.stop is not None:
        return f"conflict in {found.stop.described()}"
    return f"unknown ({found.reason})" if found.reason else UNKNOWN


def as_json(loaded: Loaded, rows: list[Row]) -> dict[str, Any]:
    """Return the tree as ``schemas/tree.schema.json`` describes it."""
    graph = loaded.graph
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "target": graph.target,
        "onto": graph.onto,
        "onto_commit": graph.onto_sha,
        "branches": [_branch(row) for row in rows],
    }


def _branch(row: Row) -> dict[str, Any]:
    node, parent, found = row.node, row.node.parent, row.forecast
    stop = found.stop
    return {
        "branch": node.branch,
        "tip": node.tip,
        "depth": row.depth,
        "parent": {
            "name": parent.name,
            "source": parent.source,
            "is_target": parent.is_target,
            "imported_from": parent.imported_from or None,
            "ignored": list(parent.ignored),
        },
        "base": None if row.base is None else {"commit": row.base.sha, "source": row.base.source},
        "recorded_base": node.recorded_base,
        "ahead": row.ahead,
        "behind": row.behind,
        "own": row.own,
        "merged": None if row.merged is None else {"kind": row.merged.kind, "upstream": row.merged.upstream},
        "worktree": node.worktree or None,
        "forecast": {
            "outcome": found.outcome,
            "reason": found.reason or None,
            "engine": found.engine or None,
            "replay": len(found.replay),
            "upstream": len(found.upstream),
            "empty": len(found.empty),
            "conflict": None if stop is None else stop.as_json(),
        },
    }
